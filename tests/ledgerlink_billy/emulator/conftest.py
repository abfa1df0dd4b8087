"""Fixtures for the Billy emulator tests: a fake clock, an emulator with a company, a client
signed in with its token, and a contact, a product and invoices to work on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from ledgerlink_billy.emulator import BillyEmulator, Limits, Organization
from tests.clocks import FakeClock
from tests.ledgerlink_billy.emulator.support import (
    BASE_URL,
    contact_body,
    invoice_body,
    ok,
)


@pytest.fixture
def emu(clock: FakeClock) -> BillyEmulator:
    """An emulator on the fake clock, without a rate limit (the limit has its own tests)."""
    unlimited = Limits(per_minute=None)
    return BillyEmulator(clock, limits=unlimited, sleep=clock.sleep)


@pytest.fixture
def org(emu: BillyEmulator) -> Organization:
    """A Danish company with Billy's defaults."""
    return emu.create_organization("Tømrer ApS")


@pytest.fixture
def client(emu: BillyEmulator, org: Organization) -> Iterator[httpx.Client]:
    """A client with the company's access token, through the in-process transport."""
    headers = {"X-Access-Token": org.access_token}
    with httpx.Client(transport=emu.transport(), base_url=BASE_URL, headers=headers) as http:
        yield http


@pytest.fixture
def contact(client: httpx.Client) -> dict[str, Any]:
    """A Danish company contact; its primary person is ``contact["person"]``."""
    body = ok(client.post("/v2/contacts", json=contact_body()))
    return {**body["contacts"][0], "person": body["contactPersons"][0]}


@pytest.fixture
def product(client: httpx.Client) -> dict[str, Any]:
    """A product on the default (Danish VAT) ruleset."""
    body = {"product": {"name": "Vinduespudsning", "productNo": "VP",
                        "prices": [{"unitPrice": 300, "currencyId": "DKK"}]}}
    return dict(ok(client.post("/v2/products", json=body))["products"][0])


@pytest.fixture
def draft(client: httpx.Client, contact: dict[str, Any],
          product: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """Create a draft invoice (overrides as keywords); returns the invoice."""

    def create(**extra: Any) -> dict[str, Any]:
        body = invoice_body(contact["id"], product["id"], **extra)
        return dict(ok(client.post("/v2/invoices", json=body))["invoices"][0])

    return create


@pytest.fixture
def approved(client: httpx.Client,
             draft: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Create and approve an invoice; returns the approved invoice."""

    def create(**extra: Any) -> dict[str, Any]:
        made = draft(**extra)
        answer = client.put(f"/v2/invoices/{made['id']}", json={"invoice": {"state": "approved"}})
        return dict(ok(answer)["invoices"][0])

    return create


@pytest.fixture
def clock() -> FakeClock:
    """A hand-moved clock at :data:`tests.clocks.START`."""
    return FakeClock()
