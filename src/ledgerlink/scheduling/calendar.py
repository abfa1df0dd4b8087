"""Internal: when scheduled jobs run: run days, date rules, run instants and what is due.

Run days come from :mod:`dateutil.rrule` (one rule per :class:`Recurrence`),
date rules from :class:`~dateutil.relativedelta.relativedelta`, and local
times from :mod:`zoneinfo`. A job's days are days of its company's time zone;
it runs on a run day at ``run_hour``:00 local time (see :func:`run_at` for
what happens on daylight-saving days).

"Catch up once": a job that missed several run days (the scheduler was down)
is due once, for the latest missed day; :func:`due_day` says which.

For many jobs at once use :func:`due_jobs` and :func:`next_runs`: they
compute once per distinct (recurrence, time zone, run hour), which most jobs
share, instead of once per job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, FR, MO, MONTHLY, TH, TU, WE, WEEKLY, rrule

from ledgerlink.errors import ValidationError
from ledgerlink.scheduling.model import (
    DateRule,
    Frequency,
    MonthlyDay,
    Recurrence,
    ScheduledJob,
)

__all__ = [
    "due_day",
    "due_jobs",
    "latest_run_day",
    "next_run",
    "next_run_day",
    "next_runs",
    "previous_run_day",
    "resolve",
    "run_at",
    "run_days",
]

_MON_TO_FRI = (MO, TU, WE, TH, FR)
#: The longest gap between two run days of any recurrence is a little over a
#: month (e.g. the last weekday of January to that of February), so a window
#: this long always holds one.
_SEARCH_WINDOW = timedelta(days=70)


# --- run days --------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _rule_parts(recurrence: Recurrence) -> tuple[tuple[str, Any], ...]:
    """The rrule keyword arguments for ``recurrence`` (frozen, so they can be cached)."""
    if recurrence.frequency is Frequency.DAILY:
        if recurrence.weekdays_only:
            return (("freq", DAILY), ("byweekday", _MON_TO_FRI))
        return (("freq", DAILY),)
    if recurrence.frequency is Frequency.WEEKLY:
        assert recurrence.weekday is not None  # the model guarantees it
        return (("freq", WEEKLY), ("byweekday", int(recurrence.weekday)))
    monthly = recurrence.monthly
    if monthly is MonthlyDay.FIRST_DAY:
        return (("freq", MONTHLY), ("bymonthday", 1))
    if monthly is MonthlyDay.LAST_DAY:
        return (("freq", MONTHLY), ("bymonthday", -1))
    if monthly is MonthlyDay.LAST_WEEKDAY:
        return (("freq", MONTHLY), ("byweekday", _MON_TO_FRI), ("bysetpos", -1))
    assert recurrence.day_of_month is not None  # the model guarantees it
    day = recurrence.day_of_month
    if day <= 28:  # every month has it
        return (("freq", MONTHLY), ("bymonthday", day))
    # Day N or the month's last day, whichever comes first: 31 -> 30 April, 28/29 Feb.
    return (("freq", MONTHLY), ("bymonthday", (day, -1)), ("bysetpos", 1))


def _rule(recurrence: Recurrence, **bounds: Any) -> rrule:
    return rrule(**dict(_rule_parts(recurrence)), **bounds)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def run_days(recurrence: Recurrence, start: date, end: date) -> list[date]:
    """Every run day of ``recurrence`` in ``[start, end]``, in order."""
    if end < start:
        return []
    rule = _rule(recurrence, dtstart=_midnight(start), until=_midnight(end))
    return [moment.date() for moment in rule]


@lru_cache(maxsize=8192)
def next_run_day(recurrence: Recurrence, after: date) -> date:
    """The first run day of ``recurrence`` strictly after ``after``."""
    rule = _rule(recurrence, dtstart=_midnight(after + timedelta(days=1)), count=1)
    return next(iter(rule)).date()


@lru_cache(maxsize=8192)
def previous_run_day(recurrence: Recurrence, on_or_before: date) -> date:
    """The last run day of ``recurrence`` on or before ``on_or_before``."""
    rule = _rule(recurrence, dtstart=_midnight(on_or_before - _SEARCH_WINDOW))
    found = rule.before(_midnight(on_or_before), inc=True)
    assert found is not None, "every recurrence has a run day in any 70 days"
    return found.date()


# --- date rules ------------------------------------------------------------------------

_RULE_SHIFT = {
    DateRule.FIRST_DAY_OF_THIS_MONTH: relativedelta(day=1),
    DateRule.LAST_DAY_OF_PREVIOUS_MONTH: relativedelta(day=1, days=-1),
    DateRule.FIRST_DAY_OF_NEXT_MONTH: relativedelta(months=+1, day=1),
    # day=31 is clipped to the month's length.
    DateRule.LAST_DAY_OF_THIS_MONTH: relativedelta(day=31),
    DateRule.RUN_DAY: relativedelta(),
}


def resolve(rule: DateRule, run_day: date) -> date:
    """The day ``rule`` names for a run on ``run_day`` (a cutoff, invoice or posting date)."""
    result: date = run_day + _RULE_SHIFT[rule]
    return result


# --- run instants ----------------------------------------------------------------------


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def run_at(day: date, time_zone: str, hour: int) -> datetime:
    """The instant, as an aware UTC datetime, a job runs on ``day`` at ``hour``:00 local time.

    Daylight saving: a local time that does not exist (the clocks spring
    forward over it) moves forward to the first instant after the gap, e.g.
    02:00 on the last Sunday of March in Europe/Copenhagen runs at 03:00 CEST
    (01:00 UTC). A local time that happens twice (the clocks fall back) is the
    first of the two: 02:00 on the last Sunday of October there is 02:00 CEST
    (00:00 UTC), not 02:00 CET.
    """
    zone = _zone(time_zone)
    local = datetime.combine(day, time(hour), tzinfo=zone)  # fold=0: the first of two
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant
    return _end_of_gap(local, zone)


def _end_of_gap(local: datetime, zone: ZoneInfo) -> datetime:
    """The first instant after the spring-forward gap that ``local`` (nonexistent) falls in."""
    # With fold=0 zoneinfo reads a gap time with the offset from before the
    # gap, which lands after it; fold=1 uses the offset from after, landing
    # before it. The transition lies in between: bisect to the second.
    after_gap = local.astimezone(UTC)
    before_gap = local.replace(fold=1).astimezone(UTC)
    offset_after = after_gap.astimezone(zone).utcoffset()
    low, high = 0, int((after_gap - before_gap).total_seconds())
    while low < high:  # the first second whose offset is the post-gap one
        middle = (low + high) // 2
        if (before_gap + timedelta(seconds=middle)).astimezone(zone).utcoffset() == offset_after:
            high = middle
        else:
            low = middle + 1
    return before_gap + timedelta(seconds=low)


def _require_aware(value: datetime, field: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError("must be an aware datetime (with a time zone)",
                              field=field, value=value)


def _local_day(instant: datetime, time_zone: str) -> date:
    return instant.astimezone(_zone(time_zone)).date()


def next_run(job: ScheduledJob, after: datetime) -> datetime:
    """The first instant ``job`` runs strictly after the aware instant ``after``.

    Never on a day before ``job.starts_on``. Whether the job is active is not
    considered: this is the calendar's answer.
    """
    _require_aware(after, "after")
    return _next_run_and_day(job.recurrence, job.time_zone, job.run_hour, after,
                             job.starts_on)[0]


def _next_run_and_day(recurrence: Recurrence, time_zone: str, hour: int, after: datetime,
                      starts_on: date | None) -> tuple[datetime, date]:
    # Consider run days from the day before ``after``'s local day: a run time
    # pushed past a spring-forward gap can fall on the next local day.
    first_day = _local_day(after, time_zone) - timedelta(days=1)
    if starts_on is not None and starts_on > first_day:
        first_day = starts_on
    day = next_run_day(recurrence, first_day - timedelta(days=1))
    while True:
        instant = run_at(day, time_zone, hour)
        if instant > after:
            return instant, day
        day = next_run_day(recurrence, day)


def latest_run_day(job: ScheduledJob, now: datetime) -> date:
    """The latest run day of ``job`` whose run instant is at or before ``now``.

    Ignores ``starts_on``, ``active`` and past runs; :func:`due_day` applies them.
    """
    _require_aware(now, "now")
    day = previous_run_day(job.recurrence, _local_day(now, job.time_zone))
    while run_at(day, job.time_zone, job.run_hour) > now:
        day = previous_run_day(job.recurrence, day - timedelta(days=1))
    return day


def due_day(job: ScheduledJob, now: datetime, last_day: date | None) -> date | None:
    """The run day ``job`` is due for at ``now``, or ``None`` when it is not due.

    That is the latest run day whose run instant is at or before ``now``,
    provided it is after ``last_day`` (the day of the job's last scheduled run;
    ``None`` when it never ran) and not before ``job.starts_on``. A job that
    missed several run days is due once, for the latest of them. An inactive
    job is never due.
    """
    if not job.active:
        return None
    return _due_from(latest_run_day(job, now), job, last_day)


def _due_from(latest: date, job: ScheduledJob, last_day: date | None) -> date | None:
    # Earlier run days are also on or before last_day / before starts_on, so
    # when the latest fails neither check, no day is due.
    if last_day is not None and latest <= last_day:
        return None
    if job.starts_on is not None and latest < job.starts_on:
        return None
    return latest


# --- many jobs at once -----------------------------------------------------------------

#: What the calendar answer depends on, besides the instant: jobs sharing it
#: share the answer.
_CalendarKey = tuple[Recurrence, str, int]


def _calendar_key(job: ScheduledJob) -> _CalendarKey:
    return (job.recurrence, job.time_zone, job.run_hour)


def due_jobs(jobs: Iterable[ScheduledJob], now: datetime,
             last_days: Mapping[str, date]) -> list[tuple[ScheduledJob, date]]:
    """Each job due at ``now`` with its :func:`due_day`, in the order given.

    ``last_days`` holds the day of each job's last scheduled run, keyed by
    ``job.id``; a job missing from it never ran.
    """
    _require_aware(now, "now")
    latest_by_key: dict[_CalendarKey, date] = {}
    due: list[tuple[ScheduledJob, date]] = []
    for job in jobs:
        if not job.active:
            continue
        key = _calendar_key(job)
        latest = latest_by_key.get(key)
        if latest is None:
            latest = latest_by_key[key] = latest_run_day(job, now)
        day = _due_from(latest, job, last_days.get(job.id))
        if day is not None:
            due.append((job, day))
    return due


def next_runs(jobs: Iterable[ScheduledJob], now: datetime) -> dict[str, datetime]:
    """The :func:`next_run` after ``now`` of each active job, keyed by ``job.id``.

    Inactive jobs are left out: they never run.
    """
    _require_aware(now, "now")
    next_by_key: dict[_CalendarKey, tuple[datetime, date]] = {}
    runs: dict[str, datetime] = {}
    for job in jobs:
        if not job.active:
            continue
        key = _calendar_key(job)
        shared = next_by_key.get(key)
        if shared is None:
            shared = next_by_key[key] = _next_run_and_day(*key, now, None)
        instant, day = shared
        if job.starts_on is not None and day < job.starts_on:
            instant = next_run(job, now)  # not started by then: its own, later answer
        runs[job.id] = instant
    return runs
