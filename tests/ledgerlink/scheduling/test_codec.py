"""Scheduled jobs ↔ JSON: exact round trips, stable text, errors that name the field path."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings

from ledgerlink.errors import ValidationError
from ledgerlink.scheduling.codec import (
    job_from_dict,
    job_from_json,
    job_from_stored_json,
    job_to_dict,
    job_to_json,
)
from ledgerlink.scheduling.model import (
    Frequency,
    InvoiceGeneration,
    JobFilters,
    MonthlyDay,
    Recipient,
    Recurrence,
    ScheduledJob,
    Weekday,
)
from tests.ledgerlink.scheduling.strategies import jobs

_told: Any = (Recipient("bo@acme.dk", "Bo"),)  # Any: mypy cannot type converter=tuple


def _job(**changes: Any) -> ScheduledJob:
    values: dict[str, Any] = dict(
        company="acme", name="Monthly fees",
        recurrence=Recurrence(Frequency.MONTHLY, monthly=MonthlyDay.DAY_OF_MONTH,
                              day_of_month=31),
        generation=InvoiceGeneration("ann", notify=_told),
        created_by="ann", filters=JobFilters(managers={"zoe", "ann", "bob"}),
        starts_on=date(2026, 9, 1))
    values.update(changes)
    return ScheduledJob(**values)


def _problems(data: Any) -> dict[str | None, str]:
    with pytest.raises(ValidationError) as caught:
        job_from_dict(data, source="jobs/acme.json")
    return {p.field: p.message for p in caught.value.problems}


@settings(max_examples=60)
@given(jobs)
def test_every_job_round_trips_exactly_through_json(job: ScheduledJob) -> None:
    """Any job survives JSON, through the strict and the stored reader, to the same text."""
    text = job_to_json(job)
    assert job_from_json(text) == job
    assert job_from_stored_json(text) == job  # the store's fast path reads the same job
    assert job_to_json(job_from_json(text)) == text  # same job, same text


def test_the_json_shape_has_enum_values_sorted_sets_and_iso_dates() -> None:
    """A job's JSON holds enum values, sorted sets and ISO dates, as job_to_dict does."""
    data = json.loads(job_to_json(_job(recurrence=Recurrence(Frequency.WEEKLY,
                                                             weekday=Weekday.FRIDAY))))
    assert data["recurrence"] == {"frequency": "weekly", "weekday": 4, "weekdays_only": False,
                                  "monthly": None, "day_of_month": None}
    assert data["filters"]["managers"] == ["ann", "bob", "zoe"]
    assert data["starts_on"] == "2026-09-01"
    assert data["generation"]["notify"] == [{"address": "bo@acme.dk", "name": "Bo"}]
    assert data["include_up_to"] == "run_day"
    assert job_to_dict(_job()) == json.loads(job_to_json(_job()))


def test_a_day_of_month_out_of_range_is_named_by_its_path() -> None:
    """A day of month outside 1..31 is reported at recurrence.day_of_month."""
    data = job_to_dict(_job())
    data["recurrence"]["day_of_month"] = 40
    assert "1..31" in _problems(data)["recurrence.day_of_month"]


def test_every_bad_field_is_named_by_its_path_at_once() -> None:
    """One read reports every bad, misspelt or mistyped field by its dotted path."""
    data = job_to_dict(_job())
    data["recurrence"]["frequency"] = "hourly"
    data["generation"]["notify"][0]["address"] = "not-an-address"
    data["filters"]["managers"] = "ann"  # a string is not a list of names
    data["run_hour"] = 7.5
    data["colour"] = "red"
    problems = _problems(data)
    assert set(problems) == {"recurrence.frequency", "generation.notify[0]",
                             "filters.managers", "run_hour", "colour"}
    assert "daily, weekly, monthly" in problems["recurrence.frequency"]
    assert "email address" in problems["generation.notify[0]"]
    assert "list" in problems["filters.managers"]
    assert "misspelt" in problems["colour"]


def test_a_missing_field_and_a_bad_date_are_named() -> None:
    """A missing required field and a date not in ISO form are each reported by name."""
    data = job_to_dict(_job())
    del data["company"]
    data["starts_on"] = "1 September"
    problems = _problems(data)
    assert problems["company"] == "required field missing"
    assert "ISO date" in problems["starts_on"]


def test_errors_say_which_source_they_came_from() -> None:
    """A validation error names the file it was read from along with the field."""
    data = job_to_dict(_job())
    data["recurrence"]["day_of_month"] = 0
    with pytest.raises(ValidationError) as caught:
        job_from_json(json.dumps(data), source="jobs/acme.json")
    assert caught.value.source == "jobs/acme.json"
    assert "jobs/acme.json, field 'recurrence.day_of_month'" in str(caught.value)


@pytest.mark.parametrize("text", ["{not json", "[1, 2]"])
def test_text_that_is_not_a_json_object_is_refused_with_its_source(text: str) -> None:
    """Text that is not JSON, or not a JSON object, is refused naming its source."""
    with pytest.raises(ValidationError, match=r"jobs/x\.json: .*(JSON|object)"):
        job_from_json(text, source="jobs/x.json")


def test_the_stored_fast_path_reports_bad_text_by_field_like_the_strict_reader() -> None:
    """The store's fast reader reports a bad stored field by its path, like the strict one."""
    data = job_to_dict(_job())
    data["recurrence"]["monthly"] = "fortnightly"
    with pytest.raises(ValidationError) as caught:
        job_from_stored_json(json.dumps(data), source="schedule_jobs")
    assert [p.field for p in caught.value.problems] == ["recurrence.monthly"]


def test_a_field_added_later_with_a_default_reads_old_text() -> None:
    """Text written before a defaulted field existed still reads as the same job."""
    data = job_to_dict(_job())
    del data["description"]  # text written before the field existed
    assert job_from_stored_json(json.dumps(data)) == _job()
    assert job_from_dict(data) == _job()


@pytest.mark.parametrize("weekday", [True, 7, "someday", 4.0])
def test_a_weekday_that_is_not_one_is_refused(weekday: object) -> None:
    """A weekday that is a bool, out of range, unknown word or float is refused."""
    data = job_to_dict(_job(recurrence=Recurrence(Frequency.WEEKLY, weekday=Weekday.MONDAY)))
    data["recurrence"]["weekday"] = weekday
    assert "weekday" in _problems(data)["recurrence.weekday"]


def test_a_weekday_is_read_as_the_enum_by_number_or_name() -> None:
    """A weekday reads as the Weekday enum from its number or its name."""
    data = job_to_dict(_job(recurrence=Recurrence(Frequency.WEEKLY, weekday=Weekday.MONDAY)))
    assert job_from_dict(data).recurrence.weekday is Weekday.MONDAY
    data["recurrence"]["weekday"] = "friday"
    assert job_from_dict(data).recurrence.weekday is Weekday.FRIDAY
