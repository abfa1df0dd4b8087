"""Recorded cassettes pin the e-conomic wire format of each connector flow.

Each flow replays from a committed cassette (record mode ``none``): requests must
match the recording on method, path, query (filters, paging) and body, so any
change to what the connector sends fails here. The cassettes are recorded through
the emulator served on 127.0.0.1 with ``LEDGERLINK_RECORD_CASSETTES=1``; both
token headers (``X-AppSecretToken``, ``X-AgreementGrantToken``) are scrubbed by
the HTTP layer's hooks before anything is written, which a test checks. One value
is a moment of the run: a credit note's ``date`` (today), compared by presence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from vcr.request import Request

from ledgerlink import Address, Customer, InvoiceDraft, InvoiceLine
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.testing.cassettes import recorder, recording
from ledgerlink_economic import EconomicConnector
from ledgerlink_economic.emulator import EconomicEmulator
from tests.ledgerlink_economic.support import OPTIONS, prepare_agreement

CASSETTES = Path(__file__).with_name("cassettes")
RECORD = recording()
#: The tokens while recording; they must never reach a cassette.
APP_SECRET = "economic-cassette-app-secret-5f0c2a9e"
GRANT = "economic-cassette-grant-7b1d4c3a9e2f"
#: Never contacted when replaying: vcrpy answers before any connection is made.
REPLAY_BASE = "http://127.0.0.1:9"
PINNED_HEADERS = ("Accept", "Content-Type")
CUSTOMER = Customer(id="cas-1", name="Kassette ApS", email="bogholderi@kassette.example",
                    address=Address("Vestergade 1", "8000", "Aarhus C", "DK"),
                    registration_number="DK13585628")
ISSUED = date(2026, 11, 22)
DUE = date(2026, 11, 30)


def _draft(key: str) -> InvoiceDraft:
    line = InvoiceLine("Vinduespudsning", Decimal(2), Decimal(400), Decimal(25),
                       source_key="wo:WO-CAS-1")
    return InvoiceDraft(key, CUSTOMER.id, "DKK", ISSUED, DUE, (line,))


@contextmanager
def _book(name: str, *, volatile_body: tuple[str, ...] = ()
          ) -> Iterator[tuple[EconomicConnector, Any]]:
    """A connector replaying (or recording) the cassette ``name``, and the cassette."""
    path = CASSETTES / name
    if not RECORD and not path.exists():
        pytest.fail(f"cassette {name} is missing: record it with LEDGERLINK_RECORD_CASSETTES=1")
    cassette = recorder(path, record=RECORD, volatile_body=volatile_body,
                        headers=PINNED_HEADERS)
    if RECORD:
        emulator = EconomicEmulator()
        emulator.app_secret_token = APP_SECRET
        agreement = prepare_agreement(emulator)
        agreement.agreement_grant_token = GRANT
        emulator.add(agreement)
        with emulator.serve() as server, cassette as recorded, _connector(
                server.base_url, str(agreement.agreement_number)) as book:
            yield book, recorded
        return
    with cassette as replayed, _connector(REPLAY_BASE, "replayed") as book:
        yield book, replayed


def _connector(base: str, agreement: str) -> EconomicConnector:
    return EconomicConnector(agreement=agreement, app_secret_token=APP_SECRET,
                             grant_token=GRANT, base_url=base, limiters=LimiterRegistry(),
                             **OPTIONS)


def _sent(cassette: Any, method: str, path: str) -> list[Request]:
    return [r for r in cassette.requests if r.method == method and r.path == path]


def _json(request: Request) -> Any:
    body = request.body
    return json.loads(body.decode() if isinstance(body, bytes) else body)


def _all_played(cassette: Any) -> None:
    assert RECORD or cassette.all_played  # nothing plays while recording


def test_cassettes_keep_no_token() -> None:
    """No recorded request or answer holds either token (the scrubbing hooks ran)."""
    recorded = sorted(CASSETTES.glob("*.yaml"))
    assert recorded, "no cassettes recorded"
    for path in recorded:
        text = path.read_text(encoding="utf-8")
        assert APP_SECRET not in text and GRANT not in text, path.name
        assert "x-appsecrettoken:\n      - '[redacted]'" in text, path.name
        assert "x-agreementgranttoken:\n      - '[redacted]'" in text, path.name


def test_create_customer() -> None:
    """A customer is found by its CVR filter (URL-encoded), then created with its currency,
    the agreement's group, net 8 terms and the Domestic zone, its address, e-mail and CVR."""
    with _book("create_customer.yaml") as (book, cassette):
        assert book.find_customer(CUSTOMER) is None
        ref = book.create_customer(CUSTOMER)
        assert book.find_customer(CUSTOMER) == ref
        _all_played(cassette)
    finds = _sent(cassette, "GET", "/customers")
    assert finds[0].query[0] == ("filter", "corporateIdentificationNumber$eq:13585628")
    (create,) = _sent(cassette, "POST", "/customers")
    assert _json(create) == {
        "name": "Kassette ApS", "currency": "DKK", "customerGroup": {"customerGroupNumber": 1},
        "paymentTerms": {"paymentTermsNumber": 1}, "vatZone": {"vatZoneNumber": 1},
        "address": "Vestergade 1", "zip": "8000", "city": "Aarhus C", "country": "DK",
        "email": "bogholderi@kassette.example", "corporateIdentificationNumber": "13585628"}


