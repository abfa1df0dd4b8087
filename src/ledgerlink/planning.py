"""Internal: the planner: a pure function from work, customers, policy and journal state to a plan.

A :class:`Plan` is an ordered list of actions (ensure customer, create invoice,
replace lines on a draft, book, send, credit) plus :class:`Notice` entries for
work that is deliberately not invoiced and why. A preview is simply a plan that
is not run. Nothing here performs I/O: the journal state comes in as a
:class:`JournalState` value, and the time as ``now``.

Rules (each one tested):

* Timing ``on_completion``: completed work with ``completed_at <= now`` is due.
  Timing ``before_work``: work is due from :data:`NIGHT_STARTS` (company time)
  on the day before its planned date — the nightly run that starts the work
  day — or as soon as it is completed, whichever comes first.
* Posting ``book``: one invoice per work order, booked at once, then sent if
  the policy says so: e-mailed by the accounting system (a Send) when the
  customer's channel is ``provider_email``, else delivered by ledgerlink (a
  Deliver: ``email``, ``letter``, ``einvoice``, ``auto``; with the company's
  ``deliver_through_ledgerlink``, ``provider_email`` too). Posting ``draft``:
  all the customer's work is collected on its one open draft (created when
  there is none); a person books it later.
* An invoice booked but not sent by an earlier run is sent by the next one. A
  failed e-mail by the accounting system is asked for again each run; a failed
  delivery by ledgerlink waits for :func:`plan_deliveries` (``ledgerlink
  deliver --retry-failed``), and one whose outcome is unknown is never repeated.
* Issue date: the work order's ``invoice_date`` when it has one (a scheduled
  job sets it); otherwise the run day in the company time zone (for
  ``before_work`` never earlier than the planned work day). Due date = issue
  date + payment terms. The registration date is the work order's
  ``registration_date``, else the issue date. Posting ``book`` dates each
  invoice by its own work order; a new draft takes the dates of the first work
  order it collects, and collecting onto an open draft leaves its dates alone.
* Work that changes after it was invoiced: on an unbooked invoice its lines are
  replaced; on a booked invoice the whole invoice is credited and its work
  re-invoiced — only when credits are allowed, otherwise a notice says so.
  A credit is never planned when the invoice also bills work that is not in
  the input (it could not be re-invoiced).
* Work whose total (VAT included) is below zero is not invoiced: a notice
  names it, since money goes back with a credit note. Lines below zero are
  fine on work whose total is not. The rule is per work order, in both
  postings: a draft collects only work that is not below zero itself (the
  planner cannot see lines added to a draft by hand), and work that changes to
  below zero after it was invoiced leaves its invoice as it was.
* Cancelled work that was never invoiced produces nothing; cancelled work on
  a draft has its lines removed; on a booked invoice it is credited as above.
* A selection (``only``: ``ledgerlink uninvoiced --invoice``) invoices only the
  selected work not invoiced yet (or billable again after a credit); work
  already invoiced is left as it is, changed or not, and work not selected is
  not looked at. A run's own override (``override``: ``--posting draft``)
  applies on top of each customer's policy to the work invoiced for the first
  time only; a customer whose policy says ``posting=none`` stays uninvoiced,
  and invoices already made are finished (booked, sent) as their own policy says.
* Keys are deterministic (``inv:<work order>``, ``draft:<customer>:<n>``,
  ``credit:<invoice key>``) so a plan made twice produces the same keys and
  the runner's journal can recognise work already done.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, time, timedelta

from ledgerlink.connector import Capability
from ledgerlink.domain import Company, Customer, WorkOrder, WorkStatus
from ledgerlink.errors import ValidationError
from ledgerlink.plan_builder import PlanBuilder
from ledgerlink.plans import (
    ALL_CAPABILITIES,
    Book,
    CreateInvoice,
    Credit,
    Deliver,
    JournalState,
    NoticeKind,
    Plan,
    ReplaceLines,
    Send,
    draft_key,
    invoice_key,
)
from ledgerlink.policy import EffectivePolicy, PolicyOverride, Posting, Timing, resolve
from ledgerlink.sending import deliver_credit, how_sent, plan_deliveries, plan_unfinished

__all__ = ["NIGHT_STARTS", "for_run", "plan", "plan_deliveries"]


#: The nightly run that starts a work day begins at this local time the evening before.
NIGHT_STARTS = time(22, 0)


# --- the planner ------------------------------------------------------------------


def _is_due(order: WorkOrder, policy: EffectivePolicy, now: datetime, now_local: datetime) -> bool:
    completed = order.completed_at
    if order.status is WorkStatus.COMPLETED and completed is not None and completed <= now:
        return True
    if policy.timing is Timing.BEFORE_WORK and order.planned_date is not None:
        night = datetime.combine(order.planned_date - timedelta(days=1), NIGHT_STARTS)
        return now_local.replace(tzinfo=None) >= night
    return False


def plan(
    work_orders: Iterable[WorkOrder],
    customers: Iterable[Customer] | Mapping[str, Customer],
    company: Company,
    *,
    now: datetime,
    state: JournalState | None = None,
    capabilities: Iterable[Capability] = ALL_CAPABILITIES,
    only: Collection[str] | None = None,
    override: PolicyOverride | None = None,
) -> Plan:
    """Plan what to invoice. Pure: the same inputs always give the same plan.

    Args:
        work_orders: the operational work (any status).
        customers: the customers it refers to, as a sequence or an id mapping.
        company: company policy, time zone and credit permission.
        now: the instant to plan for (timezone-aware).
        state: the journal's state; empty for a first run.
        capabilities: what the target connector declares.
        only: invoice only these work orders, and only if not invoiced yet (None: all
            the work, changes to invoiced work included).
        override: this run's policy on top of every customer's, for work invoiced
            for the first time (``posting`` none is refused: it would invoice nothing).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValidationError("now must be timezone-aware", field="now", value=now)
    if override is not None and override.posting is Posting.NONE:
        raise ValidationError("a run's posting is draft or book", field="posting",
                              value=override.posting.value)
    # Planning allocates one small acyclic object per action; pausing the cyclic
    # collector avoids repeated full scans of the (large) input object graph.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _plan(work_orders, customers, company, now, state, frozenset(capabilities),
                     None if only is None else frozenset(only), override)
    finally:
        if paused:
            gc.enable()


