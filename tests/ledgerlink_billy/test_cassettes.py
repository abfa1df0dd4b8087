"""Recorded cassettes pin the Billy wire format of each connector flow.

Each flow replays from a committed cassette (record mode ``none``): requests must
match the recording on method, path, query (filters, ``include``, paging) and
body, so any change to what the connector sends fails here. The cassettes are
recorded through the emulator served on 127.0.0.1 with
``LEDGERLINK_RECORD_CASSETTES=1``; the ``X-Access-Token`` header is scrubbed by
the HTTP layer's hooks before anything is written. Ids are Billy's (the
emulator's, kept in the recorded answers), so a replay sends the same ones.
One value is a moment of the run: the credit note's ``entryDate`` (the connector
dates a credit note today). The kit compares top-level body fields by presence,
so in the flow that credits, the ``invoice`` bodies are compared by presence and
the credit note's fields are asserted by the test instead.
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
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.request import Request

from ledgerlink import Address, Customer, InvoiceDraft, InvoiceLine, Product
from ledgerlink.errors import ValidationError
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.testing.cassettes import recorder, recording
from ledgerlink_billy import BillyConnector
from ledgerlink_billy.emulator import BillyEmulator

CASSETTES = Path(__file__).with_name("cassettes")
RECORD = recording()
#: The company's token while recording; it must never reach a cassette.
TOKEN = "billy-cassette-token-5f0c2a9e7b1d4c3a"
#: Never contacted when replaying: vcrpy answers before any connection is made.
REPLAY_BASE = "http://127.0.0.1:9"
PINNED_HEADERS = ("Accept", "Content-Type")
CUSTOMER = Customer(id="cas-1", name="Kassette ApS", email="bogholderi@kassette.example",
                    address=Address("Vestergade 1", "8000", "Aarhus C", "DK"),
                    registration_number="DK13585628")
PRODUCT = Product("window-cleaning", "Vinduespudsning", unit_price=Decimal(400))
ISSUED = date(2026, 11, 22)
DUE = date(2026, 12, 22)


def _draft(key: str, product: str, *lines: InvoiceLine) -> tuple[InvoiceDraft, dict[str, str]]:
    work = list(lines) or [InvoiceLine("Vinduespudsning", Decimal(2), Decimal(400), Decimal(25),
                                       product_id=PRODUCT.id, source_key="wo:WO-CAS-1")]
    return InvoiceDraft(key, CUSTOMER.id, "DKK", ISSUED, DUE, work), {PRODUCT.id: product}


@contextmanager
def _book(name: str, *, volatile_body: tuple[str, ...] = (),
          record: bool = RECORD) -> Iterator[tuple[BillyConnector, Any]]:
    """A connector replaying (or recording) the cassette ``name``, and the cassette."""
    path = CASSETTES / name
    if not record and not path.exists():
        pytest.fail(f"cassette {name} is missing: record it with LEDGERLINK_RECORD_CASSETTES=1")
    cassette = recorder(path, record=record, volatile_body=volatile_body,
                        headers=PINNED_HEADERS)
    if record:
        emulator = BillyEmulator()
        org = emulator.create_organization("Kassette Tømrer ApS", access_token=TOKEN)
        with (emulator.serve() as server, cassette as recorded,
              _connector(server.base_url, org.id, TOKEN) as book):
            yield book, recorded
        return
    with cassette as replayed, _connector(REPLAY_BASE, "replayed", "replayed") as book:
        yield book, replayed


def _connector(base: str, organization: str, token: str) -> BillyConnector:
    return BillyConnector(organization_id=organization, access_token=token, base_url=base,
                          limiters=LimiterRegistry())


def _sent(cassette: Any, method: str, path_end: str) -> list[Request]:
    return [r for r in cassette.requests if r.method == method and r.path.endswith(path_end)]


def _json(request: Request) -> Any:
    body = request.body
    return json.loads(body.decode() if isinstance(body, bytes) else body)


def _all_played(cassette: Any) -> None:
    assert RECORD or cassette.all_played  # nothing plays while recording


def _start(book: BillyConnector, key: str) -> tuple[str, Any]:
    """A contact and a product, then a draft keyed ``key``: the contact id and the draft."""
    ref = book.create_customer(CUSTOMER)
    draft, refs = _draft(key, book.create_product(PRODUCT))
    return ref, book.create_invoice(draft, ref, refs)


def test_create_contact() -> None:
    """A contact carries the customer id as contactNo, its type, country, CVR digits and
    payment terms, with its e-mail on an embedded primary contact person."""
    with _book("create_contact.yaml") as (book, cassette):
        ref = book.create_customer(CUSTOMER)
        assert book.find_customer(CUSTOMER) == ref
        _all_played(cassette)
    (create,) = _sent(cassette, "POST", "/v2/contacts")
    contact = _json(create)["contact"]
    assert (contact["contactNo"], contact["type"], contact["countryId"],
            contact["registrationNo"], contact["paymentTermsDays"]) == (
        "cas-1", "company", "DK", "13585628", 8)
    assert contact["contactPersons"] == [{"name": "Kassette ApS", "isPrimary": True,
                                          "email": "bogholderi@kassette.example"}]


def test_create_draft_with_lines() -> None:
    """A draft is one POST with its lines, the key in externalId, prices excl. VAT; the
    answer is taken as it is (no read after it)."""
    with _book("create_draft.yaml") as (book, cassette):
        _, created = _start(book, "inv:WO-CAS-1")
        assert (created.key, created.booked, created.total, created.line_keys) == (
            "inv:WO-CAS-1", False, Decimal("1000.00"), ("wo:WO-CAS-1",))
        _all_played(cassette)
    (create,) = _sent(cassette, "POST", "/v2/invoices")
    invoice = _json(create)["invoice"]
    assert (invoice["externalId"], invoice["taxMode"], invoice["entryDate"],
            invoice["paymentTermsDays"]) == ("inv:WO-CAS-1", "excl", "2026-11-22", 30)
    assert [line["discountText"] for line in invoice["lines"]] == ["ledgerlink:wo:WO-CAS-1"]
    assert not _sent(cassette, "GET", f"/v2/invoices/{created.provider_id}")


def test_add_lines_to_a_draft() -> None:
    """Work added to an open draft is a POST to invoiceLines; the invoice is never PUT."""
    with _book("add_lines.yaml") as (book, cassette):
        _, created = _start(book, "draft:cas-1:2026-11")
        more = InvoiceLine("Rensning af tagrender", Decimal(1), Decimal(300), Decimal(25),
                           product_id=PRODUCT.id, source_key="wo:WO-CAS-2")
        refs = {PRODUCT.id: book.find_product(PRODUCT) or ""}
        changed = book.replace_lines(created.provider_id, "wo:WO-CAS-2", [more], refs)
        assert set(changed.line_keys) == {"wo:WO-CAS-1", "wo:WO-CAS-2"}
        assert changed.total == Decimal("1375.00")
        _all_played(cassette)
    (added,) = _sent(cassette, "POST", "/v2/invoiceLines")
    assert _json(added)["invoiceLine"]["invoiceId"] == created.provider_id
    assert not _sent(cassette, "PUT", f"/v2/invoices/{created.provider_id}")


def test_approve_and_email() -> None:
    """Approval is a PUT of the state alone; the e-mail goes to the primary contact person
    with the subject and body filled in; neither reads the invoice first."""
    with _book("approve_email.yaml") as (book, cassette):
        _, created = _start(book, "inv:WO-CAS-1")
        approved = book.book(created.provider_id)
        assert approved.booked and approved.number
        book.send(created.provider_id)
        _all_played(cassette)
    (put,) = _sent(cassette, "PUT", f"/v2/invoices/{created.provider_id}")
    assert _json(put) == {"invoice": {"state": "approved"}}
    (mail,) = _sent(cassette, "POST", f"/v2/invoices/{created.provider_id}/emails")
    email = _json(mail)["email"]
    assert set(email) == {"contactPersonId", "emailSubject", "emailBody"}
    assert email["emailSubject"] == f"Faktura {approved.number} fra Kassette Tømrer ApS"
    assert not _sent(cassette, "GET", f"/v2/invoices/{created.provider_id}")


def test_pdf_payment_and_credit_note() -> None:
    """The PDF comes from the downloadUrl; a payment is a bank payment associated with the
    invoice; the credit note names the invoice and copies its lines."""
    with _book("pdf_payment_credit.yaml", volatile_body=("invoice",)) as (book, cassette):
        _, created = _start(book, "inv:WO-CAS-1")
        book.book(created.provider_id)
        assert book.pdf(created.provider_id).startswith(b"%PDF-")
        paid = book.register_payment(created.provider_id, Decimal(400), date(2026, 11, 30))
        assert paid.balance == Decimal(600)
        note = book.credit(created.provider_id, "credit:inv:WO-CAS-1")
        assert (note.credit_for, note.total, note.booked) == (
            created.provider_id, Decimal(-1000), True)
        _all_played(cassette)
    credit = _json(_sent(cassette, "POST", "/v2/invoices")[-1])["invoice"]
    assert (credit["type"], credit["creditedInvoiceId"], credit["externalId"]) == (
        "creditNote", created.provider_id, "credit:inv:WO-CAS-1")
    assert [line["unitPrice"] for line in credit["lines"]] == [400]
    (payment,) = _sent(cassette, "POST", "/v2/bankPayments")
    body = _json(payment)["bankPayment"]
    assert (body["cashAmount"], body["cashSide"], body["associations"]) == (
        400, "debit", [{"subjectReference": f"invoice:{created.provider_id}"}])


def test_delete_a_draft_and_find_by_key() -> None:
    """A draft is found by its key (the externalId filter) and deleted; then it is gone."""
    with _book("delete.yaml") as (book, cassette):
        _, created = _start(book, "draft:cas-1:2026-12")
        found = book.find_invoice("draft:cas-1:2026-12")
        assert found is not None and found.provider_id == created.provider_id
        book.delete(created.provider_id)
        assert book.find_invoice("draft:cas-1:2026-12") is None
        _all_played(cassette)
    finds = _sent(cassette, "GET", "/v2/invoices")
    assert all("externalId=draft%3Acas-1%3A2026-12" in r.uri for r in finds)
    assert len(_sent(cassette, "DELETE", f"/v2/invoices/{created.provider_id}")) == 1


def test_a_vat_mismatch_is_refused_before_any_write() -> None:
    """A 12 % line on a product Billy charges 25 % for is refused naming both rates."""
    with _book("vat_mismatch.yaml") as (book, cassette):
        ref = book.create_customer(CUSTOMER)
        twelve = InvoiceLine("Reservedele", Decimal(1), Decimal(100), Decimal(12),
                             product_id=PRODUCT.id, source_key="wo:WO-CAS-3")
        draft, refs = _draft("inv:WO-CAS-3", book.create_product(PRODUCT), twelve)
        with pytest.raises(ValidationError, match=r"VAT 12 % but Billy charges 25 %"):
            book.create_invoice(draft, ref, refs)
        _all_played(cassette)
    assert not _sent(cassette, "POST", "/v2/invoices")


def test_a_changed_contact_body_fails_the_replay() -> None:
    """A request that differs from the recording is not answered from it."""
    other = Customer(id="cas-2", name="Anden ApS", email="a@example.com")
    with (pytest.raises(CannotOverwriteExistingCassetteException),
          _book("create_contact.yaml", record=False) as (book, _)):
        book.create_customer(other)


FLOWS = ("create_contact.yaml", "create_draft.yaml", "add_lines.yaml", "approve_email.yaml",
         "pdf_payment_credit.yaml", "delete.yaml", "vat_mismatch.yaml")


def test_cassettes_hold_no_secrets() -> None:
    """The company's token appears in no cassette; the header is there, scrubbed."""
    for name in FLOWS:
        text = (CASSETTES / name).read_text(encoding="utf-8")
        assert TOKEN not in text, name
        assert "X-Access-Token" in text or "x-access-token" in text.lower(), name
