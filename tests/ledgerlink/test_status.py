"""Invoice status derivation: the flag invariants over every input, and concrete cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.status import InvoiceStatus, derive_status

S = InvoiceStatus
TODAY = date(2024, 6, 1)

money = st.decimals(min_value=-10**6, max_value=10**6, places=2)
facts = st.fixed_dictionaries({
    "booked": st.booleans(),
    "voided": st.booleans(),
    "deleted": st.booleans(),
    "total": money,
    "balance": money,
    "due_date": st.none() | st.dates(min_value=date(2024, 1, 1), max_value=date(2024, 12, 31)),
    "today": st.dates(min_value=date(2024, 1, 1), max_value=date(2024, 12, 31)),
})


@given(facts)
def test_deleted_stands_alone_and_wins(f: dict[str, Any]) -> None:
    """A deleted invoice is only DELETED, whatever else is true (voided too)."""
    f["deleted"] = True
    assert derive_status(**f) == S.DELETED


@given(facts)
def test_void_stands_alone(f: dict[str, Any]) -> None:
    """A voided, not deleted invoice is only VOID."""
    f.update(deleted=False, voided=True)
    assert derive_status(**f) == S.VOID


@given(facts)
def test_draft_stands_alone(f: dict[str, Any]) -> None:
    """An unbooked invoice (not voided or deleted) is only DRAFT, paid or not."""
    f.update(deleted=False, voided=False, booked=False)
    assert derive_status(**f) == S.DRAFT


@given(facts)
def test_void_and_deleted_exclude_every_other_flag(f: dict[str, Any]) -> None:
    """Whenever VOID or DELETED is set, no other flag is."""
    status = derive_status(**f)
    if S.VOID in status or S.DELETED in status:
        assert status in (S.VOID, S.DELETED)


@given(facts)
def test_booked_is_exactly_one_of_open_or_paid(f: dict[str, Any]) -> None:
    """A live booked invoice is OPEN or PAID, never both, never neither, never DRAFT."""
    f.update(deleted=False, voided=False, booked=True)
    status = derive_status(**f)
    assert (S.OPEN in status) != (S.PAID in status)
    assert S.DRAFT not in status


@given(facts)
def test_overdue_and_partial_imply_open(f: dict[str, Any]) -> None:
    """OVERDUE and PARTIALLY_PAID only ever come with OPEN."""
    status = derive_status(**f)
    if S.OVERDUE in status or S.PARTIALLY_PAID in status:
        assert S.OPEN in status


@given(facts)
def test_paid_excludes_overdue(f: dict[str, Any]) -> None:
    """A paid invoice is never overdue, however late it is."""
    status = derive_status(**f)
    if S.PAID in status:
        assert S.OVERDUE not in status
        assert S.PARTIALLY_PAID not in status


@given(facts)
def test_overdue_exactly_when_open_and_past_due(f: dict[str, Any]) -> None:
    """An open invoice is overdue exactly when today is after its due date."""
    status = derive_status(**f)
    if S.OPEN in status:
        late = f["due_date"] is not None and f["today"] > f["due_date"]
        assert (S.OVERDUE in status) == late


@given(facts.filter(lambda f: f["total"] != 0))
def test_credit_notes_are_symmetric(f: dict[str, Any]) -> None:
    """A credit note (negated total and balance) has the same flags as its invoice."""
    mirrored = {**f, "total": -f["total"], "balance": -f["balance"]}
    assert derive_status(**mirrored) == derive_status(**f)


@given(facts, st.decimals(min_value=Decimal("0.01"), max_value=10**6, places=2))
def test_overpaid_is_paid(f: dict[str, Any], extra: Decimal) -> None:
    """A balance past zero (overpaid, or refunded past zero for a credit note) is PAID."""
    sign = -1 if f["total"] < 0 else 1
    f.update(deleted=False, voided=False, booked=True, balance=-sign * extra)
    assert derive_status(**f) == S.PAID


@given(facts.filter(lambda f: f["total"] != 0))
def test_partially_paid_exactly_when_something_but_not_all_is_paid(f: dict[str, Any]) -> None:
    """PARTIALLY_PAID is set exactly when the outstanding part is between zero and the total."""
    f.update(deleted=False, voided=False, booked=True)
    status = derive_status(**f)
    sign = -1 if f["total"] < 0 else 1
    outstanding, size = f["balance"] * sign, f["total"] * sign
    assert (S.PARTIALLY_PAID in status) == (0 < outstanding < size)


def _status(booked: bool = True, voided: bool = False, deleted: bool = False,
            total: str = "100", balance: str = "100",
            due: date | None = date(2024, 6, 10)) -> InvoiceStatus:
    return derive_status(booked=booked, voided=voided, deleted=deleted, total=Decimal(total),
                         balance=Decimal(balance), due_date=due, today=TODAY)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (_status(booked=False), S.DRAFT),
        (_status(), S.OPEN),
        (_status(balance="40"), S.OPEN | S.PARTIALLY_PAID),
        (_status(due=date(2024, 5, 1)), S.OPEN | S.OVERDUE),
        (_status(balance="40", due=date(2024, 5, 1)), S.OPEN | S.PARTIALLY_PAID | S.OVERDUE),
        (_status(due=TODAY), S.OPEN),  # due today is not yet overdue
        (_status(due=None), S.OPEN),
        (_status(balance="0"), S.PAID),
        (_status(balance="0", due=date(2024, 5, 1)), S.PAID),
        (_status(balance="-5"), S.PAID),
        (_status(total="-100", balance="-100"), S.OPEN),
        (_status(total="-100", balance="-30"), S.OPEN | S.PARTIALLY_PAID),
        (_status(total="-100", balance="0"), S.PAID),
        (_status(total="0", balance="0"), S.PAID),
        (_status(voided=True, balance="0"), S.VOID),
        (_status(deleted=True, voided=True), S.DELETED),
        (_status(booked=False, deleted=True), S.DELETED),
    ],
)
def test_concrete_cases(status: InvoiceStatus, expected: InvoiceStatus) -> None:
    """Hand-checked invoices get the flags a bookkeeper would give them."""
    assert status == expected


def test_labels_and_text() -> None:
    """Combined flags print as their lower-case names in declaration order."""
    status = S.OVERDUE | S.OPEN | S.PARTIALLY_PAID
    assert status.labels == ["open", "partially_paid", "overdue"]
    assert str(status) == "open, partially_paid, overdue"
    assert str(S(0)) == "none"