def _plan(
    work_orders: Iterable[WorkOrder],
    customers: Iterable[Customer] | Mapping[str, Customer],
    company: Company,
    now: datetime,
    state: JournalState | None,
    caps: frozenset[Capability],
    only: frozenset[str] | None = None,
    override: PolicyOverride | None = None,
) -> Plan:
    by_id = dict(customers) if isinstance(customers, Mapping) else {c.id: c for c in customers}
    state = state or JournalState()
    b = PlanBuilder(company, now.astimezone(company.zone), state, caps)
    policies: dict[str, EffectivePolicy] = {}
    # The policies new work is invoiced by: each customer's, with the run's override on top.
    for_new: dict[str, EffectivePolicy] = {}
    given = sorted(work_orders, key=lambda o: (o.customer_id, o.id))
    fresh: dict[str, list[tuple[WorkOrder, int]]] = {}
    if only is None:
        orders = given
        credits = _plan_changes(b, orders, by_id, policies, fresh)
    else:
        orders = [o for o in given if o.id in only]
        credits = _credited_only(b, orders)
    for order in orders:
        if order.id in state.work and order.id not in credits:
            continue
        customer = by_id.get(order.customer_id)
        if customer is None:
            b.notice(NoticeKind.BLOCKED, order.id, order.customer_id,
                     f"unknown customer {order.customer_id!r}")
            continue
        policy = policies.get(customer.id)
        if policy is None:
            policy = policies[customer.id] = resolve(company.policy, customer.policy)
        if customer.id not in for_new:
            # A customer whose own policy invoices nothing stays uninvoiced under any override.
            run = for_run(company, customer, override) if policy.invoices else None
            for_new[customer.id] = run or policy
        policy = for_new[customer.id]
        if order.status is WorkStatus.CANCELLED:
            b.notice(NoticeKind.CANCELLED, order.id, customer.id, "cancelled before invoicing")
        elif not policy.invoices:
            b.notice(NoticeKind.POLICY, order.id, customer.id, _posting_none(policy, customer))
        elif not _is_due(order, policy, now, b.now_local):
            b.notice(NoticeKind.NOT_DUE, order.id, customer.id, _not_due_reason(order, policy))
        elif reason := _blocker(order, policy, caps, customer.currency):
            b.notice(NoticeKind.BLOCKED, order.id, customer.id, reason)
        else:
            fresh.setdefault(customer.id, []).append((order, credits.get(order.id, 0)))
    for customer_id, work in fresh.items():
        customer = by_id[customer_id]
        _plan_new_work(b, customer, for_new[customer_id], work)
    # Every given work order: an earlier invoice's e-invoice is built from its lines.
    plan_unfinished(b, by_id, policies, {o.id: o for o in given})
    actions = tuple(a for cid in sorted(b.actions) for a in b.actions[cid])
    return Plan(actions, tuple(b.notices), now, b.already, caps)


