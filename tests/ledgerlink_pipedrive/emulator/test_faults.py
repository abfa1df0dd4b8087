"""Injected faults and latency: answered in Pipedrive's shape, a cut write still committed."""

from __future__ import annotations

import httpx
import pytest

from ledgerlink_pipedrive.emulator import Company, PipedriveEmulator
from tests.ledgerlink_pipedrive.emulator.support import FakeClock, refusal


@pytest.mark.parametrize(("status", "text"), [(429, "Request over limit"),
                                              (503, "Internal server error")])
def test_injected_faults_answer_in_pipedrives_shape(emu: PipedriveEmulator,
                                                    client: httpx.Client, status: int,
                                                    text: str) -> None:
    """A counted fault answers its status with Pipedrive's body, then calls pass again."""
    emu.faults.fail_next(1, status)
    assert refusal(client.get("/api/v2/deals"), status) == text
    assert client.get("/api/v2/deals").status_code == 200


def test_a_dropped_write_still_committed(emu: PipedriveEmulator, company: Company,
                                         client: httpx.Client) -> None:
    """A write whose answer is cut has made its deal all the same."""
    emu.faults.drop_after_commit(1)
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/api/v2/deals", json={"title": "Website"})
    assert [deal["title"] for deal in client.get("/api/v2/deals").json()["data"]] == ["Website"]
    assert [(record.method, record.status) for record in emu.records] == [
        ("POST", 0), ("GET", 200)]


def test_latency_is_waited_before_each_call_scaled(clock: FakeClock) -> None:
    """Each call sleeps the latency times time_scale on the emulator's sleep."""
    emu = PipedriveEmulator(clock=clock, sleep=clock.sleep, latency=0.25, time_scale=2.0)
    company = emu.create_company("Sælg ApS")
    with httpx.Client(transport=emu.transport(), base_url="https://api.pipedrive.com",
                      headers={"x-api-token": company.api_token}) as client:
        for _ in range(3):
            client.get("/api/v2/deals")
    assert clock.slept == pytest.approx(1.5)


def test_random_faults_are_repeatable_with_a_seed(emu: PipedriveEmulator, client: httpx.Client,
                                                  clock: FakeClock) -> None:
    """The same seed and shares fail the same calls of the same run."""
    runs = []
    for _ in range(2):
        emu.faults.randomly(errors=0.3, throttles=0.2, seed=7)
        runs.append([client.get("/api/v2/deals/1").status_code for _ in range(15)])
        clock.advance(2)  # a fresh burst window: only injected faults refuse
    assert runs[0] == runs[1] and {503, 429, 404} == set(runs[0])
