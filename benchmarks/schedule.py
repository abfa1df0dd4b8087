"""Scheduled invoicing at scale: 10,000 jobs across 1,000 companies, 10,000 projects.

Measures the next run of every job and the set of jobs due at one instant,
starting from cold calendar caches each time, and the preview of one job over
10,000 projects: the selection alone, and through ``Scheduler.preview`` (which
also asks the journal store which of the ~90,000 items were billed already).
Target: <= 1 s for the due computation (and for next runs).
Run: python benchmarks/schedule.py [--jobs N] [--companies N] [--projects N]
The last line printed is one JSON object with the figures.

Each measurement is a ``measure_*`` function returning a dict of figures that
:func:`main` merges, so more can be added (e.g. previewing one job over many
projects) without touching the others.
"""

from __future__ import annotations

import argparse
import gc
import json
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from ledgerlink.domain import Company, Customer
from ledgerlink.plugins import get_plugin_manager
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.scheduling import calendar
from ledgerlink.scheduling.files import demo_projects
from ledgerlink.scheduling.model import (
    DateRule,
    Frequency,
    InvoiceGeneration,
    MonthlyDay,
    Recurrence,
    ScheduledJob,
    Weekday,
)
from ledgerlink.scheduling.runs import Scheduler, Workspace
from ledgerlink.scheduling.selection import preview
from ledgerlink.store import Store

NOW = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)
TIME_ZONES = ("Europe/Copenhagen", "Europe/London", "Europe/Berlin", "America/New_York",
              "America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney")
RUN_HOURS = (22, 6, 9, 23, 2, 18)
# Common rules first and repeated: most companies invoice month-end or weekly.
RECURRENCES = (
    Recurrence(Frequency.MONTHLY, monthly=MonthlyDay.LAST_DAY),
    Recurrence(Frequency.MONTHLY, monthly=MonthlyDay.LAST_DAY),
    Recurrence(Frequency.MONTHLY, monthly=MonthlyDay.FIRST_DAY),
    Recurrence(Frequency.MONTHLY, monthly=MonthlyDay.LAST_WEEKDAY),
    Recurrence(Frequency.DAILY),
    Recurrence(Frequency.DAILY, weekdays_only=True),
    *(Recurrence(Frequency.WEEKLY, weekday=day) for day in Weekday),
    *(Recurrence(Frequency.MONTHLY, monthly=MonthlyDay.DAY_OF_MONTH, day_of_month=n)
      for n in (1, 10, 15, 25, 28, 29, 30, 31)),
)
GENERATION = InvoiceGeneration(creator="scheduler")


