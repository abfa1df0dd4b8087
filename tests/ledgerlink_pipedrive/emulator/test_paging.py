"""Paging: v2 cursors walk every item once in the asked order; v1 offsets; limits refused."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink_pipedrive.emulator import Company, PipedriveEmulator, Plan
from tests.ledgerlink_pipedrive.emulator.support import FakeClock, client_for, refusal

#: Enough budget that walking pages is never throttled.
ROOMY = Plan(daily_tokens=10**9, burst_api_token=10**6)


def _walk(client: httpx.Client, path: str, **params: Any) -> tuple[list[Any], int]:
    """Every item of a v2 list, following next_cursor, and the number of pages read."""
    items: list[Any] = []
    pages, cursor = 0, None
    while True:
        page = client.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        pages += 1
        items += page.json()["data"]
        cursor = page.json()["additional_data"]["next_cursor"]
        if cursor is None:
            return items, pages


@settings(max_examples=40, deadline=None)
@given(gaps=st.lists(st.integers(min_value=0, max_value=2), max_size=25),
       limit=st.integers(min_value=1, max_value=7),
       sort_by=st.sampled_from(["id", "update_time", "add_time"]),
       direction=st.sampled_from(["asc", "desc"]))
def test_a_cursor_walk_yields_every_deal_once_in_order(gaps: list[int], limit: int,
                                                       sort_by: str, direction: str) -> None:
    """Deals made at times with ties, walked at any limit and sort, come out each once, sorted
    by the field then id, in as many pages as the limit makes."""
    clock = FakeClock()
    emu = PipedriveEmulator(clock=clock, sleep=clock.sleep, plan=ROOMY)
    company = emu.create_company("Sælg ApS")
    for number, gap in enumerate(gaps):
        clock.advance(gap)
        emu.seed_deal(company, f"Deal {number}", status="open")
    with client_for(emu, company) as client:
        deals, pages = _walk(client, "/api/v2/deals", limit=limit, sort_by=sort_by,
                             sort_direction=direction)
    expected = sorted(company.tables["deals"].values(),
                      key=lambda deal: (deal[sort_by], deal["id"]),
                      reverse=direction == "desc")
    assert [deal["id"] for deal in deals] == [deal["id"] for deal in expected]
    assert len({deal["id"] for deal in deals}) == len(gaps)
    assert pages == max(1, -(-len(gaps) // limit))


def test_a_cursor_continues_after_its_item_when_deals_are_added(emu: PipedriveEmulator,
                                                                company: Company,
                                                                client: httpx.Client) -> None:
    """A deal added between pages shows up once on a later page; none is repeated."""
    for number in range(3):
        emu.seed_deal(company, f"Deal {number}")
    first = client.get("/api/v2/deals", params={"limit": 2}).json()
    emu.seed_deal(company, "Late")
    rest = client.get("/api/v2/deals", params={
        "limit": 2, "cursor": first["additional_data"]["next_cursor"]}).json()
    assert [deal["title"] for deal in first["data"] + rest["data"]] == [
        "Deal 0", "Deal 1", "Deal 2", "Late"]
    assert rest["additional_data"]["next_cursor"] is None


@pytest.mark.parametrize("limit", ["0", "501", "ten", "-1"])
def test_a_limit_outside_1_to_500_is_refused(client: httpx.Client, limit: str) -> None:
    """The documented cap is 500; a limit past it, below 1 or not a number answers 400."""
    assert "limit" in refusal(client.get("/api/v2/deals", params={"limit": limit}), 400)


def test_limit_500_is_accepted_and_100_is_the_default(emu: PipedriveEmulator,
                                                      company: Company) -> None:
    """Without a limit a page holds 100 deals; limit=500 takes all 150 in one page."""
    for number in range(150):
        emu.seed_deal(company, f"Deal {number}")
    with client_for(emu, company) as client:
        default = client.get("/api/v2/deals").json()
        widest = client.get("/api/v2/deals", params={"limit": 500}).json()
    assert len(default["data"]) == 100 and default["additional_data"]["next_cursor"]
    assert len(widest["data"]) == 150 and widest["additional_data"]["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["not-a-cursor", "eyJmaWVsZCI6ImFkZF90aW1lIn0"])
def test_a_cursor_not_handed_out_is_refused(client: httpx.Client, cursor: str) -> None:
    """Garbage, and a cursor of another sort field, answer 400 naming the cursor."""
    assert "cursor" in refusal(client.get("/api/v2/deals", params={"cursor": cursor}), 400)


@settings(max_examples=20, deadline=None)
@given(customs=st.integers(min_value=0, max_value=12), limit=st.integers(min_value=1, max_value=9))
def test_v1_offsets_walk_every_field_once(customs: int, limit: int) -> None:
    """v1 dealFields walked by start and limit give every field once, more_items_in_collection
    false only on the last page, next_start the next start."""
    clock = FakeClock()
    emu = PipedriveEmulator(clock=clock, sleep=clock.sleep, plan=ROOMY)
    company = emu.create_company("Sælg ApS")
    for number in range(customs):
        emu.add_field(company, f"Field {number}", "varchar")
    keys: list[str] = []
    start = 0
    with client_for(emu, company) as client:
        while True:
            page = client.get("/v1/dealFields", params={"start": start, "limit": limit}).json()
            keys += [item["key"] for item in page["data"]]
            pagination = page["additional_data"]["pagination"]
            assert (pagination["start"], pagination["limit"]) == (start, limit)
            if not pagination["more_items_in_collection"]:
                assert "next_start" not in pagination
                break
            start = pagination["next_start"]
            assert start == len(keys)
    assert keys == list(company.definitions("dealFields"))


def test_deal_fields_walk_by_cursor_too(emu: PipedriveEmulator, company: Company,
                                        client: httpx.Client) -> None:
    """v2 dealFields pages by cursor through the standard and custom fields."""
    for number in range(5):
        emu.add_field(company, f"Field {number}", "varchar")
    fields, pages = _walk(client, "/api/v2/dealFields", limit=4)
    assert [item["field_code"] for item in fields] == list(company.definitions("dealFields"))
    assert pages == -(-len(fields) // 4)
