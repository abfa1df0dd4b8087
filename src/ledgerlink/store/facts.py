"""Internal: invoice status facts in the journal, and the change-feed watermark.

A refresh records what the provider last said about each invoice ledgerlink
made (:class:`InvoiceFacts`); the status is derived from those facts when it
is read, with :func:`ledgerlink.status.derive_status`, so "overdue" is judged
on the day it is asked about rather than on the day of the refresh.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import ValidationError, WatermarkMovedError
from ledgerlink.status import InvoiceStatus, derive_status
from ledgerlink.store import schema as t
from ledgerlink.store.state_reads import CHUNK
from ledgerlink.tabular import fields_html

__all__ = [
    "InvoiceFacts",
    "WatermarkMovedError",
    "facts_values",
    "forget_watermark",
    "hold_watermark",
    "read_facts",
    "read_watermark",
    "stamp",
    "write_watermark",
]


def stamp(moment: datetime) -> str:
    """``moment`` as the store keeps instants: UTC ISO 8601 with microseconds.

    Fixed width and one offset, so the text sorts as the instants do.
    """
    if moment.tzinfo is None:
        raise ValidationError("needs a time zone (a provider's clock is absolute)",
                              field="until", value=moment.isoformat())
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


@attrs.frozen
class InvoiceFacts:
    """One journaled invoice with the provider's facts as of its last refresh.

    Attributes:
        key: ledgerlink key.
        customer_id: local customer id.
        target: ``"draft"`` or ``"book"``.
        remote_id: the provider's id (None while the create is pending).
        number: invoice number, once booked.
        currency: invoice currency.
        total: gross total as last known (from the run, or the last refresh).
        closed: the planner's flag: a draft no longer open, or a credited invoice.
        credited: a credit note for it exists.
        remote_booked: the provider's booked fact (None: never refreshed).
        voided: the provider's voided fact (None: never refreshed).
        deleted: the provider's deleted fact (None: never refreshed).
        balance: what remained to be paid at the last refresh.
        due_date: due date at the last refresh.
        refreshed_at: when the facts were last refreshed (None: never).
        updated_at: when ledgerlink last wrote the row.
        delivery_channel: the channel ledgerlink delivered it by (None: not by
            ledgerlink's own delivery).
        delivery_state: ``pending``, ``sent``, ``failed`` or ``unknown`` (None: no delivery).
        delivery_message: the channel's words on the delivery.
        remote_version: the provider's change stamp at the last refresh or write
            (:attr:`RemoteInvoice.version`; None: the provider keeps none).
    """

    key: str
    customer_id: str
    target: str
    remote_id: str | None
    number: str | None
    currency: str
    total: Decimal | None
    closed: bool
    credited: bool
    remote_booked: bool | None
    voided: bool | None
    deleted: bool | None
    balance: Decimal | None
    due_date: date | None
    refreshed_at: datetime | None
    updated_at: datetime
    delivery_channel: str | None = None
    delivery_state: str | None = None
    delivery_message: str | None = None
    remote_version: str | None = None

    def status(self, today: date) -> InvoiceStatus | None:
        """Status flags on ``today``; None while the facts are unknown (never refreshed)."""
        if self.refreshed_at is None:
            return None
        if self.deleted:
            return InvoiceStatus.DELETED
        if self.voided:
            return InvoiceStatus.VOID
        if self.total is None or self.balance is None:
            return None
        return derive_status(
            booked=bool(self.remote_booked), voided=False, deleted=False, total=self.total,
            balance=self.balance, due_date=self.due_date, today=today)

    def _repr_html_(self) -> str:
        return fields_html(self, f"Invoice {self.key}")

    @property
    def final(self) -> bool:
        """Deleted, voided or credited: nothing the provider says will change that."""
        return bool(self.deleted or self.voided or self.credited)

    @property
    def known_since(self) -> datetime:
        """Since when ledgerlink's knowledge of the invoice dates (last refresh or write)."""
        return self.refreshed_at or self.updated_at


def facts_values(invoice: RemoteInvoice, now: str) -> dict[str, Any]:
    """The invoice columns a refresh writes for ``invoice`` (planner columns untouched)."""
    return {
        "number": invoice.number,
        "total": str(invoice.total),
        "remote_booked": invoice.booked,
        "voided": invoice.voided,
        "deleted": invoice.deleted,
        "balance": str(invoice.balance),
        "due_date": invoice.due_date.isoformat(),
        "refreshed_at": now,
        "remote_version": invoice.version,
    }


def read_facts(conn: Connection, book: str, remote_ids: Collection[str] | None = None,
               keys: Collection[str] | None = None) -> list[InvoiceFacts]:
    """Every created invoice of ``book`` (only ``remote_ids`` / ``keys`` when given), by key.

    ``keys`` are looked up by the invoices' key, CHUNK at a time, so reading a few
    invoices costs the same in a book of any size.
    """
    if keys is not None:
        wanted = sorted(set(keys))
        return [found for start in range(0, len(wanted), CHUNK)
                for found in _facts(conn, book, remote_ids, wanted[start:start + CHUNK])]
    return _facts(conn, book, remote_ids, None)


def _facts(conn: Connection, book: str, remote_ids: Collection[str] | None,
           keys: Collection[str] | None) -> list[InvoiceFacts]:
    """The created invoices of ``book`` among ``remote_ids`` and ``keys`` (all when None)."""
    c, d = t.invoices.c, t.deliveries.c
    joined = t.invoices.outerjoin(t.deliveries, sa.and_(d.book == c.book,
                                                       d.invoice_key == c.key))
    query = sa.select(t.invoices, d.channel.label("delivery_channel"),
                      d.state.label("delivery_state"),
                      d.message.label("delivery_message")).select_from(joined).where(
        c.book == book, c.remote_id.is_not(None), c.pending.is_(False)).order_by(c.key)
    if remote_ids is not None:
        query = query.where(c.remote_id.in_(list(remote_ids)))
    if keys is not None:
        query = query.where(c.key.in_(list(keys)))
    return [InvoiceFacts(
        key=r.key, customer_id=r.customer_id, target=r.target, remote_id=r.remote_id,
        number=r.number, currency=r.currency,
        total=None if r.total is None else Decimal(r.total), closed=bool(r.closed),
        credited=bool(r.credited),
        remote_booked=None if r.remote_booked is None else bool(r.remote_booked),
        voided=None if r.voided is None else bool(r.voided),
        deleted=None if r.deleted is None else bool(r.deleted),
        balance=None if r.balance is None else Decimal(r.balance),
        due_date=None if r.due_date is None else date.fromisoformat(r.due_date),
        refreshed_at=_instant(r.refreshed_at),
        updated_at=datetime.fromisoformat(r.updated_at),
        delivery_channel=r.delivery_channel, delivery_state=r.delivery_state,
        delivery_message=r.delivery_message, remote_version=r.remote_version,
    ) for r in conn.execute(query)]


def read_watermark(conn: Connection, book: str, table: sa.Table = t.change_feeds
                   ) -> datetime | None:
    """Where ``book``'s change feed was last read up to, or None (never).

    ``table`` is ``change_feeds`` (a status refresh's watermark, for every followed
    invoice) or ``draft_feeds`` (syncing drafts', for the open drafts only).
    """
    text = conn.execute(sa.select(table.c.until).where(table.c.book == book)).scalar()
    return _instant(text)


def write_watermark(conn: Connection, book: str, until: str, expected: str | None,
                    now: str, table: sa.Table = t.change_feeds) -> None:
    """Move ``book``'s watermark (in ``table``) to ``until`` if it still is ``expected``.

    A compare-and-set: two refreshes that read the feed at once must not both
    apply, or the one that read older facts could overwrite newer ones. The
    loser raises StoreError, which rolls its whole transaction back.
    """
    current = conn.execute(sa.select(table.c.until).where(table.c.book == book)).scalar()
    if current != expected:
        raise _moved(book, current, table)
    # Never backwards: a provider clock behind a watermark set from ours (after a
    # fallback to reads) would otherwise make the next refresh start earlier than
    # this one did — harmless, but the watermark's promise is that it only grows.
    values: Mapping[str, str] = {"until": max(until, current or until), "updated_at": now}
    # The read above is only a fast refusal: under PostgreSQL's READ COMMITTED two
    # refreshes both see ``expected``. The write itself is the compare-and-set —
    # the insert collides on the key, the update re-checks ``until`` once the
    # other writer commits — so exactly one of them moves the watermark.
    if current is None:
        try:
            conn.execute(sa.insert(table).values(book=book, **values))
        except sa.exc.IntegrityError:
            raise _moved(book, None, table) from None
        return
    moved = conn.execute(sa.update(table).where(
        table.c.book == book, table.c.until == current).values(**values))
    if moved.rowcount != 1:
        raise _moved(book, current, table)


def hold_watermark(conn: Connection, book: str, expected: str | None) -> None:
    """Refuse (WatermarkMovedError) unless ``book``'s status-refresh watermark still is
    ``expected``, without moving it; called after the facts are written, in their
    transaction.

    Facts read from the feed before a refresh that committed meanwhile may be older
    than the ones it recorded, and its watermark has passed the changes between: they
    must not overwrite them. The row is locked (PostgreSQL; SQLite writes one at a
    time), so a refresh committing later waits and its newer facts win; one that
    committed first was already blocked by, or is seen after, this transaction's
    updates of the same invoices.
    """
    current = conn.execute(sa.select(t.change_feeds.c.until).where(
        t.change_feeds.c.book == book).with_for_update()).scalar()
    if current != expected:
        raise _moved(book, current, t.change_feeds)


def forget_watermark(conn: Connection, book: str, table: sa.Table) -> None:
    """Drop ``book``'s watermark in ``table`` (nothing is followed from it any more)."""
    conn.execute(sa.delete(table).where(table.c.book == book))


def _moved(book: str, seen: str | None, table: sa.Table) -> WatermarkMovedError:
    who, again = (("status refresh", "refresh") if table is t.change_feeds
                  else ("sync of its drafts", "run"))
    return WatermarkMovedError(
        f"another {who} of book {book!r} finished first (its change feed was read "
        f"up to {seen} when this one looked); nothing was recorded — run the {again} again")
