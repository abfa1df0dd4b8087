"""Internal: what a scheduled job would invoice: matching projects, their items, the work orders.

Pure functions over values: nothing is read or written here. The run engine
resolves the job's date rules (:func:`ledgerlink.scheduling.calendar.resolve`),
reads the journal for the items already billed, and passes all of it in; a
preview made twice from the same inputs is the same, down to the work order
ids, so a resumed run reproduces the work orders of the run it resumes.

The billing limit rule: a project's ``billing_limit`` caps the net total (excl.
VAT) ever invoiced for it. Items already billed (their ids are in ``billed``)
count first, as ``billed_before``. The unbilled items dated on or before the
cutoff are then taken in date order (then id order) while the running net
stays within the limit; the first item that would take it over the limit is
held, and so is every later item, even a smaller one that would still fit.
Invoices bill a project's work in the order it happened: skipping ahead would
invoice November's small expense while October's hours wait, and the customer
would later see the older work billed after the newer. Items dated after the
cutoff are neither billed nor held: they are simply not due yet.

Amounts follow :mod:`ledgerlink.money`: each item's net is quantity x unit
price rounded once to the customer's currency; VAT is computed per rate on the
sum of the rounded nets and rounded once, as the invoice itself will be.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Iterable, Mapping, Set
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import NamedTuple

import attrs

from ledgerlink.domain import Customer, WorkLine, WorkOrder, WorkStatus
from ledgerlink.money import EXACT, ROUNDING, minor_unit
from ledgerlink.scheduling.model import (
    BillableItem,
    BillingLimitFilter,
    ItemKind,
    JobFilters,
    Project,
    ScheduledJob,
)
from ledgerlink.tabular import MAX_ROWS, Rows, html_table, rows_html

__all__ = [
    "CurrencyTotal",
    "InvoicePreview",
    "JobPreview",
    "ProjectPreview",
    "matches",
    "preview",
    "work_order_id",
]

_ZERO = Decimal(0)


def matches(filters: JobFilters, project: Project) -> bool:
    """True when ``project`` passes every filter (an empty set lets every project pass)."""
    if filters.managers and project.manager not in filters.managers:
        return False
    if filters.departments and project.department not in filters.departments:
        return False
    if filters.customer_groups and project.customer_group not in filters.customer_groups:
        return False
    if filters.customers and project.customer_id not in filters.customers:
        return False
    if filters.projects and project.id not in filters.projects:
        return False
    if filters.keywords and filters.keywords.isdisjoint(project.keywords):
        return False
    if filters.billing_limit is BillingLimitFilter.WITH_LIMIT:
        return project.billing_limit is not None
    if filters.billing_limit is BillingLimitFilter.WITHOUT_LIMIT:
        return project.billing_limit is None
    return True


#: How the store names a run-now slot: ``manual-<run id>``.
MANUAL_SLOT = "manual-"


def work_order_id(job_id: str, slot: str, *, project_id: str | None = None,
                  customer_id: str | None = None) -> str:
    """The deterministic id of a job run's work order, per project or per customer.

    The id becomes part of the invoice's key, which providers keep in a short
    field (Dinero's ExternalReference holds 128 characters), so the job's and a
    manual run's uuid hex are cut to 12 characters: 48 random bits, unique
    enough among one company's jobs and runs.
    """
    if slot.startswith(MANUAL_SLOT):
        slot = "m" + slot[len(MANUAL_SLOT):][:12]
    job = job_id[:12]
    if customer_id is not None:
        return f"sched:{job}:{slot}:customer:{customer_id}"
    return f"sched:{job}:{slot}:{project_id}"


# --- results ---------------------------------------------------------------------------


@attrs.frozen
class ProjectPreview:
    """One matched project: what a run bills of it, and what the billing limit holds back.

    Attributes:
        project: the project.
        to_bill: unbilled items dated up to the cutoff and within the limit,
            in date then id order.
        held: unbilled items up to the cutoff held back by the billing limit.
        billed_before: net of the project's items already billed.
        net, vat, gross: totals of ``to_bill``, as one invoice of them would have.
        currency: the customer's currency.
    """

    project: Project
    to_bill: tuple[BillableItem, ...]
    held: tuple[BillableItem, ...]
    billed_before: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal
    currency: str


@attrs.frozen
class InvoicePreview:
    """One invoice a run would make: a work order for the planner, with its totals.

    Attributes:
        customer_id, customer_name: whom it bills.
        project_ids: the projects it bills, in id order.
        work_order: the work order the runner invoices.
        net, vat, gross: the invoice's totals.
        currency: the customer's currency.
        invoice_date, registration_date: the invoice's dates.
        item_ids: the billable items it bills, in line order.
    """

    customer_id: str
    customer_name: str
    project_ids: tuple[str, ...]
    work_order: WorkOrder
    net: Decimal
    vat: Decimal
    gross: Decimal
    currency: str
    invoice_date: date
    registration_date: date
    item_ids: tuple[str, ...] = ()


@attrs.frozen
class CurrencyTotal:
    """What a run invoices in one currency."""

    currency: str
    net: Decimal
    vat: Decimal
    gross: Decimal
    invoices: int


@attrs.frozen
class JobPreview:
    """What one run of a job would invoice.

    Attributes:
        job: the job.
        run_day, cutoff, invoice_date, registration_date: the run's days.
        projects: matched projects with something to bill or held, in id order.
        invoices: the invoices, in customer then project order.
        problems: what was skipped and why (e.g. a project's unknown customer).
    """

    job: ScheduledJob
    run_day: date
    cutoff: date
    invoice_date: date
    registration_date: date
    projects: tuple[ProjectPreview, ...]
    invoices: tuple[InvoicePreview, ...]
    problems: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (f"<JobPreview {self.job.id} on {self.run_day}: {len(self.invoices)} invoices, "
                f"{len(self.projects)} projects, {len(self.problems)} problems>")

    def _repr_html_(self) -> str:
        invoices = Rows(("customer_id", "customer", "projects", "net", "vat", "gross",
                         "currency", "invoice_date"),
                        [(i.customer_id, i.customer_name, ", ".join(i.project_ids), i.net,
                          i.vat, i.gross, i.currency, i.invoice_date) for i in self.invoices])
        html = rows_html(invoices, f"Job {self.job.id} on {self.run_day} "
                                   f"(work up to {self.cutoff}): {len(self.invoices)} invoices")
        html += html_table(("currency", "invoices", "net", "vat", "gross"),
                           ((t.currency, t.invoices, t.net, t.vat, t.gross)
                            for t in self.totals()), "Totals")
        if self.problems:
            html += html_table(("problem",), ((p,) for p in self.problems[:MAX_ROWS]),
                               "Problems")
        return html

    def work_orders(self) -> list[WorkOrder]:
        """The work orders to hand to the planner, one per invoice."""
        return [inv.work_order for inv in self.invoices]

    def item_work_orders(self) -> dict[str, str]:
        """Billable item id → id of the work order that bills it."""
        return {item_id: inv.work_order.id for inv in self.invoices for item_id in inv.item_ids}

    def totals(self) -> tuple[CurrencyTotal, ...]:
        """Invoice totals per currency, in currency order."""
        sums: dict[str, list[Decimal]] = {}
        counts: dict[str, int] = {}
        for inv in self.invoices:
            acc = sums.setdefault(inv.currency, [_ZERO, _ZERO, _ZERO])
            acc[0] += inv.net
            acc[1] += inv.vat
            acc[2] += inv.gross
            counts[inv.currency] = counts.get(inv.currency, 0) + 1
        return tuple(CurrencyTotal(cur, net, vat, gross, counts[cur])
                     for cur, (net, vat, gross) in sorted(sums.items()))


# --- the preview ----------------------------------------------------------------------


class _Selected(NamedTuple):
    """A project preview with what its invoice is made of: VAT bases per rate and lines."""

    preview: ProjectPreview
    bases: dict[Decimal, Decimal]
    lines: tuple[WorkLine, ...]


def preview(
    job: ScheduledJob,
    projects: Iterable[Project],
    customers: Mapping[str, Customer],
    *,
    run_day: date,
    cutoff: date,
    invoice_date: date,
    registration_date: date,
    billed: Collection[str],
    slot: str,
    completed_at: datetime,
) -> JobPreview:
    """What a run of ``job`` on ``run_day`` would invoice (see the module docstring).

    Args:
        job: the job; its filters choose the projects, its generation whether
            projects are merged per customer.
        projects: the company's projects (any; the job's filters choose).
        customers: the company's customers by id.
        run_day, cutoff, invoice_date, registration_date: the run's days, the
            job's date rules already resolved for ``run_day``.
        billed: ids of the billable items already invoiced.
        slot: the run's slot (e.g. the run day); part of every work order id.
        completed_at: the instant the work orders count as completed (aware).
    """
    # A preview allocates a few small acyclic objects per project and item;
    # pausing the cyclic collector avoids repeated full scans of the (large)
    # input object graph, as the planner does.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _preview(job, projects, customers, run_day, cutoff, invoice_date,
                        registration_date, billed, slot, completed_at)
    finally:
        if paused:
            gc.enable()


def _preview(job: ScheduledJob, projects: Iterable[Project], customers: Mapping[str, Customer],
             run_day: date, cutoff: date, invoice_date: date, registration_date: date,
             billed: Collection[str], slot: str, completed_at: datetime) -> JobPreview:
    done = billed if isinstance(billed, Set) else frozenset(billed)
    problems: list[str] = []
    # Line texts by day and description: a run's items share few of them.
    texts: dict[tuple[date, str], str] = {}
    chosen: list[tuple[Customer, _Selected]] = []
    for project in sorted((p for p in projects if matches(job.filters, p)),
                          key=lambda p: p.id):
        customer = customers.get(project.customer_id)
        if customer is None:
            problems.append(f"project {project.id} ({project.name}): unknown customer "
                            f"{project.customer_id!r}; skipped")
            continue
        selected = _select(project, customer.currency, cutoff, done, texts)
        if selected is not None:
            chosen.append((customer, selected))
    groups: dict[str, list[_Selected]] = {}
    for customer, selected in chosen:
        key = customer.id if job.generation.merge_projects else selected.preview.project.id
        groups.setdefault(key, []).append(selected)
    by_id = {customer.id: customer for customer, _ in chosen}
    invoices = []
    for key, members in groups.items():
        billing = [s for s in members if s.preview.to_bill]
        if not billing:
            continue
        customer = by_id[members[0].preview.project.customer_id]
        wo_id = (work_order_id(job.id, slot, customer_id=key) if job.generation.merge_projects
                 else work_order_id(job.id, slot, project_id=key))
        invoices.append(_invoice(job, customer, billing, wo_id, completed_at, invoice_date,
                                 registration_date))
    invoices.sort(key=_invoice_order)
    return JobPreview(job, run_day, cutoff, invoice_date, registration_date,
                      tuple(s.preview for _, s in chosen), tuple(invoices), tuple(problems))


def _invoice_order(invoice: InvoicePreview) -> tuple[str, tuple[str, ...]]:
    return invoice.customer_id, invoice.project_ids


def _select(project: Project, currency: str, cutoff: date, billed: Set[str],
            texts: dict[tuple[date, str], str]) -> _Selected | None:
    """The project's items to bill and to hold, or None when it has neither."""
    quantum = _quantum(currency)
    billed_before = _ZERO
    due: list[tuple[date, str, BillableItem, Decimal]] = []
    for item in project.items:
        # The amount InvoiceLine.net computes for the line this item becomes.
        net = EXACT.multiply(item.quantity, item.unit_price).quantize(quantum, ROUNDING)
        if item.id in billed:
            billed_before += net
        elif item.date <= cutoff:
            due.append((item.date, item.id, item, net))
    if not due:
        return None
    due.sort(key=_date_then_id)
    limit = project.billing_limit
    running = billed_before
    to_bill: list[BillableItem] = []
    held: list[BillableItem] = []
    lines: list[WorkLine] = []
    # Keyed by the rate as given: equal Decimals (25, 25.00) hash and compare equal.
    bases: dict[Decimal, Decimal] = {}
    for _, _, item, net in due:
        if held or (limit is not None and running + net > limit):
            held.append(item)  # invoices follow the work's order: nothing skips ahead
            continue
        running += net
        to_bill.append(item)
        bases[item.vat_rate] = bases.get(item.vat_rate, _ZERO) + net
        lines.append(_line(item, texts))
    net_total, vat = _totals(bases, quantum)
    result = ProjectPreview(project, tuple(to_bill), tuple(held), billed_before, net_total,
                            vat, net_total + vat, currency)
    return _Selected(result, bases, tuple(lines))


def _date_then_id(entry: tuple[date, str, BillableItem, Decimal]) -> tuple[date, str]:
    return entry[0], entry[1]


@cache
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def _totals(bases: Mapping[Decimal, Decimal], quantum: Decimal) -> tuple[Decimal, Decimal]:
    """Net and VAT of lines whose rounded nets sum to ``bases`` per rate (as vat_breakdown)."""
    net = _ZERO
    vat = _ZERO
    for rate, base in bases.items():
        net += base
        # x 10^-2 is the exact division by 100, without the cost of a division.
        vat += EXACT.multiply(base, rate).scaleb(-2, EXACT).quantize(quantum, ROUNDING)
    return net.quantize(quantum), vat.quantize(quantum)


# WorkLine's slot setters: a preview makes one line per item billed, and these
# copy an item's already validated values without WorkLine's converters (as
# InvoiceLine.from_work does), at a fraction of the cost of object.__setattr__.
_LINE_FIELDS = ("description", "quantity", "unit_price", "vat_rate", "product_id")
if tuple(f.name for f in attrs.fields(WorkLine)) != _LINE_FIELDS:  # pragma: no cover
    raise ImportError("WorkLine's fields changed: update selection._line")
_SET_TEXT, _SET_QUANTITY, _SET_PRICE, _SET_RATE, _SET_PRODUCT = (
    WorkLine.__dict__[name].__set__ for name in _LINE_FIELDS)


def _line(item: BillableItem, texts: dict[tuple[date, str], str]) -> WorkLine:
    """The work line billing ``item``; hours and expenses say their day, a fee its own text."""
    text = item.description
    if item.kind is not ItemKind.FEE:
        key = (item.date, text)
        dated = texts.get(key)
        if dated is None:
            dated = texts[key] = f"{item.date.isoformat()} {text}"
        text = dated
    line: WorkLine = object.__new__(WorkLine)
    _SET_TEXT(line, text)
    _SET_QUANTITY(line, item.quantity)
    _SET_PRICE(line, item.unit_price)
    _SET_RATE(line, item.vat_rate)
    _SET_PRODUCT(line, item.product_id)
    return line


def _invoice(job: ScheduledJob, customer: Customer, members: list[_Selected], wo_id: str,
             completed_at: datetime, invoice_date: date,
             registration_date: date) -> InvoicePreview:
    """The invoice billing ``members`` (projects of one customer, in id order)."""
    if len(members) == 1:
        only = members[0].preview
        net, vat, lines = only.net, only.vat, members[0].lines
    else:
        bases: dict[Decimal, Decimal] = {}
        for selected in members:
            for rate, base in selected.bases.items():
                bases[rate] = bases.get(rate, _ZERO) + base
        net, vat = _totals(bases, _quantum(customer.currency))
        lines = tuple(line for s in members for line in s.lines)
    projects = [s.preview.project for s in members]
    order = WorkOrder(
        id=wo_id, customer_id=customer.id, lines=lines,
        status=WorkStatus.COMPLETED, completed_at=completed_at,
        project=", ".join(p.name for p in projects), description=job.name,
        invoice_date=invoice_date, registration_date=registration_date,
    )  # fmt: skip
    return InvoicePreview(
        customer.id, customer.name, tuple(p.id for p in projects), order, net, vat, net + vat,
        customer.currency, invoice_date, registration_date,
        tuple(item.id for s in members for item in s.preview.to_bill),
    )  # fmt: skip
