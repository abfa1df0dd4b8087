"""Fixtures for the Dinero emulator tests: a fake clock, an emulator, a signed-in client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from ledgerlink_dinero.emulator import DineroEmulator
from tests.ledgerlink_dinero.emulator.support import (
    BASE_URL,
    ORG,
    FakeClock,
    api,
    contact_body,
    invoice_body,
    ok,
)


@pytest.fixture
def clock() -> FakeClock:
    """A hand-moved clock."""
    return FakeClock()


@pytest.fixture
def emulator(clock: FakeClock) -> DineroEmulator:
    """An emulator with one Pro organisation, on the fake clock."""
    emulator = DineroEmulator(clock=clock, sleep=clock.sleep)
    emulator.add_organisation(ORG, "Vinduespudser ApS")
    return emulator


@pytest.fixture
def client(emulator: DineroEmulator) -> Iterator[httpx.Client]:
    """An httpx client signed in to the organisation through the in-process transport."""
    tokens = emulator.connect(ORG)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    with httpx.Client(transport=emulator.transport(), base_url=BASE_URL, headers=headers) as http:
        yield http


@pytest.fixture
def contact(client: httpx.Client) -> str:
    """The guid of a contact with an email address."""
    return str(ok(client.post(api("contacts"), json=contact_body()), 201)["ContactGuid"])


@pytest.fixture
def draft(client: httpx.Client, contact: str) -> Callable[..., dict[str, Any]]:
    """Create a draft invoice (overrides as keywords); returns ``{"Guid", "TimeStamp"}``."""

    def create(**extra: Any) -> dict[str, Any]:
        return dict(ok(client.post(api("invoices"), json=invoice_body(contact, **extra)), 201))

    return create


@pytest.fixture
def booked(
    client: httpx.Client, draft: Callable[..., dict[str, Any]]
) -> Callable[..., dict[str, Any]]:
    """Create and book an invoice; returns its read model."""

    def create(**extra: Any) -> dict[str, Any]:
        created = draft(**extra)
        path = api(f"invoices/{created['Guid']}/book")
        ok(client.post(path, json={"Timestamp": created["TimeStamp"]}))
        return dict(ok(client.get(api(f"invoices/{created['Guid']}"))))

    return create
