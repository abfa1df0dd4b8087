"""Internal: the small synchronous API for apps and notebooks.

::

    import ledgerlink as ll

    book = ll.connect("sandbox", path="book.db")
    preview = ll.plan(work_orders, customers, company, now=now, connector=book)
    result = ll.run(preview, book)          # exactly-once; journal in ledgerlink.db
    result.summary, result.log
    ll.refresh(book).changes                # statuses of what was invoiced, kept current
    ll.statuses(book)                       # refresh, then one row per invoice (a table)
    ll.void(book, "inv:acme:2024-05")       # one invoice: void, delete, send, pdf, web_url
    ll.uninvoiced(work_orders, customers, company, connector=book)   # not invoiced yet
    ll.invoice(..., select=ll.WorkSelection(only=["WO-1"]), posting=ll.Posting.DRAFT)

Concurrency stays inside the runner; nothing here is async.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledgerlink.connector import Connector
from ledgerlink.domain import Company, Customer, WorkOrder
from ledgerlink.invoice_actions import ActionResult, find_ref, perform, require
from ledgerlink.planning import plan as _plan
from ledgerlink.planning import plan_deliveries
from ledgerlink.plans import ALL_CAPABILITIES, JournalState, Plan
from ledgerlink.plugins import get_plugin_manager
from ledgerlink.policy import Posting
from ledgerlink.refreshing import RefreshResult, refresh_statuses
from ledgerlink.runner import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_LEASE,
    DEFAULT_WORKERS,
    Progress,
    Runner,
    RunResult,
)
from ledgerlink.status_report import StatusReport
from ledgerlink.store import Store
from ledgerlink.uninvoiced_work import Uninvoiced, WorkSelection, list_uninvoiced, run_override

if TYPE_CHECKING:
    from ledgerlink.delivery import DeliveryChannels

__all__ = ["DEFAULT_STORE", "ActionResult", "RefreshResult", "StatusReport", "connect", "delete",
           "deliver", "invoice", "open_store", "pdf", "plan", "refresh", "run", "send", "statuses",
           "uninvoiced", "void", "web_url"]

#: The journal store used when none is given: a SQLite file in the working directory.
DEFAULT_STORE = "ledgerlink.db"


def connect(name: str, **options: Any) -> Connector:
    """Build the connector registered as ``name`` by any installed plugin."""
    return get_plugin_manager().connectors().create(name, **options)


def open_store(target: str | Path | Store = DEFAULT_STORE) -> Store:
    """Open (and migrate) a journal store: a SQLite path or an SQLAlchemy URL."""
    return target if isinstance(target, Store) else Store(target)


def _state_for(store: Store, book: str, orders: Iterable[WorkOrder]) -> JournalState:
    """The journal state for planning ``orders``: their rows, not the book's history."""
    ids, customer_ids = set(), set()
    for order in orders:
        ids.add(order.id)
        customer_ids.add(order.customer_id)
    return store.state_for(book, ids, customer_ids)


def plan(
    work_orders: Iterable[WorkOrder],
    customers: Iterable[Customer] | Mapping[str, Customer],
    company: Company,
    *,
    now: datetime | None = None,
    connector: Connector | None = None,
    store: str | Path | Store | None = None,
    state: JournalState | None = None,
) -> Plan:
    """Preview what would be invoiced; nothing is sent.

    With ``connector`` (and a ``store``, default :data:`DEFAULT_STORE`) the plan
    accounts for what the journal already invoiced and for the connector's
    capabilities; without, it plans from scratch for a connector that can do
    everything. ``now`` defaults to the current instant.
    """
    orders = list(work_orders)
    if state is None and connector is not None:
        state = _state_for(open_store(store or DEFAULT_STORE), connector.account, orders)
    capabilities = connector.capabilities if connector is not None else ALL_CAPABILITIES
    return _plan(orders, customers, company, now=now or datetime.now(UTC),
                 state=state, capabilities=capabilities)


def run(
    plan: Plan,
    connector: Connector,
    *,
    store: str | Path | Store | None = None,
    workers: int = DEFAULT_WORKERS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    lease: timedelta = DEFAULT_LEASE,
    wait: timedelta = timedelta(0),
    delivery: DeliveryChannels | None = None,
) -> RunResult:
    """Execute ``plan`` exactly once against ``connector`` (recovering a crashed run first).

    One run at a time per book: while another run (any process or host sharing
    the store) holds the book, this one waits up to ``wait`` and then raises
    :class:`~ledgerlink.errors.BookBusyError`. See :class:`~ledgerlink.runner.Runner`.
    ``delivery`` holds the channels the plan's deliveries go by (e-mail, letter,
    e-invoice); without it they fail, named, and the next run plans them again.
    """
    runner = Runner(connector, open_store(store or DEFAULT_STORE), workers=workers,
                    batch_size=batch_size, progress=progress, lease=lease, wait=wait,
                    courier=delivery)
    return runner.run(plan)


