"""Rendering results for people: plans, runs, the transfer log, statuses and more.

Small HTML tables for notebooks (``_repr_html_``); the command line's rich
tables are in :mod:`ledgerlink.cli`. Long tables are cut to :data:`MAX_ROWS`
rows with a note.
The result types import this module only inside their ``_repr_html_`` methods.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from ledgerlink.plans import Action, Plan
    from ledgerlink.policy import EffectivePolicy
    from ledgerlink.refreshing import RefreshResult
    from ledgerlink.runner import RunResult
    from ledgerlink.scheduling.selection import JobPreview
    from ledgerlink.status_report import StatusReport
    from ledgerlink.store import LogEntry, RunRecord
    from ledgerlink.tables import Rows

__all__ = [
    "MAX_ROWS",
    "fields_html",
    "job_preview_html",
    "log_html",
    "plan_html",
    "policy_html",
    "refresh_html",
    "result_html",
    "rows_html",
    "runs_html",
    "status_html",
]

#: Rows shown before a table is cut short.
MAX_ROWS = 200

SUMMARY_LABELS = {
    "invoices_created": "Invoices created",
    "booked": "Booked",
    "emailed": "Emailed",
    "not_emailed": "Not emailed (letter, no address...)",
    "collected_on_drafts": "Work collected on drafts",
    "drafts_created": "Drafts opened",
    "credited": "Invoices credited",
    "customers_linked": "Customers linked",
    "skipped_by_policy": "Skipped by policy",
    "not_due": "Not due yet",
    "blocked": "Blocked",
    "failed": "Failed",
    "already_done": "Already done earlier",
    "already_invoiced": "Already invoiced, unchanged",
    "recovered": "Recovered from a crash",
}


def describe(action: Action) -> str:
    """One line saying what an action does."""
    from ledgerlink.plans import (
        CreateInvoice,
        Credit,
        EnsureCustomer,
        ReplaceLines,
        Send,
        UpdateCustomer,
    )

    if isinstance(action, EnsureCustomer):
        return f"find or create customer {action.customer.name}"
    if isinstance(action, UpdateCustomer):
        return f"update the address, e-mail and number of customer {action.customer.name}"
    if isinstance(action, CreateInvoice):
        draft = action.draft()
        what = "draft" if action.target == "draft" else "invoice"
        orders = ", ".join(order.id for order, _ in action.work)
        return f"create {what} {action.key} ({orders}) {draft.gross}, due {action.due_date}"
    if isinstance(action, ReplaceLines):
        verb = "remove lines of" if action.remove else "put lines of"
        return f"{verb} {action.order.id} on {action.invoice_key}"
    if isinstance(action, Send):
        return f"email {action.invoice_key} to {action.email}"
    if isinstance(action, Credit):
        return f"credit {action.invoice_key}: {action.reason}"
    return f"book {action.invoice_key}"


def _rows(plan: Plan) -> list[tuple[str, str, str]]:
    rows = [(a.customer_id, a.kind, describe(a)) for a in plan.actions[:MAX_ROWS]]
    room = max(0, MAX_ROWS - len(rows))
    rows += [(n.customer_id, n.kind.value, f"{n.subject}: {n.reason}")
             for n in plan.notices[:room]]
    return rows


def _cut_note(plan: Plan) -> str:
    hidden = len(plan.actions) + len(plan.notices) - MAX_ROWS
    return f"… {hidden} more rows" if hidden > 0 else ""


def _html(headers: Iterable[str], rows: Iterable[Iterable[object]], caption: str = "") -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def plan_html(plan: Plan) -> str:
    """The plan as an HTML table, for notebooks."""
    caption = f"Plan: {len(plan.actions)} actions, {len(plan.notices)} notices. {_cut_note(plan)}"
    return _html(("customer", "what", "detail"), _rows(plan), caption.strip())


def result_html(result: RunResult) -> str:
    """A run's summary and failures as HTML, for notebooks."""
    summary = result.summary
    counts = _html(("outcome", "count"),
                   ((SUMMARY_LABELS[k], v) for k, v in summary.items() if v),
                   f"Run {result.run_id}")
    failures = [(o.customer_id, o.kind, o.message) for o in result.failed[:MAX_ROWS]]
    if not failures:
        return counts
    return counts + _html(("customer", "action", "provider message"), failures, "Failures")


