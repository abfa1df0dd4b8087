"""Internal: the sandbox's change feed: invoices whose ``changed_at`` is at or after a time.

Every write to an invoice stamps ``changed_at`` (the hot writes set it
themselves, a trigger catches every other update), at SQLite's millisecond
resolution. To make
``until`` exact — everything before it reported now, everything at or after
it reported by the next call, nothing twice — the read holds the book's write
lock and waits for the clock to tick past the newest stamp any committed
write can carry: no write can then stamp a time before ``until`` unseen.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from ledgerlink.connector import Changes
from ledgerlink.errors import ValidationError
from ledgerlink.sandbox.book import Book, format_id, remote_from_row
from ledgerlink.sandbox.sql import INVOICE_COLUMNS, NOW

__all__ = ["changes", "clock_text"]

#: How long to wait between looks at SQLite's millisecond clock.
TICK = 0.0002


def clock_text(moment: datetime) -> str:
    """``moment`` as the book stamps times (UTC, milliseconds, truncated down)."""
    if moment.tzinfo is None:
        raise ValidationError("needs a time zone", field="since", value=moment.isoformat())
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def changes(book: Book, account: str, since: datetime) -> Changes:
    """Invoices changed at or after ``since``; deleted ones by id only."""
    start = clock_text(since)
    with book.transaction() as conn:
        newest = conn.execute(f"SELECT {NOW}").fetchone()[0]
        until = newest
        while until <= newest:
            time.sleep(TICK)
            until = conn.execute(f"SELECT {NOW}").fetchone()[0]
        rows = conn.execute(
            f"SELECT {INVOICE_COLUMNS} FROM invoices WHERE changed_at >= ? "
            "ORDER BY changed_at, id", (start,)).fetchall()
    live = tuple(remote_from_row(row, account) for row in rows if row[11] != 1)
    gone = tuple(format_id("INV-", row[0]) for row in rows if row[11] == 1)
    return Changes(live, gone, datetime.fromisoformat(until))