def refresh(
    connector: Connector,
    *,
    store: str | Path | Store | None = None,
    today: date | None = None,
    ids: Collection[str] | None = None,
) -> RefreshResult:
    """Bring the statuses of the invoices ledgerlink made in ``connector``'s book up to date.

    One change-feed call where the connector has CHANGE_FEED, else one read per
    invoice whose status can still change; ``ids`` (e.g. from a webhook) reads
    only those. :func:`statuses` refreshes and reads the statuses in one call.
    """
    return refresh_statuses(connector, open_store(store or DEFAULT_STORE), today=today,
                            ids=ids)


def statuses(
    connector: Connector,
    *,
    store: str | Path | Store | None = None,
    refresh: bool = True,
    today: date | None = None,
) -> StatusReport:
    """The current statuses of the invoices ledgerlink made in ``connector``'s book.

    With ``refresh`` (the default) the provider is asked first, as :func:`refresh`
    does; with ``refresh=False`` the statuses come from the facts the journal
    already holds, without a provider call. Statuses are judged on ``today``
    (default today), so "overdue" is as of that day.
    """
    day = today or date.today()
    opened = open_store(store or DEFAULT_STORE)
    refreshed = refresh_statuses(connector, opened, today=day) if refresh else None
    book = connector.account
    return StatusReport.from_facts(book, day, opened.invoice_facts(book), refreshed)


def invoice(
    work_orders: Iterable[WorkOrder],
    customers: Iterable[Customer] | Mapping[str, Customer],
    company: Company,
    connector: Connector,
    *,
    now: datetime | None = None,
    store: str | Path | Store | None = None,
    workers: int = DEFAULT_WORKERS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    lease: timedelta = DEFAULT_LEASE,
    wait: timedelta = timedelta(0),
    delivery: DeliveryChannels | None = None,
    select: WorkSelection | None = None,
    posting: Posting | None = None,
    send: bool | None = None,
) -> RunResult:
    """The whole job: recover, refresh open drafts, plan against the journal, run.

    This is what ``ledgerlink run`` and the nightly job call. The book is held
    from the first step to the last, so the plan is made against a journal no
    other run changes meanwhile; ``wait``, ``lease`` and ``delivery`` are as for
    :func:`run`.

    ``select`` invoices only the selected work not invoiced yet (what
    :func:`uninvoiced` lists as billable); everything already invoiced is left
    as it is. Ids it names that the inputs lack are refused (ValidationError)
    before anything is written. ``posting`` (draft or book) and ``send``
    override every customer's policy for the work this run invoices for the
    first time only (e.g. drafts for this run); invoices already made keep theirs.
    """
    orders = list(work_orders)
    people = customers if isinstance(customers, Mapping) else list(customers)
    override = run_override(posting, send)
    only = None
    if select is not None:
        select.check(orders, people)
        only = [o.id for o in orders if select.matches(o, company.zone)]
    opened = open_store(store or DEFAULT_STORE)
    runner = Runner(connector, opened, workers=workers, batch_size=batch_size,
                    progress=progress, lease=lease, wait=wait, courier=delivery)
    with runner.holding():
        runner.recover()
        runner.sync_drafts()
        fresh = _plan(orders, people, company, now=now or datetime.now(UTC),
                      state=_state_for(opened, connector.account, orders),
                      capabilities=connector.capabilities, only=only, override=override)
        return runner.run(fresh)


