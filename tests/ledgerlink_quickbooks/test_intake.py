"""Webhook intake: signed deliveries in both formats become "these invoices changed"."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerlink import errors
from ledgerlink.errors import ValidationError
from ledgerlink.refreshing import RefreshResult
from ledgerlink.status import InvoiceStatus
from ledgerlink.store import Store
from ledgerlink.testing.factories import make_customer, make_invoice_draft
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from ledgerlink_quickbooks.emulator.state import ChangeEvent
from ledgerlink_quickbooks.emulator.webhooks import (
    cloudevents_payload,
    deliver,
    encode,
    legacy_payload,
    sign,
)
from ledgerlink_quickbooks.intake import (
    InvoiceNotice,
    WebhookSignatureError,
    invoice_notice,
    refresh_from_webhook,
)
from ledgerlink_quickbooks.webhooks import SIGNATURE_HEADER
from tests.ledgerlink_quickbooks.support import build_connector
from tests.paths import SHARED

TOKEN = "verifier-token-for-tests"
VECTOR = SHARED / "providers/quickbooks/examples/webhooks/signature-test-vector.json"


def new_invoice(quickbooks: QuickBooksConnector) -> str:
    customer = make_customer()
    return quickbooks.create_invoice(make_invoice_draft(customer=customer),
                                     quickbooks.create_customer(customer), {}).provider_id


@pytest.fixture
def other(emulator: QuickBooksEmulator, tmp_path: Path) -> Iterator[QuickBooksConnector]:
    """A second company on the same emulator, whose events share deliveries with ours.

    Ids count per company: its first ids are used up, so its invoices never
    share an id with ours in these tests.
    """
    connector = build_connector(emulator, tmp_path / "other")
    for number in range(20):
        emulator.seed(connector.realm_id, "Customer", {"DisplayName": f"Filler {number}"})
    try:
        yield connector
    finally:
        connector.close()


def delivery(events: list[ChangeEvent], *, cloudevents: bool) -> bytes:
    return encode(cloudevents_payload(events) if cloudevents else legacy_payload(events))


@pytest.mark.parametrize("cloudevents", [True, False], ids=["cloudevents", "legacy"])
def test_both_formats_name_this_realms_invoices_only(
        emulator: QuickBooksEmulator, quickbooks: QuickBooksConnector, other: QuickBooksConnector,
        cloudevents: bool) -> None:
    """Changed and deleted invoices of our realm; customers and the other realm are dropped."""
    kept, voided, gone = (new_invoice(quickbooks) for _ in range(3))
    quickbooks.void(voided)
    quickbooks.delete(gone)
    theirs = new_invoice(other)
    events = emulator.events(quickbooks.realm_id) + emulator.events(other.realm_id)
    assert {e.name for e in events} >= {"Invoice", "Customer"}
    body = delivery(events, cloudevents=cloudevents)
    notice = invoice_notice(body, sign(body, TOKEN), TOKEN, quickbooks.realm_id)
    assert notice == InvoiceNotice(changed=(kept, voided), deleted=(gone,))
    assert theirs not in (kept, voided, gone)
    assert invoice_notice(body, sign(body, TOKEN), TOKEN, other.realm_id).ids == (theirs,)


def test_a_wrong_or_missing_signature_is_rejected_before_parsing(
        emulator: QuickBooksEmulator, quickbooks: QuickBooksConnector) -> None:
    """An altered body, another token or no header: WebhookSignatureError, nothing read."""
    new_invoice(quickbooks)
    body = delivery(emulator.events(quickbooks.realm_id), cloudevents=True)
    signature = sign(body, TOKEN)
    with pytest.raises(WebhookSignatureError, match="does not match the body"):
        invoice_notice(body + b" ", signature, TOKEN, quickbooks.realm_id)
    with pytest.raises(WebhookSignatureError, match="does not match the body"):
        invoice_notice(body, signature, TOKEN + "x", quickbooks.realm_id)
    with pytest.raises(WebhookSignatureError, match="intuit-signature header is missing"):
        invoice_notice(body, None, TOKEN, quickbooks.realm_id)
    not_json = b"<xml/>"
    with pytest.raises(ValidationError, match="not JSON"):
        invoice_notice(not_json, sign(not_json, TOKEN), TOKEN, quickbooks.realm_id)


def test_a_malformed_header_or_signed_body_is_refused_by_kind() -> None:
    """A non-ASCII or non-base64 header: WebhookSignatureError (the core's, as
    ``ledgerlink.errors`` exports it); a signed body of the wrong shape: ValidationError."""
    assert WebhookSignatureError is errors.WebhookSignatureError
    assert issubclass(WebhookSignatureError, ValidationError)
    body = b'{"eventNotifications": {"realmId": "1"}}'
    for header in ("sïgnätur€", "%%%", sign(body, TOKEN) + "é"):
        with pytest.raises(WebhookSignatureError, match="intuit-signature"):
            invoice_notice(body, header, TOKEN, "1")
    with pytest.raises(ValidationError, match="eventNotifications is not a list"):
        invoice_notice(body, sign(body, TOKEN), TOKEN, "1")
    deep = b"[" * 50_000 + b"]" * 50_000
    with pytest.raises(ValidationError, match="nested too deep"):
        invoice_notice(deep, sign(deep, TOKEN), TOKEN, "1")


def test_the_official_signature_vector_is_accepted() -> None:
    """Intuit's published body and signature pass; its entities are no invoices."""
    if not VECTOR.exists():
        pytest.skip(f"official QuickBooks material not found at {VECTOR} (set LEDGERLINK_SHARED)")
    vector = json.loads(VECTOR.read_text())
    body = vector["raw_body"].encode()
    notice = invoice_notice(body, vector["expected_signature"], vector["verifier_token"],
                            "1269959970")
    assert notice == InvoiceNotice((), ())


