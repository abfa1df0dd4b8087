"""Concrete calendar cases over awkward months, DST weekends and catch-up after downtime.

February 2028 is a leap month, February 2027 is not; August 2026 and April 2028
start on a Saturday, November 2026 and October 2028 on a Sunday; January,
February and October 2027 end on a Sunday, October 2026 on a Saturday.
Europe/Copenhagen changes clocks on 29 March / 25 October 2026 and 28 March /
31 October 2027 (02:00 -> 03:00 and 03:00 -> 02:00).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ledgerlink.errors import ValidationError
from ledgerlink.scheduling.calendar import (
    due_day,
    due_jobs,
    next_run,
    next_run_day,
    next_runs,
    resolve,
    run_at,
    run_days,
)
from ledgerlink.scheduling.model import (
    DateRule,
    Frequency,
    InvoiceGeneration,
    MonthlyDay,
    Recurrence,
    ScheduledJob,
    Weekday,
)

CPH = "Europe/Copenhagen"
DAILY = Recurrence(Frequency.DAILY)
WEEKDAYS = Recurrence(Frequency.DAILY, weekdays_only=True)
SUNDAYS = Recurrence(Frequency.WEEKLY, weekday=Weekday.SUNDAY)
FRIDAYS = Recurrence(Frequency.WEEKLY, weekday=Weekday.FRIDAY)
FIRST = Recurrence(Frequency.MONTHLY, monthly=MonthlyDay.FIRST_DAY)
LAST = Recurrence(Frequency.MONTHLY, monthly=MonthlyDay.LAST_DAY)
LAST_WEEKDAY = Recurrence(Frequency.MONTHLY, monthly=MonthlyDay.LAST_WEEKDAY)


def _on_day(n: int) -> Recurrence:
    return Recurrence(Frequency.MONTHLY, monthly=MonthlyDay.DAY_OF_MONTH, day_of_month=n)


def _job(recurrence: Recurrence = DAILY, *, job_id: str = "j1", run_hour: int = 22,
         time_zone: str = CPH, starts_on: date | None = None,
         active: bool = True) -> ScheduledJob:
    return ScheduledJob(company="acme", name="invoices", recurrence=recurrence,
                        generation=InvoiceGeneration(creator="ann"), created_by="ann",
                        id=job_id, time_zone=time_zone, run_hour=run_hour,
                        starts_on=starts_on, active=active)


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- run days ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recurrence", "start", "end", "expected"),
    [
        # Day 31, 30, 29 in short months: the month's last day.
        (_on_day(31), date(2027, 1, 1), date(2027, 4, 30),
         [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]),
        (_on_day(31), date(2028, 2, 1), date(2028, 2, 29), [date(2028, 2, 29)]),
        (_on_day(30), date(2028, 2, 1), date(2028, 3, 31), [date(2028, 2, 29), date(2028, 3, 30)]),
        (_on_day(29), date(2027, 2, 1), date(2027, 3, 31), [date(2027, 2, 28), date(2027, 3, 29)]),
        (_on_day(29), date(2028, 2, 1), date(2028, 2, 29), [date(2028, 2, 29)]),
        (_on_day(28), date(2028, 2, 1), date(2028, 2, 29), [date(2028, 2, 28)]),
        (_on_day(15), date(2027, 2, 16), date(2027, 3, 14), []),
        # First and last day, whatever weekday they fall on.
        (FIRST, date(2026, 7, 15), date(2026, 11, 15),
         [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]),
        (LAST, date(2027, 2, 1), date(2027, 2, 28), [date(2027, 2, 28)]),
        (LAST, date(2028, 2, 1), date(2028, 3, 1), [date(2028, 2, 29)]),
        # Last Monday–Friday: months ending on a weekend run on the Friday before.
        (LAST_WEEKDAY, date(2026, 10, 1), date(2026, 10, 31), [date(2026, 10, 30)]),
        (LAST_WEEKDAY, date(2027, 1, 1), date(2027, 2, 28), [date(2027, 1, 29), date(2027, 2, 26)]),
        (LAST_WEEKDAY, date(2027, 10, 1), date(2027, 10, 31), [date(2027, 10, 29)]),
        (LAST_WEEKDAY, date(2028, 2, 1), date(2028, 2, 29), [date(2028, 2, 29)]),
        # A range starting after the month's last weekday holds none of it.
        (LAST_WEEKDAY, date(2027, 1, 30), date(2027, 2, 25), []),
        # Weekdays only, over a month starting on a Saturday.
        (WEEKDAYS, date(2026, 7, 31), date(2026, 8, 4),
         [date(2026, 7, 31), date(2026, 8, 3), date(2026, 8, 4)]),
        (DAILY, date(2028, 2, 28), date(2028, 3, 1),
         [date(2028, 2, 28), date(2028, 2, 29), date(2028, 3, 1)]),
        (SUNDAYS, date(2026, 3, 22), date(2026, 4, 5),
         [date(2026, 3, 22), date(2026, 3, 29), date(2026, 4, 5)]),
        (FRIDAYS, date(2026, 10, 31), date(2026, 11, 1), []),
        (DAILY, date(2026, 5, 2), date(2026, 5, 1), []),
    ],
)
def test_run_days(recurrence: Recurrence, start: date, end: date,
                  expected: list[date]) -> None:
    """Run days in a range, for every recurrence over awkward months."""
    assert run_days(recurrence, start, end) == expected


@pytest.mark.parametrize(
    ("recurrence", "after", "expected"),
    [
        (WEEKDAYS, date(2026, 10, 30), date(2026, 11, 2)),  # Friday -> Monday
        (WEEKDAYS, date(2028, 3, 31), date(2028, 4, 3)),  # April 2028 starts on a Saturday
        (FIRST, date(2026, 8, 1), date(2026, 9, 1)),
        (LAST, date(2028, 2, 28), date(2028, 2, 29)),
        (LAST_WEEKDAY, date(2026, 10, 30), date(2026, 11, 30)),
        (_on_day(31), date(2027, 1, 31), date(2027, 2, 28)),
        (SUNDAYS, date(2026, 3, 29), date(2026, 4, 5)),
    ],
)
def test_next_run_day(recurrence: Recurrence, after: date, expected: date) -> None:
    """The first run day strictly after a day."""
    assert next_run_day(recurrence, after) == expected


# --- date rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "run_day", "expected"),
    [
        (DateRule.FIRST_DAY_OF_THIS_MONTH, date(2028, 2, 29), date(2028, 2, 1)),
        (DateRule.FIRST_DAY_OF_THIS_MONTH, date(2026, 8, 1), date(2026, 8, 1)),
        (DateRule.LAST_DAY_OF_PREVIOUS_MONTH, date(2028, 3, 31), date(2028, 2, 29)),
        (DateRule.LAST_DAY_OF_PREVIOUS_MONTH, date(2027, 3, 1), date(2027, 2, 28)),
        (DateRule.LAST_DAY_OF_PREVIOUS_MONTH, date(2027, 1, 15), date(2026, 12, 31)),
        (DateRule.FIRST_DAY_OF_NEXT_MONTH, date(2026, 12, 31), date(2027, 1, 1)),
        (DateRule.FIRST_DAY_OF_NEXT_MONTH, date(2028, 1, 31), date(2028, 2, 1)),
        (DateRule.LAST_DAY_OF_THIS_MONTH, date(2028, 2, 1), date(2028, 2, 29)),
        (DateRule.LAST_DAY_OF_THIS_MONTH, date(2027, 2, 14), date(2027, 2, 28)),
        (DateRule.LAST_DAY_OF_THIS_MONTH, date(2026, 4, 30), date(2026, 4, 30)),
        (DateRule.RUN_DAY, date(2027, 10, 31), date(2027, 10, 31)),
    ],
)
def test_resolve(rule: DateRule, run_day: date, expected: date) -> None:
    """Each date rule for run days at month and year ends, in leap and common years."""
    assert resolve(rule, run_day) == expected


# --- run instants -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "time_zone", "hour", "expected"),
    [
        (date(2026, 11, 23), CPH, 22, _utc(2026, 11, 23, 21)),  # CET, +01:00
        (date(2026, 7, 1), CPH, 22, _utc(2026, 7, 1, 20)),  # CEST, +02:00
        (date(2026, 7, 1), CPH, 0, _utc(2026, 6, 30, 22)),  # midnight is the previous UTC day
        # Spring forward, 29 March 2026 / 28 March 2027: 02:00-03:00 does not exist.
        (date(2026, 3, 29), CPH, 1, _utc(2026, 3, 29, 0)),
        (date(2026, 3, 29), CPH, 2, _utc(2026, 3, 29, 1)),  # moved to 03:00 CEST
        (date(2026, 3, 29), CPH, 3, _utc(2026, 3, 29, 1)),
        (date(2026, 3, 29), CPH, 22, _utc(2026, 3, 29, 20)),
        (date(2027, 3, 28), CPH, 2, _utc(2027, 3, 28, 1)),
        # Autumn fold, 25 October 2026 / 31 October 2027: 02:00-03:00 happens twice.
        (date(2026, 10, 25), CPH, 2, _utc(2026, 10, 25, 0)),  # the first: 02:00 CEST
        (date(2026, 10, 25), CPH, 3, _utc(2026, 10, 25, 2)),
        (date(2026, 10, 25), CPH, 22, _utc(2026, 10, 25, 21)),
        (date(2027, 10, 31), CPH, 2, _utc(2027, 10, 31, 0)),
        # New York: 8 March 2026 02:00 missing, 1 November 2026 01:00 twice.
        (date(2026, 3, 8), "America/New_York", 2, _utc(2026, 3, 8, 7)),
        (date(2026, 11, 1), "America/New_York", 1, _utc(2026, 11, 1, 5)),
        # A 30-minute gap: 02:00-02:30 missing on Lord Howe Island.
        (date(2026, 10, 4), "Australia/Lord_Howe", 2, _utc(2026, 10, 3, 15, 30)),
        # A 2-hour gap, 01:00-03:00 at Troll: 02:00 is inside it, not at its start.
        (date(2026, 3, 29), "Antarctica/Troll", 2, _utc(2026, 3, 29, 1)),
        (date(2026, 3, 29), "Antarctica/Troll", 1, _utc(2026, 3, 29, 1)),
        (date(2026, 3, 29), "Antarctica/Troll", 3, _utc(2026, 3, 29, 1)),
    ],
)
def test_run_at(day: date, time_zone: str, hour: int, expected: datetime) -> None:
    """Run instants on ordinary days and across DST transitions."""
    assert run_at(day, time_zone, hour) == expected


@pytest.mark.parametrize(
    ("job", "after", "expected"),
    [
        # Weekly on Sunday at 02:00 over the spring-forward Sunday.
        (_job(SUNDAYS, run_hour=2), _utc(2026, 3, 22, 1), _utc(2026, 3, 29, 1)),
        (_job(SUNDAYS, run_hour=2), _utc(2026, 3, 29, 1), _utc(2026, 4, 5, 0)),
        # Over the autumn fold: the first 02:00, then a week later.
        (_job(SUNDAYS, run_hour=2), _utc(2026, 10, 24, 12), _utc(2026, 10, 25, 0)),
        (_job(SUNDAYS, run_hour=2), _utc(2026, 10, 25, 0), _utc(2026, 11, 1, 1)),
        # Exactly at a run instant: the next one.
        (_job(), _utc(2026, 11, 23, 21), _utc(2026, 11, 24, 21)),
        (_job(), _utc(2026, 11, 23, 20, 59), _utc(2026, 11, 23, 21)),
        (_job(LAST_WEEKDAY), _utc(2027, 1, 29, 22), _utc(2027, 2, 26, 21)),
        (_job(_on_day(31), run_hour=0), _utc(2028, 2, 1), _utc(2028, 2, 28, 23)),
        # Not before starts_on.
        (_job(starts_on=date(2026, 12, 1)), _utc(2026, 11, 23), _utc(2026, 12, 1, 21)),
        (_job(FIRST, starts_on=date(2026, 12, 2)), _utc(2026, 11, 23), _utc(2027, 1, 1, 21)),
    ],
)
def test_next_run(job: ScheduledJob, after: datetime, expected: datetime) -> None:
    """The first run instant strictly after an instant."""
    assert next_run(job, after) == expected


def test_naive_instants_are_refused_naming_the_argument() -> None:
    """A datetime without a time zone cannot be placed in the company's day."""
    with pytest.raises(ValidationError) as caught:
        due_day(_job(), datetime(2026, 11, 23, 12), None)
    assert caught.value.field == "now"
    with pytest.raises(ValidationError) as caught:
        next_run(_job(), datetime(2026, 11, 23, 12))
    assert caught.value.field == "after"


