"""The journal's read-side records: operations, transfer-log lines and runs."""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["LogEntry", "OpRecord", "RunList", "RunRecord", "TransferLog"]


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
        from ledgerlink.render import log_html

        return log_html(self)

    def to_pandas(self) -> Any:
        """One row per entry: ``amount`` as Decimal, ``at`` as a datetime; needs pandas."""
        from ledgerlink.tables import log_rows, to_frame

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
        from ledgerlink.render import runs_html

        return runs_html(self)

    def to_pandas(self) -> Any:
        """One row per run, instants as datetimes; needs the pandas extra."""
        from ledgerlink.tables import run_rows, to_frame

        return to_frame(run_rows(self))
