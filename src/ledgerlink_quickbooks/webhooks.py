"""QuickBooks webhooks: signature verification and "these entities changed".

QuickBooks signs each delivery with ``intuit-signature``: base64 of the
HMAC-SHA256 of the exact raw body, keyed with the app's verifier token. The
signature must be checked over the raw bytes before any JSON parsing, and
compared in constant time.

Two payload formats exist: the legacy ``{"eventNotifications": [...]}`` object
(one element per realm, each listing changed entities) and the CloudEvents
format, a JSON array of events (``type`` ``qbo.<entity>.<op>.v1``, realm in
``intuitaccountid``). Both become a list of :class:`EntityChange`; payloads carry
ids only, so a consumer re-reads the entities (or uses the change feed).

Whatever arrives, the outcome is one of three: the changes, a
:class:`~ledgerlink.errors.WebhookSignatureError` (:func:`check_signature`: the
header is missing, not ASCII base64 of a SHA-256 digest, or does not match),
or a :class:`~ledgerlink.errors.ValidationError` naming what is wrong in a
signed body (not JSON, nested too deep, a list or object where the other
belongs, a missing id).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ledgerlink.errors import ValidationError, WebhookSignatureError

__all__ = ["SIGNATURE_HEADER", "EntityChange", "check_signature", "parse_notifications", "sign",
           "verify_signature"]

#: The header carrying the signature.
SIGNATURE_HEADER = "intuit-signature"


def sign(body: bytes, verifier_token: str) -> str:
    """The ``intuit-signature`` value for ``body``."""
    digest = hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _signature_problem(body: bytes, signature: str | None, verifier_token: str) -> str | None:
    """What is wrong with ``signature`` for ``body`` (None: it is QuickBooks' signature)."""
    if not signature:
        return "is missing"
    try:
        given = base64.b64decode(signature.strip().encode("ascii"), validate=True)
    except (UnicodeEncodeError, ValueError):
        return "is not a base64 signature"
    wanted = hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()
    if not hmac.compare_digest(wanted, given):
        return "does not match the body"
    return None


def verify_signature(body: bytes, signature: str | None, verifier_token: str) -> bool:
    """True when ``signature`` is QuickBooks' signature of the raw ``body`` (any other
    header value, ASCII or not, is False)."""
    return _signature_problem(body, signature, verifier_token) is None


def check_signature(body: bytes, signature: str | None, verifier_token: str) -> None:
    """Return when ``signature`` is QuickBooks' signature of ``body``; otherwise raise
    WebhookSignatureError saying whether it is missing, malformed or wrong."""
    problem = _signature_problem(body, signature, verifier_token)
    if problem is not None:
        raise WebhookSignatureError(
            f"webhook rejected: the {SIGNATURE_HEADER} header {problem}; the delivery is "
            "not from QuickBooks, was altered, or was signed with another verifier token",
            field=SIGNATURE_HEADER)


@attrs.frozen
class EntityChange:
    """One changed entity.

    Attributes:
        realm_id: the company (realm) it belongs to.
        entity: the entity name as QuickBooks spells it (``Invoice``, ``Customer``).
        entity_id: its Id.
        operation: ``Create``, ``Update``, ``Delete``, ``Merge``, ``Void`` or ``Emailed``.
        changed_at: when it changed (the event's ``lastUpdated`` / ``time``).
        deleted_id: for a merge, the id that was merged away.
    """

    realm_id: str
    entity: str
    entity_id: str
    operation: str
    changed_at: datetime | None
    deleted_id: str | None = None


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _text(mapping: Mapping[str, Any], key: str, where: str) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value:
        raise ValidationError(f"webhook payload: {where} lacks {key!r}",
                              field=f"{where}.{key}".lstrip("."), value=_shown(value))
    return value


def _optional_text(mapping: Mapping[str, Any], key: str, where: str) -> str | None:
    value = mapping.get(key)
    if value is None or isinstance(value, str):
        return value or None
    raise ValidationError(f"webhook payload: {where}.{key} is not text",
                          field=f"{where}.{key}".lstrip("."), value=_shown(value))


def _shown(value: object) -> object:
    # Only scalars are echoed: a nested body could be huge.
    return value if value is None or isinstance(value, str | int | float | bool) else type(
        value).__name__


def _object(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(f"webhook payload: {where} is not an object", field=where,
                              value=_shown(value))
    return value


def _objects(parent: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]]:
    """``parent[key]``: a list of objects (absent or null: none)."""
    value = parent.get(key)
    if value is None:
        return []
    at = f"{where}.{key}".lstrip(".")
    if not isinstance(value, list):
        raise ValidationError(f"webhook payload: {at} is not a list", field=at,
                              value=_shown(value))
    return [_object(item, f"{at}[{index}]") for index, item in enumerate(value)]


def _legacy(payload: Mapping[str, Any]) -> list[EntityChange]:
    changes = []
    for index, notification in enumerate(_objects(payload, "eventNotifications", "")):
        where = f"eventNotifications[{index}]"
        realm = _text(notification, "realmId", where)
        event = notification.get("dataChangeEvent")
        event = {} if event is None else _object(event, f"{where}.dataChangeEvent")
        for number, entity in enumerate(_objects(event, "entities", f"{where}.dataChangeEvent")):
            at = f"{where}.dataChangeEvent.entities[{number}]"
            changes.append(EntityChange(
                realm, _text(entity, "name", at), _text(entity, "id", at),
                _text(entity, "operation", at), _instant(entity.get("lastUpdated")),
                _optional_text(entity, "deletedId", at)))
    return changes


def _operation(verb: str) -> str:
    # CloudEvents types use past-tense verbs; map them onto the legacy operation names.
    known = {"created": "Create", "updated": "Update", "deleted": "Delete", "merged": "Merge",
             "voided": "Void", "emailed": "Emailed"}
    return known.get(verb.lower(), verb.capitalize())


def _cloudevents(events: list[Any]) -> list[EntityChange]:
    changes = []
    for index, event in enumerate(events):
        where = f"[{index}]"
        if not isinstance(event, Mapping):
            raise ValidationError("webhook payload: an event is not an object", field=where)
        kind = _text(event, "type", where).split(".")
        if len(kind) < 3 or kind[0] != "qbo" or not kind[1] or not kind[2]:
            raise ValidationError("webhook payload: event type is not qbo.<entity>.<op>.v1",
                                  field=f"{where}.type", value=event.get("type"))
        data = event.get("data") or {}
        changes.append(EntityChange(
            _text(event, "intuitaccountid", where), kind[1].capitalize(),
            _text(event, "intuitentityid", where), _operation(kind[2]),
            _instant(event.get("time")),
            _optional_text(data, "deletedid", f"{where}.data")
            if isinstance(data, Mapping) else None))
    return changes


def parse_notifications(body: bytes | str) -> list[EntityChange]:
    """Every entity change in a delivery, whichever of the two formats it uses.

    Raises ValidationError naming what is wrong for a body that is neither.
    """
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise ValidationError(f"webhook payload is not JSON: {err}") from None
    except RecursionError:
        raise ValidationError("webhook payload is not JSON QuickBooks sends: nested too "
                              "deep") from None
    if isinstance(payload, list):
        return _cloudevents(payload)
    if isinstance(payload, Mapping) and "eventNotifications" in payload:
        return _legacy(payload)
    raise ValidationError("webhook payload is neither CloudEvents nor eventNotifications")
