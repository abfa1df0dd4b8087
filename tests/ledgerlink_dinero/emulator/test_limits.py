"""Rate limit (429), injected faults and latency, and the real server on 127.0.0.1."""

from __future__ import annotations

import httpx
import pytest

from ledgerlink_dinero.emulator import DineroEmulator, Limits
from tests.ledgerlink_dinero.emulator.support import BASE_URL, ORG, FakeClock, api, contact_body, ok


def test_hundred_requests_a_minute_per_organisation_and_client(
    emulator: DineroEmulator, client: httpx.Client, clock: FakeClock
) -> None:
    """Each client gets 100 requests a minute per organisation, in a sliding window, then 429."""
    for _ in range(100):
        ok(client.get(api("contacts")))
    refused = client.get(api("contacts"))
    assert refused.status_code == 429
    assert refused.text.startswith("API calls quota exceeded!")
    assert emulator.throttle.rejected == 1
    # Another client id has its own quota on the same organisation.
    emulator.auth.clients["isv_other"] = "secret"
    other = emulator.connect(ORG, client_id="isv_other")
    headers = {"Authorization": f"Bearer {other['access_token']}"}
    ok(client.get(api("contacts"), headers=headers))
    # The window slides: a minute later the first client is admitted again.
    clock.advance(60)
    ok(client.get(api("contacts")))


def test_time_scale_shrinks_the_window_and_the_latency(clock: FakeClock) -> None:
    """The time scale shrinks both the rate window and the added latency."""
    emulator = DineroEmulator(
        clock=clock, sleep=clock.sleep, limits=Limits(per_minute=2), time_scale=0.1, latency=0.5
    )
    tokens = emulator.connect(ORG)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    with httpx.Client(transport=emulator.transport(), base_url=BASE_URL, headers=headers) as http:
        ok(http.get(api("contacts")))
        assert clock.slept == pytest.approx(0.05)
        ok(http.get(api("contacts")))
        assert http.get(api("contacts")).status_code == 429
        clock.advance(6)  # the 60 s window scaled by 0.1
        ok(http.get(api("contacts")))


def test_fail_next_answers_5xx_without_doing_the_work(
    emulator: DineroEmulator, client: httpx.Client
) -> None:
    """A fail_next fault answers the given 5xx and creates nothing."""
    emulator.faults.fail_next(status=502)
    assert client.post(api("contacts"), json=contact_body()).status_code == 502
    assert ok(client.get(api("contacts")))["Collection"] == []


def test_dropped_after_commit_keeps_the_write(
    emulator: DineroEmulator, client: httpx.Client
) -> None:
    """A write dropped after commit is stored though its answer is lost; reads are never dropped."""
    emulator.faults.drop_after_commit()
    ok(client.get(api("contacts")))  # reads are never dropped
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(api("contacts"), json=contact_body(ExternalReference="ledgerlink:c-9"))
    found = client.get(
        api("contacts"), params={"queryFilter": "ExternalReference eq 'ledgerlink:c-9'"}
    )
    assert ok(found)["Pagination"]["Result"] == 1
    assert emulator.requests[-2].status == 0  # recorded as dropped


def test_the_server_serves_the_same_emulator_on_loopback(emulator: DineroEmulator) -> None:
    """The loopback server serves the emulator's API and faults over real HTTP."""
    tokens = emulator.connect(ORG)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    with emulator.serve() as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=server.base_url, headers=headers) as http:
            created = ok(http.post(api("contacts"), json=contact_body()), 201)
            assert ok(http.get(api(f"contacts/{created['ContactGuid']}")))["Name"] == "Hansen ApS"
            body = {
                "ContactGuid": created["ContactGuid"],
                "ProductLines": [
                    {
                        "Description": "x",
                        "Quantity": 1,
                        "AccountNumber": 1000,
                        "Unit": "parts",
                        "BaseAmountValue": 10,
                    }
                ],
            }
            invoice = ok(http.post(api("invoices"), json=body), 201)
            deleted = http.request(
                "DELETE",
                api(f"invoices/{invoice['Guid']}"),
                json={"Timestamp": invoice["TimeStamp"]},
            )
            assert deleted.status_code == 204
            emulator.faults.drop_after_commit()
            with pytest.raises(httpx.TransportError):
                http.post(api("contacts"), json=contact_body())
    assert len(emulator.organisations[ORG].contacts) == 2
