"""Internal: running scheduled jobs: run now, run what is due, exactly once.

A run is one *slot* of one job: the scheduled day for a due run, or a fresh
``manual-<run id>`` slot for "run now". The store hands a slot to one worker
at a time (a unique row with a lease), so a second ``run_due`` call, or a
second process, finds the slot taken and does nothing. A worker that dies
mid-run leaves its lease to expire; the next ``run_due`` takes the slot over
under the same run id, which reproduces the same work-order ids, and the
exactly-once runner finishes what the dead one started.

A run that stops before it writes anything to the accounting system (its
files do not load, its creator may not invoice, its items cannot be selected)
ends ``aborted``: it used nothing up, so its slot stays open and the next
``run_due`` takes it again, by then perhaps with the files fixed. Once
invoicing has started a run ends ``done`` or ``failed`` and keeps its slot;
only a dead worker's run is taken again, and then it is resumed, never started
over.

Items are billed once across jobs and runs: before invoicing, a run claims its
items in the store, each for the work order that bills it. A claim stays live
while its work order is in the journal (or its run still holds its lease); a
claim whose invoice failed for good, or whose draft was deleted in the
accounting system, dies with it, and the item is billable again.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs

from ledgerlink.api import invoice
from ledgerlink.connector import Connector
from ledgerlink.domain import Company, Customer
from ledgerlink.errors import BookBusyError, ConflictError, LedgerlinkError, ValidationError
from ledgerlink.runner import RunResult
from ledgerlink.scheduling import calendar
from ledgerlink.scheduling.access import Authorizer, job_company, job_customers, refusals
from ledgerlink.scheduling.jobstore import JobStore
from ledgerlink.scheduling.lease import LeaseKeeper, LeaseLost
from ledgerlink.scheduling.model import Project, ScheduledJob
from ledgerlink.scheduling.notify import Notifier
from ledgerlink.scheduling.notify_hook import deliver
from ledgerlink.scheduling.reporting import log_entries, notification_entry, report_for
from ledgerlink.scheduling.selection import JobPreview, matches, preview
from ledgerlink.store import Store
from ledgerlink.store.schedules import ScheduleRun
from ledgerlink.tabular import fields_html

if TYPE_CHECKING:
    from ledgerlink.delivery import DeliveryChannels

__all__ = ["DEFAULT_LEASE", "JobListing", "JobRun", "Scheduler", "Workspace"]

log = logging.getLogger(__name__)

#: How long a worker may hold a run before another may take it over.
DEFAULT_LEASE = timedelta(minutes=30)
#: Item claims lost to a concurrent job are dropped and the preview redone this
#: often at most; each round can only shrink the set, so a few always suffice.
_CLAIM_ROUNDS = 4


@attrs.frozen
class Workspace:
    """What a company's jobs run against: its policy, projects, customers and book, and
    the channels its invoices are delivered by (None: none set up)."""

    company: Company
    projects: Sequence[Project]
    customers: Sequence[Customer]
    connector: Connector
    delivery: DeliveryChannels | None = None


#: Company key (``ScheduledJob.company``) → its workspace.
WorkspaceResolver = Callable[[str], Workspace]
#: Told ``(done, total)`` after each journal commit of a job's run, as ``ledgerlink.run``'s
#: ``progress``; ``run_due`` counts each job's run from zero.
Progress = Callable[[int, int], None]


@attrs.frozen
class JobListing:
    """A job and when it next runs (None for inactive jobs)."""

    job: ScheduledJob
    next_run: datetime | None


@attrs.frozen
class JobRun:
    """The outcome of one run of one job.

    Attributes:
        run: the run's row (id, slot, state, summary, error).
        preview: what was selected, when the run got that far.
        result: the exactly-once runner's result, when invoices were attempted.
        notified: how the notification went: ``plugin``, ``smtp``, ``none`` or
            ``failed: <reason>``.
        error: the error that stopped the run, when one did (a ValidationError
            for bad input).
    """

    run: ScheduleRun
    preview: JobPreview | None = None
    result: RunResult | None = None
    notified: str = "none"
    error: LedgerlinkError | None = None

    def __repr__(self) -> str:
        invoices = "" if self.preview is None else f", {len(self.preview.invoices)} invoices"
        return (f"<JobRun {self.run.job_id} {self.run.slot}: {self.run.state}{invoices}, "
                f"notified {self.notified}>")

    def _repr_html_(self) -> str:
        html = fields_html(self.run, f"Run of job {self.run.job_id}")
        for part in (self.preview, self.result):
            if part is not None:
                html += part._repr_html_()
        return html


def default_worker() -> str:
    """``host:pid``: names the process holding a run's lease."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Scheduler:
    """Create, preview, list and run scheduled invoicing jobs.

    Args:
        store: the journal store (jobs, runs and logs live next to the journal).
        workspaces: company key → :class:`Workspace` (projects, customers, book).
        notifier: delivers run reports when no plugin does (e.g. SmtpNotifier).
        authorize: an app's check of who may invoice (see :mod:`.access`).
        plugin_manager: the pluggy manager asked for authorisation and delivery;
            default: the installed plugins.
        worker: names this process in run leases.
        lease: how long a run may take before another worker may resume it.
    """

    def __init__(
        self,
        store: Store,
        workspaces: WorkspaceResolver,
        *,
        notifier: Notifier | None = None,
        authorize: Authorizer | None = None,
        plugin_manager: Any | None = None,
        worker: str | None = None,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        if plugin_manager is None:
            from ledgerlink.plugins import get_plugin_manager

            plugin_manager = get_plugin_manager().pm
        self.store = store
        self.jobs = JobStore(store)
        self.workspaces = workspaces
        self.notifier = notifier
        self.authorize = authorize
        self.plugin_manager = plugin_manager
        self.worker = worker or default_worker()
        self.lease = lease

    # --- jobs ------------------------------------------------------------------------

    def save(self, job: ScheduledJob, *, now: datetime | None = None) -> ScheduledJob:
        """Create (empty id) or edit (the stored version) a job; returns it as stored."""
        return self.jobs.save(job, now=_now(now))

    def edit(self, job_id: str, *, now: datetime | None = None, **changes: Any) -> ScheduledJob:
        """Change some fields of the stored job (validated as a whole)."""
        return self.save(attrs.evolve(self.jobs.get(job_id), **changes), now=now)

    def listing(self, *, company: str | None = None,
                now: datetime | None = None) -> list[JobListing]:
        """Every job (not deleted) with its next run time."""
        jobs = self.jobs.jobs(company=company)
        upcoming = calendar.next_runs([j for j in jobs if j.active], _now(now))
        return [JobListing(j, upcoming.get(j.id)) for j in jobs]

    def deactivate(self, job_id: str, *, now: datetime | None = None) -> None:
        self.jobs.set_active(job_id, False, now=_now(now))

    def activate(self, job_id: str, *, now: datetime | None = None) -> None:
        self.jobs.set_active(job_id, True, now=_now(now))

    def delete(self, job_id: str, *, now: datetime | None = None) -> None:
        """Delete a job; its runs and transfer log stay queryable."""
        self.jobs.delete(job_id, now=_now(now))

    # --- previews --------------------------------------------------------------------

    def preview(self, job: ScheduledJob | str, *, now: datetime | None = None,
                run_day: date | None = None) -> JobPreview:
        """What the job's next run (or a run on ``run_day``) would invoice; nothing is written.

        ``job`` may be an unsaved job, so a job can be previewed before it is saved.
        """
        if isinstance(job, str):
            job = self.jobs.get(job)
        moment = _now(now)
        if run_day is None:
            run_day = calendar.next_run(job, moment).astimezone(ZoneInfo(job.time_zone)).date()
        return self._select(job, self.workspaces(job.company), run_day, "preview", moment,
                            run_id=None)

    def _select(self, job: ScheduledJob, ws: Workspace, run_day: date, slot: str,
                moment: datetime, *, run_id: str | None,
                also_billed: frozenset[str] = frozenset()) -> JobPreview:
        _unique_item_ids(ws.projects)
        # Only the matched projects' items can be billed or count toward a limit.
        matched = [p for p in ws.projects if matches(job.filters, p)]
        ids = [item.id for p in matched for item in p.items]
        billed = self.jobs.billed(ws.connector.account, ids, except_run=run_id) | also_billed
        return preview(
            job, matched, {c.id: c for c in ws.customers},
            run_day=run_day,
            cutoff=calendar.resolve(job.include_up_to, run_day),
            invoice_date=calendar.resolve(job.invoice_date, run_day),
            registration_date=calendar.resolve(job.registration_date, run_day),
            billed=billed, slot=slot, completed_at=moment,
        )

    # --- runs ------------------------------------------------------------------------

    def run_now(self, job_id: str, *, now: datetime | None = None,
                progress: Progress | None = None) -> JobRun:
        """Run a job at once, whatever its calendar (inactive jobs too: a person asked).

        ``progress(done, total)`` follows the run (see :data:`Progress`).
        """
        moment = _now(now)
        job = self.jobs.get(job_id)
        day = moment.astimezone(ZoneInfo(job.time_zone)).date()
        claim = self.jobs.claim_run(job.id, None, trigger="manual", job_version=job.version,
                                    worker=self.worker, now=moment, lease=self.lease)
        if claim is None:  # a fresh manual slot is never taken; the store says otherwise
            raise LedgerlinkError(f"job {job.id}: could not start a manual run")
        return self._run(job, claim, day, moment, progress)

    def run_due(self, *, now: datetime | None = None, company: str | None = None,
                progress: Progress | None = None) -> list[JobRun]:
        """Run every job whose time has come, once per job and scheduled day.

        A job that missed several days runs once, for the latest. Runs a dead
        worker left (their lease expired) are resumed first. ``company`` limits
        this call to one company's jobs (a worker that holds only its data).
        """
        moment = _now(now)
        done: list[JobRun] = []
        for stale in self.jobs.stale_runs(now=moment):
            job = self.jobs.get(stale.job_id, include_deleted=True)
            if company is not None and job.company != company:
                continue
            claim = self.jobs.claim_run(job.id, stale.scheduled_for, trigger=stale.trigger,
                                        job_version=job.version, worker=self.worker,
                                        now=moment, lease=self.lease, slot=stale.slot)
            if claim is not None:
                done.append(self._run(job, claim, stale.scheduled_for, moment, progress))
        jobs = self.jobs.jobs(company=company, active_only=True)
        for job, day in calendar.due_jobs(jobs, moment, self.jobs.last_days()):
            claim = self.jobs.claim_run(job.id, day, trigger="due", job_version=job.version,
                                        worker=self.worker, now=moment, lease=self.lease)
            if claim is not None:
                done.append(self._run(job, claim, day, moment, progress))
        return done

    def _run(self, job: ScheduledJob, claim: ScheduleRun, day: date, moment: datetime,
             progress: Progress | None = None) -> JobRun:
        selected: JobPreview | None = None
        result: RunResult | None = None
        invoicing = False  # until then nothing can have reached the accounting system
        try:
            ws = self.workspaces(job.company)
            reasons = refusals(job.generation.creator, job, ws.company,
                               authorize=self.authorize, plugin_manager=self.plugin_manager)
            if reasons:
                raise LedgerlinkError(f"{job.generation.creator} may not invoice: "
                                      + "; ".join(reasons))
            selected = self._claim_items(job, ws, day, claim, moment)
            # The same steps as ledgerlink.invoice(): recover a crashed run's
            # intents, notice drafts booked or deleted by hand, plan, run.
            keeper = LeaseKeeper(self.jobs, claim.run_id, worker=self.worker,
                                 lease=self.lease, moment=moment)
            invoicing = True

            def step(done: int, total: int) -> None:
                keeper(done, total)
                if progress is not None:
                    progress(done, total)

            result = invoice([inv.work_order for inv in selected.invoices],
                             job_customers(ws.customers), job_company(ws.company, job),
                             ws.connector, now=moment, store=self.store, progress=step,
                             # Another job or a manual run on the same book goes first; a
                             # third of the lease leaves this run's own lease unharmed.
                             wait=self.lease / 3, delivery=ws.delivery)
        except LeaseLost:
            # The run is another worker's now: it finishes, logs and notifies.
            log.warning("scheduled job %s run %s: lease lost; stopping", job.id, claim.run_id)
            return JobRun(self.jobs.run(claim.run_id), selected, None, "none")
        except LedgerlinkError as err:
            # A busy book refused this run before it wrote anything: like bad input,
            # the day stays due and the next run-due runs it.
            if invoicing and not isinstance(err, BookBusyError):
                return self._done(job, claim, selected, None, error=str(err), stopped_by=err)
            again = ("the next run-due runs it again" if claim.trigger == "due"
                     else "run it again when fixed")
            return self._done(job, claim, selected, None, stopped_by=err, aborted=True,
                              error=f"{err}\n(stopped before writing anything; {again})")
        except Exception as err:
            log.exception("scheduled job %s run %s failed", job.id, claim.run_id)
            self._finish(job, claim, selected, None, error=f"internal error: {err!r}")
            raise
        return self._done(job, claim, selected, result)

    def _claim_items(self, job: ScheduledJob, ws: Workspace, day: date, claim: ScheduleRun,
                     moment: datetime) -> JobPreview:
        """Select the items and claim them; items a concurrent run holds are left out."""
        lost: frozenset[str] = frozenset()
        for _ in range(_CLAIM_ROUNDS):
            selected = self._select(job, ws, day, claim.slot, moment, run_id=claim.run_id,
                                    also_billed=lost)
            taken = self.jobs.claim_items(ws.connector.account, selected.item_work_orders(),
                                          job_id=job.id, run_id=claim.run_id, now=moment)
            if not taken:
                return selected
            lost |= frozenset(taken)
        raise LedgerlinkError(f"job {job.id}: its items kept being claimed by other runs")

    def _finish(self, job: ScheduledJob, claim: ScheduleRun, selected: JobPreview | None,
                result: RunResult | None, *, error: str,
                aborted: bool = False) -> ScheduleRun | None:
        """Close the run and write its log; None when another worker holds it by now."""
        entries = log_entries(job, claim, selected, result, error=error)
        summary = dict(result.summary) if result is not None else {}
        failed = bool(error) or summary.get("failed", 0) > 0
        state = "aborted" if aborted else "failed" if failed else "done"
        # A run for a given instant (a test, a catch-up with --now) may claim a
        # moment later than the clock; it cannot finish before it started.
        finished = max(datetime.now(UTC), datetime.fromisoformat(claim.claimed_at))
        try:
            run = self.jobs.finish_run(claim.run_id, state, summary=summary, error=error,
                                       now=finished, worker=self.worker)
        except ConflictError:
            log.warning("scheduled job %s run %s: taken over before it finished here",
                        job.id, claim.run_id)
            return None
        self.jobs.add_log(entries)
        return run

    def _done(self, job: ScheduledJob, claim: ScheduleRun, selected: JobPreview | None,
              result: RunResult | None, *, error: str = "",
              stopped_by: LedgerlinkError | None = None, aborted: bool = False) -> JobRun:
        run = self._finish(job, claim, selected, result, error=error, aborted=aborted)
        if run is None:  # the worker that took it over finishes, logs and notifies
            return JobRun(self.jobs.run(claim.run_id), selected, result, "none", stopped_by)
        return JobRun(run, selected, result, self._notify(job, run, selected, result),
                      stopped_by)

    def _notify(self, job: ScheduledJob, run: ScheduleRun, selected: JobPreview | None,
                result: RunResult | None) -> str:
        if not job.generation.notify:
            return "none"
        report = report_for(job, run, selected, self.jobs.log(run_id=run.run_id))
        route: str
        try:
            route = deliver(job.generation.notify, report, notifier=self.notifier,
                            plugin_manager=self.plugin_manager)
        except LedgerlinkError as err:
            route = f"failed: {err}"
        if route != "none":  # nobody delivered it: "notified ... via none" would mislead
            self.jobs.add_log([notification_entry(job, run, route)])
        return route


def _unique_item_ids(projects: Sequence[Project]) -> None:
    """Refuse one id on two items: the journal bills an id once."""
    ids = [item.id for p in projects for item in p.items]
    if len(set(ids)) == len(ids):
        return
    owners: dict[str, list[str]] = {}
    for project in projects:
        for item in project.items:
            owners.setdefault(item.id, []).append(project.id)
    twice = {item: where for item, where in owners.items() if len(where) > 1}
    raise ValidationError(
        "billable item ids must be unique across the company's projects: "
        + "; ".join(f"{item!r} in {', '.join(where)}" for item, where in sorted(twice.items())),
        field="items[].id", value=next(iter(sorted(twice))))


def _now(now: datetime | None) -> datetime:
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError("must be timezone-aware", field="now", value=moment)
    return moment
