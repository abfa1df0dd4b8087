"""The planner and work whose total is below zero: never invoiced, always named."""

from __future__ import annotations

from decimal import Decimal

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink import Posting, WorkLine, WorkOrder, WorkStatus
from ledgerlink.planning import plan
from ledgerlink.plans import CreateInvoice, InvoiceRecord, JournalState, NoticeKind, ReplaceLines
from tests.ledgerlink.test_planning import COMPANY, NOW, _invoiced, customer, kinds, order


def _work(oid: str, *lines: tuple[str, str, str]) -> WorkOrder:
    """A completed work order of (quantity, unit price, VAT rate) lines."""
    base = order(oid)
    return attrs.evolve(base, lines=[WorkLine(f"line {n}", q, p, v)
                                     for n, (q, p, v) in enumerate(lines)])


def _blocked(p: object) -> dict[str, str]:
    return {n.subject: n.reason for n in p.notices  # type: ignore[attr-defined]
            if n.kind is NoticeKind.BLOCKED}


def _billed(p: object) -> list[str]:
    billed: list[str] = []
    for action in p:  # type: ignore[attr-defined]
        if isinstance(action, CreateInvoice):
            billed += [o.id for o, _ in action.work]
        elif isinstance(action, ReplaceLines):
            billed.append(action.order.id)
    return billed


def test_work_whose_only_line_is_negative_is_blocked_naming_it() -> None:
    """A work order whose only line has quantity -5 is not invoiced; a blocked notice names
    it, its total and the credit note that gives money back."""
    p = plan([_work("w-minus", ("-5", "500", "25"))], [customer()], COMPANY, now=NOW)
    assert not p.actions
    reason = _blocked(p)["w-minus"]
    assert "below zero" in reason and "-3,125.00 DKK" in reason and "credit note" in reason


def test_a_negative_discount_line_on_positive_work_is_still_invoiced() -> None:
    """A discount line below zero is fine when the work order's total is not."""
    work = _work("w1", ("2", "500", "25"), ("1", "-150", "25"))
    p = plan([work], [customer()], COMPANY, now=NOW)
    assert kinds(p) == ["ensure_customer", "create_invoice", "book", "send"]
    create = p.actions[1]
    assert isinstance(create, CreateInvoice)
    assert create.draft().gross.amount == Decimal("1062.50")
    assert not p.notices


def test_zero_total_work_is_invoiced() -> None:
    """Work that comes to exactly zero is not below zero and is invoiced as before."""
    work = _work("w1", ("1", "100", "25"), ("1", "-100", "25"))
    assert _billed(plan([work], [customer()], COMPANY, now=NOW)) == ["w1"]


def test_the_total_includes_vat_per_rate() -> None:
    """+100 at 0% VAT and -90 at 25% is 10 net but -12.50 to pay: it is blocked."""
    work = _work("w1", ("1", "100", "0"), ("1", "-90", "25"))
    p = plan([work], [customer()], COMPANY, now=NOW)
    assert "-12.50 DKK" in _blocked(p)["w1"]


def test_negative_work_is_not_collected_on_a_new_draft() -> None:
    """posting=draft: the draft collects the customer's other work, not the work below zero,
    even though the draft's total would stay positive."""
    orders = [order("w1"), _work("w2", ("-1", "100", "25")), order("w3")]
    p = plan(orders, [customer(posting=Posting.DRAFT)], COMPANY, now=NOW)
    assert _billed(p) == ["w1", "w3"]
    assert set(_blocked(p)) == {"w2"}


def test_negative_work_is_not_added_to_the_open_draft() -> None:
    """posting=draft with an open draft: work below zero is not added to it."""
    state = JournalState(
        invoices={"draft:c1:1": InvoiceRecord("draft:c1:1", "c1", "draft", remote_id="D1")},
        customers=frozenset({"c1"}), drafts_opened={"c1": 1})
    p = plan([_work("w9", ("-1", "100", "25"))], [customer(posting=Posting.DRAFT)], COMPANY,
             now=NOW, state=state)
    assert not p.actions
    assert set(_blocked(p)) == {"w9"}


def test_work_changed_to_below_zero_leaves_its_unbooked_invoice_alone() -> None:
    """Work on an unbooked invoice that changes to below zero keeps its old lines there;
    the notice names the work and the invoice."""
    p = plan([_work("w1", ("-2", "500", "25"))], [customer()], COMPANY, now=NOW,
             state=_invoiced(order(), booked=False))
    assert not any(isinstance(a, ReplaceLines) for a in p)
    assert "inv:w1" in _blocked(p)["w1"]


def test_work_changed_to_below_zero_is_not_credited() -> None:
    """Booked work that changes to below zero is neither credited nor re-invoiced, even with
    credits allowed: the notice asks for the credit note by hand."""
    company = attrs.evolve(COMPANY, allow_credits=True)
    p = plan([_work("w1", ("-2", "500", "25"))], [customer()], company, now=NOW,
             state=_invoiced(order(), booked=True))
    assert not p.actions
    assert "below zero" in _blocked(p)["w1"]


def test_cancelled_work_is_removed_whatever_its_total() -> None:
    """Cancelling work below zero that sits on an unbooked invoice still removes its lines."""
    work = attrs.evolve(_work("w1", ("-2", "500", "25")), status=WorkStatus.CANCELLED)
    p = plan([work], [customer()], COMPANY, now=NOW, state=_invoiced(order(), booked=False))
    replace = p.actions[0]
    assert isinstance(replace, ReplaceLines) and replace.remove


_lines = st.lists(st.tuples(st.integers(-5, 5).map(str), st.integers(-300, 300).map(str),
                            st.sampled_from(["0", "12.5", "25"])), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(st.lists(_lines, min_size=1, max_size=5), st.sampled_from([Posting.BOOK, Posting.DRAFT]))
def test_work_is_invoiced_exactly_when_its_total_is_not_below_zero(
        works: list[list[tuple[str, str, str]]], posting: Posting) -> None:
    """Whatever the lines and the posting, a work order is billed iff its total (VAT
    included) is zero or more, and a blocked notice names every other one."""
    orders = [_work(f"w{n}", *lines) for n, lines in enumerate(works)]
    p = plan(orders, [customer(posting=posting)], COMPANY, now=NOW)
    below = {o.id for o in orders if o.total("DKK").amount < 0}
    assert set(_billed(p)) == {o.id for o in orders} - below
    assert set(_blocked(p)) == below
