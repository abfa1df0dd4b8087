"""Invoicing won deals, exactly once, through the ordinary runner.

A won deal *is* work: :func:`invoice_deals` maps each deal to a customer and a
work order ``deal-<id>`` (:func:`ledgerlink.deal_mapping.map_deal`) and hands
them to :func:`ledgerlink.api.invoice`, so a deal is invoiced once however
often it is handed over, a crashed run is recovered, and the customer is found
or created (and, where the company opted in with the connector's
``CUSTOMER_UPDATES``, its changed address, e-mail and tax id are pushed back).

Before anything is written, every deal is checked; a deal that fails a check is
*blocked* with the reason, and the others go on:

* **Mapping**: a field the mapping names that the deal lacks, a missing
  currency, a price with no exact net price (see :mod:`ledgerlink.deal_mapping`).
* **Currency**: the customer the deal goes to — linked in the journal, or
  found by the connector — must be invoiced in the deal's currency, as the
  connector reads it (``customer_currency``). A mismatch names both
  currencies; nothing is converted and nothing written. A customer not there
  yet is created in the deal's currency. A connector with CUSTOMER_UPDATES
  updates a customer it finds, a write: there an unlinked customer is left to
  the run, which finds and links it journaled, and the connector refuses an
  invoice in another currency than the customer's before writing it (the
  deal then fails with the connector's words, naming both currencies).
* **Products**: every line must link to a product that exists in the
  accounting system: the journal's link (``ledgerlink link product LOCAL
  REMOTE``), else the connector's own match (``find_product``: QuickBooks an
  active Item named as the product, the sandbox a product tagged with its id),
  which is then recorded in the journal. An unlinked line blocks the deal, named
  with its line and product and the command that links it. Deals never create
  products, and never fall back to a connector's default item.

Each invoiced deal's invoice is linked to the deal in the journal
(:mod:`ledgerlink.deal_records`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs

from ledgerlink import api
from ledgerlink.connector import Capability, Connector
from ledgerlink.deal_mapping import DealMapping, map_deal
from ledgerlink.deals import Deal
from ledgerlink.domain import Company, Customer, Product, WorkOrder
from ledgerlink.errors import ValidationError
from ledgerlink.journal_state import WorkRecord
from ledgerlink.plans import CreateInvoice, EnsureCustomer
from ledgerlink.runner import RunResult
from ledgerlink.store import Store, deal_links
from ledgerlink.tabular import Rows, rows_html

__all__ = ["DealReport", "DealRun", "DealState", "UnlinkedLine", "invoice_deals"]


class DealState(enum.Enum):
    """What became of one deal."""

    INVOICED = "invoiced"  #: invoiced (or its changed invoice corrected) by this call
    ALREADY_INVOICED = "already_invoiced"  #: invoiced earlier, unchanged: nothing written
    BLOCKED = "blocked"  #: refused before anything was written (see the reason)
    FAILED = "failed"  #: the run tried and the provider or the plan said no (see the reason)


@attrs.frozen
class UnlinkedLine:
    """A deal line whose product has no product in the accounting system.

    Attributes:
        deal_id: the deal.
        line: the line's number on the deal (1-based).
        product_id: the CRM's product id (the local product id).
        name: the line's product name.
    """

    deal_id: str
    line: int
    product_id: str
    name: str

    @property
    def fix(self) -> str:
        """The command that links the product (REMOTE: the provider's product id)."""
        return f"ledgerlink link product {self.product_id} REMOTE"

    def __str__(self) -> str:
        return (f"deal {self.deal_id} line {self.line} ({self.name!r}): product "
                f"{self.product_id!r} is not linked to a product in the accounting system; "
                f"link it with `{self.fix}`")


@attrs.frozen
class DealReport:
    """One deal's outcome.

    Attributes:
        deal_id: the CRM's deal id.
        state: invoiced, already invoiced, blocked or failed.
        reason: why it was blocked or failed (empty otherwise).
        customer_id: the local customer id it was invoiced to (None when not mapped).
        invoice_key: the ledgerlink key of its invoice, once invoiced.
        provider_id: the provider's id of its invoice, once invoiced.
        unlinked: the lines that blocked it for want of a product link.
    """

    deal_id: str
    state: DealState
    reason: str = ""
    customer_id: str | None = None
    invoice_key: str | None = None
    provider_id: str | None = None
    unlinked: tuple[UnlinkedLine, ...] = ()


@attrs.frozen
class DealRun:
    """What :func:`invoice_deals` did.

    Attributes:
        deals: one report per deal, in the order given.
        runs: the runner's results (usually one; more when one customer's
            deals needed different due days, each run keeping one customer version).
    """

    deals: tuple[DealReport, ...]
    runs: tuple[RunResult, ...]

    @property
    def result(self) -> RunResult | None:
        """The (last) run's result, as :func:`ledgerlink.invoice` returns it."""
        return self.runs[-1] if self.runs else None

    @property
    def summary(self) -> dict[str, int]:
        """Deals per state."""
        counts = dict.fromkeys((s.value for s in DealState), 0)
        for report in self.deals:
            counts[report.state.value] += 1
        return counts

    def report(self, deal_id: str) -> DealReport:
        """The report of one deal (KeyError when it was not given)."""
        for found in self.deals:
            if found.deal_id == deal_id:
                return found
        raise KeyError(deal_id)

    def rows(self) -> Rows:
        """One row per deal: deal, state, customer, invoice, reason."""
        header = ("deal", "state", "customer", "invoice", "provider id", "reason")
        return Rows(header, [(r.deal_id, r.state.value, r.customer_id or "",
                              r.invoice_key or "", r.provider_id or "", r.reason)
                             for r in self.deals])

    def _repr_html_(self) -> str:
        return rows_html(self.rows(), "Deals")


@attrs.define
class _Checks:
    """What the checks learned of the book, each thing asked once."""

    connector: Connector
    customer_refs: dict[str, str]
    product_refs: dict[str, str]
    currencies: dict[str, str | None] = attrs.Factory(dict)
    found_products: dict[str, str | None] = attrs.Factory(dict)
    new_product_links: dict[str, str] = attrs.Factory(dict)

    def currency_problem(self, deal: Deal, customer: Customer) -> str | None:
        """Why the deal's currency does not fit its customer's there, or None."""
        if customer.id not in self.currencies:
            ref = self.customer_refs.get(customer.id)
            if ref is None and Capability.CUSTOMER_UPDATES not in self.connector.capabilities:
                ref = self.connector.find_customer(customer)
            self.currencies[customer.id] = (
                None if ref is None else self.connector.customer_currency(ref))
        theirs = self.currencies[customer.id]
        if theirs is None or theirs == customer.currency:
            return None
        return (f"deal {deal.id} is in {customer.currency}, and its customer {customer.name} "
                f"({customer.id}) is invoiced in {theirs} in {self.connector.name}: refused, "
                "never converted; change the deal's currency in the CRM")

    def unlinked(self, deal: Deal) -> tuple[UnlinkedLine, ...]:
        """The deal's lines no product in the accounting system is linked to."""
        missing: list[UnlinkedLine] = []
        for number, line in enumerate(deal.lines, start=1):
            local = line.product_id
            if self.product_refs.get(local) or self.new_product_links.get(local):
                continue
            if local not in self.found_products:
                self.found_products[local] = self.connector.find_product(
                    Product(id=local, name=line.name))
            found = self.found_products[local]
            if found is None:
                missing.append(UnlinkedLine(deal.id, number, local, line.name))
            else:
                self.new_product_links[local] = found
        return tuple(missing)


def _rounds(ready: Sequence[tuple[Deal, Customer, WorkOrder]]
            ) -> list[list[tuple[Deal, Customer, WorkOrder]]]:
    """Split the deals so each run sees one version of each customer (deals of one
    customer with different due days or details go to successive runs)."""
    rounds: list[tuple[dict[str, Customer], list[tuple[Deal, Customer, WorkOrder]]]] = []
    for item in ready:
        customer = item[1]
        for customers, deals in rounds:
            if customers.get(customer.id, customer) == customer:
                customers[customer.id] = customer
                deals.append(item)
                break
        else:
            rounds.append(({customer.id: customer}, [item]))
    return [deals for _, deals in rounds]


def _why_not(results: Iterable[RunResult], order: WorkOrder, customer: Customer) -> str:
    """What the runs said of a work order that was not invoiced."""
    for result in results:
        for notice in result.plan.notices:
            if notice.subject == order.id:
                return notice.reason
        for outcome in result.outcomes:
            action = outcome.action
            if outcome.status not in ("failed", "ambiguous"):
                continue
            if isinstance(action, CreateInvoice) and any(o.id == order.id
                                                         for o, _ in action.work):
                return outcome.message or outcome.status
            if isinstance(action, EnsureCustomer) and action.customer.id == customer.id:
                return f"the customer could not be linked or created: {outcome.message}"
    return "not invoiced by the run (see `ledgerlink log`)"


def invoice_deals(
    deals: Iterable[Deal],
    mapping: DealMapping,
    connector: Connector,
    company: Company,
    *,
    store: str | Path | Store | None = None,
    now: datetime | None = None,
    wait: timedelta = timedelta(0),
) -> DealRun:
    """Invoice the won deals exactly once; a report per deal (see the module docs).

    ``now`` is the instant to plan for (default: now): the invoice is dated by
    the run day in the company's time zone and due ``mapping``'s due days
    later. ``wait`` is as for :func:`ledgerlink.run`.
    """
    opened = api.open_store(store or api.DEFAULT_STORE)
    book = connector.account
    checks = _Checks(connector, opened.refs(book, "customers"), opened.refs(book, "products"))
    reports: dict[str, DealReport] = {}
    ready: list[tuple[Deal, Customer, WorkOrder]] = []
    given = list(deals)
    for deal in given:
        try:
            customer, order = map_deal(deal, mapping)
        except ValidationError as err:
            reports[deal.id] = DealReport(deal.id, DealState.BLOCKED, err.message)
            continue
        problem = checks.currency_problem(deal, customer)
        if problem is not None:
            reports[deal.id] = DealReport(deal.id, DealState.BLOCKED, problem, customer.id)
            continue
        unlinked = checks.unlinked(deal)
        if unlinked:
            reports[deal.id] = DealReport(deal.id, DealState.BLOCKED,
                                          "; ".join(str(u) for u in unlinked), customer.id,
                                          unlinked=unlinked)
            continue
        ready.append((deal, customer, order))
    if checks.new_product_links:
        with opened.transaction(book) as tx:
            for local, remote in sorted(checks.new_product_links.items()):
                tx.ref("products", local, remote)
    # Only the deals' work orders and their invoices are read: a book's history
    # may be far larger than the deals at hand.
    order_ids = {order.id for _, _, order in ready}
    before = opened.work_of(book, order_ids)
    runs = tuple(
        api.invoice([order for _, _, order in round_], [c for _, c, _ in round_], company,
                    connector, now=now or datetime.now(UTC), store=opened, wait=wait)
        for round_ in _rounds(ready))
    after = opened.work_of(book, order_ids)
    ids = opened.invoice_ids(book, {record.invoice_key for record in after.values()})
    for deal, customer, order in ready:
        reports[deal.id] = _settled(opened, book, deal, customer, order, before.get(order.id),
                                    after.get(order.id), ids, runs)
    return DealRun(tuple(reports[d.id] for d in given), runs)


def _settled(store: Store, book: str, deal: Deal, customer: Customer, order: WorkOrder,
             before: WorkRecord | None, after: WorkRecord | None, ids: dict[str, str],
             runs: Sequence[RunResult]) -> DealReport:
    """The report of a deal the runner was given; its invoice linked to it."""
    provider_id = ids.get(after.invoice_key) if after is not None else None
    if after is None or provider_id is None:
        return DealReport(deal.id, DealState.FAILED, _why_not(runs, order, customer),
                          customer.id)
    deal_links.link(store, book, deal.id, provider_id, invoice_key=after.invoice_key,
                    how="invoiced")
    unchanged = before is not None and (before.invoice_key, before.fingerprint) == (
        after.invoice_key, after.fingerprint)
    state = DealState.ALREADY_INVOICED if unchanged else DealState.INVOICED
    return DealReport(deal.id, state, "", customer.id, after.invoice_key, provider_id)
