"""Writes against the emulator: request ids, replays, SyncToken retries and refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from ledgerlink.errors import ConflictError, ValidationError
from ledgerlink.testing.factories import (
    make_customer,
    make_invoice_draft,
    make_invoice_line,
    make_product,
)
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from tests.ledgerlink_quickbooks.support import build_connector


def _realm(quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator) -> object:
    return emulator.realms[quickbooks.realm_id]


def _invoices(quickbooks: QuickBooksConnector,
              emulator: QuickBooksEmulator) -> list[dict[str, object]]:
    return list(emulator.realms[quickbooks.realm_id].entities["Invoice"].values())


def test_every_call_has_minorversion_and_every_write_a_request_id(
    quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator
) -> None:
    """minorversion=75 rides on every call, a requestid of 32 hex characters on every write."""
    customer = make_customer()
    ref = quickbooks.create_customer(customer)
    created = quickbooks.create_invoice(make_invoice_draft(customer=customer), ref, {})
    quickbooks.send(created.provider_id)
    quickbooks.void(created.provider_id)
    records = [r for r in emulator.requests if r.realm_id == quickbooks.realm_id]
    assert records and all(r.minorversion == "75" for r in records)
    writes = [r for r in records if r.method == "POST" and r.path != "query"]
    assert len(writes) == 4
    assert all(r.requestid and len(r.requestid) == 32 for r in writes)


def test_the_same_create_sent_twice_makes_one_invoice(
    quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator
) -> None:
    """A repeated create carries the same requestid, so QuickBooks replays the first answer."""
    customer = make_customer()
    ref = quickbooks.create_customer(customer)
    draft = make_invoice_draft(customer=customer)
    first = quickbooks.create_invoice(draft, ref, {})
    second = quickbooks.create_invoice(draft, ref, {})
    assert first.provider_id == second.provider_id
    assert len(_invoices(quickbooks, emulator)) == 1
    assert any(r.replayed for r in emulator.requests)


def test_a_connection_dropped_after_the_commit_is_retried_without_a_duplicate(
    quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator
) -> None:
    """The HTTP layer retries the create with its requestid and gets the committed invoice."""
    customer = make_customer()
    ref = quickbooks.create_customer(customer)
    emulator.faults.drop_after_commit(1)
    draft = make_invoice_draft(customer=customer)
    created = quickbooks.create_invoice(draft, ref, {})
    assert [inv["Id"] for inv in _invoices(quickbooks, emulator)] == [created.provider_id]
    assert created.key == draft.key


def test_a_forgotten_request_id_falls_back_to_the_doc_number(
    quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator
) -> None:
    """Once QuickBooks no longer replays, the 6210 duplicate leads to our invoice, not a copy."""
    customer = make_customer()
    ref = quickbooks.create_customer(customer)
    draft = make_invoice_draft(customer=customer, key="inv:WO-88")
    first = quickbooks.create_invoice(draft, ref, {})
    emulator.realms[quickbooks.realm_id].request_ids.clear()
    again = quickbooks.create_invoice(draft, ref, {})
    assert again.provider_id == first.provider_id
    assert len(_invoices(quickbooks, emulator)) == 1


def test_a_person_made_invoice_with_our_number_is_not_ours(
    quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator
) -> None:
    """find_invoice ignores a same-numbered invoice without our key; creating keeps QB's 6210."""
    customer = make_customer()
    ref = quickbooks.create_customer(customer)
    emulator.seed(quickbooks.realm_id, "Invoice", {
        "CustomerRef": {"value": ref}, "DocNumber": "WO-5",
        "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 10,
                  "SalesItemLineDetail": {"ItemRef": {"value": quickbooks.default_item}}}]})
    assert quickbooks.find_invoice("inv:WO-5") is None
    with pytest.raises(ConflictError) as caught:
        quickbooks.create_invoice(make_invoice_draft(customer=customer, key="inv:WO-5"), ref, {})
    assert caught.value.code == "6210"
    assert "Duplicate Document Number" in caught.value.message


class _StaleOnce(httpx.BaseTransport):
    """Changes the invoice behind the connector's back just before its first void."""

    def __init__(self, emulator: QuickBooksEmulator) -> None:
        self.inner = emulator.transport()
        self.emulator = emulator
        self.done = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.params.get("operation") == "void" and not self.done:
            self.done = True
            realm_id = request.url.path.split("/")[3]
            realm = self.emulator.realms[realm_id]
            with realm.lock:
                invoice = next(iter(realm.entities["Invoice"].values()))
                realm.store("Invoice", invoice, datetime.now(UTC).timestamp(), "Update")
        return self.inner.handle_request(request)


