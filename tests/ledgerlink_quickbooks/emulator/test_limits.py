"""Throttling, latency, fault injection and the real 127.0.0.1 server."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from ledgerlink_quickbooks.emulator import (
    EmulatorServer,
    EmulatorTransport,
    Limits,
    QuickBooksEmulator,
)
from tests.ledgerlink_quickbooks.emulator.support import (
    BASE_URL,
    REALM,
    FakeClock,
    api,
    invoice_body,
    load_official,
)

ITEMS = "select * from Item"


def _client(emulator: QuickBooksEmulator) -> httpx.Client:
    tokens = emulator.connect(REALM)
    return httpx.Client(
        transport=EmulatorTransport(emulator),
        base_url=BASE_URL,
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )


def test_429_xml_after_limit_then_recovers(clock: FakeClock) -> None:
    """Past the per-minute limit the answer is 429 with the official XML, until the window moves."""
    emulator = QuickBooksEmulator(clock=clock, limits=Limits(per_minute=5))
    http = _client(emulator)
    statuses = [http.get(api("query"), params={"query": ITEMS}).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    throttled = http.get(api("query"), params={"query": ITEMS})
    assert throttled.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(throttled.content)
    ns = {"i": "http://schema.intuit.com/finance/v3"}
    assert root.find("i:Fault/i:Error", ns).get("code") == "3001"  # type: ignore[union-attr]
    clock.advance(60)
    assert http.get(api("query"), params={"query": ITEMS}).status_code == 200
    official = load_official("examples/errors/faults.json")
    sample = next(e for e in official["entries"] if e["name"].startswith("throttle"))
    official_root = ET.fromstring(sample["raw"])
    assert [e.tag for e in root.iter()] == [e.tag for e in official_root.iter()]
    assert [e.attrib for e in root.iter()][1:] == [e.attrib for e in official_root.iter()][1:]


def test_default_limit_is_500_per_minute(clock: FakeClock) -> None:
    """The default realm limit admits 500 calls a minute and refuses the 501st."""
    emulator = QuickBooksEmulator(clock=clock)
    http = _client(emulator)
    ok = sum(http.get(api("query"), params={"query": ITEMS}).status_code == 200 for _ in range(501))
    assert ok == 500


def test_limits_are_per_realm(clock: FakeClock) -> None:
    """One realm's exhausted limit does not throttle another realm."""
    emulator = QuickBooksEmulator(clock=clock, limits=Limits(per_minute=1))
    http = _client(emulator)
    other = emulator.connect("42")
    assert http.get(api("query"), params={"query": ITEMS}).status_code == 200
    assert http.get(api("query"), params={"query": ITEMS}).status_code == 429
    response = http.get(
        "/v3/company/42/query",
        params={"query": ITEMS},
        headers={"Authorization": f"Bearer {other['access_token']}"},
    )
    assert response.status_code == 200


