"""Fixtures of the Pipedrive emulator tests: a client carrying the company's API token (the
fake clock, the emulator and the company come from the package's conftest)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ledgerlink_pipedrive.emulator import Company, PipedriveEmulator
from tests.ledgerlink_pipedrive.emulator.support import client_for


@pytest.fixture
def client(emu: PipedriveEmulator, company: Company) -> Iterator[httpx.Client]:
    """A client carrying the company's API token."""
    with client_for(emu, company) as held:
        yield held