def test_a_stale_sync_token_on_void_is_re_read_and_retried_once(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """A 5010 stale-object refusal re-reads the invoice and voids with the new SyncToken."""
    quickbooks = build_connector(emulator, tmp_path, transport=_StaleOnce(emulator))
    customer = make_customer()
    ref = quickbooks.create_customer(customer)
    created = quickbooks.create_invoice(make_invoice_draft(customer=customer), ref, {})
    voided = quickbooks.void(created.provider_id)
    assert voided.voided and voided.key == created.key
    voids = [r for r in emulator.requests if r.method == "POST" and r.path == "invoice"
             and r.status in (200, 400)][1:]
    assert [r.status for r in voids] == [400, 200]
    assert voids[0].requestid != voids[1].requestid
    quickbooks.close()


def test_an_unlinked_line_without_default_item_blocks_creation(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """Without an Item for the product or a default_item the create is refused, naming the line."""
    quickbooks = build_connector(emulator, tmp_path, with_item=False)
    customer = make_customer()
    ref = quickbooks.create_customer(customer)
    product = make_product()
    linked = quickbooks.create_product(product)
    draft = make_invoice_draft(customer=customer, lines=[
        make_invoice_line(product_id=product.id), make_invoice_line("Parts", product_id="p-x")])
    with pytest.raises(ValidationError) as caught:
        quickbooks.create_invoice(draft, ref, {product.id: linked})
    assert "unlinked line blocks creation" in str(caught.value)
    assert caught.value.field == "lines[1].product_id"
    assert "'Parts'" in str(caught.value)
    assert not emulator.realms[quickbooks.realm_id].entities["Invoice"]
    quickbooks.close()


def test_a_taken_display_name_gets_the_customer_id(
    quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator
) -> None:
    """A person's customer in another currency is not taken; ours is named "name (id)"."""
    emulator.seed(quickbooks.realm_id, "Customer", {"DisplayName": "Acme ApS"})
    customer = make_customer(name="Acme ApS", currency="DKK")
    assert quickbooks.find_customer(customer) is None
    ref = quickbooks.create_customer(customer)
    stored = emulator.realms[quickbooks.realm_id].entities["Customer"][ref]
    assert stored["DisplayName"] == f"Acme ApS ({customer.id})"
    assert stored["Notes"] == f"ledgerlink:{customer.id}"
    assert stored["CurrencyRef"]["value"] == "DKK"
    assert quickbooks.find_customer(customer) == ref


def test_an_existing_untagged_customer_in_the_same_currency_is_found(
    quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator
) -> None:
    """A customer a person made, with our name (quotes and all) and currency, is linked."""
    seeded = emulator.seed(quickbooks.realm_id, "Customer", {
        "DisplayName": "O'Brien \\ Sons", "CurrencyRef": {"value": "USD"}})
    obrien = make_customer(name="O'Brien \\ Sons", currency="USD")
    assert quickbooks.find_customer(obrien) == seeded["Id"]
    by_mail = emulator.seed(quickbooks.realm_id, "Customer", {
        "DisplayName": "Somebody", "PrimaryEmailAddr": {"Address": "pay@some.example"}})
    found = quickbooks.find_customer(make_customer(name="Other name", email="pay@some.example",
                                                   currency="USD"))
    assert found == by_mail["Id"]


def test_list_invoices_pages_until_a_short_page(
    quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator
) -> None:
    """With two rows a page, five invoices come back in three pages, by issue date."""
    customer = make_customer()
    ref = quickbooks.create_customer(customer)
    made = [quickbooks.create_invoice(make_invoice_draft(customer=customer), ref, {}).provider_id
            for _ in range(5)]
    quickbooks.api.page_size = 2
    today = datetime.now(UTC).date()
    listed = [inv.provider_id for inv in quickbooks.list_invoices(ref, today, today)]
    assert listed == made
    queries = [r for r in emulator.requests if r.path == "query"]
    assert len(queries) >= 3


def test_send_pdf_payment_and_delete(
    quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator
) -> None:
    """send marks the invoice sent, pdf is a PDF, a payment lowers the balance, delete forgets."""
    customer = make_customer()
    ref = quickbooks.create_customer(customer)
    created = quickbooks.create_invoice(make_invoice_draft(customer=customer), ref, {})
    assert created.sent is False and created.booked
    quickbooks.send(created.provider_id, email="other@example.com")
    assert quickbooks.get_invoice(created.provider_id).sent is True
    assert quickbooks.pdf(created.provider_id).startswith(b"%PDF")
    paid = quickbooks.register_payment(created.provider_id, created.total, created.issue_date)
    assert paid.balance == 0
    other = quickbooks.create_invoice(make_invoice_draft(customer=customer), ref, {})
    quickbooks.delete(other.provider_id)
    assert quickbooks.find_invoice(other.key or "") is None
