"""Webhook notifications: legacy ``eventNotifications`` and CloudEvents, signed and delivered.

The signature is what QuickBooks puts in ``intuit-signature``: base64 of
HMAC-SHA256 over the exact raw body, keyed with the app's verifier token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from ledgerlink_quickbooks.emulator.state import ChangeEvent

SIGNATURE_HEADER = "intuit-signature"
CLOUDEVENTS_SOURCE = "intuit.emulator"
# CloudEvents ``type`` verbs; only "created" and "merged" appear in the official samples.
_VERBS = {
    "Create": "created",
    "Update": "updated",
    "Delete": "deleted",
    "Merge": "merged",
    "Void": "voided",
    "Emailed": "emailed",
}
DELIVERY_TIMEOUT = 3.0  # QuickBooks expects an answer within 3 seconds


def _stamp(moment: float) -> str:
    return (
        datetime.fromtimestamp(moment, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def legacy_payload(events: Iterable[ChangeEvent]) -> dict[str, Any]:
    """Group events per realm into the legacy ``eventNotifications`` format."""
    per_realm: dict[str, list[dict[str, str]]] = {}
    for event in events:
        per_realm.setdefault(event.realm_id, []).append(
            {
                "name": event.name,
                "id": event.entity_id,
                "operation": event.operation,
                "lastUpdated": _stamp(event.at),
            }
        )
    return {
        "eventNotifications": [
            {"realmId": realm, "dataChangeEvent": {"entities": entities}}
            for realm, entities in per_realm.items()
        ]
    }


def cloudevents_payload(events: Iterable[ChangeEvent]) -> list[dict[str, Any]]:
    """One CloudEvents 1.0 object per change (a JSON array, as QuickBooks sends)."""
    return [
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": CLOUDEVENTS_SOURCE,
            "type": f"qbo.{event.name.lower()}.{_VERBS.get(event.operation, 'updated')}.v1",
            "datacontenttype": "application/json",
            "time": _stamp(event.at),
            "intuitentityid": event.entity_id,
            "intuitaccountid": event.realm_id,
            "data": {},
        }
        for event in events
    ]


def encode(payload: object) -> bytes:
    """Serialise a payload compactly, as the body that gets signed and sent."""
    return json.dumps(payload, separators=(",", ":")).encode()


def sign(body: bytes, verifier_token: str) -> str:
    """Return the ``intuit-signature`` value for ``body``."""
    digest = hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(body: bytes, signature: str, verifier_token: str) -> bool:
    """Check a signature in constant time."""
    return hmac.compare_digest(sign(body, verifier_token), signature)


def deliver(
    url: str,
    events: Sequence[ChangeEvent],
    verifier_token: str,
    *,
    cloudevents: bool = True,
    client: httpx.Client | None = None,
) -> httpx.Response:
    """POST the signed notification for ``events`` to ``url`` and return the answer."""
    payload: object = cloudevents_payload(events) if cloudevents else legacy_payload(events)
    body = encode(payload)
    headers = {
        "content-type": "application/json; charset=utf-8",
        SIGNATURE_HEADER: sign(body, verifier_token),
        "intuit-t-id": str(uuid.uuid4()),
        "user-agent": "intuit_notification_server/0.1",
    }
    if client is not None:
        return client.post(url, content=body, headers=headers)
    with httpx.Client(timeout=DELIVERY_TIMEOUT) as own:
        return own.post(url, content=body, headers=headers)