def uninvoiced(
    work_orders: Iterable[WorkOrder],
    customers: Iterable[Customer] | Mapping[str, Customer],
    company: Company,
    *,
    connector: Connector | None = None,
    store: str | Path | Store | None = None,
    now: datetime | None = None,
    select: WorkSelection | None = None,
    upcoming: bool = False,
) -> Uninvoiced:
    """The completed work not invoiced yet: one row per work order, each saying why.

    Read from the inputs and the journal of ``connector``'s book (in ``store``,
    default :data:`DEFAULT_STORE`); the provider is not asked. Without
    ``connector`` nothing counts as invoiced. ``select`` keeps the work it
    selects; ``upcoming`` also lists work not due yet and when it will be.
    :func:`invoice` with the same ``select`` invoices the billable rows.
    """
    orders = list(work_orders)
    if connector is None:
        return list_uninvoiced(orders, customers, company, now=now or datetime.now(UTC),
                               select=select, upcoming=upcoming)
    return list_uninvoiced(orders, customers, company, now=now or datetime.now(UTC),
                           state=_state_for(open_store(store or DEFAULT_STORE),
                                            connector.account, orders),
                           capabilities=connector.capabilities, select=select,
                           upcoming=upcoming, book=connector.account)


def deliver(
    customers: Iterable[Customer] | Mapping[str, Customer],
    company: Company,
    connector: Connector,
    *,
    delivery: DeliveryChannels | None,
    work_orders: Iterable[WorkOrder] = (),
    retry_failed: bool = False,
    resend: Collection[str] = (),
    now: datetime | None = None,
    store: str | Path | Store | None = None,
    workers: int = DEFAULT_WORKERS,
    progress: Progress | None = None,
    wait: timedelta = timedelta(0),
) -> RunResult:
    """Send the invoices already made that are still to go out: ``ledgerlink deliver``.

    Recovers a crashed run, then delivers (or has the provider e-mail) booked
    invoices not sent yet; with ``retry_failed`` also ledgerlink's deliveries
    that failed, and each invoice key in ``resend`` once more, even one whose
    outcome was unknown (a person decided it did not arrive). ``work_orders``
    give e-invoices their lines (see :func:`ledgerlink.planning.plan_deliveries`).
    """
    opened = open_store(store or DEFAULT_STORE)
    runner = Runner(connector, opened, workers=workers, progress=progress, wait=wait,
                    courier=delivery)
    with runner.holding():
        runner.recover()
        sending = plan_deliveries(customers, company, now=now or datetime.now(UTC),
                                  state=opened.state_to_deliver(connector.account, resend),
                                  capabilities=connector.capabilities,
                                  work_orders=work_orders, retry_failed=retry_failed,
                                  resend=resend)
        return runner.run(sending)


# --- actions on one invoice (ledgerlink.invoice_actions) -----------------------------------


def void(connector: Connector, invoice: str, *, store: str | Path | Store | None = None,
         wait: timedelta = timedelta(0)) -> ActionResult:
    """Void a booked invoice, named by ledgerlink key or provider id; this cannot be undone.

    Journaled exactly once under the book's lease, like every write (``wait`` as
    for :func:`run`); voiding a void invoice changes nothing and is reported as
    already done. CapabilityError when the connector cannot void.
    """
    return perform(connector, open_store(store or DEFAULT_STORE), "void", invoice, wait=wait)


def delete(connector: Connector, invoice: str, *, store: str | Path | Store | None = None,
           wait: timedelta = timedelta(0)) -> ActionResult:
    """Delete an invoice (a draft, where the provider deletes nothing else), exactly once.

    The work on a deleted draft is billable again, as when a person deletes it
    in the provider's app. Otherwise as :func:`void`.
    """
    return perform(connector, open_store(store or DEFAULT_STORE), "delete", invoice,
                   wait=wait)


def send(connector: Connector, invoice: str, *, email: str | None = None,
         store: str | Path | Store | None = None,
         wait: timedelta = timedelta(0)) -> ActionResult:
    """Have the provider e-mail a booked invoice to its customer (or to ``email``), once.

    A draft is refused (ValidationError): book it first. An invoice the
    provider already e-mailed, or ledgerlink already sent, is not sent again.
    """
    return perform(connector, open_store(store or DEFAULT_STORE), "send", invoice,
                   email=email, wait=wait)


def pdf(connector: Connector, invoice: str, *, path: str | Path | None = None,
        store: str | Path | Store | None = None) -> bytes:
    """The invoice as the provider's PDF; also written to ``path`` when given."""
    require(connector, "pdf")
    ref = find_ref(connector, open_store(store or DEFAULT_STORE), invoice)
    document = connector.pdf(ref.provider_id)
    if path is not None:
        Path(path).write_bytes(document)
    return document


def web_url(connector: Connector, invoice: str, *,
            store: str | Path | Store | None = None) -> str:
    """Where the invoice opens in the provider's web app."""
    require(connector, "web_url")
    ref = find_ref(connector, open_store(store or DEFAULT_STORE), invoice)
    return connector.web_url(ref.provider_id)