def for_run(company: Company, customer: Customer,
            override: PolicyOverride | None) -> EffectivePolicy | None:
    """The customer's policy with a run's ``override`` on top (None: no override)."""
    if override is None or override.is_empty:
        return None
    own = customer.policy or PolicyOverride()
    stacked = PolicyOverride(**{
        name: ours if (ours := getattr(override, name)) is not None else getattr(own, name)
        for name in ("posting", "timing", "send", "payment_terms_days")})
    return resolve(company.policy, stacked)


def _credited_only(b: PlanBuilder, orders: Sequence[WorkOrder]) -> dict[str, int]:
    """For a selection: the selected work billable again after a credit → its next revision;
    the rest already invoiced is counted and left alone."""
    again = {o.id: record.revision + 1 for o in orders
             if (record := b.state.work.get(o.id)) is not None and record.credited}
    b.already = sum(1 for o in orders if o.id in b.state.work) - len(again)
    return again


def _blocker(
    order: WorkOrder, policy: EffectivePolicy, caps: frozenset[Capability], currency: str
) -> str:
    if not order.lines:
        return "work order has no lines"
    if below := _below_zero(order, currency):
        return below
    if policy.posting is Posting.DRAFT and Capability.DRAFTS not in caps:
        return "posting=draft needs a connector with capability 'drafts'"
    if policy.timing is Timing.BEFORE_WORK and order.planned_date is None and (
            order.status is not WorkStatus.COMPLETED):
        return "timing=before_work needs a planned date"
    return ""


def _below_zero(order: WorkOrder, currency: str) -> str:
    """Why ``order`` cannot be invoiced because its total is below zero ("" when it can)."""
    # Most work has no line that takes money off: nothing to add up then.
    if all((line.quantity < 0) == (line.unit_price < 0) or not line.quantity
           or not line.unit_price for line in order.lines):
        return ""
    total = order.total(currency)
    if total.amount >= 0:
        return ""
    return (f"its total is below zero ({total}); an invoice cannot give money back, "
            "a credit note does")


def _not_due_reason(order: WorkOrder, policy: EffectivePolicy) -> str:
    if policy.timing is Timing.BEFORE_WORK and order.planned_date is not None:
        day = order.planned_date - timedelta(days=1)
        return f"due from {day.isoformat()} {NIGHT_STARTS:%H:%M} (the night before the work)"
    return "not completed yet"


