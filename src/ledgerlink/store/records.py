"""Internal: the journal's read-side records: operations, transfer-log lines and runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ledgerlink.tabular import MAX_ROWS, Rows, html_table, rows_html, to_frame

__all__ = ["LogEntry", "OpRecord", "RunList", "RunRecord", "TransferLog", "log_rows",
           "run_rows"]


@attrs.frozen
class OpRecord:
    """One journal row.

    Attributes:
        op_key: the operation's key (``create:inv:wo-1``).
        kind: action kind.
        state: ``intent``, ``done``, ``failed`` or ``ambiguous``.
        customer_id: the customer lane.
        subject: the invoice or customer the operation is about.
        run_id: the run that wrote it last.
        message: the last error or note.
    """

    op_key: str
    kind: str
    state: str
    customer_id: str
    subject: str
    run_id: str
    message: str


@attrs.frozen
class LogEntry:
    """One line of the transfer log.

    Attributes:
        id: sequence number.
        run_id: the run.
        book: the connector account.
        at: ISO timestamp.
        customer_id: local customer id.
        action: action kind.
        subject: invoice key or customer id.
        outcome: ``ok``, ``failed``, ``recovered``, ``ambiguous``, ``skipped``.
        remote_id: provider id of what was written.
        number: invoice number, once booked.
        amount: gross amount, as a decimal string.
        currency: currency of ``amount``.
        message: the provider's error text or a note.
    """

    id: int
    run_id: str
    book: str
    at: str
    customer_id: str
    action: str
    subject: str
    outcome: str
    remote_id: str | None
    number: str | None
    amount: str | None
    currency: str | None
    message: str


class TransferLog(list[LogEntry]):
    """Transfer-log entries (a list) that render as a table in notebooks."""

    def __repr__(self) -> str:
        failed = sum(1 for e in self if e.outcome == "failed")
        return f"<TransferLog: {len(self)} entries, {failed} failed>"

    def _repr_html_(self) -> str:
        hidden = len(self) - MAX_ROWS
        caption = f"Transfer log: {len(self)} entries" + (
            f" (the newest {MAX_ROWS} shown)" if hidden > 0 else "")
        return html_table(("at", "customer", "action", "subject", "outcome", "number",
                           "amount", "message"),
                          ((e.at[:19], e.customer_id, e.action, e.subject, e.outcome,
                            e.number or "", f"{e.amount} {e.currency}" if e.amount else "",
                            e.message) for e in self[-MAX_ROWS:]), caption)

    def to_pandas(self) -> Any:
        """One row per entry: ``amount`` as Decimal, ``at`` as a datetime; needs pandas."""
        return to_frame(log_rows(self))

    @property
    def failures(self) -> TransferLog:
        """Only the entries that failed."""
        return TransferLog(e for e in self if e.outcome == "failed")


@attrs.frozen
class RunRecord:
    """One run: when, against which book, and its summary counts."""

    run_id: str
    book: str
    connector: str
    started_at: str
    finished_at: str | None
    summary: dict[str, int]


class RunList(list[RunRecord]):
    """Runs (a list, newest first) that render as a table in notebooks."""

    def __repr__(self) -> str:
        return f"<RunList: {len(self)} runs>"

    def _repr_html_(self) -> str:
        return rows_html(run_rows(self), f"{len(self)} runs")

    def to_pandas(self) -> Any:
        """One row per run, instants as datetimes; needs the pandas extra."""
        return to_frame(run_rows(self))


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def log_rows(entries: Sequence[LogEntry]) -> Rows:
    """One row per transfer-log entry; ``amount`` as Decimal, ``at`` as a datetime."""
    return Rows(
        ("id", "run_id", "book", "at", "customer_id", "action", "subject", "outcome",
         "remote_id", "number", "amount", "currency", "message"),
        [(e.id, e.run_id, e.book, _instant(e.at), e.customer_id, e.action, e.subject,
          e.outcome, e.remote_id, e.number, Decimal(e.amount) if e.amount else None,
          e.currency, e.message) for e in entries])


def run_rows(runs: Sequence[RunRecord]) -> Rows:
    """One row per run, with the summary counts that are not zero as text."""
    return Rows(
        ("run_id", "book", "connector", "started_at", "finished_at", "invoices_created",
         "failed", "summary"),
        [(r.run_id, r.book, r.connector, _instant(r.started_at), _instant(r.finished_at),
          r.summary.get("invoices_created", 0), r.summary.get("failed", 0),
          ", ".join(f"{k}={v}" for k, v in r.summary.items() if v)) for r in runs])
