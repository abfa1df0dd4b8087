"""Who may call: the API token (header or query), OAuth bearer tokens, and refusals."""

from __future__ import annotations

import httpx
import pytest

from ledgerlink_pipedrive.emulator import Company, PipedriveEmulator
from tests.ledgerlink_pipedrive.emulator.support import BASE_URL, FakeClock, refusal


@pytest.fixture
def anonymous(emu: PipedriveEmulator) -> httpx.Client:
    """A client carrying no credentials."""
    return httpx.Client(transport=emu.transport(), base_url=BASE_URL)


def test_a_call_without_a_token_is_refused_in_pipedrives_shape(anonymous: httpx.Client,
                                                               company: Company) -> None:
    """No token at all answers 401 with errorCode 401 and no data."""
    assert refusal(anonymous.get("/api/v2/deals"), 401) == "unauthorized access"


@pytest.mark.parametrize("headers", [{"x-api-token": "0" * 40},
                                     {"Authorization": "Bearer not-issued"},
                                     {"Authorization": "Basic dXNlcjpwYXNz"}])
def test_a_wrong_token_is_refused(anonymous: httpx.Client, company: Company,
                                  headers: dict[str, str]) -> None:
    """An unknown API token, an unknown bearer token and another scheme all answer 401."""
    refusal(anonymous.get("/api/v2/deals", headers=headers), 401)


def test_the_token_works_as_header_and_as_query_parameter(emu: PipedriveEmulator,
                                                          company: Company,
                                                          anonymous: httpx.Client) -> None:
    """``x-api-token`` and the older ``api_token`` query parameter both reach the company."""
    emu.seed_deal(company, "Website")
    by_header = anonymous.get("/api/v2/deals", headers={"x-api-token": company.api_token})
    by_query = anonymous.get("/api/v2/deals", params={"api_token": company.api_token})
    assert by_header.json()["data"] == by_query.json()["data"]
    assert len(by_header.json()["data"]) == 1


def test_a_company_sees_only_its_own_records(emu: PipedriveEmulator, company: Company,
                                             anonymous: httpx.Client) -> None:
    """Another company's token lists none of this company's deals and cannot get them."""
    deal = emu.seed_deal(company, "Website")
    other = emu.create_company("Anden ApS")
    headers = {"x-api-token": other.api_token}
    assert anonymous.get("/api/v2/deals", headers=headers).json()["data"] == []
    refusal(anonymous.get(f"/api/v2/deals/{deal['id']}", headers=headers), 404)


def test_a_bearer_token_works_until_it_expires(emu: PipedriveEmulator, company: Company,
                                               anonymous: httpx.Client,
                                               clock: FakeClock) -> None:
    """An issued access token reads the company's deals for expires_in seconds, then 401."""
    issued = emu.issue_access_token(company)
    assert issued["token_type"] == "Bearer" and issued["expires_in"] == 3600
    assert issued["api_domain"].startswith("https://") and issued["refresh_token"]
    headers = {"Authorization": f"Bearer {issued['access_token']}"}
    assert anonymous.get("/api/v2/deals", headers=headers).status_code == 200
    clock.advance(3600)
    refusal(anonymous.get("/api/v2/deals", headers=headers), 401)


def test_the_api_token_takes_precedence_over_a_bearer_token(emu: PipedriveEmulator,
                                                            company: Company,
                                                            anonymous: httpx.Client) -> None:
    """With both sent the API token decides: a wrong one is refused despite a valid bearer."""
    bearer = emu.issue_access_token(company)["access_token"]
    headers = {"Authorization": f"Bearer {bearer}", "x-api-token": "f" * 40}
    refusal(anonymous.get("/api/v2/deals", headers=headers), 401)
    headers["x-api-token"] = company.api_token
    answer = anonymous.get("/api/v2/deals", headers=headers)
    assert answer.headers["x-ratelimit-limit"] == str(emu.budget.plan.burst_api_token)
