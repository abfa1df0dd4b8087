"""``ledgerlink schedule ...``: create, preview, list and run scheduled invoicing jobs.

The commands drive :class:`~ledgerlink.scheduling.runs.Scheduler` over the
journal store (``--store``). Runs and previews need the company's data: the
projects (``--projects``), the customers and the policy file, and the
connector, given as to ``ledgerlink run``. A job created here belongs to the
policy file's company (``My company`` without one) unless ``--company`` says
otherwise; running a job of another company with these files is refused.

Errors follow the core CLI: bad input exits with status 2 naming the field
(the option, e.g. ``--every``, or the path in a ``--from`` file), other
failures with status 1; ``run`` and ``run-due`` also exit 1 when a run failed,
and 2 when a run stopped on bad input (a file, row or field it could not use).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from ledgerlink.cli import output
from ledgerlink.cli.asking import confirm, yes_option
from ledgerlink.cli.errors import EXIT_BAD_INPUT, EXIT_FAILURES, reported
from ledgerlink.cli.inputs import missing_file, parse_now
from ledgerlink.cli.schedule_output import (
    job_json,
    listing_json,
    log_json,
    preview_json,
    run_json,
    runs_json,
    show_listing,
    show_log,
    show_preview,
    show_run,
    show_runs,
)
from ledgerlink.cli.schedule_support import (
    Workspaces,
    apply_options,
    build_job,
    company_name,
    existing_store,
    job_options,
    json_option,
    now_option,
    parse_day,
    read_document,
    resolve_job,
    scheduler_for,
    store_option,
    workspace_options,
)
from ledgerlink.errors import ValidationError
from ledgerlink.scheduling import codec
from ledgerlink.scheduling.model import ScheduledJob
from ledgerlink.scheduling.runs import Scheduler

__all__ = ["schedule"]


# --- commands --------------------------------------------------------------------------


@click.group("schedule")
def schedule() -> None:
    """Scheduled invoicing jobs: billable items of projects invoiced on a calendar.

    A JOB_ID (and --job) is a job's id, a unique start of its id, or its name.
    """


@schedule.command("create")
@job_options
@click.option("--created-by", help="Who creates the job (default: $USER).")
@click.option("--from", "from_file", type=click.Path(path_type=Path),
              help="A job document (JSON); options given override it.")
@click.option("--policy", type=click.Path(path_type=Path),
              help="Policy file (TOML) naming the company the job belongs to.")
@store_option
@now_option
@json_option
def create(from_file: Path | None, policy: Path | None, store: str, now: str | None,
           as_json: bool, **given: Any) -> None:
    """Create a job from options or a --from file; prints its id and next run."""

    with reported(as_json):
        moment = parse_now(now)
        document: dict[str, Any] = {}
        source = None
        if from_file is not None:
            source = str(from_file)
            document = read_document(from_file)
        document.update(id="", version=0)
        if "company" not in document and given.get("company") is None:
            document["company"] = company_name(policy)
        if given.get("created_by") is None and "created_by" not in document:
            given["created_by"] = os.environ.get("USER") or None
        generation = document.get("generation")
        if given.get("creator") is None and not (isinstance(generation, dict)
                                                 and "creator" in generation):
            given["creator"] = given.get("created_by") or document.get("created_by")
        touched = apply_options(document, given)
        # Named as the options, not as the converter's paths, and all at once.
        missing = [ValidationError("is required", field=option)
                   for path, option in (("name", "--name"), ("recurrence", "--every"),
                                        ("created_by", "--created-by"))
                   if path not in document]
        if missing:
            raise missing[0] if len(missing) == 1 else ValidationError(
                f"{len(missing)} options are required", problems=missing)
        job = build_job(document, touched, source)
        scheduler = scheduler_for(store)
        saved = scheduler.save(job, now=moment)
        listing = scheduler.listing(company=saved.company, now=moment)
    _report_saved("Created", saved, listing, as_json)


@schedule.command("edit")
@click.argument("job_id")
@job_options
@store_option
@now_option
@json_option
def edit(job_id: str, store: str, now: str | None, as_json: bool, **given: Any) -> None:
    """Change a job: only the options given change."""

    with reported(as_json):
        moment = parse_now(now)
        scheduler = scheduler_for(existing_store(store))
        document = codec.job_to_dict(scheduler.jobs.get(resolve_job(scheduler, job_id)))
        touched = apply_options(document, given)
        saved = scheduler.save(build_job(document, touched, None), now=moment)
        listing = scheduler.listing(company=saved.company, now=moment)
    _report_saved("Saved", saved, listing, as_json)


def _report_saved(verb: str, job: ScheduledJob, listing: Sequence[Any], as_json: bool) -> None:

    mine = [entry for entry in listing if entry.job.id == job.id]
    if as_json:
        output.emit_json(listing_json(mine)[0] if mine else job_json(job))
        return
    when = listing_json(mine)[0] if mine else {}
    nxt = (f"next run {when['next_run_local']} {job.time_zone} ({when['next_run_utc']})"
           if when.get("next_run_utc") else "inactive: no next run")
    output.console.print(f"{verb} job {job.id} ({job.name}): {nxt}.", highlight=False,
                         markup=False)


@schedule.command("preview")
@click.argument("job_id", required=False)
@click.option("--from", "from_file", type=click.Path(path_type=Path),
              help="Preview this unsaved job document (JSON) instead.")
@click.option("--run-day", help="Preview the run of this day (default: the next run).")
@workspace_options
@store_option
@now_option
@json_option
def preview(job_id: str | None, from_file: Path | None, run_day: str | None, projects: Path,
            customers: Path, policy: Path | None, connector: str, pairs: tuple[str, ...],
            store: str, now: str | None, as_json: bool) -> None:
    """What a run would invoice, per project and invoice; nothing is written."""

    with reported(as_json):
        if (job_id is None) == (from_file is None):
            raise ValidationError("give a JOB_ID or --from FILE (one of them)", field="JOB_ID")
        workspaces = Workspaces(projects, customers, policy, connector, pairs, store,
                                read_only=True)
        job: ScheduledJob | str
        if from_file is not None:
            document = read_document(from_file)
            if "company" not in document:
                document["company"] = company_name(policy)
            document.setdefault("created_by", os.environ.get("USER") or "preview")
            generation = document.setdefault("generation", {})
            if isinstance(generation, dict):
                generation.setdefault("creator", document["created_by"])
            job = build_job(document, set(), str(from_file))
            # An unsaved job needs no journal: where none exists, an empty one in memory.
            target = "sqlite://" if missing_file(store) else store
        else:
            assert job_id is not None
            target = existing_store(store)
        scheduler = scheduler_for(target, workspaces)
        if job_id is not None:
            job = resolve_job(scheduler, job_id)
        result = scheduler.preview(job, now=parse_now(now),
                                   run_day=parse_day(run_day, "--run-day"))
    if as_json:
        output.emit_json(preview_json(result))
    else:
        show_preview(output.console, result)


@schedule.command("list")
@click.option("--company", help="Only this company's jobs.")
@click.option("--all", "everything", is_flag=True, help="Inactive jobs too.")
@store_option
@now_option
@json_option
def list_command(company: str | None, everything: bool, store: str, now: str | None,
                 as_json: bool) -> None:
    """The jobs with their next run (local time in the job's zone, and UTC)."""

    with reported(as_json):
        moment = parse_now(now)
        listing = [] if missing_file(store) else scheduler_for(store).listing(
            company=company, now=moment)
        listing = [entry for entry in listing if everything or entry.job.active]
    if as_json:
        output.emit_json(listing_json(listing))
    else:
        show_listing(output.console, listing)


@schedule.command("run")
@click.argument("job_id")
@workspace_options
@store_option
@now_option
@json_option
def run_command(job_id: str, projects: Path, customers: Path, policy: Path | None,
                connector: str, pairs: tuple[str, ...], store: str, now: str | None,
                as_json: bool) -> None:
    """Run a job now, whatever its calendar."""

    with reported(as_json):
        workspaces = Workspaces(projects, customers, policy, connector, pairs, store)
        scheduler = scheduler_for(existing_store(store), workspaces)
        # An unknown or ambiguous job is an error, not a failed run.
        resolved = resolve_job(scheduler, job_id)
        with output.progress(not as_json, f"running job {resolved}"):
            runs = [scheduler.run_now(resolved, now=parse_now(now))]
    _report_runs(scheduler, runs, as_json)


@schedule.command("run-due")
@workspace_options
@store_option
@now_option
@json_option
def run_due(projects: Path, customers: Path, policy: Path | None, connector: str,
            pairs: tuple[str, ...], store: str, now: str | None, as_json: bool) -> None:
    """Run every job whose time has come, once per job and run day."""

    with reported(as_json):
        workspaces = Workspaces(projects, customers, policy, connector, pairs, store)
        scheduler = scheduler_for(store, workspaces)
        # Only this company's jobs: these files hold no other company's data.
        with output.progress(not as_json, "running due jobs"):
            runs = scheduler.run_due(now=parse_now(now), company=company_name(policy))
    _report_runs(scheduler, runs, as_json)


def _report_runs(scheduler: Scheduler, runs: Sequence[Any], as_json: bool) -> None:

    entries = {r.run.run_id: scheduler.jobs.log(run_id=r.run.run_id) for r in runs}
    if as_json:
        output.emit_json([run_json(r, entries[r.run.run_id]) for r in runs])
    else:
        if not runs:
            output.console.print("No job is due.")
        for r in runs:
            show_run(output.console, r, entries[r.run.run_id])
    if any(isinstance(r.error, ValidationError) for r in runs):
        sys.exit(EXIT_BAD_INPUT)
    if any(r.run.state in ("failed", "aborted") for r in runs):
        sys.exit(EXIT_FAILURES)


def _set_state(action: str, job_id: str, store: str, as_json: bool, yes: bool = True) -> None:

    with reported(as_json):
        scheduler = scheduler_for(existing_store(store))
        job = scheduler.jobs.get(resolve_job(scheduler, job_id))
        if action == "delete":
            confirm(f"delete job {job.id} ({job.name})", yes=yes, as_json=as_json,
                    detail="Its runs and transfer log are kept.")
        getattr(scheduler, action)(job.id, now=datetime.now(UTC))
    past = {"activate": "activated", "deactivate": "deactivated", "delete": "deleted"}[action]
    if as_json:
        output.emit_json({"id": job.id, "name": job.name, "company": job.company,
                          "action": past})
    else:
        output.console.print(f"Job {job.id} ({job.name}) {past}.", highlight=False,
                             markup=False)


@schedule.command("deactivate")
@click.argument("job_id")
@store_option
@json_option
def deactivate(job_id: str, store: str, as_json: bool) -> None:
    """Stop a job from running (it stays listed with --all)."""
    _set_state("deactivate", job_id, store, as_json)


@schedule.command("activate")
@click.argument("job_id")
@store_option
@json_option
def activate(job_id: str, store: str, as_json: bool) -> None:
    """Let a deactivated job run again."""
    _set_state("activate", job_id, store, as_json)


@schedule.command("delete")
@click.argument("job_id")
@yes_option
@store_option
@json_option
def delete(job_id: str, yes: bool, store: str, as_json: bool) -> None:
    """Delete a job (asks first, or --yes); its runs and transfer log are kept."""
    _set_state("delete", job_id, store, as_json, yes)


@schedule.command("log")
@click.option("--job", "job_id", help="Only this job (id, unique id start or name).")
@click.option("--run", "run_id", help="Only this run.")
@click.option("--kind", type=click.Choice(["invoice", "error", "notice", "notification"]),
              help="Only entries of this kind.")
@store_option
@json_option
def log_command(job_id: str | None, run_id: str | None, kind: str | None, store: str,
                as_json: bool) -> None:
    """The transfer log of job runs: invoices (provider id, number, amount) and errors."""

    with reported(as_json):
        scheduler = scheduler_for(existing_store(store))
        if job_id is not None:
            job_id = resolve_job(scheduler, job_id, include_deleted=True)
        entries = scheduler.jobs.log(job_id=job_id, run_id=run_id, kind=kind)
    if as_json:
        output.emit_json(log_json(entries))
    else:
        show_log(output.console, entries)


@schedule.command("runs")
@click.option("--job", "job_id", help="Only this job's runs (id, unique id start or name).")
@click.option("--limit", default=50, show_default=True, help="Newest runs to show.")
@store_option
@json_option
def runs_command(job_id: str | None, limit: int, store: str, as_json: bool) -> None:
    """The newest runs with their state and summary."""

    with reported(as_json):
        scheduler = scheduler_for(existing_store(store))
        if job_id is not None:
            job_id = resolve_job(scheduler, job_id, include_deleted=True)
        runs = scheduler.jobs.runs(job_id=job_id, limit=limit)
    if as_json:
        output.emit_json(runs_json(runs))
    else:
        show_runs(output.console, runs)