# --- catch-up ---------------------------------------------------------------------------

MONDAY_NOON = _utc(2026, 11, 23, 11)  # 12:00 in Copenhagen: today's 22:00 has not come
MONDAY_LATE = _utc(2026, 11, 23, 21, 30)  # 22:30 in Copenhagen


@pytest.mark.parametrize(
    ("job", "now", "last_day", "expected"),
    [
        # Down for 5 days: due once, for the latest day (yesterday, today's run is later).
        (_job(), MONDAY_NOON, date(2026, 11, 17), date(2026, 11, 22)),
        (_job(), MONDAY_LATE, date(2026, 11, 17), date(2026, 11, 23)),
        # Today's 22:00 not come: due for yesterday only if yesterday was not run.
        (_job(), MONDAY_NOON, date(2026, 11, 21), date(2026, 11, 22)),
        (_job(), MONDAY_NOON, date(2026, 11, 22), None),
        (_job(), MONDAY_LATE, date(2026, 11, 23), None),
        (_job(), MONDAY_NOON, None, date(2026, 11, 22)),
        # Exactly at the run instant it is due.
        (_job(), _utc(2026, 11, 23, 21), date(2026, 11, 22), date(2026, 11, 23)),
        # Weekdays only on Monday noon: Friday was the last run day.
        (_job(WEEKDAYS), MONDAY_NOON, date(2026, 11, 19), date(2026, 11, 20)),
        (_job(WEEKDAYS), MONDAY_NOON, date(2026, 11, 20), None),
        # Monthly last day, months missed: the latest (31 October), once.
        (_job(LAST), MONDAY_NOON, date(2026, 7, 31), date(2026, 10, 31)),
        # starts_on: nothing before it, not even the catch-up.
        (_job(starts_on=date(2026, 11, 23)), MONDAY_NOON, None, None),
        (_job(starts_on=date(2026, 11, 23)), MONDAY_LATE, None, date(2026, 11, 23)),
        (_job(starts_on=date(2026, 11, 20)), MONDAY_NOON, None, date(2026, 11, 22)),
        # Inactive jobs are never due.
        (_job(active=False), MONDAY_LATE, None, None),
        # Run hour 2 on the spring-forward day runs at 03:00 CEST (01:00 UTC).
        (_job(run_hour=2), _utc(2026, 3, 29, 0, 59), date(2026, 3, 27), date(2026, 3, 28)),
        (_job(run_hour=2), _utc(2026, 3, 29, 1), date(2026, 3, 28), date(2026, 3, 29)),
        # And on the autumn fold at the first 02:00 (00:00 UTC), once.
        (_job(run_hour=2), _utc(2026, 10, 25, 0), date(2026, 10, 24), date(2026, 10, 25)),
        (_job(run_hour=2), _utc(2026, 10, 25, 1), date(2026, 10, 25), None),
    ],
)
def test_due_day(job: ScheduledJob, now: datetime, last_day: date | None,
                 expected: date | None) -> None:
    """Which day a job is due for: the latest missed one, once."""
    assert due_day(job, now, last_day) == expected


