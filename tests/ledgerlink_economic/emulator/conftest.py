"""Fixtures of the e-conomic emulator tests: a fake clock, an emulator, an agreement, a client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ledgerlink_economic.emulator import Agreement, EconomicEmulator
from tests.ledgerlink_economic.emulator.support import FakeClock, client_for, customer_body


@pytest.fixture
def clock() -> FakeClock:
    """A clock at a fixed instant."""
    return FakeClock()


@pytest.fixture
def emu(clock: FakeClock) -> EconomicEmulator:
    """An emulator on the fake clock."""
    return EconomicEmulator(clock=clock, sleep=clock.sleep)


@pytest.fixture
def agreement(emu: EconomicEmulator) -> Agreement:
    """A seeded agreement with one customer (number 1)."""
    grant = emu.create_agreement("Firma ApS")
    emu.seed(grant, "POST", "/customers", customer_body())
    return grant


@pytest.fixture
def client(emu: EconomicEmulator, agreement: Agreement) -> Iterator[httpx.Client]:
    """A client carrying the agreement's tokens."""
    with client_for(emu, agreement) as held:
        yield held
