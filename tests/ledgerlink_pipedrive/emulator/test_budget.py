"""The token-based rate limit: the daily budget, the 2-second burst window, headers and 429."""

from __future__ import annotations

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink_pipedrive.emulator import Company, PipedriveEmulator, Plan
from tests.ledgerlink_pipedrive.emulator.support import (
    BASE_URL,
    START,
    FakeClock,
    client_for,
    example,
    refusal,
)


def test_every_answer_carries_the_burst_windows_headers(emu: PipedriveEmulator,
                                                        client: httpx.Client) -> None:
    """The limit, what is left of it and the seconds until the window resets are answered."""
    first = client.get("/api/v2/deals")
    second = client.get("/api/v2/deals")
    assert first.headers["x-ratelimit-limit"] == "20"
    assert (first.headers["x-ratelimit-remaining"], second.headers["x-ratelimit-remaining"]
            ) == ("19", "18")
    assert first.headers["x-ratelimit-reset"] == "2"


def test_a_full_burst_window_answers_429_until_it_passes(emu: PipedriveEmulator,
                                                         client: httpx.Client,
                                                         clock: FakeClock) -> None:
    """The 21st call in 2 seconds is refused with errors.json's 429 body and Retry-After; two
    seconds later calls pass again."""
    for _ in range(20):
        assert client.get("/api/v2/deals").status_code == 200
    refused = client.get("/api/v2/deals")
    refusal(refused, 429)
    assert refused.json() == example("errors.json")["429"]
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert int(refused.headers["retry-after"]) >= 1
    clock.advance(2)
    assert client.get("/api/v2/deals").status_code == 200
    assert emu.budget.rejected == 1


def test_oauth_tokens_have_a_larger_burst_window(emu: PipedriveEmulator,
                                                 company: Company) -> None:
    """A bearer token's window holds 80 calls (the OAuth column of the burst table)."""
    token = emu.issue_access_token(company)["access_token"]
    with httpx.Client(transport=emu.transport(), base_url=BASE_URL,
                      headers={"Authorization": f"Bearer {token}"}) as oauth:
        statuses = [oauth.get("/api/v2/deals/1").status_code for _ in range(81)]
    assert statuses[:80] == [404] * 80 and statuses[80] == 429


def test_calls_cost_tokens_by_kind(emu: PipedriveEmulator, company: Company,
                                   client: httpx.Client) -> None:
    """A single GET costs 2 tokens, a list 20 and a write 10, refused calls nothing."""
    client.get("/api/v2/deals/1")
    assert emu.tokens_spent(company) == 2
    client.get("/api/v2/deals")
    assert emu.tokens_spent(company) == 22
    client.post("/api/v2/deals", json={"title": "Website"})
    client.post("/api/v2/deals", json={"titel": "Website"})
    assert emu.tokens_spent(company) == 42
    client.get("/api/v2/deals", headers={"x-api-token": "bad"})
    assert emu.tokens_spent(company) == 42


def test_an_exhausted_daily_budget_refuses_until_the_next_utc_day(clock: FakeClock) -> None:
    """Once the day's tokens are spent every call is 429, Retry-After points at midnight UTC,
    and the budget is whole again the next day; the budget is shared by the company's users."""
    emu = PipedriveEmulator(clock=clock, sleep=clock.sleep,
                            plan=Plan(daily_tokens=50, burst_api_token=1000))
    company = emu.create_company("Sælg ApS")
    with client_for(emu, company) as client:
        lists = [client.get("/api/v2/deals").status_code for _ in range(3)]
        singles = [client.get("/api/v2/deals/1").status_code for _ in range(6)]
        assert (lists, singles) == ([200, 200, 429], [404] * 5 + [429])
        assert emu.tokens_spent(company) == 50
        other_user = emu.issue_access_token(company)["access_token"]
        waiting = client.get("/api/v2/deals/1", headers={
            "x-api-token": "", "Authorization": f"Bearer {other_user}"})
        midnight = (24 - START.hour) * 3600 - START.minute * 60
        assert waiting.status_code == 429
        assert int(waiting.headers["retry-after"]) == midnight
        clock.advance(midnight)
        assert client.get("/api/v2/deals").status_code == 200
        assert emu.tokens_spent(company) == 20


@settings(max_examples=30, deadline=None)
@given(calls=st.integers(min_value=1, max_value=60), burst=st.integers(min_value=1, max_value=25))
def test_a_window_admits_exactly_its_burst(calls: int, burst: int) -> None:
    """Within one window the first ``burst`` calls pass and every later one is refused."""
    clock = FakeClock()
    emu = PipedriveEmulator(clock=clock, sleep=clock.sleep, plan=Plan(burst_api_token=burst))
    company = emu.create_company("Sælg ApS")
    with client_for(emu, company) as client:
        statuses = [client.get("/api/v2/deals/1").status_code for _ in range(calls)]
    assert statuses == [404] * min(calls, burst) + [429] * max(0, calls - burst)
