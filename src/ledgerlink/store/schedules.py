"""Internal: scheduled jobs' rows in the journal store: jobs, versions, runs, log, item claims.

Built on an open :class:`~ledgerlink.store.Store` (which migrates the schema):
the same file (or PostgreSQL database) holds the journal and the schedules,
so a run's claims can be judged against the work the journal invoiced. The
store keeps rows: a job is a :class:`JobRow` whose definition is JSON text
that :mod:`ledgerlink.scheduling` encodes and decodes (its
:class:`~ledgerlink.scheduling.jobstore.JobStore` adds the job objects).

Every write is one transaction. Run slots and item claims are taken with a
UNIQUE key and conditional UPDATEs, so any number of schedulers (threads or
processes) can race for the same run day: exactly one wins it.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledgerlink.errors import ConflictError, NotFoundError, StoreError, ValidationError
from ledgerlink.store import item_claims
from ledgerlink.store import schema as t
from ledgerlink.store.schedule_records import (
    FINAL_STATES,
    TRIGGERS,
    ItemClaim,
    JobRow,
    ScheduleLogEntry,
    ScheduleRun,
    stamp,
)
from ledgerlink.store.store import Store

__all__ = ["PROVIDER", "ItemClaim", "JobRow", "ScheduleLogEntry", "ScheduleRun", "ScheduleStore"]

#: NotFoundError and ConflictError name who refused; here it is the store itself.
PROVIDER = "ledgerlink"
#: Transactions retried when another writer got in between (PostgreSQL; SQLite
#: serialises writers with BEGIN IMMEDIATE).
_ATTEMPTS = 3

_jobs = t.schedule_jobs
_versions = t.schedule_job_versions
_runs = t.schedule_runs
_log = t.schedule_log


class ScheduleStore:
    """Scheduled jobs' rows, their edit history, runs, log and billed-item claims.

    Args:
        store: an open journal store; its engine is used, its schema already migrated.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._engine = store.engine
        # An in-memory SQLite store shares one connection between threads.
        self._lock = threading.Lock()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._lock, self._engine.begin() as conn:
            yield conn

    # --- jobs ---------------------------------------------------------------------------

    def write_job(self, job_id: str | None, build: Callable[[JobRow | None], JobRow], *,
                  now: datetime) -> JobRow:
        """Create or change one job row, judged and written in one transaction.

        ``build`` gets the stored row of ``job_id`` (None when there is none, or
        no id was given) and returns the row to store: version 1 for a new job,
        one more than the stored version for an edit, or the stored row itself
        for no change (nothing is written). It may raise to refuse the write.
        Every version is kept. A name another live job of the company holds is a
        ValidationError; a row changed meanwhile, a ConflictError.
        """
        at = stamp(now)
        for _ in range(_ATTEMPTS):
            try:
                with self._write() as conn:
                    current = None
                    if job_id:
                        found = conn.execute(sa.select(_jobs).where(_jobs.c.id == job_id)).first()
                        current = None if found is None else JobRow.from_row(found)
                    row = build(current)
                    if row != current:
                        self._store(conn, current, row, at)
                    return row
            except sa.exc.IntegrityError:
                continue  # another writer took the id or the name meanwhile: judge again
        raise StoreError(f"could not save job {job_id!r}: other writers kept changing it")

    def _store(self, conn: Connection, current: JobRow | None, row: JobRow, at: str) -> None:
        self._check_name(conn, row)
        values = dict(company=row.company, name=row.name, active=row.active,
                      version=row.version, definition=row.definition, updated_at=at)
        if current is None:
            conn.execute(sa.insert(_jobs).values(id=row.id, created_at=at,
                                                 created_by=row.created_by, deleted_at=None,
                                                 **values))
        else:
            result = conn.execute(sa.update(_jobs).where(
                _jobs.c.id == row.id, _jobs.c.version == current.version,
                _jobs.c.deleted_at.is_(None),
            ).values(**values))
            if result.rowcount != 1:
                raise ConflictError(f"scheduled job {row.id!r} was changed meanwhile",
                                    provider=PROVIDER)
        conn.execute(sa.insert(_versions).values(job_id=row.id, version=row.version,
                                                 definition=row.definition, saved_at=at))

    @staticmethod
    def _check_name(conn: Connection, row: JobRow) -> None:
        clash = conn.execute(sa.select(_jobs.c.id).where(
            _jobs.c.company == row.company, _jobs.c.name == row.name,
            _jobs.c.deleted_at.is_(None), _jobs.c.id != row.id)).first()
        if clash is not None:
            raise ValidationError(f"company {row.company!r} already has a job named "
                                  f"{row.name!r}", field="name", value=row.name)

    def job_row(self, job_id: str, *, include_deleted: bool = False) -> JobRow:
        """The job's current row (NotFoundError when unknown or deleted)."""
        query = sa.select(_jobs).where(_jobs.c.id == job_id)
        if not include_deleted:
            query = query.where(_jobs.c.deleted_at.is_(None))
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFoundError(f"no scheduled job {job_id!r}", provider=PROVIDER)
        return JobRow.from_row(row)

    def job_definitions(self, *, company: str | None = None, active_only: bool = False,
                        include_deleted: bool = False) -> list[str]:
        """The jobs' definitions, by company then name (one query)."""
        query = sa.select(_jobs.c.definition).order_by(_jobs.c.company, _jobs.c.name,
                                                       _jobs.c.id)
        if company is not None:
            query = query.where(_jobs.c.company == company)
        if active_only:
            query = query.where(_jobs.c.active.is_(True))
        if not include_deleted:
            query = query.where(_jobs.c.deleted_at.is_(None))
        with self._engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def version_definitions(self, job_id: str) -> list[str]:
        """Every saved version's definition, oldest first (deleted jobs included)."""
        with self._engine.connect() as conn:
            definitions = list(conn.execute(
                sa.select(_versions.c.definition).where(_versions.c.job_id == job_id)
                .order_by(_versions.c.version)).scalars())
        if not definitions:
            raise NotFoundError(f"no scheduled job {job_id!r}", provider=PROVIDER)
        return definitions

    def delete(self, job_id: str, *, now: datetime) -> None:
        """Delete the job: no longer listed or due; its versions, runs and log stay."""
        at = stamp(now)
        with self._write() as conn:
            result = conn.execute(sa.update(_jobs).where(
                _jobs.c.id == job_id, _jobs.c.deleted_at.is_(None),
            ).values(deleted_at=at, updated_at=at))
        if result.rowcount != 1:
            raise NotFoundError(f"no scheduled job {job_id!r}", provider=PROVIDER)

    # --- runs ---------------------------------------------------------------------------

    def last_days(self) -> dict[str, date]:
        """Per job, the latest run day of its due runs (running, done or failed).

        Aborted runs do not count: their day is due again, so the next
        ``run_due`` retakes the slot (or a later one, when its day came since).
        """
        query = (sa.select(_runs.c.job_id, sa.func.max(_runs.c.scheduled_for))
                 .where(_runs.c.trigger == "due", _runs.c.state != "aborted")
                 .group_by(_runs.c.job_id))
        with self._engine.connect() as conn:
            return {job_id: date.fromisoformat(day) for job_id, day in conn.execute(query)}

    def claim_run(self, job_id: str, day: date, *, trigger: str, job_version: int,
                  worker: str, now: datetime, lease: timedelta,
                  slot: str | None = None) -> ScheduleRun | None:
        """Take the job's run for ``day`` (``due``) or a new manual run; None if not ours.

        None when the slot is done, failed, or running under a lease that has
        not run out. A running slot whose lease ran out (its worker died) is
        taken over: the same run_id comes back with ``resumed=True``. An aborted
        slot (it stopped before writing anything) is taken again under the same
        run_id, claimed now, its error and summary cleared. A manual
        run without ``day`` runs for ``now``'s day in the job's time zone.
        ``slot`` names the slot to take instead (to resume a manual run from
        :meth:`stale_runs`). A deleted job's runs can still be resumed.
        """
        if trigger not in TRIGGERS:
            raise ValidationError(f"must be one of: {', '.join(TRIGGERS)}", field="trigger",
                                  value=trigger)
        if not isinstance(day, date):
            raise ValidationError("a run needs its run day", field="day", value=day)
        at, until = stamp(now), stamp(now + lease, field="lease")
        self.job_row(job_id, include_deleted=True)  # an unknown job has no runs
        run_id = uuid.uuid4().hex
        row = dict(run_id=run_id, job_id=job_id, scheduled_for=day.isoformat(),
                   trigger=trigger, job_version=job_version, state="running", worker=worker,
                   claimed_at=at, lease_until=until, finished_at=None, summary="{}", error="",
                   slot=slot or (day.isoformat() if trigger == "due"
                                 else f"manual-{run_id}"))
        for _ in range(_ATTEMPTS):
            try:
                with self._write() as conn:
                    return self._claim(conn, row, at)
            except sa.exc.IntegrityError:
                continue  # another worker inserted the slot first: look at it again
        return None

    @staticmethod
    def _claim(conn: Connection, row: dict[str, Any], at: str) -> ScheduleRun | None:
        held = conn.execute(sa.select(_runs).where(
            _runs.c.job_id == row["job_id"], _runs.c.slot == row["slot"])).first()
        if held is None:
            conn.execute(sa.insert(_runs).values(**row))
            return ScheduleRun.from_row(SimpleNamespace(**row))
        if held.state == "aborted":
            return ScheduleStore._retry(conn, held, row)
        if held.state != "running" or held.lease_until > at:
            return None
        # Conditional on the lease read above: of two workers resuming it, one matches.
        taken = conn.execute(sa.update(_runs).where(
            _runs.c.run_id == held.run_id, _runs.c.state == "running",
            _runs.c.lease_until == held.lease_until,
        ).values(worker=row["worker"], lease_until=row["lease_until"],
                 job_version=row["job_version"]))
        if taken.rowcount != 1:
            return None
        resumed = conn.execute(sa.select(_runs).where(_runs.c.run_id == held.run_id)).one()
        return ScheduleRun.from_row(resumed, resumed=True)

    @staticmethod
    def _retry(conn: Connection, held: Any, row: dict[str, Any]) -> ScheduleRun | None:
        # Conditional on the state read above: of two workers retrying it, one matches.
        # Nothing was written by the aborted attempt, so this is a fresh start of
        # the same slot; the run_id stays, keeping the attempt's log with the run.
        taken = conn.execute(sa.update(_runs).where(
            _runs.c.run_id == held.run_id, _runs.c.state == "aborted",
        ).values(state="running", worker=row["worker"], claimed_at=row["claimed_at"],
                 lease_until=row["lease_until"], job_version=row["job_version"],
                 finished_at=None, summary="{}", error=""))
        if taken.rowcount != 1:
            return None
        return ScheduleRun.from_row(
            conn.execute(sa.select(_runs).where(_runs.c.run_id == held.run_id)).one())

    def stale_runs(self, *, now: datetime) -> list[ScheduleRun]:
        """Runs left ``running`` whose lease ran out by ``now`` (a dead worker's), oldest first."""
        at = stamp(now)
        query = (sa.select(_runs).where(_runs.c.state == "running", _runs.c.lease_until <= at)
                 .order_by(_runs.c.claimed_at, _runs.c.run_id))
        with self._engine.connect() as conn:
            return [ScheduleRun.from_row(r) for r in conn.execute(query)]

    def renew_lease(self, run_id: str, *, worker: str, now: datetime,
                    lease: timedelta) -> bool:
        """Extend a running run's lease to ``now + lease``; False if ``worker`` lost it."""
        until = stamp(now + lease, field="lease")
        with self._write() as conn:
            result = conn.execute(sa.update(_runs).where(
                _runs.c.run_id == run_id, _runs.c.state == "running", _runs.c.worker == worker,
            ).values(lease_until=until))
        return bool(result.rowcount == 1)

    def finish_run(self, run_id: str, state: str, *, summary: Mapping[str, int],
                   error: str = "", now: datetime, worker: str | None = None) -> ScheduleRun:
        """End a run as ``done``, ``failed`` or ``aborted`` with its summary counts (and
        error text). ``aborted`` says nothing was written: the slot stays open.

        With ``worker``, only while that worker still holds the run (ConflictError
        when another took it over after its lease ran out).
        """
        if state not in FINAL_STATES:
            raise ValidationError(f"must be one of: {', '.join(FINAL_STATES)}", field="state",
                                  value=state)
        at = stamp(now)
        conditions = [_runs.c.run_id == run_id]
        if worker is not None:
            conditions += [_runs.c.worker == worker, _runs.c.state == "running"]
        with self._write() as conn:
            result = conn.execute(sa.update(_runs).where(*conditions).values(
                state=state, finished_at=at, error=error,
                summary=json.dumps(dict(summary), sort_keys=True)))
        if result.rowcount != 1:
            if worker is not None and self._exists(run_id):
                raise ConflictError(f"run {run_id!r} is no longer held by {worker!r}",
                                    provider=PROVIDER)
            raise NotFoundError(f"no schedule run {run_id!r}", provider=PROVIDER)
        return self.run(run_id)

    def _exists(self, run_id: str) -> bool:
        with self._engine.connect() as conn:
            return conn.execute(sa.select(_runs.c.run_id).where(
                _runs.c.run_id == run_id)).first() is not None

    def runs(self, *, job_id: str | None = None, limit: int = 50) -> list[ScheduleRun]:
        """The newest runs (of ``job_id`` when given), newest first."""
        query = sa.select(_runs).order_by(_runs.c.claimed_at.desc(), _runs.c.run_id.desc())
        if job_id is not None:
            query = query.where(_runs.c.job_id == job_id)
        with self._engine.connect() as conn:
            return [ScheduleRun.from_row(r) for r in conn.execute(query.limit(limit))]

    def run(self, run_id: str) -> ScheduleRun:
        """One run (NotFoundError when unknown)."""
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(_runs).where(_runs.c.run_id == run_id)).first()
        if row is None:
            raise NotFoundError(f"no schedule run {run_id!r}", provider=PROVIDER)
        return ScheduleRun.from_row(row)

    # --- the schedule log ---------------------------------------------------------------

    def add_log(self, entries: Sequence[ScheduleLogEntry | Mapping[str, Any]]) -> None:
        """Append log lines in one transaction (their ``id`` is assigned by the store).

        Each line is a ScheduleLogEntry or a mapping of its fields (checked the same way).
        """
        rows = [(e if isinstance(e, ScheduleLogEntry) else ScheduleLogEntry(**e)).to_row()
                for e in entries]
        if rows:
            with self._write() as conn:
                conn.execute(sa.insert(_log), rows)

    def log(self, *, job_id: str | None = None, run_id: str | None = None,
            kind: str | None = None) -> list[ScheduleLogEntry]:
        """Log lines, oldest first, filtered by job, run and kind when given."""
        query = sa.select(_log).order_by(_log.c.id)
        if job_id is not None:
            query = query.where(_log.c.job_id == job_id)
        if run_id is not None:
            query = query.where(_log.c.run_id == run_id)
        if kind is not None:
            query = query.where(_log.c.kind == kind)
        with self._engine.connect() as conn:
            return [ScheduleLogEntry.from_row(r) for r in conn.execute(query)]

    # --- billed items -------------------------------------------------------------------

    def claim_items(self, book: str, claims: Mapping[str, str], *, job_id: str, run_id: str,
                    now: datetime) -> dict[str, ItemClaim]:
        """Claim items (item id → work order id) for a run, in one transaction.

        Unclaimed items and items whose claim is dead (see
        :mod:`ledgerlink.store.item_claims`) become this run's; items this run
        already holds stay its own. Returns the items *not* claimed, each with
        the live claim that holds it, for the caller to leave out.
        """
        at = stamp(now)
        for _ in range(_ATTEMPTS):
            try:
                with self._write() as conn:
                    return item_claims.claim(conn, book, claims, job_id=job_id,
                                             run_id=run_id, now=at)
            except (sa.exc.IntegrityError, item_claims.Raced):
                continue  # another run claimed some of the items meanwhile: judge again
        raise StoreError(f"could not claim items for run {run_id!r}: other runs kept "
                         "claiming the same items")

    def billed(self, book: str, item_ids: Iterable[str], *, except_run: str | None = None,
               now: datetime | None = None) -> set[str]:
        """The ``item_ids`` of ``book`` whose claim is live (invoiced, or being invoiced).

        Claims of ``except_run`` are left out (a resumed run re-selects its own
        items; the journal keeps it from invoicing them twice). Leases are
        judged at ``now`` (default: the current time).
        """
        at = stamp(now if now is not None else datetime.now(UTC))
        with self._engine.connect() as conn:
            return item_claims.live_items(conn, book, item_ids, at, except_run=except_run)
