"""Internal: keeping the statuses of the invoices ledgerlink made current, cheaply.

:func:`refresh_statuses` asks the provider what changed and records the status
facts (balance, due date, booked/voided/deleted) in the journal; statuses are
derived from them when read (:meth:`ledgerlink.store.InvoiceFacts.status`).

How it asks, cheapest first:

* ``ids`` given (a webhook named the invoices that changed): one read of each
  of those that ledgerlink made, nothing else.
* the connector declares CHANGE_FEED: one ``changes(since, known=...)`` call,
  ``since`` being where the last feed read ended (the watermark, on the
  provider's clock), or the first time the oldest moment ledgerlink's knowledge
  of any of its invoices dates from, less :data:`CLOCK_MARGIN`. ``known`` gives
  the invoices followed (not deleted, voided or credited) with the provider's
  version stamp the journal holds, so the connector reads in pages (about
  ⌈invoices / page size⌉ requests) and spares the extra reads of an invoice
  whose stamp has not moved. The new watermark is committed in the same
  transaction as the facts the feed gave. A provider that cannot reach back
  that far raises :class:`ChangeFeedWindowError`, and the refresh reads instead
  (then starts the watermark at the time it read).
* otherwise, one ``get_invoice`` per invoice whose status can still change:
  not deleted, voided or credited, and not known to be paid (a payment undone
  after that is noticed through a change feed or a webhook, not by polling).

An invoice the provider no longer knows (NotFoundError) is recorded deleted:
QuickBooks forgets deleted invoices.

:attr:`RefreshResult.calls` is what the connector's HTTP client counted
(:class:`~ledgerlink.connector.CountsRequests`), every request and retry; a
connector that counts nothing is credited with the calls the refresh made.
"""

from __future__ import annotations

import inspect
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs

from ledgerlink.connector import Capability, Changes, Connector, CountsRequests, KnownVersions
from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import ChangeFeedWindowError, NotFoundError, ProviderError
from ledgerlink.status import InvoiceStatus
from ledgerlink.store import InvoiceFacts, Store, Transaction
from ledgerlink.tabular import Rows, rows_html

__all__ = [
    "CLOCK_MARGIN",
    "ChangeFeedWindowError",
    "Fetched",
    "RefreshResult",
    "StatusChange",
    "apply_fetched",
    "followed",
    "read_changes",
    "read_feed",
    "refresh_rows",
    "refresh_statuses",
]

#: Subtracted from a ``since`` taken from ledgerlink's clock, for the provider's
#: clock being behind ours; reading a change twice is harmless, missing one is not.
CLOCK_MARGIN = timedelta(minutes=5)

#: A provider id → the invoice as the provider holds it now, or None: deleted.
RemoteStates = Mapping[str, RemoteInvoice | None]


@attrs.frozen
class StatusChange:
    """One invoice whose status differs from what the journal knew.

    Attributes:
        key: ledgerlink key.
        provider_id: the provider's id.
        before: the status derived from the facts known before (None: unknown).
        after: the status now (None: the provider gave too little to tell).
    """

    key: str
    provider_id: str
    before: InvoiceStatus | None
    after: InvoiceStatus | None


@attrs.frozen
class Fetched:
    """What the provider said, before it is recorded.

    Attributes:
        states: provider id → current invoice, or None when deleted.
        failures: provider id → the provider's error text, for reads that failed.
        mode: ``"change_feed"`` or ``"reads"``.
        until: the new watermark, when the feed (or a fallback from it) was used.
        since: the watermark the feed was read from (what ``until`` replaces).
        note: why reads were used although the connector has a change feed.
        calls: provider calls made.
        versions: provider id → a more exact version of an invoice that has not moved.
    """

    states: RemoteStates
    failures: Mapping[str, str]
    mode: str
    until: datetime | None = None
    since: datetime | None = None
    note: str = ""
    calls: int = 0
    versions: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class RefreshResult:
    """What a refresh found.

    Attributes:
        book: the connector account refreshed.
        mode: ``"change_feed"`` (the connector's feed, in pages) or ``"reads"``
            (one call per invoice).
        calls: requests sent to the provider, as its HTTP client counted them.
        checked: journaled invoices the provider reported on.
        changes: invoices whose status changed, by key.
        failures: (key, provider's message) for invoices that could not be read.
        until: where the change feed was read up to (None without one).
        note: why reads were used although the connector has a change feed.
    """

    book: str
    mode: str
    calls: int
    checked: int
    changes: tuple[StatusChange, ...]
    failures: tuple[tuple[str, str], ...]
    until: datetime | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        """True when every invoice asked about was read."""
        return not self.failures

    def __repr__(self) -> str:
        return (f"<RefreshResult {self.book}: {self.mode}, {self.calls} calls, "
                f"{self.checked} checked, {len(self.changes)} changed, "
                f"{len(self.failures)} failed>")

    def _repr_html_(self) -> str:
        caption = (f"Refresh of {self.book}: {self.mode}, {self.calls} calls, "
                   f"{self.checked} checked, {len(self.changes)} changed, "
                   f"{len(self.failures)} failed")
        if self.note:
            caption += f". {self.note}"
        return rows_html(refresh_rows(self), caption)


