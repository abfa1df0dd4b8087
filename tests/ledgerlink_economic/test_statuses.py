"""Statuses from e-conomic's facts: official examples, the rule for every remainder and due
date, and agreement with e-conomic's own paid, unpaid and overdue collections."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink.status import InvoiceStatus
from ledgerlink.testing.factories import make_customer, make_invoice_draft
from ledgerlink_economic.emulator import EconomicEmulator
from ledgerlink_economic.mapping import remote_invoice
from ledgerlink_economic.statuses import derive
from ledgerlink_economic.wire import WIRE, EcoInvoice
from tests.clocks import FakeClock
from tests.ledgerlink_economic.support import (
    EXAMPLES,
    build_connector,
    prepare_agreement,
    require,
)

MONEY = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)


def example(name: str) -> EcoInvoice:
    """An official example answer read as the connector reads answers."""
    text = require(EXAMPLES / name).read_bytes()
    return WIRE.structure(WIRE.loads(text, operation="example"), EcoInvoice,
                          operation="example")


def test_official_booked_examples_parse_to_their_status() -> None:
    """A paid booked invoice (remainder 0) is PAID; an unpaid one is OPEN, and OVERDUE the day
    after its due date; both carry their number and gross amount."""
    paid = remote_invoice(example("apaq-bookedinvoices_single.json"))
    assert (paid.number, paid.total, paid.balance) == ("10002", Decimal(62500), Decimal(0))
    assert paid.status(date(2011, 12, 31)) == InvoiceStatus.PAID
    open_ = remote_invoice(example("traels-invoice_book.json"))
    assert (open_.provider_id, open_.key) == ("FM765", "FM765")
    assert open_.status(date(2019, 10, 10)) == InvoiceStatus.OPEN
    assert open_.status(date(2019, 10, 11)) == InvoiceStatus.OPEN | InvoiceStatus.OVERDUE


def test_official_draft_examples_parse_as_drafts() -> None:
    """Drafts (with and without a reference) are DRAFT, unnumbered, named by their key or
    their draft number."""
    keyed = remote_invoice(example("apaq-draftinvoices_single.json"))
    assert (keyed.provider_id, keyed.booked, keyed.number) == (
        "f90d1f23-2be0-4a3f-a964-b301427c40ca", False, None)
    assert keyed.status(date(2030, 1, 1)) == InvoiceStatus.DRAFT
    plain = remote_invoice(example("traels-invoice.json"))
    assert plain.provider_id == "draft/19" and plain.key is None


@given(gross=MONEY, share=st.decimals(min_value=0, max_value=1, places=2),
       offset=st.integers(min_value=-60, max_value=60))
def test_status_rule(gross: Decimal, share: Decimal, offset: int) -> None:
    """Booked: PAID at remainder 0; else OPEN, PARTIALLY_PAID below the gross amount and
    OVERDUE after the due date; the same for a credit note's negative amounts."""
    remainder = (gross * share).quantize(Decimal("0.01"))
    due, today = date(2026, 6, 1), date(2026, 6, 1) + timedelta(days=offset)
    expected = InvoiceStatus.PAID
    if remainder:
        expected = InvoiceStatus.OPEN
        if remainder < gross:
            expected |= InvoiceStatus.PARTIALLY_PAID
        if offset > 0:
            expected |= InvoiceStatus.OVERDUE
    assert derive(booked=True, gross=gross, remainder=remainder, due_date=due,
                  today=today) == expected
    assert derive(booked=True, gross=-gross, remainder=-remainder, due_date=due,
                  today=today) == expected
    assert derive(booked=False, gross=gross, remainder=None, due_date=due,
                  today=today) == InvoiceStatus.DRAFT


SHARES = {"none": Decimal(0), "part": Decimal("0.5"), "all": Decimal(1)}


@settings(max_examples=15, deadline=None)
@given(paid=st.lists(st.sampled_from(sorted(SHARES)), min_size=3, max_size=3),
       days=st.integers(min_value=0, max_value=20))
def test_statuses_agree_with_economics_collections(
        tmp_path_factory: pytest.TempPathFactory, paid: list[str], days: int) -> None:
    """An invoice is in /invoices/paid exactly when its status is PAID, in /unpaid when OPEN,
    in /overdue when OVERDUE (the emulator's collections, on its clock)."""
    clock = FakeClock()
    emulator = EconomicEmulator(clock=clock, sleep=clock.sleep)
    agreement = prepare_agreement(emulator)
    with build_connector(emulator, tmp_path_factory.mktemp("collections"),
                         agreement=agreement) as book:
        customer = make_customer()
        ref = book.create_customer(customer)
        booked = []
        for how in paid:
            draft = make_invoice_draft(customer=customer, issue_date=clock.now.date())
            invoice = book.book(book.create_invoice(draft, ref, {}).provider_id)
            emulator.pay(agreement, int(invoice.number or 0),
                         (invoice.total * SHARES[how]).quantize(Decimal("0.01")))
            booked.append(invoice.provider_id)
        clock.advance(days * 86400)
        today = clock.now.date()
        member = {kind: {remote_invoice(row).provider_id for row in book.api.list(
            f"invoices/{kind}", EcoInvoice, operation=f"list {kind}")}
            for kind in ("paid", "unpaid", "overdue")}
        for provider_id in booked:
            status = book.get_invoice(provider_id).status(today)
            assert (provider_id in member["paid"]) == (status == InvoiceStatus.PAID)
            assert (provider_id in member["unpaid"]) == (InvoiceStatus.OPEN in status)
            assert (provider_id in member["overdue"]) == (InvoiceStatus.OVERDUE in status)


@pytest.mark.parametrize("name", [
    "traels-invoice_book.json", "traels-invoice_book_with_number.json",
    "traels-create_booked_invoice.json", "traels-create_booked_invoice_with_ean.json",
    "apaq-bookedinvoices_single.json", "traels-invoice.json",
    "traels-create_draft_invoice.json", "apaq-draftinvoices_single.json"])
def test_every_official_invoice_example_is_read(name: str) -> None:
    """Each captured invoice answer is read: booked exactly when it has a booked number,
    its balance the remainder (booked) or the gross amount (draft)."""
    invoice = example(name)
    remote = remote_invoice(invoice)
    assert remote.booked == (invoice.bookedInvoiceNumber is not None)
    expected = invoice.remainder if remote.booked else invoice.grossAmount
    assert remote.balance == expected and remote.total == invoice.grossAmount
