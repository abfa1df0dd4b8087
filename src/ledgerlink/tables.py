"""Results as rows of plain values: what HTML tables and DataFrames are made of.

Presentation, not data: the result types (plans, run results, the transfer log,
statuses, runs) import this module only inside their ``_repr_html_`` and
``to_pandas`` methods, so the data modules never depend on it at import time.

Every table here is a :class:`Rows`: column names and one tuple of plain values
per item. Money stays :class:`~decimal.Decimal` (exact; a float would lose
cents, a string could not be summed), dates are :class:`~datetime.date`,
instants timezone-aware :class:`~datetime.datetime`, flags lower-case text.
pandas is an optional extra (``pip install ledgerlink[pandas]``), imported
only by :func:`to_frame`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from ledgerlink.plans import Plan
    from ledgerlink.refreshing import RefreshResult
    from ledgerlink.results import RunResult
    from ledgerlink.status_report import StatusReport
    from ledgerlink.store import LogEntry, RunRecord

__all__ = [
    "Rows",
    "log_rows",
    "outcome_rows",
    "plan_rows",
    "refresh_rows",
    "run_rows",
    "status_rows",
    "to_frame",
]


@attrs.frozen
class Rows:
    """A table: column names and one tuple of values per row."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def to_frame(table: Rows) -> Any:
    """``table`` as a pandas DataFrame (pandas is the ``pandas`` extra)."""
    try:
        import pandas as pd
    except ImportError as missing:
        raise ImportError(
            "to_pandas() needs pandas: pip install 'ledgerlink[pandas]'") from missing
    return pd.DataFrame.from_records(table.rows, columns=list(table.columns))


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def plan_rows(plan: Plan) -> Rows:
    """One row per action, then one per notice; ``kind`` says which."""
    from ledgerlink.plans import CreateInvoice
    from ledgerlink.render import describe

    rows: list[tuple[Any, ...]] = []
    for action in plan.actions:
        amount: Decimal | None = None
        currency: str | None = None
        due: date | None = None
        if isinstance(action, CreateInvoice):
            gross = action.draft().gross
            amount, currency, due = gross.amount, gross.currency, action.due_date
        rows.append((action.customer_id, "action", action.kind, action.subject,
                     describe(action), amount, currency, due))
    rows += [(n.customer_id, "notice", n.kind.value, n.subject, n.reason, None, None, None)
             for n in plan.notices]
    return Rows(("customer_id", "row", "kind", "subject", "detail", "amount", "currency",
                 "due_date"), rows)


def outcome_rows(result: RunResult) -> Rows:
    """One row per outcome (recovered ones first), with the provider's message."""
    rows: list[tuple[Any, ...]] = []
    for phase, outcomes in (("recovery", result.recovered), ("run", result.outcomes)):
        for o in outcomes:
            invoice = o.invoice
            rows.append((phase, o.customer_id, o.kind, o.action.subject, o.status,
                         o.remote_id, invoice.number if invoice else None,
                         invoice.total if invoice else None,
                         invoice.currency if invoice else None, o.message))
    return Rows(("phase", "customer_id", "kind", "subject", "status", "remote_id", "number",
                 "amount", "currency", "message"), rows)


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


def status_rows(report: StatusReport) -> Rows:
    """One row per journaled invoice, with its status on the report's day."""
    return Rows(
        ("key", "customer_id", "number", "remote_id", "status", "total", "balance",
         "currency", "due_date", "refreshed_at"),
        [(s.key, s.customer_id, s.number, s.remote_id,
          "unknown" if s.status is None else str(s.status), s.total, s.balance, s.currency,
          s.due_date, s.refreshed_at) for s in report])


def refresh_rows(result: RefreshResult) -> Rows:
    """One row per status change, then one per invoice that could not be read."""
    def label(status: object) -> str:
        return "unknown" if status is None else str(status)

    rows: list[tuple[Any, ...]] = [(c.key, c.provider_id, label(c.before), label(c.after), "")
                                   for c in result.changes]
    rows += [(key, "", "", "", message) for key, message in result.failures]
    return Rows(("key", "provider_id", "before", "after", "failure"), rows)
