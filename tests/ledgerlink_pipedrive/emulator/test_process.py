"""The emulator in a process of its own (``python -m``)."""

from __future__ import annotations

import httpx
import pytest

from tests.emulator_process import served_module


@pytest.mark.slow
def test_python_m_serves_a_company_until_terminated() -> None:
    """The first line is the base URL; authorize gives the API token, which then writes."""
    with served_module("ledgerlink_pipedrive.emulator") as base_url:
        with httpx.Client(base_url=base_url) as http:
            account, = http.get("/_emulator/state").json()["companies"]
            token = http.post("/_emulator/authorize", params={"account": account}).json()["code"]
            made = http.post("/api/v2/deals", json={"title": "Website", "status": "won"},
                             headers={"x-api-token": token})
            assert made.status_code == 200
            state = http.get("/_emulator/state").json()
        assert state["companies"][account]["won_deals"] == 1