def refresh_rows(result: RefreshResult) -> Rows:
    """One row per status change, then one per invoice that could not be read."""
    def label(status: object) -> str:
        return "unknown" if status is None else str(status)

    rows: list[tuple[Any, ...]] = [(c.key, c.provider_id, label(c.before), label(c.after), "")
                                   for c in result.changes]
    rows += [(key, "", "", "", message) for key, message in result.failures]
    return Rows(("key", "provider_id", "before", "after", "failure"), rows)


def _read(connector: Connector, wanted: Iterable[InvoiceFacts], mode: str,
          note: str = "", until: datetime | None = None,
          since: datetime | None = None) -> Fetched:
    states: dict[str, RemoteInvoice | None] = {}
    failures: dict[str, str] = {}
    calls = 0
    for facts in wanted:
        assert facts.remote_id is not None
        calls += 1
        try:
            states[facts.remote_id] = connector.get_invoice(facts.remote_id)
        except NotFoundError:
            states[facts.remote_id] = None
        except ProviderError as err:
            failures[facts.remote_id] = err.message
    return Fetched(states, failures, mode, until, since, note, calls)


def _still_changing(facts: InvoiceFacts, today: date) -> bool:
    status = facts.status(today)
    return not facts.final and (status is None or InvoiceStatus.PAID not in status)


def _first_since(journaled: Collection[InvoiceFacts]) -> datetime:
    return min(f.known_since for f in journaled) - CLOCK_MARGIN


def followed(journaled: Iterable[InvoiceFacts]) -> dict[str, str | None]:
    """The ``known`` of a feed read: provider id → version held, of every invoice whose
    status can still change (final ones are never asked about again)."""
    return {f.remote_id: f.remote_version for f in journaled
            if f.remote_id is not None and not f.final}


def _changes(connector: Connector, since: datetime, known: KnownVersions) -> Changes:
    """``connector.changes``, given ``known`` when it takes it (older connectors do not)."""
    if "known" in inspect.signature(connector.changes).parameters:
        return connector.changes(since, known=known)  # type: ignore[call-arg]
    return connector.changes(since)


def read_feed(connector: Connector, since: datetime | None,
              journaled: Collection[InvoiceFacts]) -> Fetched | ChangeFeedWindowError:
    """One ``changes`` call from the watermark ``since``, kept to ``journaled`` invoices.

    Without a watermark it starts where ledgerlink's knowledge of the oldest
    journaled invoice dates from, and it never starts after the journaling of
    an invoice that was never refreshed. Returns the provider's refusal instead of
    raising it, so the caller can choose how to read instead. The connector
    must declare CHANGE_FEED.
    """
    start = since if since is not None else _first_since(journaled)
    # An invoice journaled while a refresh was between reading the journal and
    # reading the feed was reported to nobody, and the watermark passed it: reach
    # back for every invoice never refreshed (final ones will never need it).
    unknown = [f.known_since for f in journaled if f.refreshed_at is None and not f.final]
    if unknown:
        start = min(start, min(unknown) - CLOCK_MARGIN)
    return read_changes(connector, start, since, journaled)


def read_changes(connector: Connector, start: datetime, since: datetime | None,
                 journaled: Collection[InvoiceFacts]) -> Fetched | ChangeFeedWindowError:
    """One ``changes`` call from ``start``, told the followed ones of ``journaled`` and kept
    to them; ``since`` is the watermark its ``until`` replaces (see :func:`read_feed`)."""
    try:
        changes = _changes(connector, start, followed(journaled))
    except ChangeFeedWindowError as err:
        return err
    ours = {f.remote_id for f in journaled}
    states: dict[str, RemoteInvoice | None] = {
        i.provider_id: i for i in changes.invoices if i.provider_id in ours}
    states.update((pid, None) for pid in changes.deleted if pid in ours)
    versions = {pid: version for pid, version in changes.unmoved
                if pid in ours and pid not in states}
    return Fetched(states, {}, "change_feed", changes.until, since, calls=1,
                   versions=versions)