def build_jobs(n_jobs: int, n_companies: int) -> list[ScheduledJob]:
    """Jobs spread over companies; a company's jobs share its time zone."""
    jobs = []
    for i in range(n_jobs):
        company = i % n_companies
        jobs.append(ScheduledJob(
            company=f"company-{company:04d}", name=f"job {i}", id=f"job-{i:05d}",
            recurrence=RECURRENCES[(i * 7 + company) % len(RECURRENCES)],
            generation=GENERATION, created_by="bench",
            time_zone=TIME_ZONES[company % len(TIME_ZONES)],
            run_hour=RUN_HOURS[(i // n_companies + company) % len(RUN_HOURS)],
            # Every 50th job starts in the future; every 20th is paused.
            starts_on=date(2026, 12, 15) if i % 50 == 0 else None,
            active=i % 20 != 7,
        ))
    return jobs


def build_last_days(jobs: list[ScheduledJob]) -> dict[str, date]:
    """Mixed histories: a third ran yesterday, a third a week ago, a third never."""
    yesterday = NOW.date() - timedelta(days=1)
    last_days = {}
    for i, job in enumerate(jobs):
        if i % 3 == 0:
            last_days[job.id] = yesterday
        elif i % 3 == 1:
            last_days[job.id] = yesterday - timedelta(days=7)
    return last_days


def _cold_caches() -> None:
    """Forget cached run days so each measurement pays for building its rules."""
    calendar.next_run_day.cache_clear()
    calendar.previous_run_day.cache_clear()
    gc.collect()


def measure_next_runs(jobs: list[ScheduledJob]) -> dict[str, Any]:
    _cold_caches()
    started = time.perf_counter()
    runs = calendar.next_runs(jobs, NOW)
    elapsed = time.perf_counter() - started
    return {"next_runs_s": round(elapsed, 4), "next_runs": len(runs)}


def measure_due(jobs: list[ScheduledJob], last_days: dict[str, date]) -> dict[str, Any]:
    _cold_caches()
    started = time.perf_counter()
    due = calendar.due_jobs(jobs, NOW, last_days)
    elapsed = time.perf_counter() - started
    return {"due_s": round(elapsed, 4), "due_jobs": len(due)}


def measure_due_one_by_one(jobs: list[ScheduledJob],
                           last_days: dict[str, date]) -> dict[str, Any]:
    """The same due set via due_day per job: what the bulk memo saves."""
    _cold_caches()
    started = time.perf_counter()
    due = [job for job in jobs if calendar.due_day(job, NOW, last_days.get(job.id))]
    elapsed = time.perf_counter() - started
    return {"due_one_by_one_s": round(elapsed, 4), "due_one_by_one_jobs": len(due)}


def measure_preview(n_projects: int) -> dict[str, Any]:
    """One job over ``n_projects`` projects of 1,000 customers: selection, then the API."""
    customers = [Customer(f"c{i:04d}", f"Customer {i}") for i in range(1_000)]
    projects = demo_projects(n_projects, [c.id for c in customers], seed=7,
                             start=date(2026, 9, 1))
    items = sum(len(p.items) for p in projects)
    job = ScheduledJob("acme", "Month end", RECURRENCES[0], GENERATION, created_by="bench",
                       id="job-preview", include_up_to=DateRule.LAST_DAY_OF_THIS_MONTH)
    run_day = date(2026, 11, 30)
    gc.collect()
    started = time.perf_counter()
    shown = preview(job, projects, {c.id: c for c in customers}, run_day=run_day,
                    cutoff=run_day, invoice_date=run_day, registration_date=run_day,
                    billed=frozenset(), slot="preview", completed_at=NOW)
    selection_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as root:
        book = SandboxConnector(Path(root, "book.db"))
        workspace = Workspace(Company("Acme"), projects, customers, book)
        scheduler = Scheduler(Store(Path(root, "ledgerlink.db")), lambda _: workspace,
                              plugin_manager=get_plugin_manager(load_entry_points=False).pm)
        gc.collect()
        started = time.perf_counter()
        via_api = scheduler.preview(job, now=NOW, run_day=run_day)
        api_s = time.perf_counter() - started
        scheduler.store.close()
    assert len(via_api.invoices) == len(shown.invoices)
    return {"preview_projects": n_projects, "preview_items": items,
            "preview_invoices": len(shown.invoices),
            "preview_selection_s": round(selection_s, 4), "preview_api_s": round(api_s, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--companies", type=int, default=1_000)
    parser.add_argument("--projects", type=int, default=10_000)
    args = parser.parse_args()
    started = time.perf_counter()
    jobs = build_jobs(args.jobs, args.companies)
    last_days = build_last_days(jobs)
    figures: dict[str, Any] = {
        "jobs": args.jobs,
        "companies": args.companies,
        "distinct_calendars": len({(j.recurrence, j.time_zone, j.run_hour) for j in jobs}),
        "build_inputs_s": round(time.perf_counter() - started, 3),
    }
    figures |= measure_next_runs(jobs)
    figures |= measure_due(jobs, last_days)
    figures |= measure_due_one_by_one(jobs, last_days)
    figures |= measure_preview(args.projects)
    figures["target_due_s"] = 1.0
    print(f"{args.jobs:,} jobs, {args.companies:,} companies, "
          f"{figures['distinct_calendars']} distinct calendars: "
          f"next runs in {figures['next_runs_s']:.3f} s, "
          f"due set ({figures['due_jobs']:,} jobs) in {figures['due_s']:.3f} s "
          f"({figures['due_one_by_one_s']:.3f} s job by job); preview of one job over "
          f"{figures['preview_projects']:,} projects ({figures['preview_items']:,} items, "
          f"{figures['preview_invoices']:,} invoices) in {figures['preview_selection_s']:.3f} s, "
          f"{figures['preview_api_s']:.3f} s through Scheduler.preview")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
