"""Internal: what ``ledgerlink plan``, ``run`` and ``log`` print: tables, or dicts for ``--json``.

The tables are built by :func:`ledgerlink.cli.output.table`, so they read
well at 80 columns; ``--json`` has every field and every row.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console

from ledgerlink.cli import output
from ledgerlink.cli.exits import EXIT_FAILURES
from ledgerlink.cli.output import Col, print_table, table, utc_time
from ledgerlink.plans import Plan, describe
from ledgerlink.results import SUMMARY_LABELS
from ledgerlink.runner import RunResult
from ledgerlink.store import LogEntry

__all__ = [
    "LOG_TAIL",
    "PLAN_LIMIT",
    "plan_json",
    "report_result",
    "result_json",
    "show_log",
    "show_plan",
    "show_result",
]

#: Log lines shown after a run.
LOG_TAIL = 15
#: Notices and actions ``ledgerlink plan`` shows unless ``--limit`` or ``--all`` says otherwise.
PLAN_LIMIT = 100


# --- plan ------------------------------------------------------------------------------


def plan_json(plan: Plan) -> dict[str, Any]:
    """The whole plan, every row, as ``plan --json`` prints it."""
    return {
        "now": plan.now.isoformat(),
        "counts": plan.counts(),
        "already_invoiced": plan.already_invoiced,
        "actions": [{"customer": a.customer_id, "kind": a.kind, "key": a.op_key,
                     "detail": describe(a)} for a in plan.actions],
        "notices": [{"customer": n.customer_id, "kind": n.kind.value, "subject": n.subject,
                     "reason": n.reason} for n in plan.notices],
    }


def show_plan(console: Console, plan: Plan, limit: int | None) -> None:
    """Counts first, then notices (what the plan leaves alone), then actions.

    At most ``limit`` notices and actions together (None: all), notices first:
    they are what a reader must not miss. Says how many were left out and how
    to see them.
    """
    console.print(f"Plan for {plan.now:%Y-%m-%d %H:%M %Z}: {len(plan.actions)} actions, "
                  f"{len(plan.notices)} notices, {plan.already_invoiced} work orders already "
                  f"invoiced. Nothing is written.", highlight=False, markup=False)
    counts = plan.counts()
    if counts:
        print_table(console, table(
            [Col("what"), Col("count", justify="right")],
            sorted(counts.items()), width=console.width, title="Counts"))
    room = len(plan.notices) + len(plan.actions) if limit is None else limit
    notices = plan.notices[:room]
    actions = plan.actions[:room - len(notices)]
    if notices:
        print_table(console, table(
            [Col("customer"), Col("notice"), Col("subject", drop=1),
             Col("reason", fit="cut")],
            [(n.customer_id, n.kind.value, n.subject, n.reason) for n in notices],
            width=console.width, title="Notices (work left alone)"))
    if actions:
        print_table(console, table(
            [Col("customer"), Col("what"), Col("detail", fit="cut")],
            [(a.customer_id, a.kind, describe(a)) for a in actions],
            width=console.width, title="Actions"))
    hidden = len(plan.notices) + len(plan.actions) - len(notices) - len(actions)
    if hidden > 0:
        console.print(f"… {hidden} more rows not shown (--limit {limit} shows "
                      f"{len(notices) + len(actions)}): --all shows every row, --json too.",
                      highlight=False, markup=False)


# --- run -------------------------------------------------------------------------------


def result_json(result: RunResult) -> dict[str, Any]:
    """A run's outcome as ``run --json`` and ``demo --json`` print it."""
    return {
        "run_id": result.run_id,
        "book": result.book,
        "summary": result.summary,
        "failures": [{"customer": o.customer_id, "kind": o.kind, "message": o.message}
                     for o in result.failed],
    }


def report_result(result: RunResult, as_json: bool) -> None:
    """Print a run's result (a table, or JSON); exit with EXIT_FAILURES when something failed."""
    if as_json:
        output.emit_json(result_json(result))
    else:
        show_result(output.console, result)
    if not result.ok:
        sys.exit(EXIT_FAILURES)


def show_result(console: Console, result: RunResult) -> None:
    """A run's summary and the tail of its transfer log, as tables."""
    summary = result.summary
    print_table(console, table(
        [Col("outcome"), Col("count", justify="right")],
        [(label, summary.get(key, 0)) for key, label in SUMMARY_LABELS.items()
         if summary.get(key, 0) or key in ("invoices_created", "failed")],
        width=console.width, title="Run summary"))
    show_log(console, result.log[-LOG_TAIL:], with_time=False,
             title=f"Transfer log (last {LOG_TAIL} of run {result.run_id})")


# --- the transfer log ------------------------------------------------------------------


def show_log(console: Console, entries: Sequence[LogEntry], *, title: str = "Transfer log",
             with_time: bool = True, empty: str = "nothing was written") -> None:
    """Transfer-log entries; failures in red. ``empty`` is said when there are none."""
    columns = [Col("time (UTC)", drop=2)] if with_time else []
    columns += [Col("customer"), Col("action"), Col("subject"), Col("outcome"),
                Col("number", drop=4), Col("amount", justify="right", drop=3),
                Col("message", fit="cut", drop=1)]
    rows = []
    for e in entries:
        cells = [utc_time(e.at)] if with_time else []
        cells += [e.customer_id, e.action, e.subject, e.outcome, e.number or "",
                  f"{e.amount} {e.currency}" if e.amount else "", e.message]
        rows.append(cells)
    styles = ["red" if e.outcome == "failed" else "yellow" if e.outcome != "ok" else None
              for e in entries]
    print_table(console, table(columns, rows, width=console.width, title=title,
                               caption=None if entries else empty, styles=styles))