def apply_fetched(fetched: Fetched, journaled: Iterable[InvoiceFacts], tx: Transaction,
                  today: date, *, advance: bool = True
                  ) -> tuple[int, list[StatusChange], list[tuple[str, str]]]:
    """Record the fetched facts in ``tx``; return (checked, status changes, failures).

    With ``advance`` the book's watermark moves to the feed's ``until``: only right when
    ``journaled`` is every invoice a refresh follows.
    """
    checked = 0
    changes: list[StatusChange] = []
    failures: list[tuple[str, str]] = []
    for facts in journaled:
        pid = facts.remote_id
        assert pid is not None
        if pid in fetched.failures:
            failures.append((facts.key, fetched.failures[pid]))
            continue
        if pid in fetched.versions:
            tx.update_invoice(facts.key, remote_version=fetched.versions[pid])
        if pid not in fetched.states:
            continue
        checked += 1
        invoice = fetched.states[pid]
        if invoice is None:
            tx.record_deleted(facts.key)
            after: InvoiceStatus | None = InvoiceStatus.DELETED
        else:
            tx.record_facts(facts.key, invoice)
            after = invoice.status(today)
        before = facts.status(today)
        if before != after:
            changes.append(StatusChange(facts.key, pid, before, after))
    if advance and fetched.until is not None:
        tx.advance_feed(fetched.until, fetched.since)
    return checked, changes, failures


def _fetch(connector: Connector, store: Store, journaled: list[InvoiceFacts], today: date,
           ids: Collection[str] | None) -> Fetched:
    if ids is not None:
        wanted = set(ids)
        return _read(connector, [f for f in journaled if f.remote_id in wanted], "reads")
    if Capability.CHANGE_FEED not in connector.capabilities:
        return _read(connector, [f for f in journaled if _still_changing(f, today)], "reads")
    if not journaled:
        return Fetched({}, {}, "change_feed")
    watermark = store.feed_watermark(connector.account)
    fed = read_feed(connector, watermark, journaled)
    if isinstance(fed, Fetched):
        return fed
    # The feed cannot reach back far enough: read what can still change, and start
    # the watermark at the moment the reads began (less the clock margin).
    began = datetime.now(UTC) - CLOCK_MARGIN
    return _read(connector, [f for f in journaled if _still_changing(f, today)], "reads",
                 note=str(fed), until=began, since=watermark)


def refresh_statuses(connector: Connector, store: Store, *, today: date | None = None,
                     ids: Collection[str] | None = None) -> RefreshResult:
    """Bring the status facts of ``connector``'s journaled invoices up to date.

    Args:
        connector: the provider to ask; its ``account`` is the book refreshed.
        store: the journal.
        today: the day statuses are judged on (overdue), default today.
        ids: refresh only these provider ids (by reading each), e.g. from a webhook;
            ids ledgerlink did not make are ignored.
    """
    day = today or date.today()
    book = connector.account
    read_at = datetime.now(UTC)
    journaled = store.invoice_facts(book)
    sent_before = _sent(connector)
    fetched = _fetch(connector, store, journaled, day, ids)
    sent_after = _sent(connector)
    calls = fetched.calls if sent_before is None or sent_after is None else (
        sent_after - sent_before)
    advance = fetched.until is None or not _made_meanwhile(store, book, journaled, read_at)
    with store.transaction(book) as tx:
        if not advance:
            tx.hold_feed(fetched.since)
        checked, changes, failures = apply_fetched(fetched, journaled, tx, day,
                                                   advance=advance)
    note = fetched.note if advance else " ".join(filter(None, (fetched.note, HELD_NOTE)))
    return RefreshResult(book, fetched.mode, calls, checked, tuple(changes),
                         tuple(failures), fetched.until, note)


#: The note of a refresh that left the watermark where it was.
HELD_NOTE = ("the watermark stays where it was: a run journaled invoices while the feed "
             "was read; the next refresh reads their changes")


def _made_meanwhile(store: Store, book: str, journaled: Collection[InvoiceFacts],
                    read_at: datetime) -> bool:
    """Whether a run journaled an invoice this refresh does not follow (made or found
    while it read the feed, or pending when it read the journal).

    The feed may have reported such an invoice's changes (a payment the moment it was
    made), and they were not recorded: the watermark must not pass them, so it stays
    where it was and the next refresh reads them. A run's intent is journaled before
    its provider call, so an invoice the feed could report is in the journal by the
    time the feed has answered. Rows written up to CLOCK_MARGIN before the journal
    was read count too: a transaction's rows carry the instant it began.
    """
    followed_keys = {f.key for f in journaled if f.remote_id is not None}
    written = store.invoices_written_since(book, read_at - CLOCK_MARGIN)
    return any(key not in followed_keys for key in written)


def _sent(connector: Connector) -> int | None:
    """Requests the connector's HTTP client has sent so far, if it counts them."""
    return connector.requests_sent if isinstance(connector, CountsRequests) else None
