"""A hand-moved, timezone-aware clock for the emulators that keep datetimes (Billy, e-conomic)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs

__all__ = ["START", "FakeClock"]

#: A fixed instant, so dates in answers are reproducible.
START = datetime(2026, 5, 28, 9, 30, tzinfo=UTC)


@attrs.define
class FakeClock:
    """An aware clock tests move by hand; ``sleep`` advances it instead of waiting."""

    now: datetime = START
    slept: float = 0.0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        self.slept += seconds
