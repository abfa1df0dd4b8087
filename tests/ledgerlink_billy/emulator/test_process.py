"""The emulator in a process of its own (``python -m``) and through the testing kit's fixture."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ledgerlink.testing.emulators import EmulatorLink
from ledgerlink_billy.emulator import BillyEmulator, Organization
from tests.emulator_process import served_module
from tests.ledgerlink_billy.emulator.support import contact_body, ok


@pytest.mark.slow
def test_python_m_serves_a_company_until_terminated() -> None:
    """The first line is the base URL; the state path names the company, connect its token."""
    with served_module("ledgerlink_billy.emulator") as base_url:
        with httpx.Client(base_url=base_url) as http:
            account, = http.get("/_emulator/state").json()["organizations"]
            token = http.post("/_emulator/connect", params={"account": account}).json()
            http.headers["X-Access-Token"] = token["access_token"]
            ok(http.post("/v2/contacts", json=contact_body()))
            state = http.get("/_emulator/state").json()
        assert state["organizations"][account]["contacts"] == 1


def test_the_testing_kit_runs_it_on_a_socket(
        ledgerlink_emulate: Callable[..., EmulatorLink], emu: BillyEmulator,
        org: Organization) -> None:
    """ledgerlink_emulate(emu, served=True) gives a base URL on 127.0.0.1 and no transport."""
    link = ledgerlink_emulate(emu, served=True)
    assert link.transport is None
    headers: dict[str, Any] = {"X-Access-Token": org.access_token}
    with httpx.Client(base_url=link.base_url, headers=headers) as http:
        assert ok(http.get("/v2/organization"))["organization"]["id"] == org.id