def _plan_changes(
    b: PlanBuilder,
    orders: Sequence[WorkOrder],
    by_id: Mapping[str, Customer],
    policies: dict[str, EffectivePolicy],
    fresh: dict[str, list[tuple[WorkOrder, int]]],
) -> dict[str, int]:
    """Handle work already invoiced; return work ids to re-invoice → next revision."""
    state = b.state
    present = {o.id for o in orders}
    reinvoice: dict[str, int] = {}
    credited: set[str] = set()
    unchanged: set[str] = set()
    for order in orders:
        record = state.work.get(order.id)
        if record is None:
            continue
        if record.credited:
            reinvoice[order.id] = record.revision + 1
            continue
        cancelled = order.status is WorkStatus.CANCELLED
        if not cancelled and order.fingerprint() == record.fingerprint:
            unchanged.add(order.id)
            continue
        invoice = state.invoices.get(record.invoice_key)
        customer = by_id.get(order.customer_id)
        if invoice is None or customer is None:
            b.notice(NoticeKind.BLOCKED, order.id, order.customer_id,
                     "changed after invoicing, but its invoice or customer is unknown")
            continue
        below = "" if cancelled else _below_zero(order, customer.currency)
        if below:
            # Neither its lines on a draft nor a booked invoice are touched: the
            # invoice keeps billing the work as it was until the work is fixed.
            b.notice(NoticeKind.BLOCKED, order.id, customer.id,
                     f"changed after invoicing, but {below}; invoice {invoice.key} is left as is")
            continue
        if not invoice.booked and not invoice.closed:
            b.add(customer, ReplaceLines(invoice.key, customer.id, order, record.revision,
                                         remove=cancelled))
            continue
        if not b.company.allow_credits or Capability.CREDIT_NOTES not in b.capabilities:
            why = ("credits are not allowed" if not b.company.allow_credits
                   else "the connector cannot make credit notes")
            b.notice(NoticeKind.CREDIT_NEEDED, order.id, customer.id,
                     f"changed after invoice {invoice.key} was booked; {why}")
            continue
        others = [w for w in state.work.values()
                  if w.invoice_key == invoice.key and w.work_order_id not in present]
        if others:
            b.notice(NoticeKind.BLOCKED, order.id, customer.id,
                     f"invoice {invoice.key} also bills work not in this input "
                     f"({', '.join(sorted(w.work_order_id for w in others))}); not credited")
            continue
        if not invoice.credited and invoice.key not in credited:
            credited.add(invoice.key)
            b.credited.add(invoice.key)
            b.add(customer, Credit(invoice.key, customer.id,
                                   f"work order {order.id} changed after booking"))
            deliver_credit(b, customer, invoice.key)
        # Every work order on the credited invoice becomes billable again.
        for w in state.work.values():
            if w.invoice_key == invoice.key:
                reinvoice[w.work_order_id] = w.revision + 1
    b.already = len(unchanged - reinvoice.keys())
    return reinvoice


def _plan_new_work(
    b: PlanBuilder, customer: Customer, policy: EffectivePolicy, work: list[tuple[WorkOrder, int]]
) -> None:
    caps = b.capabilities
    if policy.posting is Posting.DRAFT:
        draft = b.state.open_draft(customer.id)
        if draft is not None:
            for order, revision in work:
                b.add(customer, ReplaceLines(draft.key, customer.id, order, revision))
            return
        number = b.state.drafts_opened.get(customer.id, 0) + 1
        first = work[0][0]
        # Only an explicit invoice date dates a draft by its work; otherwise the run day.
        issue, due = b.dates(policy, first if first.invoice_date is not None else None)
        b.add(customer, CreateInvoice(draft_key(customer.id, number), customer.id,
                                      customer.currency, issue, due, tuple(work), "draft", False,
                                      first.registration_date))
        return
    # Hot loop (one invoice per work order): decide per customer, not per invoice.
    lane = b.lane(customer)
    books = Capability.BOOKING in caps
    how, why_not = how_sent(b.company, customer, policy, caps)
    run_issue, run_due = b.dates(policy, None)
    by_order = policy.timing is Timing.BEFORE_WORK
    for order, revision in work:
        key = invoice_key(order.id, revision)
        if by_order or order.invoice_date is not None:
            issue, due = b.dates(policy, order)
        else:
            issue, due = run_issue, run_due
        create = CreateInvoice(key, customer.id, customer.currency, issue, due,
                               ((order, revision),), "book", how is not None,
                               order.registration_date)
        lane.append(create)
        if books:
            lane.append(Book(key, customer.id))
        if isinstance(how, str):
            lane.append(Send(key, customer.id, how))
        elif how is not None:
            lane.append(Deliver(key, customer, b.company, how, create))
        elif why_not:
            b.notice(NoticeKind.NOT_SENT, key, customer.id, why_not)


def _posting_none(policy: EffectivePolicy, customer: Customer) -> str:
    """Why the policy keeps work off invoices, naming whose policy says so."""
    whose = {"customer": f"customer {customer.id}'s policy",
             "company": "the company's policy"}.get(str(policy.sources.get("posting")),
                                                    "the policy")
    return f"posting=none ({whose})"
