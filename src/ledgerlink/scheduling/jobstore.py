"""Internal: scheduled jobs in the journal store, as :class:`ScheduledJob` objects.

The store keeps rows (:class:`~ledgerlink.store.schedules.ScheduleStore`); this
layer owns the codec: it turns jobs into the JSON definitions the rows hold
and back (:mod:`ledgerlink.scheduling.codec`), and decides what saving a job
means (a new id, its first day, the version an edit must carry). Runs, the
schedule log and item claims are the store's, inherited unchanged.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs

from ledgerlink.errors import ConflictError, NotFoundError, ValidationError
from ledgerlink.scheduling.codec import job_from_stored_json, job_to_json
from ledgerlink.scheduling.model import ScheduledJob
from ledgerlink.store import Store
from ledgerlink.store.schedules import PROVIDER, JobRow, ScheduleRun, ScheduleStore

__all__ = ["JobStore"]

#: Decoded jobs kept by definition text; past this many the cache starts over.
DECODED_CACHE = 100_000


def _row(job: ScheduledJob) -> JobRow:
    return JobRow(job.id, job.company, job.name, job.active, job.version, job_to_json(job),
                  job.created_by)


class JobStore(ScheduleStore):
    """Scheduled jobs, their edit history, runs, log and billed-item claims.

    Args:
        store: an open journal store; its engine is used, its schema already migrated.
    """

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        # Definitions are immutable per version, so one decoded job serves each text.
        self._decoded: dict[str, ScheduledJob] = {}

    def _decode(self, definition: str) -> ScheduledJob:
        job = self._decoded.get(definition)
        if job is None:
            if len(self._decoded) > DECODED_CACHE:
                self._decoded.clear()
            job = self._decoded[definition] = job_from_stored_json(definition,
                                                                    source="schedule_jobs")
        return job

    def save(self, job: ScheduledJob, *, now: datetime) -> ScheduledJob:
        """Create ``job`` (version 0) or save an edit of it (its stored version); the saved job.

        A new job without an id gets one; without ``starts_on`` it starts on
        ``now``'s day in its time zone. An edit must carry the version it was
        read at (else ConflictError: someone saved meanwhile) and keeps who
        created the job and, when not given, its first day.
        """
        saved: list[ScheduledJob] = []

        def build(current: JobRow | None) -> JobRow:
            saved[:] = [self._edit(job, current, now)]
            return _row(saved[0])

        self.write_job(job.id or None, build, now=now)
        return saved[0]

    def _edit(self, job: ScheduledJob, current: JobRow | None, now: datetime) -> ScheduledJob:
        if current is None:
            if job.version != 0:
                raise NotFoundError(f"no scheduled job {job.id!r} to save version "
                                    f"{job.version} of", provider=PROVIDER)
            starts_on = job.starts_on or now.astimezone(ZoneInfo(job.time_zone)).date()
            return attrs.evolve(job, id=job.id or uuid.uuid4().hex, version=1,
                                starts_on=starts_on)
        if current.deleted_at is not None:
            raise NotFoundError(f"scheduled job {job.id!r} was deleted", provider=PROVIDER)
        if job.version != current.version:
            raise ConflictError(
                f"scheduled job {job.id!r} was changed meanwhile: this edit is of version "
                f"{job.version}, the store has version {current.version}", provider=PROVIDER)
        stored = self._decode(current.definition)
        return attrs.evolve(job, version=current.version + 1, created_by=current.created_by,
                            starts_on=job.starts_on or stored.starts_on)

    def get(self, job_id: str, *, include_deleted: bool = False) -> ScheduledJob:
        """The job's current version (NotFoundError when unknown or deleted)."""
        return self._decode(self.job_row(job_id, include_deleted=include_deleted).definition)

    def jobs(self, *, company: str | None = None, active_only: bool = False,
             include_deleted: bool = False) -> list[ScheduledJob]:
        """The jobs, by company then name (one query)."""
        return [self._decode(d) for d in self.job_definitions(
            company=company, active_only=active_only, include_deleted=include_deleted)]

    def versions(self, job_id: str) -> list[ScheduledJob]:
        """Every saved version of the job, oldest first (deleted jobs included)."""
        return [self._decode(d) for d in self.version_definitions(job_id)]

    def set_active(self, job_id: str, active: bool, *, now: datetime) -> ScheduledJob:
        """(De)activate the job as a new version; a job already so is returned unchanged."""

        def build(current: JobRow | None) -> JobRow:
            if current is None or current.deleted_at is not None:
                raise NotFoundError(f"no scheduled job {job_id!r}", provider=PROVIDER)
            job = self._decode(current.definition)
            if job.active == active:
                return current
            return _row(attrs.evolve(job, active=active, version=current.version + 1))

        return self._decode(self.write_job(job_id, build, now=now).definition)

    def claim_run(self, job_id: str, day: date | None, *, trigger: str, job_version: int,
                  worker: str, now: datetime, lease: timedelta,
                  slot: str | None = None) -> ScheduleRun | None:
        """As :meth:`ScheduleStore.claim_run`; a manual run without ``day`` runs for
        ``now``'s day in the job's time zone."""
        if day is None:
            if trigger == "due":
                raise ValidationError("a due run needs its run day", field="day")
            job = self.get(job_id, include_deleted=True)
            day = now.astimezone(ZoneInfo(job.time_zone)).date()
        return super().claim_run(job_id, day, trigger=trigger, job_version=job_version,
                                 worker=worker, now=now, lease=lease, slot=slot)
