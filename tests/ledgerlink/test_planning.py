"""The planner: timing, posting, drafts, changes after invoicing, capabilities, keys."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink import (
    Address,
    BillingPolicy,
    Capability,
    Company,
    Customer,
    DeliveryChannel,
    PolicyOverride,
    Posting,
    Timing,
    WorkLine,
    WorkOrder,
    WorkStatus,
)
from ledgerlink.errors import ValidationError
from ledgerlink.planning import plan
from ledgerlink.plans import (
    ALL_CAPABILITIES,
    Book,
    CreateInvoice,
    Credit,
    EnsureCustomer,
    InvoiceRecord,
    JournalState,
    NoticeKind,
    ReplaceLines,
    Send,
    WorkRecord,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # 13:00 in Copenhagen
COMPANY = Company("Test ApS", policy=BillingPolicy(Posting.BOOK, Timing.ON_COMPLETION, True, 8))


def customer(cid: str = "c1", **override: object) -> Customer:
    policy = PolicyOverride(**override) if override else None  # type: ignore[arg-type]
    return Customer(id=cid, name=f"Customer {cid}", email=f"{cid}@example.dk", policy=policy)


def order(oid: str = "w1", cid: str = "c1", *, status: WorkStatus = WorkStatus.COMPLETED,
          quantity: str = "2", planned: date | None = None,
          completed: datetime | None = None) -> WorkOrder:
    completed_at = completed or (NOW - timedelta(hours=1) if status is WorkStatus.COMPLETED
                                 else None)
    return WorkOrder(id=oid, customer_id=cid, status=status, planned_date=planned,
                     completed_at=completed_at,
                     lines=[WorkLine("Hours", Decimal(quantity), Decimal("500"))])


def kinds(p: object) -> list[str]:
    return [a.kind for a in p]  # type: ignore[attr-defined]


def test_completed_work_is_created_booked_and_sent_in_order() -> None:
    """posting=book with send: ensure customer, create, book, send — in that order."""
    p = plan([order()], [customer()], COMPANY, now=NOW)
    assert kinds(p) == ["ensure_customer", "create_invoice", "book", "send"]
    create = p.actions[1]
    assert isinstance(create, CreateInvoice)
    assert create.key == "inv:w1"
    assert create.issue_date == date(2026, 11, 22)
    assert create.due_date == date(2026, 11, 30)
    assert create.draft().gross.amount == Decimal("1250.00")


def test_issue_date_is_the_company_calendar_day() -> None:
    """At 23:30 UTC it is already the next day in Copenhagen, and that is the issue date."""
    late = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    p = plan([order(completed=late - timedelta(minutes=5))], [customer()], COMPANY, now=late)
    create = next(a for a in p if isinstance(a, CreateInvoice))
    assert create.issue_date == date(2026, 11, 23)


def test_known_customer_is_not_ensured_again() -> None:
    """A customer the journal already linked gets no EnsureCustomer action."""
    p = plan([order()], [customer()], COMPANY, now=NOW,
             state=JournalState(customers=frozenset({"c1"})))
    assert kinds(p)[0] == "create_invoice"


def test_planned_work_is_not_due_on_completion_timing() -> None:
    """on_completion: planned work waits, and the notice says why."""
    p = plan([order(status=WorkStatus.PLANNED, planned=date(2026, 11, 23))], [customer()],
             COMPANY, now=NOW)
    assert not p.actions
    assert p.notices[0].kind is NoticeKind.NOT_DUE


@pytest.mark.parametrize(
    ("local_now", "due"),
    [
        (datetime(2026, 11, 22, 21, 59), False),  # the evening before, before the night run
        (datetime(2026, 11, 22, 22, 0), True),  # the nightly run that starts the work day
        (datetime(2026, 11, 23, 3, 0), True),  # during the night
        (datetime(2026, 11, 21, 23, 0), False),  # two nights before
    ],
)
def test_before_work_is_due_from_the_night_before(local_now: datetime, due: bool) -> None:
    """before_work: due from 22:00 company time on the day before the planned day."""
    company = attrs.evolve(COMPANY, time_zone="Europe/Copenhagen")
    from zoneinfo import ZoneInfo

    now = local_now.replace(tzinfo=ZoneInfo("Europe/Copenhagen"))
    work = order(status=WorkStatus.PLANNED, planned=date(2026, 11, 23))
    p = plan([work], [customer(timing=Timing.BEFORE_WORK)], company, now=now)
    assert any(isinstance(a, CreateInvoice) for a in p) is due
    if due:
        create = next(a for a in p if isinstance(a, CreateInvoice))
        assert create.issue_date == date(2026, 11, 23)  # dated the work day


def test_before_work_across_the_dst_change() -> None:
    """The night before a work day after the October DST change still starts at 22:00 local."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Copenhagen")
    work = order(status=WorkStatus.PLANNED, planned=date(2026, 10, 26))  # DST ended 25 Oct
    before = datetime(2026, 10, 25, 21, 59, tzinfo=zone)
    after = datetime(2026, 10, 25, 22, 0, tzinfo=zone)
    cust = customer(timing=Timing.BEFORE_WORK)
    assert not any(isinstance(a, CreateInvoice) for a in plan([work], [cust], COMPANY, now=before))
    assert any(isinstance(a, CreateInvoice) for a in plan([work], [cust], COMPANY, now=after))


