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
from rich.table import Table

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


def show_listing(console: Console, listing: Sequence[JobListing]) -> None:
    table = Table(title="Scheduled jobs", caption=None if listing else "no jobs")
    for column in ("id", "name", "company", "every", "items up to", "active",
                   "next run (local)", "next run (UTC)"):
        table.add_column(column, overflow="fold")
    for entry in listing:
        job = entry.job
        table.add_row(job.id, job.name, job.company,
                      f"{format_recurrence(job.recurrence)} from {job.run_hour:02d}:00",
                      format_date_rule(job.include_up_to), "yes" if job.active else "no",
                      f"{_local(entry.next_run, job.time_zone)} {job.time_zone}"
                      if entry.next_run else "never (inactive)",
                      _utc(entry.next_run))
    console.print(table)


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
    projects = Table(title="Matching projects",
                     caption=None if preview.projects else "no project has anything to bill")
    for column in ("project", "name", "customer", "items to bill", "held back by limit", "net"):
        projects.add_column(column, overflow="fold",
                            justify="right" if column == "net" else "left")
    for p in preview.projects:
        projects.add_row(p.project.id, p.project.name, p.project.customer_id,
                         ", ".join(i.id for i in p.to_bill), ", ".join(i.id for i in p.held),
                         f"{p.net} {p.currency}")
    console.print(projects)
    invoices = Table(title="Invoices it would make")
    for column in ("customer", "projects", "items", "net", "vat", "gross"):
        invoices.add_column(column, overflow="fold",
                            justify="right" if column in ("net", "vat", "gross") else "left")
    for inv in preview.invoices:
        invoices.add_row(f"{inv.customer_id} {inv.customer_name}", ", ".join(inv.project_ids),
                         str(len(inv.item_ids)), f"{inv.net} {inv.currency}",
                         f"{inv.vat} {inv.currency}", f"{inv.gross} {inv.currency}")
    console.print(invoices)
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
    show_log(console, entries, title=f"Transfer log of run {run.run_id}")


def show_log(console: Console, entries: Sequence[ScheduleLogEntry], *,
             title: str = "Scheduled runs' transfer log") -> None:
    table = Table(title=title, caption=None if entries else "nothing logged")
    for column in ("time", "job", "run", "kind", "customer", "projects", "provider id",
                   "number", "amount", "message"):
        table.add_column(column, overflow="fold",
                         justify="right" if column == "amount" else "left")
    for e in entries:
        amount = f"{e.amount} {e.currency or ''}".strip() if e.amount is not None else ""
        table.add_row(e.at[:19], e.job_id, e.run_id, e.kind, e.customer_id or "",
                      e.projects or "", e.provider_id or "", e.number or "", amount,
                      e.message, style="red" if e.kind == "error" else None)
    console.print(table)


def show_runs(console: Console, runs: Sequence[ScheduleRun]) -> None:
    table = Table(title="Scheduled runs", caption=None if runs else "no runs")
    for column in ("run", "job", "trigger", "run day", "state", "started (UTC)", "summary",
                   "error"):
        table.add_column(column, overflow="fold")
    for run in runs:
        table.add_row(run.run_id, run.job_id, run.trigger, run.scheduled_for.isoformat(),
                      run.state, run.claimed_at[:19], _summary(run.summary), run.error,
                      style="red" if run.state in ("failed", "aborted") else None)
    console.print(table)