def test_due_jobs_catches_each_job_up_once() -> None:
    """Of jobs sharing one calendar, each is due for the latest day it has not run."""
    down_five_days = _job(job_id="down")
    ran_yesterday = _job(job_id="ran")
    never_ran = _job(job_id="new")
    paused = _job(job_id="paused", active=False)
    not_started = _job(job_id="later", starts_on=date(2026, 12, 1))
    month_end = _job(LAST, job_id="month-end")
    all_jobs = [down_five_days, ran_yesterday, never_ran, paused, not_started, month_end]
    last_days = {"down": date(2026, 11, 17), "ran": date(2026, 11, 22),
                 "month-end": date(2026, 10, 31)}
    assert due_jobs(all_jobs, MONDAY_NOON, last_days) == [
        (down_five_days, date(2026, 11, 22)),
        (never_ran, date(2026, 11, 22)),
    ]


def test_next_runs_leaves_out_inactive_jobs_and_respects_starts_on() -> None:
    """Next run per active job: shared calendars share the answer, starts_on defers it."""
    all_jobs = [_job(job_id="a"), _job(job_id="b"), _job(job_id="paused", active=False),
                _job(job_id="later", starts_on=date(2026, 12, 1)),
                _job(LAST_WEEKDAY, job_id="month-end", run_hour=9)]
    assert next_runs(all_jobs, MONDAY_NOON) == {
        "a": _utc(2026, 11, 23, 21),
        "b": _utc(2026, 11, 23, 21),
        "later": _utc(2026, 12, 1, 21),
        "month-end": _utc(2026, 11, 30, 8),
    }