def test_cancelled_work_before_invoicing_gives_nothing() -> None:
    """Cancelled, never invoiced: no action, a 'cancelled' notice."""
    p = plan([order(status=WorkStatus.CANCELLED)], [customer()], COMPANY, now=NOW)
    assert not p.actions
    assert p.notices[0].kind is NoticeKind.CANCELLED


def test_posting_none_skips_by_policy() -> None:
    """A customer override posting=none skips the work with a policy notice."""
    p = plan([order()], [customer(posting=Posting.NONE)], COMPANY, now=NOW)
    assert not p.actions
    assert p.notices[0].kind is NoticeKind.POLICY


def test_draft_posting_collects_all_work_on_one_new_draft() -> None:
    """posting=draft with no open draft: one draft holding every due work order, unbooked."""
    orders = [order("w1"), order("w2"), order("w3")]
    p = plan(orders, [customer(posting=Posting.DRAFT)], COMPANY, now=NOW)
    assert kinds(p) == ["ensure_customer", "create_invoice"]
    create = p.actions[1]
    assert isinstance(create, CreateInvoice)
    assert create.key == "draft:c1:1" and create.target == "draft"
    assert len(create.draft().lines) == 3


def test_draft_posting_appends_to_the_open_draft() -> None:
    """posting=draft with an open draft: new work is added to it, nothing else."""
    state = JournalState(
        invoices={"draft:c1:1": InvoiceRecord("draft:c1:1", "c1", "draft", remote_id="D1")},
        customers=frozenset({"c1"}), drafts_opened={"c1": 1})
    p = plan([order("w9")], [customer(posting=Posting.DRAFT)], COMPANY, now=NOW, state=state)
    assert kinds(p) == ["replace_lines"]
    assert p.actions[0].invoice_key == "draft:c1:1"  # type: ignore[union-attr]


def test_closed_draft_opens_the_next_one() -> None:
    """A draft booked by hand is closed: new work goes on draft number 2."""
    state = JournalState(
        invoices={"draft:c1:1": InvoiceRecord("draft:c1:1", "c1", "draft", remote_id="D1",
                                              booked=True, closed=True)},
        customers=frozenset({"c1"}), drafts_opened={"c1": 1})
    p = plan([order("w9")], [customer(posting=Posting.DRAFT)], COMPANY, now=NOW, state=state)
    assert [a.subject for a in p] == ["draft:c1:2"]


def _invoiced(work: WorkOrder, *, booked: bool, key: str = "inv:w1") -> JournalState:
    return JournalState(
        work={work.id: WorkRecord(work.id, work.fingerprint(), key)},
        invoices={key: InvoiceRecord(key, work.customer_id, "book", remote_id="R1",
                                     booked=booked, sent=True)},
        customers=frozenset({work.customer_id}))


def test_unchanged_invoiced_work_is_left_alone() -> None:
    """Work already invoiced and unchanged: no action, counted as already invoiced."""
    work = order()
    p = plan([work], [customer()], COMPANY, now=NOW, state=_invoiced(work, booked=True))
    assert not p.actions
    assert p.already_invoiced == 1


