"""The answer of ``book`` right after ``create_invoice`` (built without a read) carries the
total Dinero books: rounded per line, which can differ from the draft's per-rate VAT."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerlink.domain import InvoiceLine
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.testing.factories import make_customer, make_invoice_draft, make_invoice_line
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import (
    DineroEmulator,
    Limits,
)
from ledgerlink_dinero.emulator.vat import line_amounts
from ledgerlink_dinero.totals import line_total_incl_vat
from tests.ledgerlink_dinero.support import build_connector

RATES = [Decimal(25), Decimal(12), Decimal(0)]
#: Up to 4 decimals, as unit prices and quantities may carry.
FOUR_PLACES = Decimal("0.0001")


def _four_places(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.integers(min_value=low, max_value=high).map(lambda n: Decimal(n) * FOUR_PLACES)


@st.composite
def _lines(draw: st.DrawFn) -> list[InvoiceLine]:
    size = draw(st.integers(min_value=1, max_value=6))
    return [make_invoice_line(quantity=draw(_four_places(1, 10_000_000)),
                              unit_price=draw(_four_places(0, 100_000_000)),
                              vat_rate=draw(st.sampled_from(RATES)))
            for _ in range(size)]


@pytest.fixture
def emulator() -> DineroEmulator:
    return DineroEmulator(limits=Limits(per_minute=1_000_000))


@pytest.fixture
def dinero(emulator: DineroEmulator, tmp_path: Path) -> Iterator[DineroConnector]:
    """A connector whose own limiter's window is a millisecond: the examples send more
    than Dinero's 100 requests a minute, which is not the subject here."""
    connector = build_connector(emulator, tmp_path, limiters=LimiterRegistry(window=0.001))
    try:
        yield connector
    finally:
        connector.close()


@pytest.fixture
def customer(dinero: DineroConnector) -> str:
    return dinero.create_customer(make_customer(currency="DKK"))


def _create_and_book(dinero: DineroConnector, emulator: DineroEmulator, customer: str,
                     lines: list[InvoiceLine]) -> tuple[Decimal, Decimal, Decimal]:
    """(the draft's gross, the book answer's total, Dinero's TotalInclVat read after);
    the book answer must come without a read."""
    draft = make_invoice_draft(currency="DKK", lines=lines)
    created = dinero.create_invoice(draft, customer, {})
    before = len(emulator.requests)
    booked = dinero.book(created.provider_id)
    assert [r.method for r in emulator.requests[before:]] == ["POST"]  # the booking, no read
    assert booked.booked and booked.balance == booked.total
    read = dinero.get_invoice(created.provider_id)
    return draft.gross.amount, booked.total, read.total


def test_a_booked_total_rounded_per_line_differs_from_the_drafts_and_is_reported(
    dinero: DineroConnector, emulator: DineroEmulator, customer: str
) -> None:
    """Dinero's per-line VAT rounding can differ from the draft's; book reports Dinero's."""
    # Two 25 % lines of 0.02: each line's VAT 0.005 rounds up to 0.01 in Dinero (0.06 in
    # all); the draft's VAT on the 0.04 of the rate rounds once (0.05 in all).
    lines = [make_invoice_line(unit_price="0.02"), make_invoice_line(unit_price="0.02")]
    gross, answered, read_back = _create_and_book(dinero, emulator, customer, lines)
    assert (gross, read_back) == (Decimal("0.05"), Decimal("0.06"))
    assert answered == read_back


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=_lines())
def test_the_book_answer_total_equals_dineros_booked_total(
    dinero: DineroConnector, emulator: DineroEmulator, customer: str, lines: list[InvoiceLine]
) -> None:
    """For any lines, the total book answers is the total Dinero booked."""
    _, answered, read_back = _create_and_book(dinero, emulator, customer, lines)
    assert answered == read_back


@settings(max_examples=300, deadline=None)
@given(base=_four_places(-100_000_000, 100_000_000), quantity=_four_places(0, 10_000_000),
       discount=st.integers(min_value=0, max_value=10_000).map(lambda n: Decimal(n) / 100),
       rate=st.sampled_from(RATES), prices_incl_vat=st.booleans())
def test_a_line_total_follows_the_emulators_rule_with_discounts_and_incl_vat_prices(
    base: Decimal, quantity: Decimal, discount: Decimal, rate: Decimal, prices_incl_vat: bool
) -> None:
    """The connector's line total is the emulator's, with discounts and VAT-inclusive prices."""
    expected = line_amounts(base, quantity, discount, rate,
                            prices_incl_vat=prices_incl_vat).total_incl
    assert line_total_incl_vat(base, quantity, rate, discount=discount,
                               prices_incl_vat=prices_incl_vat) == expected