def test_create_draft_add_lines_and_book() -> None:
    """A draft is one POST with the key in references.other and tagged lines; lines are
    added with POST .../lines; booking names the draft; the booked invoice keeps the key."""
    with _book("draft_lines_book.yaml") as (book, cassette):
        ref = book.create_customer(CUSTOMER)
        created = book.create_invoice(_draft("inv:WO-CAS-1"), ref, {})
        assert (created.provider_id, created.total, created.line_keys) == (
            "inv:WO-CAS-1", Decimal("1000.00"), ("wo:WO-CAS-1",))
        more = InvoiceLine("Rensning af tagrender", Decimal(1), Decimal(300), Decimal(25),
                           source_key="wo:WO-CAS-2")
        changed = book.replace_lines(created.provider_id, "wo:WO-CAS-2", [more], {})
        assert changed.total == Decimal("1375.00")
        booked = book.book(created.provider_id)
        assert (booked.provider_id, booked.number, booked.booked) == ("inv:WO-CAS-1", "1", True)
        assert book.pdf(created.provider_id).startswith(b"%PDF-")
        _all_played(cassette)
    (create,) = _sent(cassette, "POST", "/invoices/drafts")
    body = _json(create)
    assert (body["references"], body["layout"], body["paymentTerms"]) == (
        {"other": "inv:WO-CAS-1"}, {"layoutNumber": 19}, {"paymentTermsNumber": 1})
    assert body["lines"] == [{"description": "Vinduespudsning\nledgerlink:wo:WO-CAS-1",
                              "product": {"productNumber": "vat-25"}, "quantity": 2,
                              "unitNetPrice": 400}]
    (added,) = _sent(cassette, "POST", "/invoices/drafts/1/lines")
    assert [line["unitNetPrice"] for line in _json(added)["lines"]] == [300]
    (booking,) = _sent(cassette, "POST", "/invoices/booked")
    assert _json(booking) == {"draftInvoice": {"draftInvoiceNumber": 1}}
    assert all(r.headers.get("Idempotency-Key") for r in cassette.requests
               if r.method != "GET")


def test_credit_note_and_delete() -> None:
    """A credit note is a booked draft of the invoice's lines with negated quantities, keyed
    by the credit key and tied by its notes; a draft is deleted by its number."""
    with _book("credit_delete.yaml", volatile_body=("date",)) as (book, cassette):
        ref = book.create_customer(CUSTOMER)
        invoice = book.book(book.create_invoice(_draft("inv:WO-CAS-1"), ref, {}).provider_id)
        note = book.credit(invoice.provider_id, "credit:inv:WO-CAS-1")
        assert (note.credit_for, note.total, note.booked) == (
            "inv:WO-CAS-1", Decimal("-1000.00"), True)
        draft = book.create_invoice(_draft("draft:cas-1:2026-12"), ref, {})
        book.delete(draft.provider_id)
        assert book.find_invoice("draft:cas-1:2026-12") is None
        _all_played(cassette)
    credit = _json(_sent(cassette, "POST", "/invoices/drafts")[1])
    assert (credit["references"], credit["notes"]["textLine2"]) == (
        {"other": "credit:inv:WO-CAS-1"}, "Kreditnota til faktura 1")
    assert [line["quantity"] for line in credit["lines"]] == [-2]
    assert _sent(cassette, "DELETE", "/invoices/drafts/1")
    assert not _sent(cassette, "DELETE", "/invoices/drafts")