def test_changed_work_on_an_unbooked_invoice_replaces_its_lines() -> None:
    """Work changed while its invoice is unbooked: its lines are replaced."""
    before = order(quantity="2")
    p = plan([order(quantity="3")], [customer()], COMPANY, now=NOW,
             state=_invoiced(before, booked=False))
    # The unbooked invoice is also finished: its Book follows the new lines.
    assert kinds(p) == ["replace_lines", "book"]
    replace = p.actions[0]
    assert isinstance(replace, ReplaceLines) and not replace.remove


def test_cancelled_work_on_an_unbooked_invoice_removes_its_lines() -> None:
    """Work cancelled while on an unbooked invoice: its lines are removed."""
    before = order()
    p = plan([order(status=WorkStatus.CANCELLED)], [customer()], COMPANY, now=NOW,
             state=_invoiced(before, booked=False))
    replace = p.actions[0]
    assert isinstance(replace, ReplaceLines) and replace.remove


def test_changed_booked_work_is_reported_without_credit_permission() -> None:
    """Changed after booking, credits not allowed: no action, a credit_needed notice."""
    p = plan([order(quantity="3")], [customer()], COMPANY, now=NOW,
             state=_invoiced(order(), booked=True))
    assert not p.actions
    assert p.notices[0].kind is NoticeKind.CREDIT_NEEDED


def test_changed_booked_work_is_credited_and_reinvoiced_when_allowed() -> None:
    """Changed after booking with credits allowed: credit, then a revision-1 invoice."""
    company = attrs.evolve(COMPANY, allow_credits=True)
    p = plan([order(quantity="3")], [customer()], company, now=NOW,
             state=_invoiced(order(), booked=True))
    assert kinds(p) == ["credit", "create_invoice", "book", "send"]
    assert isinstance(p.actions[0], Credit)
    assert p.actions[1].subject == "inv:w1:r1"


def test_credit_is_refused_when_the_invoice_bills_work_not_in_the_input() -> None:
    """A credit would lose work that is not in the input, so it is blocked instead."""
    company = attrs.evolve(COMPANY, allow_credits=True)
    w1, w2 = order("w1"), order("w2")
    state = JournalState(
        work={"w1": WorkRecord("w1", w1.fingerprint(), "draft:c1:1"),
              "w2": WorkRecord("w2", w2.fingerprint(), "draft:c1:1")},
        invoices={"draft:c1:1": InvoiceRecord("draft:c1:1", "c1", "draft", remote_id="D",
                                              booked=True, closed=True)},
        customers=frozenset({"c1"}), drafts_opened={"c1": 1})
    p = plan([order("w1", quantity="5")], [customer()], company, now=NOW, state=state)
    assert not p.actions
    assert p.notices[0].kind is NoticeKind.BLOCKED and "w2" in p.notices[0].reason


def test_credit_needs_the_credit_notes_capability() -> None:
    """A connector without credit notes: the change is reported, not credited."""
    company = attrs.evolve(COMPANY, allow_credits=True)
    caps = ALL_CAPABILITIES - {Capability.CREDIT_NOTES}
    p = plan([order(quantity="3")], [customer()], company, now=NOW,
             state=_invoiced(order(), booked=True), capabilities=caps)
    assert p.notices[0].kind is NoticeKind.CREDIT_NEEDED
    assert "credit notes" in p.notices[0].reason


def test_a_created_but_unbooked_invoice_is_finished() -> None:
    """An invoice a failed run created but did not book gets Book and Send."""
    work = order()
    state = JournalState(
        work={"w1": WorkRecord("w1", work.fingerprint(), "inv:w1")},
        invoices={"inv:w1": InvoiceRecord("inv:w1", "c1", "book", send=True, remote_id="R1")},
        customers=frozenset({"c1"}))
    p = plan([work], [customer()], COMPANY, now=NOW, state=state)
    assert kinds(p) == ["book", "send"]


