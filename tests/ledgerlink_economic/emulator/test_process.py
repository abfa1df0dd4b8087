"""The emulator in a process of its own (``python -m``)."""

from __future__ import annotations

import signal
import subprocess
import sys

import httpx
import pytest

from tests.ledgerlink_economic.emulator.support import customer_body


@pytest.mark.slow
def test_python_m_serves_an_agreement_until_terminated() -> None:
    """The first line is the base URL; connect gives both tokens, which then write."""
    with subprocess.Popen([sys.executable, "-m", "ledgerlink_economic.emulator", "--port", "0"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            base_url = process.stdout.readline().strip()
            assert base_url.startswith("http://127.0.0.1:")
            with httpx.Client(base_url=base_url) as http:
                account, = http.get("/_emulator/state").json()["agreements"]
                tokens = http.post("/_emulator/connect", params={"account": account}).json()
                http.headers["X-AppSecretToken"] = tokens["app_secret_token"]
                http.headers["X-AgreementGrantToken"] = tokens["agreement_grant_token"]
                assert http.post("/customers", json=customer_body()).status_code == 201
                state = http.get("/_emulator/state").json()
            assert state["agreements"][account]["customers"] == 1
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)
    assert process.returncode == 0
