"""Internal: customer and product sync: create or link everything a sync filter takes.

A sync is a run of the runner (:class:`~ledgerlink.runner.Runner`) whose plan
holds one find-or-create action per customer (``EnsureCustomer``, the same
action an invoicing run starts a new customer's lane with) or per product
(``EnsureProduct``). So it is exactly once the same way: under the book's
lease, the intent committed before the provider is asked, the outcome after,
and a crashed sync's intents rolled back by the next run, which finds what the
dead run created instead of creating it again. The link lands in the journal's
refs, where every invoice afterwards takes it from.

What the filter leaves out is reported with its reason and never reaches the
provider. ``dry_run`` looks each item up (reads only) and writes nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import attrs

from ledgerlink.connector import Connector
from ledgerlink.domain import Customer, Product
from ledgerlink.errors import LedgerlinkError, ProviderError
from ledgerlink.plans import EnsureCustomer, EnsureProduct, Plan
from ledgerlink.results import Outcome
from ledgerlink.runner import DEFAULT_WORKERS, Runner
from ledgerlink.store import Store
from ledgerlink.sync_filters import CustomerFilter, ProductFilter
from ledgerlink.tabular import Rows, html_table, rows_html, to_frame

__all__ = ["DEFAULT_STORE", "SyncItem", "SyncReport", "SyncStatus", "open_target", "sync_customers",
           "sync_products"]

Kind = Literal["customers", "products"]
#: The journal used when none is given (the same file as ``ledgerlink.api.DEFAULT_STORE``).
DEFAULT_STORE = "ledgerlink.db"


class SyncStatus(enum.Enum):
    """What a sync did with one customer or product."""

    CREATED = "created"  #: created at the provider (synced)
    LINKED = "linked"  #: found at the provider (or linked before) and linked
    SKIPPED = "skipped"  #: left out by the sync filter (the reason says why)
    FAILED = "failed"  #: the provider refused (its message says why)
    WOULD_CREATE = "would_create"  #: dry run: absent at the provider, would be created
    WOULD_LINK = "would_link"  #: dry run: found at the provider, would be linked


@attrs.frozen
class SyncItem:
    """One customer or product in a sync report.

    Attributes:
        id: the local id.
        name: its name.
        status: what the sync did.
        remote_id: the provider's id it is linked to, where known.
        reason: the filter's reason, the provider's message, or how it was linked.
    """

    id: str
    name: str
    status: SyncStatus
    remote_id: str | None = None
    reason: str = ""


@attrs.frozen
class SyncReport:
    """What ``sync_customers`` or ``sync_products`` did, per item, in input order.

    Attributes:
        what: ``customers`` or ``products``.
        book: the connector account synced.
        items: one per input item.
        run_id: the run in the journal (None for a dry run).
        dry_run: True when nothing was written.
        recovered: operations a crashed sync or run had left, settled first by asking
            the provider (what they made is then reported ``linked``).
    """

    what: Kind
    book: str
    items: tuple[SyncItem, ...]
    run_id: str | None = None
    dry_run: bool = False
    recovered: int = 0

    def _with(self, status: SyncStatus) -> list[SyncItem]:
        return [item for item in self.items if item.status is status]

    @property
    def synced(self) -> list[SyncItem]:
        """The items created at the provider."""
        return self._with(SyncStatus.CREATED)

    @property
    def linked(self) -> list[SyncItem]:
        """The items found at the provider (or linked before) and linked."""
        return self._with(SyncStatus.LINKED)

    @property
    def skipped(self) -> list[SyncItem]:
        """The items the filter left out, each with its reason."""
        return self._with(SyncStatus.SKIPPED)

    @property
    def failed(self) -> list[SyncItem]:
        """The items the provider refused, each with its message."""
        return self._with(SyncStatus.FAILED)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed

    @property
    def counts(self) -> dict[str, int]:
        """How many items ended in each status (every status, zeros included)."""
        counts = {status.value: 0 for status in SyncStatus}
        for item in self.items:
            counts[item.status.value] += 1
        return counts

    def rows(self) -> Rows:
        """One row per item: id, name, status, remote id, reason."""
        return Rows(("id", "name", "status", "remote_id", "reason"),
                    [(i.id, i.name, i.status.value, i.remote_id, i.reason) for i in self.items])

    def to_pandas(self) -> Any:
        """One row per item (see :meth:`rows`); needs the pandas extra."""
        return to_frame(self.rows())

    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON values (what ``--json`` prints)."""
        return {"what": self.what, "book": self.book, "run_id": self.run_id,
                "dry_run": self.dry_run, "recovered": self.recovered, "counts": self.counts,
                "items": [{"id": i.id, "name": i.name, "status": i.status.value,
                           "remote_id": i.remote_id, "reason": i.reason} for i in self.items]}

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {k}" for k, n in self.counts.items() if n)
        return f"<SyncReport of {self.what} on {self.book}: {counts or 'nothing'}>"

    def _repr_html_(self) -> str:
        what = "Dry run (nothing written)" if self.dry_run else f"Run {self.run_id}"
        counts = html_table(("status", "count"),
                            ((k, n) for k, n in self.counts.items() if n), f"{what}: {self.what}")
        return counts + rows_html(self.rows()) if self.items else counts