def test_no_email_means_no_send_and_a_notice() -> None:
    """send=yes but no email address: invoiced and booked, not sent, with a reason."""
    nomail = Customer(id="c1", name="No Mail")
    p = plan([order()], [nomail], COMPANY, now=NOW)
    assert "send" not in kinds(p)
    assert p.notices[0].kind is NoticeKind.NOT_SENT


def test_letter_delivery_is_delivered_not_emailed() -> None:
    """A customer who takes letters gets a delivery by letter after booking, no e-mail."""
    letter = attrs.evolve(customer(), delivery=DeliveryChannel.LETTER)
    p = plan([order()], [letter], COMPANY, now=NOW)
    assert "send" not in kinds(p)
    assert kinds(p)[-2:] == ["book", "deliver"]
    assert p.actions[-1].chosen is DeliveryChannel.LETTER
    assert not p.notices


def test_draft_posting_without_drafts_capability_is_blocked() -> None:
    """posting=draft on a connector without drafts: blocked, naming the capability."""
    caps = ALL_CAPABILITIES - {Capability.DRAFTS}
    p = plan([order()], [customer(posting=Posting.DRAFT)], COMPANY, now=NOW, capabilities=caps)
    assert not p.actions
    assert "drafts" in p.notices[0].reason


def test_no_booking_capability_creates_without_booking() -> None:
    """A connector whose invoices are final on creation gets no Book action."""
    caps = ALL_CAPABILITIES - {Capability.BOOKING, Capability.DRAFTS}
    assert "book" not in kinds(plan([order()], [customer()], COMPANY, now=NOW, capabilities=caps))


def test_no_email_capability_sends_nothing() -> None:
    """A connector that cannot email: no Send, a not_sent notice."""
    caps = ALL_CAPABILITIES - {Capability.EMAIL}
    p = plan([order()], [customer()], COMPANY, now=NOW, capabilities=caps)
    assert "send" not in kinds(p)
    assert p.notices[0].kind is NoticeKind.NOT_SENT


def test_unknown_customer_is_blocked() -> None:
    """Work for a customer not in the input is blocked with the id in the reason."""
    p = plan([order(cid="ghost")], [customer()], COMPANY, now=NOW)
    assert p.notices[0].kind is NoticeKind.BLOCKED and "ghost" in p.notices[0].reason


def test_naive_now_is_refused() -> None:
    """A naive `now` is ambiguous and refused."""
    with pytest.raises(ValidationError, match="now"):
        plan([], [], COMPANY, now=datetime(2026, 1, 1))


# --- properties ---------------------------------------------------------------------

