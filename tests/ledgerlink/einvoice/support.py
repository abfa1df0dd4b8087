"""Shared pieces of the e-invoice tests: the PEPPOL samples, a served emulator, a clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ledgerlink.einvoice.emulator import PeppolEmulator, ServedPeppol, serve_peppol
from tests.paths import SHARED

#: The PEPPOL lookup material (NOTES.md and the sample answers).
LOOKUP_SAMPLES = SHARED / "einvoice" / "peppol-lookup"
#: The instant the tests' clocks start at.
START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
#: Short, so a DNS server told to stay silent fails a test quickly.
DNS_TIMEOUT = 0.5


def sample(name: str) -> Path:
    """A sample file of the lookup material; the test is skipped when it is absent."""
    path = LOOKUP_SAMPLES / name
    if not path.is_file():
        pytest.skip(f"PEPPOL lookup sample not found at {path} (set LEDGERLINK_SHARED)")
    return path


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        """Move the time on by ``by``."""
        self.now += by


@contextmanager
def served(emulator: PeppolEmulator | None = None) -> Iterator[ServedPeppol]:
    """``emulator`` (an empty one by default) served on 127.0.0.1: real UDP DNS, real HTTP."""
    with serve_peppol(emulator or PeppolEmulator()) as serving:
        yield serving
