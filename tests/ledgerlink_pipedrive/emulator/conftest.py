"""Fixtures of the Pipedrive emulator tests: a fake clock, an emulator, a company, a client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ledgerlink_pipedrive.emulator import Company, PipedriveEmulator
from tests.ledgerlink_pipedrive.emulator.support import FakeClock, client_for


@pytest.fixture
def clock() -> FakeClock:
    """A clock at a fixed instant."""
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
def client(emu: PipedriveEmulator, company: Company) -> Iterator[httpx.Client]:
    """A client carrying the company's API token."""
    with client_for(emu, company) as held:
        yield held
