"""Internal: rendering results for people in the terminal: rich tables of plans, runs and the log.

Presentation sits above data: this module imports the result types, never the
reverse. Notebook HTML and DataFrames come from the results themselves (their
``_repr_html_`` and ``to_pandas``, drawn by :mod:`ledgerlink.tabular`). Long
tables are cut to :data:`MAX_ROWS` rows with a note.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.table import Table

from ledgerlink.plans import describe, overview_rows
from ledgerlink.results import SUMMARY_LABELS
from ledgerlink.tabular import MAX_ROWS

if TYPE_CHECKING:
    from ledgerlink.plans import Plan
    from ledgerlink.store import LogEntry

__all__ = [
    "MAX_ROWS",
    "SUMMARY_LABELS",
    "describe",
    "log_table",
    "plan_table",
    "summary_table",
]


def _cut_note(plan: Plan) -> str:
    hidden = len(plan.actions) + len(plan.notices) - MAX_ROWS
    return f"… {hidden} more rows" if hidden > 0 else ""


def plan_table(plan: Plan) -> Table:
    """The plan as a rich table: actions, then notices."""
    table = Table(title=f"Plan for {plan.now:%Y-%m-%d %H:%M %Z}", caption=_cut_note(plan))
    for column in ("customer", "what", "detail"):
        table.add_column(column)
    for row in overview_rows(plan):
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
