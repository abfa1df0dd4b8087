"""Internal: the current statuses of a book's invoices in one object (``ll.statuses`` returns it).

Named ``status_report`` rather than ``statuses`` so that importing it never
sets a ``ledgerlink.statuses`` attribute over the :func:`ledgerlink.statuses`
function.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from ledgerlink.status import InvoiceStatus
from ledgerlink.tabular import Rows, rows_html, to_frame

if TYPE_CHECKING:
    from ledgerlink.refreshing import RefreshResult
    from ledgerlink.store import InvoiceFacts

__all__ = ["InvoiceStatusRow", "StatusReport", "status_rows"]


@attrs.frozen
class InvoiceStatusRow:
    """One invoice ledgerlink made, and its status on the report's day.

    Attributes:
        key: ledgerlink key.
        customer_id: local customer id.
        number: invoice number, once booked.
        remote_id: the provider's id (None while the create is pending).
        status: the status flags; None while unknown (never refreshed).
        total, balance: gross total and what remains to be paid, as last known.
        currency: invoice currency.
        due_date: due date at the last refresh.
        refreshed_at: when the facts were last refreshed (None: never).
        delivery_channel: the channel it went out by (None: not sent, or sent
            before deliveries were journaled).
        delivery_state: ``pending``, ``sent``, ``failed`` or ``unknown``.
        delivery_message: the channel's own words on it.
    """

    key: str
    customer_id: str
    number: str | None
    remote_id: str | None
    status: InvoiceStatus | None
    total: Decimal | None
    balance: Decimal | None
    currency: str
    due_date: date | None
    refreshed_at: datetime | None
    delivery_channel: str | None = None
    delivery_state: str | None = None
    delivery_message: str | None = None

    @classmethod
    def from_facts(cls, facts: InvoiceFacts, today: date) -> InvoiceStatusRow:
        """The row for ``facts``, its status judged on ``today``."""
        return cls(facts.key, facts.customer_id, facts.number, facts.remote_id,
                   facts.status(today), facts.total, facts.balance, facts.currency,
                   facts.due_date, facts.refreshed_at, facts.delivery_channel,
                   facts.delivery_state, facts.delivery_message)


@attrs.frozen
class StatusReport:
    """The statuses of one book's invoices on one day; iterate it for the rows.

    Attributes:
        book: the connector account.
        today: the day statuses are judged on (overdue).
        rows: one per invoice ledgerlink made in the book, in key order.
        refreshed: what the refresh before it found (None: no refresh was asked for).
    """

    book: str
    today: date
    rows: tuple[InvoiceStatusRow, ...]
    refreshed: RefreshResult | None = None

    @classmethod
    def from_facts(cls, book: str, today: date, facts: Iterable[InvoiceFacts],
                   refreshed: RefreshResult | None = None) -> StatusReport:
        rows = sorted((InvoiceStatusRow.from_facts(f, today) for f in facts),
                      key=lambda row: row.key)
        return cls(book, today, tuple(rows), refreshed)

    def __iter__(self) -> Iterator[InvoiceStatusRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def counts(self) -> dict[str, int]:
        """How many invoices carry each status label (``unknown``: never refreshed)."""
        counts: dict[str, int] = {}
        for row in self.rows:
            labels = ["unknown"] if row.status is None else row.status.labels
            for label in labels:
                counts[label] = counts.get(label, 0) + 1
        return counts

    def with_status(self, flag: InvoiceStatus) -> list[InvoiceStatusRow]:
        """The rows whose status includes ``flag`` (e.g. ``InvoiceStatus.OVERDUE``)."""
        return [row for row in self.rows if row.status is not None and flag in row.status]

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {label}" for label, n in sorted(self.counts().items()))
        return (f"<StatusReport {self.book} on {self.today}: {len(self.rows)} invoices"
                f"{' (' + counts + ')' if counts else ''}>")

    def _repr_html_(self) -> str:
        counts = ", ".join(f"{n} {label}" for label, n in sorted(self.counts().items()))
        caption = f"Statuses of {self.book} on {self.today}: {len(self)} invoices"
        return rows_html(status_rows(self), f"{caption} ({counts})" if counts else caption)

    def to_pandas(self) -> Any:
        """One row per invoice (money as Decimal, dates as dates); needs the pandas extra."""
        return to_frame(status_rows(self))


def status_rows(report: StatusReport) -> Rows:
    """One row per journaled invoice, with its status on the report's day."""
    return Rows(
        ("key", "customer_id", "number", "remote_id", "status", "total", "balance",
         "currency", "due_date", "refreshed_at", "delivery_channel", "delivery_state",
         "delivery_message"),
        [(s.key, s.customer_id, s.number, s.remote_id,
          "unknown" if s.status is None else str(s.status), s.total, s.balance, s.currency,
          s.due_date, s.refreshed_at, s.delivery_channel, s.delivery_state,
          s.delivery_message) for s in report])
