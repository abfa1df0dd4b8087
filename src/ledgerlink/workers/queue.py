"""Internal: the worker pool's jobs as procrastinate tasks on the journal's PostgreSQL.

Why procrastinate: an established PostgreSQL task queue, so the jobs live in the
database the journal already needs (no broker to run), and it has what a pool
of nightly runs needs: ``lock`` (one job at a time per lock: ``lock=<book>``
keeps one runner per book whichever worker takes it), ``queueing_lock`` (a
company waits in the queue once, however often it is queued), periodic tasks
deferred once per tick across every worker, and heartbeats by which a dead
worker's jobs are found and retried.

Tasks:

* ``invoice_book(company)``: the company's nightly run (:func:`.books.invoice_company`).
* ``run_jobs(company)``: its scheduled jobs that are due (the 22:00 jobs).
* periodic ``nightly``: every hour, queues ``invoice_book`` for each company whose
  local clock reads :data:`NIGHTLY_HOUR`; periodic ``scheduled``: queues
  ``run_jobs`` for every company with projects; periodic ``retry_stalled``:
  puts the jobs of workers whose heartbeat stopped back in the queue. A job
  taken again resumes the dead run: the runner recovers its intents, so every
  order is still invoiced once.
* periodic ``clean_jobs``: procrastinate keeps every finished job and its
  events for good, and a pool makes thousands a night (``retry_stalled`` alone
  17,280 a day); this removes, with procrastinate's builtin ``remove_old_jobs``,
  those finished longer ago than :attr:`Settings.keep_jobs`. Failed jobs stay
  for a person to see unless :attr:`Settings.keep_failed` is set.

This module imports procrastinate: import it only where the ``workers`` extra
is installed (:func:`ledgerlink.workers.pool.load` says so otherwise).
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs
import procrastinate
import sqlalchemy as sa
from procrastinate import builtin_tasks
from procrastinate.exceptions import AlreadyEnqueued

from ledgerlink.errors import BookBusyError, RateLimitTimeout, TransientProviderError
from ledgerlink.store import Store
from ledgerlink.store import companies as registry
from ledgerlink.store.companies import CompanyRecord
from ledgerlink.workers import books

__all__ = [
    "KEEP_JOBS",
    "NIGHTLY_HOUR",
    "QUEUE",
    "Settings",
    "apply_schema",
    "enqueue_all",
    "enqueue_company",
    "make_app",
    "settings",
]

log = logging.getLogger(__name__)

#: The queue every ledgerlink job goes to.
QUEUE = "ledgerlink"
#: The hour of each company's own clock at which its nightly run is queued.
NIGHTLY_HOUR = 2
#: Advisory lock key serialising the queue's schema creation ("llqueue!" as bytes).
SCHEMA_LOCK = int.from_bytes(b"llqueue!", "big") & 0x7FFF_FFFF_FFFF_FFFF
#: Failures a job is taken again for, later: the book held outside the queue,
#: a provider's passing trouble. Others (bad input) wait for a person.
RETRIED = (BookBusyError, TransientProviderError, RateLimitTimeout)
#: Priority of the periodic housekeeping jobs (the companies' jobs have 0): a worker
#: takes them before any waiting company, so a dead worker's job is queued again
#: within seconds, not once the queue ahead of it has drained.
HOUSEKEEPING_PRIORITY = 10
#: How long finished jobs (and their events) stay in procrastinate's tables by default.
KEEP_JOBS = timedelta(days=7)


@attrs.define
class Settings:
    """What this worker process's tasks run against (set when the worker starts).

    Attributes:
        store: the journal store (its URL is the queue's database too).
        nightly_hour: the local hour of each company's nightly run.
        stalled_after: seconds without a heartbeat after which a worker is dead.
        keep_jobs: how long a job that succeeded (or was cancelled or aborted) is
            kept after it finished.
        keep_failed: how long a failed job is kept; None: until a person removes
            it. Never shorter than ``keep_jobs`` (procrastinate removes failed
            jobs together with the finished ones).
    """

    store: Store | None = None
    nightly_hour: int = NIGHTLY_HOUR
    stalled_after: float = 30.0
    keep_jobs: timedelta = KEEP_JOBS
    keep_failed: timedelta | None = None

    def keep(self, jobs: timedelta, failed: timedelta | None) -> None:
        """Set the retention of finished and failed jobs, refusing a negative one or
        failed jobs kept shorter than finished ones."""
        if jobs < timedelta(0) or (failed is not None and failed < jobs):
            raise ValueError("finished jobs are kept 0 days or more, and failed jobs at "
                             "least as long as finished ones")
        self.keep_jobs, self.keep_failed = jobs, failed

    def opened(self) -> Store:
        if self.store is None:
            raise RuntimeError("the worker's store is not set (ledgerlink.workers.pool.run)")
        return self.store


settings = Settings()


def libpq_url(store_url: str) -> str:
    """The store's SQLAlchemy URL as the libpq one procrastinate's psycopg pool takes."""
    url = sa.make_url(store_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError("the worker pool needs a PostgreSQL store (postgresql://...)")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def make_app(store_url: str) -> procrastinate.App:
    """A procrastinate App on the store's PostgreSQL database with ledgerlink's tasks."""
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=libpq_url(store_url)))
    app.add_tasks_from(_blueprint(), namespace="ledgerlink")
    return app


def _blueprint() -> procrastinate.Blueprint:
    """The tasks, on a blueprint of their own (an App takes its blueprint's tasks over)."""
    blueprint = procrastinate.Blueprint()
    retry = procrastinate.RetryStrategy(max_attempts=5, exponential_wait=5,
                                        retry_exceptions=set(RETRIED))
    blueprint.task(name="invoice_book", queue=QUEUE, retry=retry)(invoice_book)
    blueprint.task(name="run_jobs", queue=QUEUE, retry=retry)(run_jobs)
    # clean_jobs every five minutes: a worker that starts defers the last tick (one
    # within procrastinate's 10-minute catch-up), and each run removes at most five
    # minutes' worth of jobs.
    for cron, name, func in (("0 * * * *", "nightly", nightly),
                             ("*/5 * * * *", "scheduled", scheduled),
                             ("* * * * * */5", "retry_stalled", retry_stalled),
                             ("*/5 * * * *", "clean_jobs", clean_jobs)):
        task = blueprint.task(name=name, queue=QUEUE, queueing_lock=name,
                              priority=HOUSEKEEPING_PRIORITY, pass_context=True)(func)
        blueprint.periodic(cron=cron, periodic_id=name)(task)
    return blueprint


def apply_schema(store: Store) -> bool:
    """Create procrastinate's tables in the store's database unless they exist; True if
    created. Workers starting together wait on an advisory lock: one creates them."""
    schema = procrastinate.App(
        connector=procrastinate.PsycopgConnector()).schema_manager.get_schema()
    with store.engine.begin() as conn:
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(SCHEMA_LOCK)))
        present = conn.execute(sa.text("SELECT to_regclass('procrastinate_jobs')")).scalar()
        if present is not None:
            return False
        conn.exec_driver_sql(schema.replace("%", "%%"))
    return True


