"""`ledgerlink emulate` end to end, as docs/how-to/quickbooks.md and
docs/how-to/dinero.md describe it: serve the emulator, `connect` through its
consent page, `ledgerlink run` a small work-orders file, count the invoices it
holds; stop it, serve it again from the same --state file, and the invoices and
the connection are still there."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
import httpx
import pytest

#: Longest a command here may take.
WAIT = 60.0
REDIRECT_URI = "http://127.0.0.1/callback"
WORK = """work_order_id,customer_id,status,planned_date,completed_at,project,description,\
line_description,quantity,unit_price,vat_rate,product_id
wo-1,c-1,completed,2024-05-01,2024-05-01T14:30:00+00:00,,Boiler service,Labour,2.5,650.00,25,
wo-2,c-1,completed,2024-05-02,2024-05-02T14:30:00+00:00,,Inspection,Inspection,1,495,25,
"""
CUSTOMERS = """id,name,kind,email,street,postal_code,city,country,registration_number,\
currency,delivery,posting,timing,send,payment_terms_days
c-1,Acme,company,billing@acme.example,1 Main St,1058,Town,{country},,{currency},,book,,,
"""


@attrs.frozen
class Provider:
    """What differs between the two providers' walk-throughs."""

    name: str
    consent_path: str  # the real consent page's path, which the emulator serves too
    env: tuple[str, str]  # client id and secret variables of `connect`
    country: str
    currency: str
    accounts: str  # key of the state's per-account counts
    account_option: str  # the run option naming the account
    connect_args: tuple[str, ...] = ()


PROVIDERS = [
    Provider("quickbooks", "/connect/oauth2",
             ("LEDGERLINK_QBO_CLIENT_ID", "LEDGERLINK_QBO_CLIENT_SECRET"), "US", "USD",
             "realms", "realm_id"),
    Provider("dinero", "/connect/authorize",
             ("LEDGERLINK_DINERO_CLIENT_ID", "LEDGERLINK_DINERO_CLIENT_SECRET"), "DK", "DKK",
             "organisations", "organisation_id"),
]


def _program() -> str:
    program = shutil.which("ledgerlink")
    assert program, "the ledgerlink console script is installed with the project"
    return program


@contextmanager
def _emulate(name: str, *extra: str) -> Iterator[tuple[dict[str, Any], subprocess.Popen[str]]]:
    """`ledgerlink emulate NAME --port 0 --json ...`: yields what it printed, and the process."""
    with subprocess.Popen([_program(), "emulate", name, "--port", "0", "--json", *extra],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line, child.stderr.read() if child.stderr else "no output"
            yield json.loads(line), child
        finally:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
            child.communicate(timeout=WAIT)


def _connect(provider: Provider, info: dict[str, Any], store: Path) -> str:
    """`ledgerlink PROVIDER connect`, the consent page opened on the emulator's host."""
    environ = {**os.environ, provider.env[0]: info["client_id"],
               provider.env[1]: info["client_secret"], "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen([_program(), provider.name, "connect", "--base-url",
                           info["base_url"], "--redirect-uri", REDIRECT_URI, "--store",
                           str(store)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=environ) as child:
        assert child.stdout is not None and child.stdin is not None
        # `connect --base-url` prints the emulator's own consent page: opened as printed.
        # The child then waits for the pasted URL: a missing line must not hang the test.
        watchdog = threading.Timer(WAIT, child.kill)
        watchdog.start()
        for line in child.stdout:
            if f"{info['base_url']}{provider.consent_path}?" in line:
                break
        else:
            raise AssertionError(f"no consent URL printed: {child.communicate()}")
        watchdog.cancel()
        consent = line.strip()
        redirect = httpx.get(consent, follow_redirects=False, timeout=WAIT)
        assert redirect.status_code == 302, redirect.text
        location = redirect.headers["location"]
        assert location.startswith(REDIRECT_URI + "?") and "code=" in urlsplit(location).query
        child.stdin.write(location + "\n")
        child.stdin.flush()
        out, err = child.communicate(timeout=WAIT)
    assert child.returncode == 0, out + err
    return out


def _run(provider: Provider, info: dict[str, Any], store: Path, tmp_path: Path
         ) -> subprocess.CompletedProcess[str]:
    work = tmp_path / "work.csv"
    customers = tmp_path / "customers.csv"
    work.write_text(WORK, encoding="utf-8")
    customers.write_text(CUSTOMERS.format(country=provider.country, currency=provider.currency),
                         encoding="utf-8")
    options = [f"{provider.account_option}={info['account']}", f"base_url={info['base_url']}",
               f"client_id={info['client_id']}", f"client_secret={info['client_secret']}"]
    if "default_item" in info:
        options.append(f"default_item={info['default_item']}")
    command = [_program(), "run", "--connector", provider.name, "--work-orders", str(work),
               "--customers", str(customers), "--store", str(store), "--json",
               "--now", "2024-05-10T00:00:00+00:00"]
    for option in options:
        command += ["-o", option]
    return subprocess.run(command, capture_output=True, text=True, timeout=WAIT, check=False)


def _invoices(provider: Provider, info: dict[str, Any]) -> int:
    state = httpx.get(info["base_url"] + "/_emulator/state", timeout=WAIT).json()
    assert state["throttled"] == 0, "the connector keeps to the provider's limits"
    return int(state[provider.accounts][info["account"]]["invoices"])


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
def test_emulate_connect_and_run_as_the_docs_describe(provider: Provider,
                                                      tmp_path: Path) -> None:
    """Two work orders become two invoices in the served emulator, kept across a restart."""
    store = tmp_path / "ledgerlink.db"
    state_file = tmp_path / "book.json"
    with _emulate(provider.name, "--state", str(state_file)) as (info, child):
        assert info["emulator"] == provider.name
        assert info["base_url"] == f"http://127.0.0.1:{info['port']}"
        assert info["client_id"] and info["client_secret"]
        out = _connect(provider, info, store)
        assert f"{info['account']}" in out
        ran = _run(provider, info, store, tmp_path)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert json.loads(ran.stdout)["failures"] == []
        assert _invoices(provider, info) == 2
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=WAIT) == 0
    assert state_file.exists()

    with _emulate(provider.name, "--state", str(state_file)) as (again, _):
        assert again["account"] == info["account"]
        assert _invoices(provider, again) == 2
        # The connection survived too: a second run finds both invoices done.
        ran = _run(provider, again, store, tmp_path)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert _invoices(provider, again) == 2


def test_an_unknown_emulator_is_a_usage_error() -> None:
    """`ledgerlink emulate NAME` names the emulators it knows when NAME is not one."""
    done = subprocess.run([_program(), "emulate", "nosuch"], capture_output=True, text=True,
                          timeout=WAIT, check=False)
    assert done.returncode == 2
    assert "dinero" in done.stderr and "quickbooks" in done.stderr
