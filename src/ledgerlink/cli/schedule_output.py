"""What ``ledgerlink schedule`` prints: rich tables for people, JSON-ready dicts for scripts.

Money is printed as the Decimal's text with its currency; times as ISO 8601,
a job's next run both in the job's own zone (what its company sees) and in UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console

from ledgerlink.cli.output import Col, print_table, table, utc_time
from ledgerlink.scheduling import codec
from ledgerlink.scheduling.files import format_date_rule, format_recurrence
from ledgerlink.scheduling.model import ScheduledJob
from ledgerlink.scheduling.runs import JobListing, JobRun
from ledgerlink.scheduling.selection import JobPreview
from ledgerlink.store.schedules import ScheduleLogEntry, ScheduleRun

__all__ = [
    "job_json",
    "listing_json",
    "log_json",
    "preview_json",
    "run_json",
    "runs_json",
    "show_listing",
    "show_log",
    "show_preview",
    "show_run",
    "show_runs",
]


def _local(instant: datetime | None, time_zone: str) -> str:
    return "" if instant is None else instant.astimezone(ZoneInfo(time_zone)).isoformat()


def _utc(instant: datetime | None) -> str:
    return "" if instant is None else instant.astimezone(UTC).isoformat()


# --- jobs ------------------------------------------------------------------------------


def job_json(job: ScheduledJob) -> dict[str, Any]:
    """The job's document, plus its recurrence in the CLI's words."""
    return {**codec.job_to_dict(job), "every": format_recurrence(job.recurrence)}


def listing_json(listing: Sequence[JobListing]) -> list[dict[str, Any]]:
    return [{**job_json(entry.job),
             "next_run_local": _local(entry.next_run, entry.job.time_zone) or None,
             "next_run_utc": _utc(entry.next_run) or None} for entry in listing]


def _local_short(instant: datetime | None, time_zone: str) -> str:
    """``2025-11-30 22:00 CET``: the local time a table shows (JSON keeps the offset)."""
    if instant is None:
        return ""
    return f"{instant.astimezone(ZoneInfo(time_zone)):%Y-%m-%d %H:%M %Z}"


def show_listing(console: Console, listing: Sequence[JobListing]) -> None:
    columns = [Col("id"), Col("name", fit="cut", max_width=40),
               Col("company", fit="cut", drop=6), Col("every", fit="wrap", drop=3),
               Col("items up to", drop=5), Col("active", drop=2), Col("next run"),
               Col("next run (UTC)", drop=4)]
    rows = [(entry.job.id, entry.job.name, entry.job.company,
             f"{format_recurrence(entry.job.recurrence)} from {entry.job.run_hour:02d}:00",
             format_date_rule(entry.job.include_up_to), "yes" if entry.job.active else "no",
             _local_short(entry.next_run, entry.job.time_zone) or "never (inactive)",
             f"{entry.next_run.astimezone(UTC):%Y-%m-%d %H:%M}" if entry.next_run else "")
            for entry in listing]
    print_table(console, table(columns, rows, width=console.width, title="Scheduled jobs",
                               caption=None if listing else "no jobs"))


# --- previews --------------------------------------------------------------------------


def preview_json(preview: JobPreview) -> dict[str, Any]:
    return {
        "job": job_json(preview.job),
        "run_day": preview.run_day.isoformat(), "cutoff": preview.cutoff.isoformat(),
        "invoice_date": preview.invoice_date.isoformat(),
        "registration_date": preview.registration_date.isoformat(),
        "projects": [{
            "id": p.project.id, "name": p.project.name, "customer_id": p.project.customer_id,
            "items": [{"id": i.id, "date": i.date.isoformat(), "kind": i.kind.value,
                       "description": i.description, "quantity": str(i.quantity),
                       "unit_price": str(i.unit_price), "vat_rate": str(i.vat_rate)}
                      for i in p.to_bill],
            "held": [i.id for i in p.held],
            "billed_before": str(p.billed_before), "net": str(p.net), "vat": str(p.vat),
            "gross": str(p.gross), "currency": p.currency,
        } for p in preview.projects],
        "invoices": [{
            "customer_id": inv.customer_id, "customer_name": inv.customer_name,
            "projects": list(inv.project_ids), "items": list(inv.item_ids),
            "net": str(inv.net), "vat": str(inv.vat), "gross": str(inv.gross),
            "currency": inv.currency, "work_order": inv.work_order.id,
        } for inv in preview.invoices],
        "totals": [{"currency": t.currency, "net": str(t.net), "vat": str(t.vat),
                    "gross": str(t.gross), "invoices": t.invoices} for t in preview.totals()],
        "problems": list(preview.problems),
    }


def show_preview(console: Console, preview: JobPreview) -> None:
    job = preview.job
    console.print(f"Job {job.id or '(unsaved)'} ({job.name}): run day {preview.run_day}, "
                  f"items up to {preview.cutoff}, invoice date {preview.invoice_date}, "
                  f"registration date {preview.registration_date}. Nothing was written.",
                  highlight=False, markup=False)
    print_table(console, table(
        [Col("project"), Col("name", fit="cut", drop=2), Col("customer"),
         Col("items to bill", fit="wrap"), Col("held back by limit", fit="wrap", drop=1),
         Col("net", justify="right")],
        [(p.project.id, p.project.name, p.project.customer_id,
          ", ".join(i.id for i in p.to_bill), ", ".join(i.id for i in p.held),
          f"{p.net} {p.currency}") for p in preview.projects],
        width=console.width, title="Matching projects",
        caption=None if preview.projects else "no project has anything to bill"))
    print_table(console, table(
        [Col("customer"), Col("name", fit="cut", drop=3), Col("projects", fit="wrap"),
         Col("items", justify="right", drop=4), Col("net", justify="right", drop=2),
         Col("vat", justify="right", drop=1), Col("gross", justify="right")],
        [(inv.customer_id, inv.customer_name, ", ".join(inv.project_ids),
          len(inv.item_ids), f"{inv.net} {inv.currency}", f"{inv.vat} {inv.currency}",
          f"{inv.gross} {inv.currency}") for inv in preview.invoices],
        width=console.width, title="Invoices it would make"))
    for total in preview.totals():
        console.print(f"Total {total.currency}: {total.invoices} invoices, net {total.net}, "
                      f"VAT {total.vat}, gross {total.gross}", highlight=False, markup=False)
    for problem in preview.problems:
        console.print(f"note: {problem}", highlight=False, markup=False)


# --- runs and the log ------------------------------------------------------------------


def _run_row(run: ScheduleRun) -> dict[str, Any]:
    return {"run_id": run.run_id, "job_id": run.job_id, "slot": run.slot,
            "scheduled_for": run.scheduled_for.isoformat(), "trigger": run.trigger,
            "job_version": run.job_version, "state": run.state, "claimed_at": run.claimed_at,
            "finished_at": run.finished_at, "summary": dict(run.summary), "error": run.error}


def runs_json(runs: Sequence[ScheduleRun]) -> list[dict[str, Any]]:
    return [_run_row(run) for run in runs]


def log_json(entries: Sequence[ScheduleLogEntry]) -> list[dict[str, Any]]:
    return [{"id": e.id, "run_id": e.run_id, "job_id": e.job_id, "kind": e.kind,
             "at": e.at, "customer_id": e.customer_id,
             "projects": [p for p in (e.projects or "").split(", ") if p],
             "invoice_key": e.invoice_key, "provider_id": e.provider_id, "number": e.number,
             "amount": None if e.amount is None else str(e.amount), "currency": e.currency,
             "creator": e.creator, "message": e.message} for e in entries]


def run_json(job_run: JobRun, entries: Sequence[ScheduleLogEntry]) -> dict[str, Any]:
    return {**_run_row(job_run.run), "notified": job_run.notified, "log": log_json(entries)}


def _summary(summary: dict[str, int]) -> str:
    shown = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(summary.items()) if v)
    return shown or "nothing to do"


def show_run(console: Console, job_run: JobRun, entries: Sequence[ScheduleLogEntry]) -> None:
    run = job_run.run
    console.print(f"Job {run.job_id} run {run.run_id} ({run.trigger}, {run.scheduled_for}): "
                  f"{run.state}; {_summary(run.summary)}; notified: {job_run.notified}",
                  highlight=False, markup=False)
    if run.error:
        console.print(f"error: {run.error}", highlight=False, markup=False)
    show_log(console, entries, title=None)


def _grouped(items: Sequence[Any], key: str) -> list[tuple[str, list[Any]]]:
    """``items`` in groups sharing ``key`` (first appearance order), so a table per group
    names the shared id once, in its title, instead of in a 32-character column."""
    groups: dict[str, list[Any]] = {}
    for item in items:
        groups.setdefault(getattr(item, key), []).append(item)
    return list(groups.items())


def show_log(console: Console, entries: Sequence[ScheduleLogEntry], *,
             title: str | None = "Scheduled runs' transfer log") -> None:
    """The entries, one table per run (its run and job ids in the title); errors in red."""
    columns = [Col("time (UTC)", drop=3), Col("kind"), Col("customer"),
               Col("projects", fit="wrap"), Col("provider id"), Col("number", drop=5),
               Col("amount", justify="right", drop=2), Col("creator", drop=6),
               Col("message", fit="cut", drop=1)]
    if not entries:
        print_table(console, table(columns, [], width=console.width, title=title,
                                   caption="nothing logged"))
        return
    if title:
        console.print(title, highlight=False, markup=False)
    for run_id, group in _grouped(entries, "run_id"):
        rows = [(utc_time(e.at), e.kind, e.customer_id, e.projects, e.provider_id, e.number,
                 f"{e.amount} {e.currency or ''}".strip() if e.amount is not None else "",
                 e.creator, e.message) for e in group]
        print_table(console, table(
            columns, rows, width=console.width,
            title=f"run {run_id} of job {group[0].job_id}",
            styles=["red" if e.kind == "error" else None for e in group]))


def show_runs(console: Console, runs: Sequence[ScheduleRun]) -> None:
    """The runs, one table per job (its id in the title); failed runs in red."""
    columns = [Col("run"), Col("trigger", drop=2), Col("run day"), Col("state"),
               Col("started (UTC)", drop=4), Col("summary", fit="cut", drop=1),
               Col("error", fit="cut", drop=3)]
    if not runs:
        print_table(console, table(columns, [], width=console.width, title="Scheduled runs",
                                   caption="no runs"))
        return
    for job_id, group in _grouped(runs, "job_id"):
        rows = [(run.run_id, run.trigger, run.scheduled_for.isoformat(), run.state,
                 utc_time(run.claimed_at), _summary(run.summary),
                 " ".join(run.error.split())) for run in group]
        print_table(console, table(
            columns, rows, width=console.width, title=f"Runs of job {job_id}",
            styles=["red" if run.state in ("failed", "aborted") else None for run in group]))