def invoice_book(company: str) -> dict[str, int]:
    """The company's nightly run; its summary counts are the job's result."""
    result = books.invoice_company(settings.opened(), company)
    return dict(result.summary)


def run_jobs(company: str) -> int:
    """The company's scheduled jobs that are due; how many ran."""
    return len(books.run_due_jobs(settings.opened(), company))


def _defer(task: procrastinate.tasks.Task, record: CompanyRecord, kind: str) -> bool:  # type: ignore[type-arg]
    """Queue ``task`` for ``record`` under its book's lock; False when already waiting."""
    try:
        task.configure(lock=f"book:{record.book}",
                       queueing_lock=f"{kind}:{record.name}").defer(company=record.name)
    except AlreadyEnqueued:
        return False
    return True


def enqueue_company(app: procrastinate.App, record: CompanyRecord) -> bool:
    """Queue the company's nightly run now; False when it is already waiting."""
    return _defer(app.tasks["ledgerlink:invoice_book"], record, "invoice")


def enqueue_all(app: procrastinate.App, store: Store) -> dict[str, bool]:
    """Queue every registered company's nightly run now: name → queued (False: waiting)."""
    return {record.name: enqueue_company(app, record)
            for record in registry.listing(store.engine)}


def nightly_due(records: list[CompanyRecord], moment: datetime, hour: int) -> list[CompanyRecord]:
    """The companies whose ``hour``:00 local time fell in the hour up to ``moment``.

    Once a local day each, daylight saving time included: on the night clocks skip
    that hour (Europe's 02:00 in spring) the run comes at the instant they jump,
    and on the night they repeat it, at the first one.
    """
    return [r for r in records if _nightly_passed(ZoneInfo(r.time_zone), moment, hour)]


def _nightly_passed(zone: ZoneInfo, moment: datetime, hour: int) -> bool:
    local_day = moment.astimezone(zone).date()
    for day in (local_day, local_day - timedelta(days=1)):
        # A wall time the clocks skip resolves (fold=0) to the instant they jump.
        target = datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)
        if moment - timedelta(hours=1) < target <= moment:
            return True
    return False


def nightly(context: procrastinate.JobContext, timestamp: int) -> int:
    """Queue the nightly run of each company whose local hour is the nightly hour."""
    store = settings.opened()
    moment = datetime.fromtimestamp(timestamp, UTC)
    due = nightly_due(registry.listing(store.engine), moment, settings.nightly_hour)
    task = context.app.tasks["ledgerlink:invoice_book"]
    return sum(_defer(task, record, "invoice") for record in due)


def scheduled(context: procrastinate.JobContext, timestamp: int) -> int:
    """Queue the due scheduled jobs of every company that has projects."""
    store = settings.opened()
    task = context.app.tasks["ledgerlink:run_jobs"]
    return sum(_defer(task, record, "jobs") for record in registry.listing(store.engine)
               if record.projects is not None)


async def retry_stalled(context: procrastinate.JobContext, timestamp: int) -> int:
    """Put the jobs of workers whose heartbeat stopped back in the queue; how many."""
    manager = context.app.job_manager
    stalled = await manager.get_stalled_jobs(seconds_since_heartbeat=settings.stalled_after)
    count = 0
    for job in stalled:
        if job.id == context.job.id:
            continue
        log.warning("job %s (%s) of a dead worker is queued again", job.id, job.task_name)
        await manager.retry_job(job)
        count += 1
    return count


def _hours(span: timedelta) -> int:
    """``span`` in the whole hours procrastinate counts in, rounded up (never removes early)."""
    return math.ceil(span / timedelta(hours=1))


async def clean_jobs(context: procrastinate.JobContext, timestamp: int) -> None:
    """Remove this queue's jobs finished longer ago than the worker's retention (their
    events go with them), by procrastinate's builtin ``remove_old_jobs``."""
    await builtin_tasks.remove_old_jobs(context, max_hours=_hours(settings.keep_jobs),
                                        queue=QUEUE, remove_cancelled=True,
                                        remove_aborted=True)
    if settings.keep_failed is not None:
        await builtin_tasks.remove_old_jobs(context, max_hours=_hours(settings.keep_failed),
                                            queue=QUEUE, remove_failed=True)