class Receiver:
    """An app's webhook endpoint on 127.0.0.1: verify, refresh, answer 200 (401 if unsigned)."""

    def __init__(self, connector: QuickBooksConnector, store: Store) -> None:
        self.results: list[RefreshResult] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                try:
                    receiver.results.append(refresh_from_webhook(
                        connector, store, body, self.headers.get(SIGNATURE_HEADER), TOKEN))
                except WebhookSignatureError:
                    self.send_response(401)
                else:
                    self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/quickbooks"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class CountingTransport(httpx.BaseTransport):
    """The emulator's transport, remembering which invoices were read."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.reads: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.split("/")
        if request.method == "GET" and len(parts) >= 2 and parts[-2] == "invoice":
            self.reads.append(parts[-1])
        return self.inner.handle_request(request)


@pytest.mark.parametrize("cloudevents", [True, False], ids=["cloudevents", "legacy"])
def test_a_delivery_refreshes_exactly_the_invoices_it_names(
        emulator: QuickBooksEmulator, tmp_path: Path, cloudevents: bool) -> None:
    """End to end over 127.0.0.1: the emulator's signed delivery refreshes those invoices."""
    transport = CountingTransport(emulator.transport())
    quickbooks = build_connector(emulator, tmp_path, transport=transport)
    store = Store(tmp_path / "journal.db")
    receiver = Receiver(quickbooks, store)
    try:
        quiet, voided, gone, paid = (new_invoice(quickbooks) for _ in range(4))
        stranger = new_invoice(quickbooks)  # in the book, not made by ledgerlink
        with store.transaction(quickbooks.account) as tx:
            for key, pid in (("inv:q", quiet), ("inv:v", voided), ("inv:g", gone),
                             ("inv:p", paid)):
                tx.invoice(key, "c", "book", False, "DKK", pending=False, remote_id=pid)
        mark = emulator.events(quickbooks.realm_id)[-1].at
        quickbooks.void(voided)
        quickbooks.delete(gone)
        quickbooks.register_payment(paid, quickbooks.get_invoice(paid).total,
                                    quickbooks.get_invoice(paid).issue_date)
        quickbooks.void(stranger)
        events = emulator.events(quickbooks.realm_id, since=mark)
        transport.reads.clear()
        answer = deliver(receiver.url, events, TOKEN, cloudevents=cloudevents)
        assert answer.status_code == 200
        (result,) = receiver.results
        assert sorted(transport.reads) == sorted([voided, gone, paid])
        assert {c.key: c.after for c in result.changes} == {
            "inv:v": InvoiceStatus.VOID, "inv:g": InvoiceStatus.DELETED,
            "inv:p": InvoiceStatus.PAID}
        facts = {f.key: f for f in store.invoice_facts(quickbooks.account)}
        assert facts["inv:q"].refreshed_at is None
        assert deliver(receiver.url, events, TOKEN + "-wrong").status_code == 401
        assert len(receiver.results) == 1
    finally:
        receiver.close()
        quickbooks.close()
