"""Internal: the completed work not invoiced yet (what ``ll.uninvoiced`` lists), and choosing some.

The list is made from the inputs and the journal only, never by asking the
provider. The planner decides each row, so the list is exactly what a run
would invoice: a row is ``billable`` when a run would invoice it now,
``blocked`` when it is due but cannot be invoiced as things stand (the reason
says why), and ``upcoming`` (only when asked for) when it is not due yet
(``billable_from`` says when). Work already invoiced, cancelled, or kept off
invoices by a ``posting=none`` policy is not listed; work whose invoice was
credited is billable again.

A :class:`WorkSelection` picks some of the work (``--only``, ``--customer``,
``--before``); ``ll.invoice(..., select=...)`` invoices the selected work that
is not invoiced yet and leaves everything already invoiced as it is.

Named ``uninvoiced_work`` rather than ``uninvoiced`` so that importing it never
sets a ``ledgerlink.uninvoiced`` attribute over the :func:`ledgerlink.uninvoiced`
function.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

import attrs

from ledgerlink.connector import Capability
from ledgerlink.domain import Company, Customer, WorkOrder, WorkStatus
from ledgerlink.errors import ValidationError
from ledgerlink.planning import NIGHT_STARTS, plan
from ledgerlink.plans import (
    ALL_CAPABILITIES,
    CreateInvoice,
    JournalState,
    NoticeKind,
    ReplaceLines,
)
from ledgerlink.policy import PolicyOverride, Posting, Timing, resolve
from ledgerlink.tabular import Rows, rows_html, to_frame

__all__ = ["Uninvoiced", "UninvoicedWork", "WorkSelection", "list_uninvoiced", "run_override",
           "uninvoiced_rows"]

#: What a row says of its work: a run invoices it now, it cannot be invoiced as things
#: stand, or it is not due yet.
RowState = Literal["billable", "blocked", "upcoming"]


def _ids(value: str | Iterable[str] | None) -> frozenset[str] | None:
    """Ids as given: a comma-separated string (as typed on a command line) or an iterable."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value
    return frozenset(item.strip() for item in items if item.strip())


@attrs.frozen
class WorkSelection:
    """Which work to list or invoice; every criterion given must hold (None: any).

    Attributes:
        only: these work order ids.
        customers: the work of these customer ids.
        before: work completed before this day (company time); work not completed
            yet counts by its planned day, and work with neither is not selected.
    """

    only: frozenset[str] | None = attrs.field(default=None, converter=_ids)
    customers: frozenset[str] | None = attrs.field(default=None, converter=_ids)
    before: date | None = None

    def matches(self, order: WorkOrder, zone: ZoneInfo) -> bool:
        """True when ``order`` is selected (its day judged in ``zone``)."""
        if self.only is not None and order.id not in self.only:
            return False
        if self.customers is not None and order.customer_id not in self.customers:
            return False
        if self.before is None:
            return True
        day = work_day(order, zone)
        return day is not None and day < self.before

    def check(self, work_orders: Iterable[WorkOrder],
              customers: Iterable[Customer] | Mapping[str, Customer]) -> None:
        """Refuse (ValidationError) ids the selection names that the inputs do not have.

        A mistyped id must not quietly select nothing: the run would invoice less
        than asked and say it succeeded.
        """
        known = {o.id for o in work_orders}
        people = set(customers) if isinstance(customers, Mapping) else {c.id for c in customers}
        for field, wanted, have, what in (("only", self.only, known, "work orders"),
                                          ("customers", self.customers, people, "customers")):
            unknown = sorted((wanted or frozenset()) - have)
            if unknown:
                raise ValidationError(f"unknown {what}: {', '.join(unknown)} (not in the "
                                      f"{what} given); nothing was written",
                                      field=field, value=unknown)


def work_day(order: WorkOrder, zone: ZoneInfo) -> date | None:
    """The day the work was completed (in ``zone``), else its planned day."""
    if order.status is WorkStatus.COMPLETED and order.completed_at is not None:
        return order.completed_at.astimezone(zone).date()
    return order.planned_date


