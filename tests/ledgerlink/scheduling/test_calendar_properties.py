"""Properties of the scheduling calendar over the space of recurrences, days, zones and hours.

Run days are checked against an independent oracle (:func:`_is_run_day`, plain
``calendar.monthrange`` arithmetic) rather than against dateutil again.
"""

from __future__ import annotations

import calendar as stdlib_calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ledgerlink.scheduling.calendar import (
    due_day,
    due_jobs,
    next_run,
    next_run_day,
    next_runs,
    previous_run_day,
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

ZONES = ("Europe/Copenhagen", "America/New_York")


def _month_length(day: date) -> int:
    return stdlib_calendar.monthrange(day.year, day.month)[1]


def _is_run_day(recurrence: Recurrence, day: date) -> bool:
    """The oracle: does ``recurrence`` run on ``day``? Written without dateutil."""
    if recurrence.frequency is Frequency.DAILY:
        return not recurrence.weekdays_only or day.weekday() < 5
    if recurrence.frequency is Frequency.WEEKLY:
        return day.weekday() == recurrence.weekday
    length = _month_length(day)
    if recurrence.monthly is MonthlyDay.FIRST_DAY:
        return day.day == 1
    if recurrence.monthly is MonthlyDay.LAST_DAY:
        return day.day == length
    if recurrence.monthly is MonthlyDay.LAST_WEEKDAY:
        later_weekdays = [d for d in range(day.day + 1, length + 1)
                          if date(day.year, day.month, d).weekday() < 5]
        return day.weekday() < 5 and not later_weekdays
    assert recurrence.day_of_month is not None
    return day.day == min(recurrence.day_of_month, length)


recurrences = st.one_of(
    st.builds(Recurrence, st.just(Frequency.DAILY), weekdays_only=st.booleans()),
    st.builds(Recurrence, st.just(Frequency.WEEKLY), weekday=st.sampled_from(Weekday)),
    st.builds(Recurrence, st.just(Frequency.MONTHLY),
              monthly=st.sampled_from([MonthlyDay.FIRST_DAY, MonthlyDay.LAST_DAY,
                                       MonthlyDay.LAST_WEEKDAY])),
    st.builds(Recurrence, st.just(Frequency.MONTHLY), monthly=st.just(MonthlyDay.DAY_OF_MONTH),
              day_of_month=st.integers(1, 31)),
)
days = st.dates(date(2000, 1, 1), date(2099, 12, 31))


def _dst_days() -> list[date]:
    """The DST-change Sundays of both zones, 2024-2030, and the days either side."""
    found = []
    for year in range(2024, 2031):
        march_last_sunday = max(d for d in (date(year, 3, n) for n in range(25, 32))
                                if d.weekday() == 6)
        october_last_sunday = max(d for d in (date(year, 10, n) for n in range(25, 32))
                                  if d.weekday() == 6)
        march_second_sunday = next(d for d in (date(year, 3, n) for n in range(8, 15))
                                   if d.weekday() == 6)
        november_first_sunday = next(d for d in (date(year, 11, n) for n in range(1, 8))
                                     if d.weekday() == 6)
        for sunday in (march_last_sunday, october_last_sunday, march_second_sunday,
                       november_first_sunday):
            found += [sunday - timedelta(days=1), sunday, sunday + timedelta(days=1)]
    return found


# Mostly days around DST changes, where run times are awkward.
run_time_days = st.one_of(st.sampled_from(_dst_days()), st.dates(date(2024, 1, 1),
                                                                 date(2030, 12, 31)))
instants = st.datetimes(datetime(2025, 1, 1), datetime(2029, 12, 31),
                        timezones=st.just(UTC))


def _job(recurrence: Recurrence, time_zone: str, run_hour: int, *, job_id: str = "j1",
         starts_on: date | None = None, active: bool = True) -> ScheduledJob:
    return ScheduledJob(company="acme", name="monthly invoices", recurrence=recurrence,
                        generation=InvoiceGeneration(creator="ann"), created_by="ann",
                        id=job_id, time_zone=time_zone, run_hour=run_hour,
                        starts_on=starts_on, active=active)


jobs = st.builds(_job, recurrences, st.sampled_from(ZONES), st.integers(0, 23),
                 starts_on=st.none() | st.dates(date(2025, 1, 1), date(2029, 12, 31)))


# --- run days ---------------------------------------------------------------------------


@given(recurrences, days, st.integers(0, 100))
def test_run_days_are_exactly_the_days_the_recurrence_names(
    recurrence: Recurrence, start: date, span: int
) -> None:
    """Every day in the range is a run day iff the oracle says so (right weekday class,
    min(N, month length), first/last day, last Monday–Friday)."""
    end = start + timedelta(days=span)
    every_day = [start + timedelta(days=n) for n in range(span + 1)]
    assert run_days(recurrence, start, end) == [d for d in every_day
                                                if _is_run_day(recurrence, d)]


@given(recurrences, days)
def test_next_run_day_is_the_first_run_day_strictly_after(
    recurrence: Recurrence, after: date
) -> None:
    """The next run day is after ``after``, is a run day, and no run day lies between."""
    found = next_run_day(recurrence, after)
    assert found > after
    assert _is_run_day(recurrence, found)
    between = (after + timedelta(days=n) for n in range(1, (found - after).days))
    assert not any(_is_run_day(recurrence, d) for d in between)


@given(recurrences, days)
def test_previous_run_day_is_the_last_run_day_on_or_before(
    recurrence: Recurrence, on_or_before: date
) -> None:
    """The previous run day is a run day, not after the day given, with none between."""
    found = previous_run_day(recurrence, on_or_before)
    assert found <= on_or_before
    assert _is_run_day(recurrence, found)
    between = (found + timedelta(days=n) for n in range(1, (on_or_before - found).days + 1))
    assert not any(_is_run_day(recurrence, d) for d in between)


@given(st.sampled_from(MonthlyDay), days)
def test_every_monthly_recurrence_runs_once_a_month(monthly: MonthlyDay, day: date) -> None:
    """A monthly job runs exactly once in each calendar month."""
    recurrence = Recurrence(Frequency.MONTHLY, monthly=monthly,
                            day_of_month=31 if monthly is MonthlyDay.DAY_OF_MONTH else None)
    first = day.replace(day=1)
    last = first.replace(day=_month_length(first))
    assert len(run_days(recurrence, first, last)) == 1


# --- date rules -------------------------------------------------------------------------


@given(st.sampled_from(DateRule), days)
def test_date_rules_land_in_the_right_month(rule: DateRule, run_day: date) -> None:
    """Each rule gives the named day of the run day's month, the previous or the next."""
    resolved = resolve(rule, run_day)
    month_index = resolved.year * 12 + resolved.month - (run_day.year * 12 + run_day.month)
    next_day_is_first = (resolved + timedelta(days=1)).day == 1
    if rule is DateRule.FIRST_DAY_OF_THIS_MONTH:
        assert (month_index, resolved.day) == (0, 1)
    elif rule is DateRule.LAST_DAY_OF_PREVIOUS_MONTH:
        assert (month_index, next_day_is_first) == (-1, True)
    elif rule is DateRule.FIRST_DAY_OF_NEXT_MONTH:
        assert (month_index, resolved.day) == (1, 1)
    elif rule is DateRule.LAST_DAY_OF_THIS_MONTH:
        assert (month_index, next_day_is_first) == (0, True)
    else:
        assert resolved == run_day


@given(st.sampled_from([DateRule.FIRST_DAY_OF_THIS_MONTH, DateRule.LAST_DAY_OF_PREVIOUS_MONTH,
                        DateRule.RUN_DAY]), days)
def test_backward_cutoffs_are_never_after_the_run_day(rule: DateRule, run_day: date) -> None:
    """Cutoffs by these rules never bill items dated after the run."""
    assert resolve(rule, run_day) <= run_day


# --- run instants -----------------------------------------------------------------------


@settings(max_examples=300)
# Troll (Antarctica) springs forward two hours, so some run hours fall inside the gap.
@given(run_time_days, st.sampled_from((*ZONES, "Antarctica/Troll")), st.integers(0, 23))
@example(date(2026, 3, 29), "Europe/Copenhagen", 2)  # spring forward: 02:00 missing
@example(date(2026, 10, 25), "Europe/Copenhagen", 2)  # autumn: 02:00 twice
@example(date(2026, 3, 8), "America/New_York", 2)
@example(date(2026, 11, 1), "America/New_York", 1)
@example(date(2026, 3, 29), "Antarctica/Troll", 2)
def test_run_instant_is_the_run_hour_or_the_end_of_its_gap(
    day: date, time_zone: str, hour: int
) -> None:
    """At run_hour local exactly; inside a DST gap, the first instant after the gap;
    of two instants with that local time, the first."""
    zone = ZoneInfo(time_zone)
    instant = run_at(day, time_zone, hour)
    assert instant.tzinfo is UTC

    def wall(moment: datetime) -> datetime:
        return moment.astimezone(zone).replace(tzinfo=None)

    wanted = datetime.combine(day, time(hour))
    if wall(instant) == wanted:
        # The first of possibly two: no earlier instant within the fold shows it.
        assert all(wall(instant - timedelta(minutes=m)) != wanted for m in (30, 60, 120))
    else:
        # A gap: the wall clock jumps from before the hour to after it right here.
        assert wall(instant) > wanted
        assert wall(instant - timedelta(seconds=1)) < wanted


@given(jobs, instants)
def test_next_run_times_strictly_increase(job: ScheduledJob, start: datetime) -> None:
    """Iterating next_run gives strictly later instants, each on a run day on or after
    starts_on, with no run instant skipped in between."""
    moment = start
    for _ in range(4):
        following = next_run(job, moment)
        assert following > moment
        run_day = following.astimezone(ZoneInfo(job.time_zone)).date()
        assert _is_run_day(job.recurrence, run_day)
        assert job.starts_on is None or run_day >= job.starts_on
        moment = following


# --- what is due ------------------------------------------------------------------------


@given(jobs, instants, st.none() | st.dates(date(2024, 12, 1), date(2029, 12, 31)))
def test_due_day_respects_starts_on_now_and_the_last_run(
    job: ScheduledJob, now: datetime, last_day: date | None
) -> None:
    """A due day is a run day whose run time has come, not before starts_on, after the
    last run, and the latest such day; after running it the job is not due again
    until a later day."""
    found = due_day(job, now, last_day)
    if found is None:
        return
    today = now.astimezone(ZoneInfo(job.time_zone)).date()
    assert _is_run_day(job.recurrence, found)
    assert job.starts_on is None or found >= job.starts_on
    assert last_day is None or found > last_day
    assert found <= today
    assert run_at(found, job.time_zone, job.run_hour) <= now
    following = next_run_day(job.recurrence, found)
    assert run_at(following, job.time_zone, job.run_hour) > now  # the latest: catch up once
    later = now + timedelta(hours=30)
    again = due_day(job, later, found)
    assert again is None or again > found


@given(jobs, instants)
def test_inactive_jobs_are_never_due(job: ScheduledJob, now: datetime) -> None:
    """However overdue, an inactive job is not due."""
    inactive = _job(job.recurrence, job.time_zone, job.run_hour, active=False)
    assert due_day(inactive, now, None) is None


@settings(max_examples=50)
@given(st.lists(st.tuples(jobs, st.booleans(), st.none() | st.dates(date(2024, 12, 1),
                                                                    date(2029, 12, 31))),
                max_size=12),
       instants)
def test_bulk_answers_agree_with_the_single_job_ones(
    specs: list[tuple[ScheduledJob, bool, date | None]], now: datetime
) -> None:
    """due_jobs and next_runs give, per job, what due_day and next_run give."""
    jobs_ = [_job(job.recurrence, job.time_zone, job.run_hour, job_id=f"j{n}",
                  starts_on=job.starts_on, active=active)
             for n, (job, active, _last) in enumerate(specs)]
    # Repeat a job's calendar under another id, so the memo is shared.
    if jobs_:
        jobs_.append(_job(jobs_[0].recurrence, jobs_[0].time_zone, jobs_[0].run_hour,
                          job_id="twin"))
    last_days = {f"j{n}": last for n, (_j, _a, last) in enumerate(specs) if last is not None}
    expected_due = [(job, day) for job in jobs_
                    if (day := due_day(job, now, last_days.get(job.id))) is not None]
    assert due_jobs(jobs_, now, last_days) == expected_due
    assert next_runs(jobs_, now) == {job.id: next_run(job, now) for job in jobs_ if job.active}