def test_batch_calls_have_their_own_limit(clock: FakeClock) -> None:
    """The batch limit refuses batch calls while plain calls still pass."""
    emulator = QuickBooksEmulator(clock=clock, limits=Limits(batch_per_minute=2))
    http = _client(emulator)
    batch = {"BatchItemRequest": [{"bId": "1", "Query": ITEMS}]}
    codes = [http.post(api("batch"), json=batch).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert http.get(api("query"), params={"query": ITEMS}).status_code == 200


def test_in_flight_limit(clock: FakeClock) -> None:
    """A request beyond the concurrent limit is answered 429 while others are in flight."""
    entered = threading.Barrier(3, timeout=5)
    release = threading.Event()

    def hold(seconds: float) -> None:
        entered.wait()
        release.wait(timeout=5)

    emulator = QuickBooksEmulator(clock=clock, sleep=hold, latency=1.0, limits=Limits(in_flight=2))
    http = _client(emulator)
    results: list[int] = []
    workers = [
        threading.Thread(
            target=lambda: results.append(
                http.get(api("query"), params={"query": ITEMS}).status_code
            )
        )
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    entered.wait()
    emulator.latency = 0.0
    third = http.get(api("query"), params={"query": ITEMS}).status_code
    release.set()
    for worker in workers:
        worker.join(timeout=5)
    assert third == 429
    assert results == [200, 200]


def test_latency_is_scaled(clock: FakeClock) -> None:
    """Injected latency is multiplied by the time scale and spent through ``sleep``."""
    slept: list[float] = []
    emulator = QuickBooksEmulator(clock=clock, sleep=slept.append, latency=0.5, time_scale=0.1)
    _client(emulator).get(api("query"), params={"query": ITEMS})
    assert slept == [pytest.approx(0.05)]


def test_latency_can_vary_per_call(clock: FakeClock) -> None:
    """``latency_fn`` chooses the delay of each call (here: writes are slower than reads)."""
    slept: list[float] = []
    emulator = QuickBooksEmulator(clock=clock, sleep=slept.append)
    emulator.latency_fn = lambda request: 0.5 if request.method == "POST" else 0.1
    http = _client(emulator)
    http.get(api("query"), params={"query": ITEMS})
    http.post(api("customer"), json={"DisplayName": "Slow"})
    assert slept == [0.1, 0.5]


def test_fail_next_answers_5xx_without_writing(
    emulator: QuickBooksEmulator, client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """The next N calls get the injected 5xx and do nothing."""
    emulator.faults.fail_next(2, status=503)
    body = invoice_body(seeded["customer"], seeded["item"])
    codes = [client.post(api("invoice"), json=body).status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    assert len(emulator.realms[REALM].entities["Invoice"]) == 1


def test_dropped_connection_after_commit(
    emulator: QuickBooksEmulator, client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """The client sees a transport error though the write happened; its requestid retry replays."""
    emulator.faults.drop_after_commit(1)
    body = invoice_body(seeded["customer"], seeded["item"])
    with pytest.raises(httpx.TransportError):
        client.post(api("invoice"), params={"requestid": "rq-drop"}, json=body)
    assert len(emulator.realms[REALM].entities["Invoice"]) == 1
    retry = client.post(api("invoice"), params={"requestid": "rq-drop"}, json=body)
    assert retry.status_code == 200
    assert len(emulator.realms[REALM].entities["Invoice"]) == 1


def test_real_server_on_localhost(seeded: dict[str, Any], emulator: QuickBooksEmulator) -> None:
    """The same emulator answers over real HTTP on 127.0.0.1, including a dropped connection."""
    tokens = emulator.connect(REALM)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    with EmulatorServer(emulator) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=5) as http:
            body = invoice_body(seeded["customer"], seeded["item"])
            created = http.post(api("invoice"), params={"minorversion": "75"}, json=body)
            assert created.status_code == 200
            inv_id = created.json()["Invoice"]["Id"]
            assert http.get(api(f"invoice/{inv_id}")).json()["Invoice"]["Balance"] == 100
            assert (
                http.get(api("invoice/1"), headers={"Authorization": "Bearer x"}).status_code == 401
            )
            emulator.faults.drop_after_commit(1)
            with pytest.raises(httpx.TransportError):
                http.post(api("invoice"), json=body)
            assert len(emulator.realms[REALM].entities["Invoice"]) == 2


def test_concurrent_creates_get_unique_ids(seeded: dict[str, Any],
                                           emulator: QuickBooksEmulator) -> None:
    """Eight threads creating invoices over real HTTP get distinct Ids and DocNumbers."""
    tokens = emulator.connect(REALM)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    body = invoice_body(seeded["customer"], seeded["item"])
    with (
        emulator.serve() as server,
        httpx.Client(base_url=server.base_url, headers=headers, timeout=5) as http,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        answers = list(pool.map(lambda n: http.post(api("invoice"), json=body), range(40)))
    invoices = [a.json()["Invoice"] for a in answers if a.status_code == 200]
    assert len(invoices) + sum(a.status_code == 429 for a in answers) == 40
    assert len({i["Id"] for i in invoices}) == len(invoices)
    assert len({i["DocNumber"] for i in invoices}) == len(invoices)
    assert len(emulator.realms[REALM].entities["Invoice"]) == len(invoices)
