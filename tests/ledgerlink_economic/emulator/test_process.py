"""The emulator in a process of its own (``python -m``)."""

from __future__ import annotations

import httpx
import pytest

from tests.emulator_process import served_module
from tests.ledgerlink_economic.emulator.support import customer_body


@pytest.mark.slow
def test_python_m_serves_an_agreement_until_terminated() -> None:
    """The first line is the base URL; connect gives both tokens, which then write."""
    with served_module("ledgerlink_economic.emulator") as base_url:
        with httpx.Client(base_url=base_url) as http:
            account, = http.get("/_emulator/state").json()["agreements"]
            tokens = http.post("/_emulator/connect", params={"account": account}).json()
            http.headers["X-AppSecretToken"] = tokens["app_secret_token"]
            http.headers["X-AgreementGrantToken"] = tokens["agreement_grant_token"]
            assert http.post("/customers", json=customer_body()).status_code == 201
            state = http.get("/_emulator/state").json()
        assert state["agreements"][account]["customers"] == 1
