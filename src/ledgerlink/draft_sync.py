"""Internal: closing the drafts a person booked, voided or deleted in the accounting system.

A book whose policy collects work on drafts starts each run with
:func:`sync_drafts`. It reads of the journal only what the open drafts need, so
it costs the same in a book of any history: the open drafts (the partial index
``ix_invoices_open_drafts``), their facts by key, and the book's two watermarks.

With CHANGE_FEED it is one ``changes`` call told only the open drafts
(``known``), its answer kept to them, and read from the drafts' own watermark
(``draft_feeds``): the feed's ``until`` at the last sync, so a nightly run reads
what changed since the last run. The first time, and after a sync found no draft
open (the row is then dropped, so a book that went months without drafts does not
reach back months), it starts where ledgerlink's knowledge of the oldest open draft
dates from, less :data:`~ledgerlink.refreshing.CLOCK_MARGIN`.

The status refresh's watermark (``change_feeds``) is never moved here: it promises
that every invoice a refresh follows has its changes up to it recorded, and this
read follows the drafts only (QuickBooks looks for deletions only among the ids it
is told; Dinero reads payments only of the told invoices whose version moved). So
syncing drafts is not a status refresh of the book; it records the facts of the
drafts the feed returned, nothing else.

Why the drafts' start misses nothing:

* A sync runs holding the book (:meth:`~ledgerlink.runner.Runner.sync_drafts`, its
  commit fenced by the lease), so no run journals a draft between the sync's reading
  of the journal and of the feed; a draft a later run creates is created after the
  feed answered, so after its ``until``. A draft a person changes between the two
  reads is in the answer: its change is after the last ``until``.
* A connector's ``until`` leaves every change after it to the next call, so a draft
  changed while the feed is read is read now or at the next sync.
* A draft whose journaled facts already say booked, voided or deleted (a status
  refresh recorded it) is closed from them: told the version those facts hold, the
  feed may leave it out as unmoved.

The drafts' facts are committed holding the refresh watermark
(:meth:`~ledgerlink.store.Transaction.hold_feed`): a refresh that committed
meanwhile may hold newer facts, so the commit fails (WatermarkMovedError), nothing
is recorded, and each open draft is read instead. They are read too when the feed
cannot reach back far enough (ChangeFeedWindowError); the drafts' watermark then
starts at the moment the reads began, less the margin. Without CHANGE_FEED each
open draft is read, as always.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs

from ledgerlink.connector import Capability, Connector
from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import NotFoundError, WatermarkMovedError
from ledgerlink.refreshing import CLOCK_MARGIN, Fetched, apply_fetched, read_changes
from ledgerlink.store import InvoiceFacts, Store, Transaction

__all__ = ["Closing", "sync_drafts"]

#: Commits a transaction to the journal (a runner's is fenced by the book's lease).
Commit = Callable[[Transaction], None]


@attrs.frozen
class Closing:
    """Why an open draft is closed: what the provider says became of it.

    Attributes:
        fate: ``"deleted"``, ``"voided"`` or ``"booked"``.
        booked: the provider's booked flag.
        number: the invoice number, once booked.
        total: the gross total, when known.
    """

    fate: str
    booked: bool
    number: str | None
    total: Decimal | None

    @classmethod
    def of_invoice(cls, invoice: RemoteInvoice | None) -> Closing | None:
        """From the provider's answer (None: it forgot the invoice); None: still a draft."""
        if invoice is None:
            return cls("deleted", False, None, None)
        return cls._of(invoice.deleted, invoice.voided, invoice.booked, invoice.number,
                       invoice.total)

    @classmethod
    def of_facts(cls, facts: InvoiceFacts) -> Closing | None:
        """From the facts a refresh recorded; None: they say nothing closed it."""
        return cls._of(bool(facts.deleted), bool(facts.voided), bool(facts.remote_booked),
                       facts.number, facts.total)

    @classmethod
    def _of(cls, deleted: bool, voided: bool, booked: bool, number: str | None,
            total: Decimal | None) -> Closing | None:
        if deleted:
            return cls("deleted", booked, number, total)
        if voided:
            return cls("voided", booked, number, total)
        if booked:
            return cls("booked", booked, number, total)
        return None


