"""Lines on an open Dinero draft: ours replaced by source key, a person's kept."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledgerlink.errors import InvoiceStateError, ValidationError
from ledgerlink.testing.factories import make_customer, make_invoice_draft, make_invoice_line
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import DineroEmulator
from ledgerlink_dinero.keys import EMPTY_MARKER


def test_a_persons_text_line_survives_a_line_replacement(
    dinero: DineroConnector, emulator: DineroEmulator
) -> None:
    """A draft with a text line added in Dinero reads, and keeps it when our lines change."""
    ref = dinero.create_customer(make_customer())
    seeded = emulator.seed(dinero.organisation_id, "invoices", {
        "ContactGuid": ref, "ExternalReference": "draft:x:1",
        "ProductLines": [{"LineType": "Text", "Description": "Note from the office"}]})
    assert dinero.get_invoice(seeded["Guid"]).line_keys == ()
    changed = dinero.replace_lines(seeded["Guid"], "k", [make_invoice_line("Hours", "2", "100",
                                                                            source_key="k")], {})
    assert changed.line_keys == ("k",) and changed.total == Decimal(250)
    stored = emulator.organisations[dinero.organisation_id].invoices[seeded["Guid"]]
    assert [ln["LineType"] for ln in stored.data["ProductLines"]] == ["Text", "Product"]


def test_an_emptied_draft_keeps_a_stand_in_line_and_cannot_be_booked(
    dinero: DineroConnector, emulator: DineroEmulator
) -> None:
    """Dinero refuses an invoice without lines: the emptied draft holds a 0 x 0 stand-in,
    which reports no key, is dropped when work is added, and is never booked."""
    customer = make_customer()
    ref = dinero.create_customer(customer)
    line = make_invoice_line(source_key="a")
    created = dinero.create_invoice(make_invoice_draft(customer=customer, lines=[line]), ref, {})
    emptied = dinero.replace_lines(created.provider_id, "a", [], {})
    assert (emptied.line_keys, emptied.total) == ((), Decimal(0))
    with pytest.raises(InvoiceStateError):
        dinero.book(created.provider_id)
    refilled = dinero.replace_lines(created.provider_id, "b",
                                    [make_invoice_line("Hours", "1", "80", source_key="b")], {})
    assert refilled.line_keys == ("b",) and refilled.total == Decimal(100)
    stored = emulator.organisations[dinero.organisation_id].invoices[created.provider_id]
    assert [ln["Comments"] for ln in stored.data["ProductLines"]] == ["ledgerlink:b"]
    assert EMPTY_MARKER not in str(stored.data)
    assert dinero.book(created.provider_id).booked


def test_a_line_naming_an_unlinked_product_blocks_its_invoice(
    dinero: DineroConnector, emulator: DineroEmulator
) -> None:
    """A product is linked by the journal or by a Dinero product whose ExternalReference is
    its id (looked up once); a line naming a product neither links blocks the invoice."""
    customer = make_customer()
    ref = dinero.create_customer(customer)
    product = emulator.seed(dinero.organisation_id, "products", {
        "Name": "Filter", "ExternalReference": "P-FILTER", "BaseAmountValue": 120,
        "Quantity": 1, "AccountNumber": 1000, "Unit": "parts"})
    by_reference = make_invoice_draft(customer=customer, lines=[
        make_invoice_line("Filter", product_id="P-FILTER", source_key="a")])
    created = dinero.create_invoice(by_reference, ref, {})
    stored = emulator.organisations[dinero.organisation_id].invoices[created.provider_id]
    assert stored.data["ProductLines"][0]["ProductGuid"] == product["ProductGuid"]
    unlinked = make_invoice_draft(customer=customer, lines=[
        make_invoice_line("Valve", product_id="P-VALVE", source_key="b")])
    before = len(emulator.organisations[dinero.organisation_id].invoices)
    with pytest.raises(ValidationError, match="P-VALVE") as caught:
        dinero.create_invoice(unlinked, ref, {})
    assert caught.value.field == "lines[0].product_id"
    assert len(emulator.organisations[dinero.organisation_id].invoices) == before
