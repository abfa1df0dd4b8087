"""Unified statuses from Billy's facts: the official examples and generated payment histories."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.status import InvoiceStatus
from ledgerlink_billy.mapping import remote_invoice
from ledgerlink_billy.statuses import derive, is_sent, remote_status
from ledgerlink_billy.wire import WIRE, BillyBankPayment, BillyInvoice, BillyMeta, BillyProduct
from tests.ledgerlink_billy.support import example

TODAY = date(2016, 12, 28)
OPEN = InvoiceStatus.OPEN


def _listed() -> list[BillyInvoice]:
    body = example("invoices_list.json")
    return [WIRE.structure(row, BillyInvoice, operation="test") for row in body["invoices"]]


def test_the_official_list_parses_into_invoices_with_their_statuses() -> None:
    """The captured list: an approved open invoice, a draft and another approved one; each
    becomes the right domain invoice (gross = amount + tax, number once approved)."""
    approved, draft, first = _listed()
    assert remote_status(approved, TODAY) == OPEN
    assert remote_status(draft, TODAY) == InvoiceStatus.DRAFT
    domain = remote_invoice(approved)
    assert (domain.total, domain.balance, domain.number, domain.booked) == (
        Decimal(375), Decimal(375), "2", True)
    assert domain.sent is False
    assert remote_invoice(draft).number is None
    assert remote_invoice(draft).total == Decimal(468)
    assert remote_invoice(first).due_date == date(2016, 12, 30)


def test_the_official_single_invoice_parses() -> None:
    """The captured single invoice parses into a domain invoice keyed by nothing."""
    body = example("invoices_single.json")
    invoice = WIRE.read_list({"x": [body["invoice"]]}, BillyInvoice, operation="t", key="x")[0]
    domain = remote_invoice(invoice)
    assert domain.provider_id == body["invoice"]["id"]
    assert domain.key is None
    assert domain.status(TODAY) == remote_status(invoice, TODAY)


def test_the_official_paging_and_payments_parse() -> None:
    """``meta.paging`` is 1-based; a captured bank payment parses with its amount exact."""
    meta = WIRE.structure(example("invoices_list.json")["meta"], BillyMeta, operation="t")
    assert meta.paging is not None and (meta.paging.page, meta.paging.total) == (1, 3)
    payment = WIRE.structure(example("bankPayments_single.json")["bankPayment"],
                             BillyBankPayment, operation="t")
    assert payment.cashAmount == Decimal("153.75")
    assert payment.cashSide == "debit"


def test_an_overdue_part_paid_approved_invoice() -> None:
    """Past its due date with some paid: open, overdue and partially paid."""
    approved = _listed()[0]
    part = attrs.evolve(approved, balance=Decimal(100))
    assert remote_status(part, TODAY + timedelta(days=10)) == (
        OPEN | InvoiceStatus.OVERDUE | InvoiceStatus.PARTIALLY_PAID)
    paid = attrs.evolve(approved, balance=Decimal(0), isPaid=True)
    assert remote_status(paid, TODAY + timedelta(days=10)) == InvoiceStatus.PAID
    assert remote_status(attrs.evolve(approved, state="voided"), TODAY) == InvoiceStatus.VOID


def test_sent_follows_sent_state() -> None:
    """``sent``, ``opened`` and ``viewed`` mean e-mailed; ``printed`` and ``unsent`` do not."""
    invoice = _listed()[0]
    assert [is_sent(attrs.evolve(invoice, sentState=s))
            for s in ("unsent", "printed", "sent", "opened", "viewed")] == [
        False, False, True, True, True]
    assert is_sent(attrs.evolve(invoice, sentState=None)) is None


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100000), places=2)


@given(gross=amounts, payments=st.lists(amounts, max_size=6), due_in=st.integers(-60, 60),
       credit=st.booleans())
def test_status_over_generated_payment_histories(
        gross: Decimal, payments: list[Decimal], due_in: int, credit: bool) -> None:
    """Whatever was paid, in whatever steps: nothing paid is open, something less than the
    gross is partly paid, all of it (Billy's isPaid) is paid; overdue only while open and
    past due; a credit note (negative) follows the same rules in its direction."""
    paid = sum(payments, Decimal(0))
    remaining = max(gross - paid, Decimal(0))
    sign = Decimal(-1) if credit else Decimal(1)
    status = derive(state="approved", is_paid=remaining == 0, balance=remaining * sign,
                    gross=gross * sign, due_date=TODAY + timedelta(days=due_in), today=TODAY)
    if remaining == 0:
        assert status == InvoiceStatus.PAID
        return
    assert InvoiceStatus.OPEN in status
    assert (InvoiceStatus.PARTIALLY_PAID in status) == (remaining < gross)
    assert (InvoiceStatus.OVERDUE in status) == (due_in < 0)


@given(gross=amounts, balance=amounts)
def test_is_paid_wins_over_a_lagging_balance(gross: Decimal, balance: Decimal) -> None:
    """``isPaid`` true settles the invoice even while ``balance`` still shows an amount;
    a draft is a draft whatever its balance."""
    assert derive(state="approved", is_paid=True, balance=balance, gross=gross,
                  due_date=None, today=TODAY) == InvoiceStatus.PAID
    assert derive(state="draft", is_paid=False, balance=balance, gross=gross,
                  due_date=None, today=TODAY) == InvoiceStatus.DRAFT


def test_the_official_products_and_payments_parse_into_what_the_connector_uses() -> None:
    """The captured products parse (no ruleset: the company's default applies, the
    matching rule reads productNo); the captured payment list holds a debit payment."""
    single = WIRE.structure(example("products_single.json")["product"], BillyProduct,
                            operation="t")
    assert (single.productNo, single.salesTaxRulesetId, single.isArchived) == (
        "WC_PREVISTO", None, False)
    listed = WIRE.read_list(example("products_list.json"), BillyProduct, operation="t",
                            key="products")
    assert listed and all(product.id for product in listed)
    payments = WIRE.read_list(example("bankPayments_list.json"), BillyBankPayment,
                              operation="t", key="bankPayments")
    assert [(p.cashSide, p.isVoided) for p in payments] == [("debit", False)]