def sync_drafts(connector: Connector, store: Store, run_id: str,
                commit: Commit | None = None) -> int:
    """Close the open drafts a person booked, voided or deleted; return how many.

    Work on a deleted draft becomes billable again (nothing is lost); work on a draft
    that was booked stays invoiced there. Called holding the book; ``commit`` writes
    (default: ``store.write``; a runner's is fenced by its lease). See the module
    docstring for what is read and from when.
    """
    book = connector.account
    write = commit or store.write
    feed = Capability.CHANGE_FEED in connector.capabilities
    drafts = store.open_drafts(book)
    if not drafts:
        if feed and store.drafts_watermark(book) is not None:
            tx = Transaction(book)
            tx.forget_drafts_feed()
            write(tx)
        return 0
    if not feed:
        return _from_reads(connector, run_id, drafts, write, None)
    mark = store.drafts_watermark(book)
    held = store.feed_watermark(book)
    journaled = store.invoice_facts(book, keys=drafts)
    if mark is not None or journaled:
        start = mark if mark is not None else min(
            f.known_since for f in journaled) - CLOCK_MARGIN
        fed = read_changes(connector, start, mark, journaled)
        if isinstance(fed, Fetched):
            try:
                return _from_feed(run_id, drafts, journaled, fed, held, write, book)
            except WatermarkMovedError:
                pass  # rolled back; the reads below decide from the provider's state now
    return _from_reads(connector, run_id, drafts, write, mark, with_feed=True)


def _from_feed(run_id: str, drafts: Mapping[str, str], journaled: list[InvoiceFacts],
               fed: Fetched, held: datetime | None, write: Commit, book: str) -> int:
    """Close the drafts the feed (or the facts already journaled) show closed; one commit."""
    tx = Transaction(book)
    apply_fetched(fed, journaled, tx, date.today(), advance=False)
    recorded = {f.key: f for f in journaled}
    changed = 0
    for key, remote_id in drafts.items():
        if remote_id in fed.states:
            closing = Closing.of_invoice(fed.states[remote_id])
        elif key in recorded:
            closing = Closing.of_facts(recorded[key])
        else:
            continue
        if closing is not None:
            _close(tx, run_id, key, remote_id, closing)
            changed += 1
    assert fed.until is not None  # a feed answer always says where it ends
    tx.advance_drafts_feed(fed.until, fed.since)
    tx.hold_feed(held)
    write(tx)
    return changed


def _from_reads(connector: Connector, run_id: str, drafts: Mapping[str, str], write: Commit,
                mark: datetime | None, *, with_feed: bool = False) -> int:
    """Read each open draft; close the closed ones. ``with_feed`` (the connector has a
    change feed): the drafts' watermark moves to the moment the reads began."""
    began = datetime.now(UTC) - CLOCK_MARGIN
    tx = Transaction(connector.account)
    changed = 0
    for key, remote_id in drafts.items():
        invoice: RemoteInvoice | None
        try:
            invoice = connector.get_invoice(remote_id)
        except NotFoundError:
            invoice = None
        if invoice is None:
            tx.record_deleted(key)
        else:
            tx.record_facts(key, invoice)
        closing = Closing.of_invoice(invoice)
        if closing is not None:
            _close(tx, run_id, key, remote_id, closing)
            changed += 1
    if with_feed:
        tx.advance_drafts_feed(began, mark)
    write(tx)
    return changed


def _close(tx: Transaction, run_id: str, key: str, remote_id: str, closing: Closing) -> None:
    """Close the draft ``key`` in ``tx``: deleted, its work is billable again."""
    customer = key.split(":", 1)[1].rsplit(":", 1)[0]
    if closing.fate == "deleted":
        tx.update_invoice(key, closed=True)
        tx.release_work(key)
        note = "draft deleted in the accounting system; its work is billable again"
    else:
        values = {} if closing.total is None else {"total": str(closing.total)}
        tx.update_invoice(key, closed=True, booked=closing.booked, number=closing.number,
                          **values)
        note = ("draft voided in the accounting system" if closing.fate == "voided"
                else f"draft booked by hand as invoice {closing.number}")
    tx.log(run_id, customer, "sync_draft", key, "ok", remote_id=remote_id,
           number=closing.number, message=note)