def run_override(posting: Posting | None, send: bool | None) -> PolicyOverride | None:
    """A run's own policy (``--posting``, ``--send``) for the work it invoices first; None: none."""
    if posting is Posting.NONE:
        raise ValidationError("a run's posting is draft or book (posting=none invoices "
                              "nothing)", field="posting", value=posting.value)
    if posting is None and send is None:
        return None
    return PolicyOverride(posting=posting, send=send)


@attrs.frozen
class UninvoicedWork:
    """One work order not invoiced yet.

    Attributes:
        work_order_id: the work order.
        customer_id: its customer's id.
        customer_name: its customer's name ("" when the customer is unknown).
        project: its project reference, if any.
        state: ``billable`` (a run invoices it now), ``blocked`` (due, but cannot be
            invoiced as things stand) or ``upcoming`` (not due yet).
        billable_from: since when it is billable, or from when it will be (None: never
            as it stands, e.g. neither completed nor planned).
        reason: why it is billable now, why it cannot be, or when it will be.
        amount: what its invoice comes to, VAT included (None: unknown customer).
        currency: the customer's currency.
        completed_at: when it was completed (None: not yet).
        planned_date: its planned work day, if any.
        posting: ``draft`` or ``book``, as the customer's policy says.
        invoice_key: the invoice a run would put it on now (a new invoice, a new
            draft or the customer's open draft); None unless billable.
    """

    work_order_id: str
    customer_id: str
    customer_name: str
    project: str | None
    state: RowState
    billable_from: datetime | None
    reason: str
    amount: Decimal | None
    currency: str | None
    completed_at: datetime | None
    planned_date: date | None
    posting: str
    invoice_key: str | None = None


@attrs.frozen
class Uninvoiced:
    """The work not invoiced yet, as of ``now``; iterate it for the rows.

    Attributes:
        now: the instant it was judged on.
        rows: one per work order, by customer then work order id.
        book: the connector account whose journal was read (None: none; every work
            order counted as not invoiced).
    """

    now: datetime
    rows: tuple[UninvoicedWork, ...]
    book: str | None = None

    def __iter__(self) -> Iterator[UninvoicedWork]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def billable(self) -> tuple[UninvoicedWork, ...]:
        """The rows a run invoices now."""
        return tuple(row for row in self.rows if row.state == "billable")

    def counts(self) -> dict[str, int]:
        """How many rows are billable, blocked and upcoming (only states that occur)."""
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.state] = counts.get(row.state, 0) + 1
        return counts

    def totals(self) -> dict[str, Decimal]:
        """What the billable work comes to per currency, VAT included."""
        totals: dict[str, Decimal] = {}
        for row in self.billable:
            if row.amount is not None and row.currency is not None:
                totals[row.currency] = totals.get(row.currency, Decimal(0)) + row.amount
        return totals

    def summary(self) -> str:
        """One line: counts by state and the billable totals."""
        counts = ", ".join(f"{n} {state}" for state, n in self.counts().items()) or "nothing"
        totals = ", ".join(f"{amount} {currency}" for currency, amount
                           in sorted(self.totals().items()))
        return f"{counts}{f' ({totals} billable)' if totals else ''}"

    def __repr__(self) -> str:
        return f"<Uninvoiced on {self.now:%Y-%m-%d %H:%M %Z}: {self.summary()}>"

    def _repr_html_(self) -> str:
        return rows_html(uninvoiced_rows(self),
                         f"Uninvoiced work on {self.now:%Y-%m-%d %H:%M %Z}: {self.summary()}")

    def to_pandas(self) -> Any:
        """One row per work order (amount as Decimal, instants aware); needs the pandas extra."""
        return to_frame(uninvoiced_rows(self))


def uninvoiced_rows(listed: Uninvoiced) -> Rows:
    """One row per work order listed, every field."""
    fields = tuple(f.name for f in attrs.fields(UninvoicedWork))
    return Rows(fields, [attrs.astuple(row, recurse=False) for row in listed])


