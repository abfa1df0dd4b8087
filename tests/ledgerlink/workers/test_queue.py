"""When the pool queues a company's nightly run: once a local day, by its own clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink.store.companies import CompanyRecord
from ledgerlink.workers.queue import nightly_due

ZONES = ("Europe/Copenhagen", "America/New_York", "Asia/Kolkata", "Australia/Adelaide",
         "Pacific/Chatham", "UTC", "America/St_Johns")


# 240 ticks an example: a loaded machine must not turn its time into a failure.
@settings(deadline=None)
@given(zone=st.sampled_from(ZONES), start=st.dates(date(2024, 1, 1), date(2030, 12, 31)),
       hour=st.integers(0, 23))
def test_the_nightly_run_is_queued_once_every_local_day(zone: str, start: date,
                                                        hour: int) -> None:
    """Over ten days of hourly ticks the company is due once a day, 23 to 25 hours apart
    (daylight saving changes included), each time in its nightly hour by its own clock."""
    record = CompanyRecord("acme", "book-1", "sandbox", time_zone=zone)
    first = datetime.combine(start, time(0), tzinfo=UTC)
    ticks = [first + timedelta(hours=i) for i in range(24 * 10)]
    due = [tick for tick in ticks if nightly_due([record], tick, hour)]
    assert 9 <= len(due) <= 11
    assert all(timedelta(hours=23) <= b - a <= timedelta(hours=25)
               for a, b in pairwise(due))
    for tick in due:
        local = tick.astimezone(ZoneInfo(zone))
        jumped = local.utcoffset() != (tick - timedelta(hours=1)).astimezone(
            ZoneInfo(zone)).utcoffset()
        assert local.hour == hour or jumped, "due in its nightly hour, or as clocks jumped"


def test_only_companies_at_their_nightly_hour_are_due() -> None:
    """At 01:00 UTC in winter, Copenhagen reads 02:00 and New York 20:00: only Copenhagen."""
    records = [CompanyRecord("cph", "b1", "sandbox", time_zone="Europe/Copenhagen"),
               CompanyRecord("nyc", "b2", "sandbox", time_zone="America/New_York")]
    due = nightly_due(records, datetime(2026, 12, 8, 1, 0, tzinfo=UTC), 2)
    assert [r.name for r in due] == ["cph"]