postings = st.sampled_from(Posting)
timings = st.sampled_from(Timing)
overrides = st.one_of(st.none(), st.builds(
    PolicyOverride, posting=st.one_of(st.none(), postings),
    timing=st.one_of(st.none(), timings), send=st.one_of(st.none(), st.booleans())))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[WorkOrder], list[Customer], Company]:
    n_customers = draw(st.integers(1, 5))
    customers = [Customer(id=f"c{i}", name=f"C{i}", email=f"c{i}@x.dk",
                          policy=draw(overrides)) for i in range(n_customers)]
    orders = []
    for i in range(draw(st.integers(0, 15))):
        status = draw(st.sampled_from(WorkStatus))
        offset = draw(st.integers(-48, 48))
        completed = NOW + timedelta(hours=offset) if status is WorkStatus.COMPLETED else None
        orders.append(WorkOrder(
            id=f"w{i}", customer_id=f"c{draw(st.integers(0, n_customers - 1))}",
            status=status, completed_at=completed,
            planned_date=(NOW + timedelta(days=draw(st.integers(-2, 3)))).date(),
            lines=[WorkLine("x", Decimal(draw(st.integers(1, 9))), Decimal("10"))]))
    company = Company("P", policy=BillingPolicy(draw(postings), draw(timings), draw(st.booleans())))
    return orders, customers, company


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_every_work_order_is_accounted_for_exactly_once(
    scenario: tuple[list[WorkOrder], list[Customer], Company],
) -> None:
    """Each work order is billed by exactly one create/replace action or has one notice."""
    orders, customers, company = scenario
    p = plan(orders, customers, company, now=NOW)
    billed: list[str] = []
    for action in p:
        if isinstance(action, CreateInvoice):
            billed += [o.id for o, _ in action.work]
        elif isinstance(action, ReplaceLines):
            billed.append(action.order.id)
    noticed = [n.subject for n in p.notices if n.kind is not NoticeKind.NOT_SENT]
    assert sorted(billed + noticed) == sorted(o.id for o in orders)


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_plans_are_deterministic_and_ordered_per_customer(
    scenario: tuple[list[WorkOrder], list[Customer], Company],
) -> None:
    """The same inputs give the same plan; within a lane, book follows create, send follows book."""
    orders, customers, company = scenario
    first = plan(orders, customers, company, now=NOW)
    again = plan(list(reversed(orders)), list(reversed(customers)), company, now=NOW)
    assert [a.op_key for a in first] == [a.op_key for a in again]
    for lane in first.lanes().values():
        seen: set[str] = set()
        for action in lane:
            if isinstance(action, EnsureCustomer):
                assert not seen, "the customer is ensured before anything else"
            if isinstance(action, Book):
                assert f"create:{action.invoice_key}" in seen
            if isinstance(action, Send):
                assert f"book:{action.invoice_key}" in seen
            seen.add(action.op_key)
    keys = [a.op_key for a in first]
    assert len(keys) == len(set(keys)), "operation keys are unique within a plan"


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_nothing_is_invoiced_for_posting_none_or_undue_work(
    scenario: tuple[list[WorkOrder], list[Customer], Company],
) -> None:
    """No invoice bills cancelled work, posting=none customers, or work not yet due."""
    orders, customers, company = scenario
    by_id = {c.id: c for c in customers}
    from ledgerlink.policy import resolve

    for action in plan(orders, customers, company, now=NOW):
        if isinstance(action, CreateInvoice):
            for work, _ in action.work:
                policy = resolve(company.policy, by_id[work.customer_id].policy)
                assert work.status is not WorkStatus.CANCELLED
                assert policy.posting is not Posting.NONE
                if policy.timing is Timing.ON_COMPLETION:
                    assert work.completed_at is not None and work.completed_at <= NOW


# --- customer details (CUSTOMER_UPDATES) ---------------------------------------------


_UPDATING = ALL_CAPABILITIES | {Capability.CUSTOMER_UPDATES}


@given(email=st.sampled_from(["c1@example.dk", "new@example.dk"]),
       street=st.sampled_from(["", "Vej 1", "Vej 2"]),
       written=st.sampled_from([None, "same", "other"]),
       updating=st.booleans())
def test_a_linked_customer_is_updated_only_when_its_details_changed(
    email: str, street: str, written: str | None, updating: bool
) -> None:
    """UpdateCustomer leads the lane exactly when updates are on and the details differ
    from those last written (unknown counts as different)."""
    who = attrs.evolve(customer(), email=email, address=Address(street=street))
    fingerprint = {None: None, "same": who.details_fingerprint(),
                   "other": "0" * 16}[written]
    state = JournalState(customers=frozenset({"c1"}), customer_details={"c1": fingerprint})
    caps = _UPDATING if updating else ALL_CAPABILITIES
    p = plan([order()], [who], COMPANY, now=NOW, state=state, capabilities=caps)
    expected = updating and written != "same"
    assert (kinds(p)[0] == "update_customer") is expected
    assert "ensure_customer" not in kinds(p)
    if expected:
        assert p.actions[0].op_key.endswith(who.details_fingerprint())


def test_an_unlinked_customer_is_ensured_not_updated() -> None:
    """A customer new to the book is ensured, not updated, where updates are supported."""
    p = plan([order()], [customer()], COMPANY, now=NOW, capabilities=_UPDATING)
    assert kinds(p)[0] == "ensure_customer" and "update_customer" not in kinds(p)


def test_details_fingerprints_follow_the_details_only() -> None:
    """A customer's details fingerprint changes with its email or address, not its name."""
    base = customer()
    assert base.details_fingerprint() == attrs.evolve(base, name="Renamed").details_fingerprint()
    assert base.details_fingerprint() != attrs.evolve(base, email="x@y.dk").details_fingerprint()
    assert base.details_fingerprint() != attrs.evolve(
        base, address=Address(city="Aarhus")).details_fingerprint()
