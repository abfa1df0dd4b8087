"""Webhook payloads, signatures and delivery from the QuickBooks emulator."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from ledgerlink_quickbooks.emulator import (
    SIGNATURE_HEADER,
    QuickBooksEmulator,
    cloudevents_payload,
    deliver,
    legacy_payload,
    sign,
    verify,
)
from tests.ledgerlink_quickbooks.emulator.support import REALM, api, invoice_body, load_official

VERIFIER = "emulator-verifier-token"


def test_signature_matches_official_test_vector() -> None:
    """Signing the official raw body with its verifier token gives the published signature."""
    vector = load_official("examples/webhooks/signature-test-vector.json")
    body = vector["raw_body"].encode()
    assert sign(body, vector["verifier_token"]) == vector["expected_signature"]
    assert verify(body, vector["expected_signature"], vector["verifier_token"])
    assert not verify(body + b" ", vector["expected_signature"], vector["verifier_token"])


def test_payloads_match_official_shapes(
    emulator: QuickBooksEmulator, client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """Legacy and CloudEvents payloads have the keys of the official samples."""
    invoice = client.post(api("invoice"), json=invoice_body(seeded["customer"], seeded["item"]))
    events = [e for e in emulator.events(REALM) if e.name == "Invoice"]
    legacy = legacy_payload(events)
    official_legacy = load_official("examples/webhooks/legacy.eventNotifications.json")
    note, official_note = legacy["eventNotifications"][0], official_legacy["eventNotifications"][0]
    assert set(note) == set(official_note)
    entity = note["dataChangeEvent"]["entities"][0]
    assert set(entity) == set(official_note["dataChangeEvent"]["entities"][0])
    assert entity["id"] == invoice.json()["Invoice"]["Id"]
    cloud = cloudevents_payload(events)
    official_cloud = load_official("examples/webhooks/cloudevents.customer-created.json")
    assert set(cloud[0]) == set(official_cloud[0])
    assert cloud[0]["type"] == "qbo.invoice.created.v1"
    assert cloud[0]["intuitaccountid"] == REALM


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[bytes, str]]]]:
    """A local webhook endpoint on 127.0.0.1 that records body and signature."""
    received: list[tuple[bytes, str]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            received.append((body, self.headers[SIGNATURE_HEADER]))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Stay quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def test_delivery_is_signed(
    emulator: QuickBooksEmulator,
    client: httpx.Client,
    seeded: dict[str, Any],
    receiver: tuple[str, list[tuple[bytes, str]]],
) -> None:
    """Delivered notifications verify with the verifier token, in both formats."""
    url, received = receiver
    inv = client.post(api("invoice"), json=invoice_body(seeded["customer"], seeded["item"]))
    inv_id = inv.json()["Invoice"]["Id"]
    client.post(api("invoice"), params={"operation": "void"}, json={"Id": inv_id, "SyncToken": "0"})
    events = [e for e in emulator.events(REALM) if e.name == "Invoice"]
    assert [e.operation for e in events] == ["Create", "Void"]
    assert deliver(url, events, VERIFIER).status_code == 200
    assert deliver(url, events, VERIFIER, cloudevents=False).status_code == 200
    assert len(received) == 2
    for body, signature in received:
        assert verify(body, signature, VERIFIER)
    cloud, legacy = (json.loads(b) for b, _ in received)
    assert cloud[1]["type"] == "qbo.invoice.voided.v1"
    assert legacy["eventNotifications"][0]["realmId"] == REALM
