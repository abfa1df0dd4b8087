"""Rendering plans, run results and the transfer log for people.

rich tables for the terminal, and small HTML tables for notebooks
(``_repr_html_``). Long plans are cut to :data:`MAX_ROWS` rows with a note.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING

from rich.table import Table

if TYPE_CHECKING:
    from ledgerlink.plans import Action, Plan
    from ledgerlink.runner import RunResult
    from ledgerlink.store import LogEntry

__all__ = ["MAX_ROWS", "log_table", "plan_html", "plan_table", "result_html", "summary_table"]

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


def plan_table(plan: Plan) -> Table:
    """The plan as a rich table: actions, then notices."""
    table = Table(title=f"Plan for {plan.now:%Y-%m-%d %H:%M %Z}", caption=_cut_note(plan))
    for column in ("customer", "what", "detail"):
        table.add_column(column)
    for row in _rows(plan):
        table.add_row(*row)
    return table


def summary_table(summary: dict[str, int], title: str = "Run summary") -> Table:
    """Summary counts as a two-column rich table (zero rows left out, except failures)."""
    table = Table(title=title)
    table.add_column("outcome")
    table.add_column("count", justify="right")
    for key, label in SUMMARY_LABELS.items():
        value = summary.get(key, 0)
        if value or key in ("invoices_created", "failed"):
            table.add_row(label, str(value))
    return table


def log_table(entries: Sequence[LogEntry], title: str = "Transfer log", *,
              with_time: bool = True) -> Table:
    """Transfer-log entries as a rich table.

    Ids fold rather than being cut, so keys stay readable in narrow terminals;
    the message column appears only when some entry has a message.
    """
    shown = entries[-MAX_ROWS:]
    messages = any(e.message for e in shown)
    table = Table(title=title, caption=None if shown else "nothing was written")
    if with_time:
        table.add_column("time", no_wrap=True)
    table.add_column("customer", overflow="fold")
    table.add_column("action", no_wrap=True)
    table.add_column("subject", overflow="fold")
    table.add_column("outcome", no_wrap=True)
    table.add_column("number", no_wrap=True)
    table.add_column("amount", justify="right", no_wrap=True)
    if messages:
        table.add_column("message", overflow="fold", ratio=1)
    for e in shown:
        amount = f"{e.amount} {e.currency}" if e.amount else ""
        style = "red" if e.outcome == "failed" else ("yellow" if e.outcome != "ok" else None)
        # The date is the run's; the time of day tells entries apart.
        cells = [e.at[11:19]] if with_time else []
        cells += [e.customer_id, e.action, e.subject, e.outcome, e.number or "", amount]
        if messages:
            cells.append(e.message)
        table.add_row(*cells, style=style)
    return table


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
    """Transfer-log entries as HTML."""
    return _html(("at", "customer", "action", "subject", "outcome", "number", "message"),
                 ((e.at[:19], e.customer_id, e.action, e.subject, e.outcome, e.number or "",
                   e.message) for e in entries[-MAX_ROWS:]))