def list_uninvoiced(
    work_orders: Iterable[WorkOrder],
    customers: Iterable[Customer] | Mapping[str, Customer],
    company: Company,
    *,
    now: datetime,
    state: JournalState | None = None,
    capabilities: Collection[Capability] = ALL_CAPABILITIES,
    select: WorkSelection | None = None,
    upcoming: bool = False,
    book: str | None = None,
) -> Uninvoiced:
    """The work not invoiced yet as the journal ``state`` has it, as of ``now``.

    Pure, like the planner it asks: a plan of every given work order not
    invoiced yet decides which rows are billable and which blocked, so the list
    never disagrees with what a run does. ``select`` keeps the rows it selects;
    ``upcoming`` also lists work not due yet. ``book`` names the book ``state`` is of.
    """
    orders = list(work_orders)
    by_id = dict(customers) if isinstance(customers, Mapping) else {c.id: c for c in customers}
    if select is not None:
        select.check(orders, by_id)
    state = state or JournalState()
    preview = plan(orders, by_id, company, now=now, state=state, capabilities=capabilities,
                   only=[o.id for o in orders])
    goes_on: dict[str, str] = {}
    for action in preview.actions:
        if isinstance(action, CreateInvoice):
            goes_on.update((order.id, action.key) for order, _ in action.work)
        elif isinstance(action, ReplaceLines):
            goes_on[action.order.id] = action.invoice_key
    notices = {n.subject: n for n in preview.notices}
    zone = company.zone
    rows: list[UninvoicedWork] = []
    for order in sorted(orders, key=lambda o: (o.customer_id, o.id)):
        if select is not None and not select.matches(order, zone):
            continue
        record = state.work.get(order.id)
        if record is not None and not record.credited:
            continue
        customer = by_id.get(order.customer_id)
        notice = notices.get(order.id)
        row_state: RowState
        if order.id in goes_on:
            row_state, why = "billable", ""
        elif notice is not None and notice.kind is NoticeKind.BLOCKED and (
                customer is not None or order.status is WorkStatus.COMPLETED):
            row_state, why = "blocked", notice.reason
        elif notice is not None and notice.kind is NoticeKind.NOT_DUE and upcoming:
            row_state, why = "upcoming", ""
        else:
            continue  # cancelled, kept off invoices by policy, or not completed work
        timing = (resolve(company.policy, customer.policy).timing if customer is not None
                  else company.policy.timing)
        since, said = _billable_from(order, timing, zone)
        if row_state == "upcoming" and since is None:
            continue  # not completed and no night to wait for: not work to list
        if row_state == "upcoming":
            why = f"not due yet: {said}"
        elif not why:
            why = said if record is None else (
                f"its invoice {record.invoice_key} was credited; billable again ({said})")
        rows.append(_row(order, customer, row_state, since, why, goes_on.get(order.id),
                         company))
    return Uninvoiced(now, tuple(rows), book)


def _billable_from(order: WorkOrder, timing: Timing, zone: ZoneInfo
                   ) -> tuple[datetime | None, str]:
    """Since (or from) when ``order`` is billable under ``timing``, and that said in words."""
    completed = (order.completed_at if order.status is WorkStatus.COMPLETED else None)
    night = None
    if timing is Timing.BEFORE_WORK and order.planned_date is not None:
        night = datetime.combine(order.planned_date - timedelta(days=1), NIGHT_STARTS,
                                 tzinfo=zone)
    if completed is not None and (night is None or completed <= night):
        return completed, f"completed {completed.astimezone(zone):%Y-%m-%d %H:%M}"
    if night is not None:
        assert order.planned_date is not None
        return night, (f"the night before the work on {order.planned_date.isoformat()} "
                       f"(before_work), from {night:%H:%M}")
    return None, "not completed yet"


def _row(order: WorkOrder, customer: Customer | None, state: RowState,
         since: datetime | None, reason: str, invoice_key: str | None,
         company: Company) -> UninvoicedWork:
    posting = resolve(company.policy, customer.policy if customer else None).posting
    total = order.total(customer.currency) if customer is not None else None
    return UninvoicedWork(
        work_order_id=order.id, customer_id=order.customer_id,
        customer_name=customer.name if customer is not None else "",
        project=order.project, state=state, billable_from=since, reason=reason,
        amount=total.amount if total is not None else None,
        currency=customer.currency if customer is not None else None,
        completed_at=order.completed_at if order.status is WorkStatus.COMPLETED else None,
        planned_date=order.planned_date, posting=posting.value, invoice_key=invoice_key)