def open_target(store: str | Path | Store | None) -> Store:
    """The journal ``store`` names (a Store is taken as it is; None: the default)."""
    return store if isinstance(store, Store) else Store(store or DEFAULT_STORE)


def sync_customers(
    customers: Iterable[Customer], connector: Connector, *, store: str | Path | Store | None = None,
    filter: CustomerFilter | None = None, dry_run: bool = False,
    workers: int = DEFAULT_WORKERS, wait: timedelta = timedelta(0),
) -> SyncReport:
    """Create or link at the provider every customer ``filter`` takes, exactly once.

    Each is looked up first (``find_customer``) and created only when absent;
    the link is kept in the journal. ``dry_run`` reads only and writes nothing.
    """
    chosen = filter or CustomerFilter()
    return _sync("customers", list(customers), connector, store, chosen.reason, dry_run,
                 workers, wait)


def sync_products(
    products: Iterable[Product], connector: Connector, *, store: str | Path | Store | None = None,
    filter: ProductFilter | None = None, dry_run: bool = False,
    workers: int = DEFAULT_WORKERS, wait: timedelta = timedelta(0),
) -> SyncReport:
    """Create or link at the provider every product ``filter`` takes, exactly once.

    Each is looked up first (``find_product``) and created only when absent;
    the link is kept in the journal's product refs, which invoices use.
    ``dry_run`` reads only and writes nothing.
    """
    chosen = filter or ProductFilter()
    return _sync("products", list(products), connector, store, chosen.reason, dry_run,
                 workers, wait)


def _sync(what: Kind, items: Sequence[Customer | Product], connector: Connector,
          store: str | Path | Store | None, reason: Any, dry_run: bool, workers: int,
          wait: timedelta) -> SyncReport:
    skipped = {item.id: reason(item) for item in items}
    taken = [item for item in items if skipped[item.id] is None]
    recovered = 0
    if dry_run:
        found = _dry_run(what, taken, connector, store)
        run_id = None
    else:
        found, run_id, recovered = _run(what, taken, connector, open_target(store), workers,
                                        wait)
    report = [SyncItem(item.id, item.name, SyncStatus.SKIPPED, reason=skipped[item.id])
              if skipped[item.id] is not None else found[item.id] for item in items]
    return SyncReport(what, connector.account, tuple(report), run_id, dry_run, recovered)


def _run(what: Kind, items: Sequence[Customer | Product], connector: Connector,
         store: Store, workers: int, wait: timedelta) -> tuple[dict[str, SyncItem], str, int]:
    """Run one find-or-create action per item: each item's report line by id, the run's
    id, and how many operations of a crashed run were settled first."""
    actions = tuple(EnsureCustomer(item) if isinstance(item, Customer) else EnsureProduct(item)
                    for item in items)
    plan = Plan(actions, (), datetime.now(UTC), capabilities=connector.capabilities)
    result = Runner(connector, store, workers=workers, wait=wait).run(plan)
    names = {item.id: item.name for item in items}
    refs = store.refs(connector.account, what)
    found: dict[str, SyncItem] = {}
    for outcome in result.outcomes:
        subject = outcome.action.subject
        found[subject] = _item(outcome, names[subject], refs.get(subject))
    return found, result.run_id, len(result.recovered)


def _item(outcome: Outcome, name: str, ref: str | None) -> SyncItem:
    """One action's outcome as a report line."""
    subject = outcome.action.subject
    if outcome.status == "ok" and outcome.message == "created":
        return SyncItem(subject, name, SyncStatus.CREATED, outcome.remote_id, "created")
    if outcome.status == "ok":
        return SyncItem(subject, name, SyncStatus.LINKED, outcome.remote_id, outcome.message)
    if outcome.status == "already_done":
        return SyncItem(subject, name, SyncStatus.LINKED, ref, "linked by an earlier run")
    message = outcome.message
    if outcome.retry_later:
        message += " (the provider may have it: the next sync finds it before creating)"
    return SyncItem(subject, name, SyncStatus.FAILED, None, message)


def _dry_run(what: Kind, items: Sequence[Customer | Product], connector: Connector,
             store: str | Path | Store | None) -> dict[str, SyncItem]:
    """What a sync would do: journal links and provider look-ups, nothing written."""
    target = store or DEFAULT_STORE
    if isinstance(target, Store) or "://" in str(target) or Path(target).exists():
        refs = open_target(store).refs(connector.account, what)
    else:
        refs = {}  # no journal yet: nothing is linked, and none is created by looking
    found: dict[str, SyncItem] = {}
    for item in items:
        if item.id in refs:
            found[item.id] = SyncItem(item.id, item.name, SyncStatus.LINKED, refs[item.id],
                                      "already linked")
            continue
        try:
            ref = (connector.find_customer(item) if isinstance(item, Customer)
                   else connector.find_product(item))
        except ProviderError as err:
            found[item.id] = SyncItem(item.id, item.name, SyncStatus.FAILED, None, err.message)
            continue
        except LedgerlinkError as err:
            found[item.id] = SyncItem(item.id, item.name, SyncStatus.FAILED, None, str(err))
            continue
        found[item.id] = (SyncItem(item.id, item.name, SyncStatus.WOULD_LINK, ref, "found")
                          if ref is not None else
                          SyncItem(item.id, item.name, SyncStatus.WOULD_CREATE, None,
                                   "not found at the provider"))
    return found
