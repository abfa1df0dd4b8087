"""Fixtures of every Pipedrive test (the emulator's and the source's): a fake clock, an
emulator on it, a company in it; the emulator served on 127.0.0.1 and sources opened
against it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ledgerlink.emulation import EmulatorServer
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink_pipedrive.emulator import Company, PipedriveEmulator
from ledgerlink_pipedrive.source import PipedriveSource
from tests.clocks import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    """A clock at a fixed instant; the emulator's burst windows and times follow it."""
    return FakeClock()


@pytest.fixture
def emu(clock: FakeClock) -> PipedriveEmulator:
    """An emulator on the fake clock."""
    return PipedriveEmulator(clock=clock, sleep=clock.sleep)


@pytest.fixture
def company(emu: PipedriveEmulator) -> Company:
    """A company with no records yet."""
    return emu.create_company("Sælg ApS")


@pytest.fixture
def served(emu: PipedriveEmulator) -> Iterator[EmulatorServer]:
    """The emulator served on 127.0.0.1 until the test ends."""
    with emu.serve() as server:
        yield server


@pytest.fixture
def open_pipedrive(served: EmulatorServer, company: Company, clock: FakeClock
                   ) -> Iterator[Callable[..., PipedriveSource]]:
    """``open_pipedrive(**options)``: a source reading the company over HTTP with its API
    token (unless options say otherwise), its own limits, waiting on the fake clock;
    closed when the test ends."""
    opened: list[PipedriveSource] = []

    def build(**options: Any) -> PipedriveSource:
        given = {"api_token": company.api_token, "base_url": served.base_url,
                 "limiters": LimiterRegistry(), "sleep": clock.sleep, **options}
        source = PipedriveSource(**{key: value for key, value in given.items()
                                    if value is not None})
        opened.append(source)
        return source

    yield build
    for source in opened:
        source.close()
