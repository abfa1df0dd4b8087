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

from ledgerlink.errors import ValidationError

__all__ = ["SIGNATURE_HEADER", "EntityChange", "parse_notifications", "sign", "verify_signature"]

#: The header carrying the signature.
SIGNATURE_HEADER = "intuit-signature"


def sign(body: bytes, verifier_token: str) -> str:
    """The ``intuit-signature`` value for ``body``."""
    digest = hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_signature(body: bytes, signature: str | None, verifier_token: str) -> bool:
    """True when ``signature`` is QuickBooks' signature of the raw ``body``."""
    if not signature:
        return False
    return hmac.compare_digest(sign(body, verifier_token), signature.strip())


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
        raise ValidationError(f"webhook payload: {where} lacks {key!r}", field=key, value=value)
    return value


def _legacy(payload: Mapping[str, Any]) -> list[EntityChange]:
    changes = []
    for index, notification in enumerate(payload.get("eventNotifications") or []):
        where = f"eventNotifications[{index}]"
        realm = _text(notification, "realmId", where)
        entities = (notification.get("dataChangeEvent") or {}).get("entities") or []
        for number, entity in enumerate(entities):
            at = f"{where}.dataChangeEvent.entities[{number}]"
            changes.append(EntityChange(
                realm, _text(entity, "name", at), _text(entity, "id", at),
                _text(entity, "operation", at), _instant(entity.get("lastUpdated")),
                entity.get("deletedId")))
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
        if len(kind) < 3 or kind[0] != "qbo":
            raise ValidationError("webhook payload: event type is not qbo.<entity>.<op>.v1",
                                  field=f"{where}.type", value=event.get("type"))
        data = event.get("data") or {}
        changes.append(EntityChange(
            _text(event, "intuitaccountid", where), kind[1].capitalize(),
            _text(event, "intuitentityid", where), _operation(kind[2]),
            _instant(event.get("time")),
            data.get("deletedid") if isinstance(data, Mapping) else None))
    return changes


def parse_notifications(body: bytes | str) -> list[EntityChange]:
    """Every entity change in a delivery, whichever of the two formats it uses.

    Raises ValidationError naming what is wrong for a body that is neither.
    """
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise ValidationError(f"webhook payload is not JSON: {err}") from None
    if isinstance(payload, list):
        return _cloudevents(payload)
    if isinstance(payload, Mapping) and "eventNotifications" in payload:
        return _legacy(payload)
    raise ValidationError("webhook payload is neither CloudEvents nor eventNotifications")
