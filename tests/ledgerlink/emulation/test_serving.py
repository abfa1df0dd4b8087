"""The emulator kit: counted and seeded faults, the 127.0.0.1 server, and emulators served
in their own process."""

from __future__ import annotations

import math
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import stamina
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink.emulation import (
    Control,
    EmulatorServer,
    EmuRequest,
    EmuResponse,
    Faults,
    parse_shares,
)
from ledgerlink.errors import TransientProviderError
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.oauth import ClientCredentials, exchange_code
from ledgerlink.store import Store
from ledgerlink.testing.factories import (
    make_customer,
    make_invoice_draft,
    make_invoice_line,
    make_product,
)
from ledgerlink_dinero.emulator import DineroEmulator
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    QuickBooksEmulator,
)
from ledgerlink_quickbooks.faults import parse_fault
from ledgerlink_quickbooks.settings import endpoints_at

#: Longest any test here waits for a served process or a socket.
WAIT = 20.0


class Recorder:
    """An emulator that answers 200 and remembers every request it was handed."""

    def __init__(self) -> None:
        self.seen: list[EmuRequest] = []

    def handle(self, request: EmuRequest) -> EmuResponse:
        self.seen.append(request)
        return EmuResponse(200, {"content-type": "text/plain"}, b"ok")


def _draws(faults: Faults, calls: int) -> list[tuple[int | None, bool]]:
    return [(faults.take_error(), faults.take_drop()) for _ in range(calls)]


# --- faults ------------------------------------------------------------------------


def test_the_same_seed_injects_the_same_faults() -> None:
    """Two runs seeded alike meet the same 5xx, 429 and drops call by call; another seed differs."""
    runs = []
    for seed in (11, 11, 12):
        faults = Faults()
        faults.randomly(errors=0.2, throttles=0.1, drops=0.3, seed=seed)
        runs.append(_draws(faults, 300))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert {error for error, _ in runs[0]} == {None, 429, 503}


@settings(max_examples=40, deadline=None)
@given(errors=st.floats(0, 0.5), throttles=st.floats(0, 0.5), drops=st.floats(0, 1),
       seed=st.integers(0, 2**32))
def test_shares_are_honoured(errors: float, throttles: float, drops: float, seed: int) -> None:
    """Over many calls each kind of fault is injected close to its share (within 6 sigma),
    a zero share never, and ``injected`` counts exactly what was injected."""
    calls = 4000
    faults = Faults()
    faults.randomly(errors=errors, throttles=throttles, drops=drops, seed=seed)
    draws = _draws(faults, calls)
    observed = {
        "5xx": sum(1 for error, _ in draws if error == 503),
        "429": sum(1 for error, _ in draws if error == 429),
        "drop": sum(1 for _, dropped in draws if dropped),
    }
    for name, share in (("5xx", errors), ("429", throttles), ("drop", drops)):
        spread = 6 * math.sqrt(calls * share * (1 - share)) + 1
        assert abs(observed[name] - calls * share) <= spread, name
        if share == 0:
            assert observed[name] == 0
    assert faults.injected == observed


def test_threads_draw_from_one_sequence() -> None:
    """Eight threads taking faults at once meet, together, exactly the faults one thread
    would meet over as many calls: no draw is lost or repeated."""
    def fresh() -> Faults:
        faults = Faults()
        faults.randomly(errors=0.3, throttles=0.2, seed=99)
        return faults

    alone = fresh()
    expected = sorted(str(alone.take_error()) for _ in range(8 * 500))
    shared = fresh()
    results: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        mine = [str(shared.take_error()) for _ in range(500)]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT)
    assert sorted(results) == expected


def test_counted_faults_come_before_random_ones_and_clear_stops_both() -> None:
    """fail_next and drop_after_commit are used first; clear ends the random mode too."""
    faults = Faults()
    faults.randomly(errors=1.0, drops=1.0, seed=1)
    faults.fail_next(1, status=500)
    assert [faults.take_error(), faults.take_error()] == [500, 503]
    faults.clear()
    assert (faults.take_error(), faults.take_drop()) == (None, False)


@pytest.mark.parametrize("shares", [{"errors": -0.1}, {"drops": 1.5},
                                    {"errors": 0.6, "throttles": 0.5}])