def log_html(entries: Sequence[LogEntry]) -> str:
    """Transfer-log entries as HTML, amounts with their currency."""
    hidden = len(entries) - MAX_ROWS
    caption = f"Transfer log: {len(entries)} entries" + (
        f" (the newest {MAX_ROWS} shown)" if hidden > 0 else "")
    return _html(("at", "customer", "action", "subject", "outcome", "number", "amount",
                  "message"),
                 ((e.at[:19], e.customer_id, e.action, e.subject, e.outcome, e.number or "",
                   f"{e.amount} {e.currency}" if e.amount else "", e.message)
                  for e in entries[-MAX_ROWS:]), caption)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    return str(value)


def rows_html(table: Rows, caption: str = "") -> str:
    """A :class:`ledgerlink.tables.Rows` as HTML (the first :data:`MAX_ROWS` rows)."""
    hidden = len(table.rows) - MAX_ROWS
    note = f" (first {MAX_ROWS} of {len(table.rows)} shown)" if hidden > 0 else ""
    return _html(table.columns, ([_cell(c) for c in row] for row in table.rows[:MAX_ROWS]),
                 caption + note)


def status_html(report: StatusReport) -> str:
    """Invoice statuses as HTML, one row per invoice."""
    from ledgerlink.tables import status_rows

    counts = ", ".join(f"{n} {label}" for label, n in sorted(report.counts().items()))
    caption = f"Statuses of {report.book} on {report.today}: {len(report)} invoices"
    return rows_html(status_rows(report), f"{caption} ({counts})" if counts else caption)


def refresh_html(result: RefreshResult) -> str:
    """What a refresh found: how it asked, then the changes and failures."""
    from ledgerlink.tables import refresh_rows

    caption = (f"Refresh of {result.book}: {result.mode}, {result.calls} calls, "
               f"{result.checked} checked, {len(result.changes)} changed, "
               f"{len(result.failures)} failed")
    if result.note:
        caption += f". {result.note}"
    return rows_html(refresh_rows(result), caption)


def runs_html(runs: Sequence[RunRecord]) -> str:
    """Runs, newest first, with their non-zero summary counts."""
    from ledgerlink.tables import run_rows

    return rows_html(run_rows(runs), f"{len(runs)} runs")


def fields_html(record: attrs.AttrsInstance, title: str = "") -> str:
    """An attrs record as a two-column (field, value) HTML table."""
    fields = attrs.fields(type(record))
    rows = [(f.name, _cell(getattr(record, f.name))) for f in fields if f.repr]
    return _html(("field", "value"), rows, title or type(record).__name__)


def policy_html(policy: EffectivePolicy) -> str:
    """An effective policy: each field's value and where it came from, then the notes."""
    rows = [(name, _cell(getattr(policy, name)), policy.sources.get(name, ""))
            for name in ("posting", "timing", "send", "payment_terms_days")]
    table = _html(("field", "value", "from"), rows, "Effective policy")
    if not policy.notes:
        return table
    return table + _html(("note",), ((note,) for note in policy.notes))


def job_preview_html(preview: JobPreview) -> str:
    """The invoices one run of a job would make, with totals per currency and problems."""
    from ledgerlink.tables import Rows

    invoices = Rows(("customer_id", "customer", "projects", "net", "vat", "gross", "currency",
                     "invoice_date"),
                    [(i.customer_id, i.customer_name, ", ".join(i.project_ids), i.net, i.vat,
                      i.gross, i.currency, i.invoice_date) for i in preview.invoices])
    html = rows_html(invoices, f"Job {preview.job.id} on {preview.run_day} "
                               f"(work up to {preview.cutoff}): {len(preview.invoices)} invoices")
    html += _html(("currency", "invoices", "net", "vat", "gross"),
                  ((t.currency, t.invoices, t.net, t.vat, t.gross) for t in preview.totals()),
                  "Totals")
    if preview.problems:
        html += _html(("problem",), ((p,) for p in preview.problems[:MAX_ROWS]), "Problems")
    return html