def test_impossible_shares_are_refused(shares: dict[str, float]) -> None:
    """A share outside 0..1, or 5xx and 429 together above every call, is a ValueError."""
    with pytest.raises(ValueError, match="share"):
        Faults().randomly(**shares)


def test_fault_shares_parse_from_the_command_line_form() -> None:
    """``5xx=0.1,429=0.05,drop=0.02`` reads as three shares; unknown names and bad values fail."""
    assert parse_shares("5xx=0.1, 429=0.05,drop=0.02") == {"5xx": 0.1, "429": 0.05,
                                                          "drop": 0.02}
    assert parse_shares("") == {}
    for bad in ("timeout=0.1", "5xx", "5xx=lots", "drop=2"):
        with pytest.raises(ValueError, match=bad.split("=")[0]):
            parse_shares(bad)


# --- the server ----------------------------------------------------------------------


def _raw(base_url: str, data: bytes, *, half_close: bool) -> bytes:
    """Send ``data`` on a fresh socket and read until the server closes it."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=WAIT) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_body_cut_short_never_reaches_the_emulator() -> None:
    """Headers promising 50 bytes, 10 sent, then the client stops: the server answers 400
    and closes, and the emulator sees nothing; a whole request still goes through."""
    recorder = Recorder()
    with EmulatorServer(recorder) as server:
        head = b"POST /v3/company/1/batch?requestid=r1 HTTP/1.1\r\nHost: x\r\n"
        answer = _raw(server.base_url, head + b"Content-Length: 50\r\n\r\n" + b"{" * 10,
                      half_close=True)
        assert answer.startswith(b"HTTP/1.1 400")
        assert b"10 of its 50" in answer
        assert recorder.seen == []
        whole = httpx.post(server.base_url + "/v3/company/1/batch", content=b"{}")
        assert whole.status_code == 200
        assert [r.body for r in recorder.seen] == [b"{}"]


def test_a_stalled_body_times_out_without_reaching_the_emulator() -> None:
    """A client that sends part of a body and then waits is cut off after the timeout."""
    recorder = Recorder()
    with EmulatorServer(recorder, timeout=0.3) as server:
        started = time.monotonic()
        head = b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n"
        answer = _raw(server.base_url, head + b"ab", half_close=False)
        assert time.monotonic() - started < WAIT
        assert answer.startswith(b"HTTP/1.1 400")
        assert recorder.seen == []


def test_an_unreadable_content_length_is_refused() -> None:
    """A Content-Length that is not a number is a 400 from the server itself."""
    recorder = Recorder()
    with EmulatorServer(recorder) as server:
        answer = _raw(server.base_url,
                      b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n",
                      half_close=True)
        assert answer.startswith(b"HTTP/1.1 400")
        assert recorder.seen == []


def test_control_paths_answer_state_and_tokens() -> None:
    """The test-only paths answer from the Control given, and reach the emulator never."""
    recorder = Recorder()
    control = Control(state=lambda: {"seen": len(recorder.seen)},
                      authorize=lambda account: f"code-{account}",
                      connect=lambda account: {"access_token": f"t-{account}"})
    with EmulatorServer(recorder, control) as server:
        base = server.base_url + "/_emulator/"
        assert httpx.get(base + "state").json() == {"seen": 0}
        assert httpx.post(base + "authorize", params={"account": "7"}).json() == {
            "code": "code-7"}
        assert httpx.post(base + "connect", params={"account": "7"}).json() == {
            "access_token": "t-7"}
        assert httpx.post(base + "connect").status_code == 400
        assert httpx.get(base + "nothing").status_code == 404
        assert recorder.seen == []


# --- injected 429s in each provider's own shape -----------------------------------------


def test_quickbooks_answers_an_injected_429_as_it_throttles() -> None:
    """An injected 429 is QuickBooks' XML 3001 ThrottleExceeded fault, read as transient."""
    emulator = QuickBooksEmulator()
    token = emulator.connect("42")["access_token"]
    emulator.faults.fail_next(1, status=429)
    response = httpx.Client(transport=emulator.transport()).get(
        "https://q/v3/company/42/query", params={"query": "select * from Item"},
        headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 429
    assert response.headers["content-type"].startswith("application/xml")
    fault = parse_fault(response)
    assert fault is not None and (fault.code, fault.kind) == ("3001", "transient")
    assert "retry-after" not in response.headers


def test_dinero_answers_an_injected_429_with_its_quota_text() -> None:
    """An injected 429 carries Dinero's "API calls quota exceeded!" text, as plain text."""
    emulator = DineroEmulator()
    token = emulator.connect("77")["access_token"]
    emulator.faults.fail_next(1, status=429)
    response = httpx.Client(transport=emulator.transport()).get(
        "https://d/v1/77/contacts", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 429
    assert response.text.startswith("API calls quota exceeded!")
    assert response.headers["content-type"].startswith("text/plain")


# --- served in a process of its own ----------------------------------------------------


@pytest.fixture
def no_retry_waits() -> Iterator[None]:
    """Retries run at once, keeping their number of attempts."""
    with stamina.set_testing(True, attempts=1000, cap=True):
        yield


def _serve(module: str, *args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline().strip()  # the first line, once it is serving
    assert line.startswith("http://127.0.0.1:"), process.stderr.read() if process.stderr else ""
    return process, line


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:  # pragma: no cover - only when stopping hangs
        process.kill()
        process.wait(timeout=WAIT)


@pytest.mark.slow
@pytest.mark.usefixtures("no_retry_waits")
def test_a_served_quickbooks_with_faults_still_gets_each_invoice_once(tmp_path: Path) -> None:
    """Served by ``python -m ledgerlink_quickbooks.emulator`` with 5xx, 429 and dropped
    answers at seeded shares, twenty invoices are created once each, as its state shows."""
    process, base = _serve("ledgerlink_quickbooks.emulator",
                           "--faults", "5xx=0.1,429=0.05,drop=0.05", "--seed", "3")
    try:
        realm = "4620816365"
        store = Store(tmp_path / "tokens.db")
        with httpx.Client(base_url=base, timeout=WAIT) as client:
            code = client.post("/_emulator/authorize", params={"account": realm}).json()["code"]
            exchange_code(client, endpoints_at(base),
                          ClientCredentials(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
                          code=code, redirect_uri="https://app.example/cb", store=store,
                          key=f"quickbooks:{realm}", provider="quickbooks")
        quickbooks = QuickBooksConnector(realm_id=realm, client_id=DEFAULT_CLIENT_ID,
                                         client_secret=DEFAULT_CLIENT_SECRET, token_store=store,
                                         base_url=base, limiters=LimiterRegistry())
        try:
            customer = make_customer(currency="USD")
            ref = quickbooks.create_customer(customer)
            product = make_product()
            item = quickbooks.create_product(product)
            keys = [f"inv:served-{n}" for n in range(20)]
            for key in keys:
                line = make_invoice_line(product_id=product.id)
                draft = make_invoice_draft(customer=customer, key=key, lines=[line])
                try:
                    quickbooks.create_invoice(draft, ref, {product.id: item})
                except TransientProviderError:
                    quickbooks.create_invoice(draft, ref, {product.id: item})  # a later run's retry
        finally:
            quickbooks.close()
        state: dict[str, Any] = httpx.get(base + "/_emulator/state", timeout=WAIT).json()
    finally:
        _stop(process)
    held = state["realms"][realm]
    assert held["invoices_per_key"] == dict.fromkeys(keys, 1)
    assert held["customers"] == 1
    assert sum(state["faults"].values()) > 0


@pytest.mark.slow
def test_a_served_dinero_reports_its_organisations() -> None:
    """``python -m ledgerlink_dinero.emulator`` serves, connects an organisation through the
    control path and reports it in its state."""
    process, base = _serve("ledgerlink_dinero.emulator", "--seed", "1")
    try:
        tokens = httpx.post(base + "/_emulator/connect", params={"account": "555"},
                            timeout=WAIT).json()
        listed = httpx.get(base + "/v1/organizations", timeout=WAIT,
                           headers={"Authorization": f"Bearer {tokens['access_token']}"})
        state = httpx.get(base + "/_emulator/state", timeout=WAIT).json()
    finally:
        _stop(process)
    assert [row["id"] for row in listed.json()] == ["555"]
    assert state["organisations"]["555"]["invoices"] == 0
    assert state["faults"] == {"5xx": 0, "429": 0, "drop": 0}
