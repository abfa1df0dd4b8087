"""The pipedrive source against the emulator served on 127.0.0.1: won deals with their
products, person and organization, custom fields by name, paging, limits and auth."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest

from ledgerlink.deals import DealStatus, PartyRole, TaxMethod
from ledgerlink.domain import Address
from ledgerlink.emulation import EmulatorServer
from ledgerlink.errors import AuthError, NotFoundError, QuotaExhaustedError, ValidationError
from ledgerlink.http import MemoryTokenStore, Token
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.sources import open_source
from ledgerlink.store import Store
from ledgerlink_pipedrive.emulator import Company, PipedriveEmulator, Plan
from ledgerlink_pipedrive.source import PipedriveSource
from tests.clocks import FakeClock

Opener = Callable[..., PipedriveSource]
DEALS = "/api/v2/deals"


def _lists(emu: PipedriveEmulator, path: str = DEALS) -> list[int]:
    """The statuses the emulator answered to GETs of ``path``, in order."""
    return [record.status for record in emu.records
            if record.method == "GET" and record.path == path]


def test_won_deals_come_with_lines_person_and_organization(
        emu: PipedriveEmulator, company: Company, open_pipedrive: Opener) -> None:
    """A won deal is handed over with its enabled products as lines (discounts, tax and the
    deal's tax method), its person's primary e-mail and its organization's address."""
    org = emu.seed_organization(company, "Kunde A/S", address={
        "route": "Vesterbrogade", "street_number": "1", "postal_code": "1620",
        "locality": "København", "country": "Denmark"})
    person = emu.seed_person(company, "Jane Doe", org_id=org["id"], emails=[
        {"value": "jd@home.dk", "primary": False, "label": "home"},
        {"value": "jane@kunde.dk", "primary": True, "label": "work"}])
    hours = emu.seed_product(company, "Consulting hour", price=1000)
    setup = emu.seed_product(company, "Set-up", price=500)
    emu.seed_deal(company, "Website", person_id=person["id"], org_id=org["id"], products=[
        {"product_id": hours["id"], "item_price": Decimal("1000.50"), "quantity": 3,
         "discount": 10, "discount_type": "percentage", "tax": 25, "tax_method": "inclusive",
         "comments": "phase 1"},
        {"product_id": setup["id"], "item_price": 500, "quantity": 1, "discount": 50,
         "discount_type": "amount", "tax": 25},
        {"product_id": setup["id"], "item_price": 1, "quantity": 1, "is_enabled": False}])
    [deal] = open_pipedrive().deals()
    assert (deal.title, deal.status, deal.currency) == ("Website", DealStatus.WON, "DKK")
    assert deal.tax_method is TaxMethod.INCLUSIVE
    first, second = deal.lines
    assert (first.product_id, first.name, first.quantity, first.unit_price) == (
        str(hours["id"]), "Consulting hour", Decimal(3), Decimal("1000.50"))
    assert (first.discount, first.discount_is_percentage, first.tax_rate, first.comments) == (
        Decimal(10), True, Decimal(25), "phase 1")
    assert (second.discount, second.discount_is_percentage) == (Decimal(50), False)
    assert deal.person is not None and deal.organization is not None
    assert (deal.person.role, deal.person.name, deal.person.email) == (
        PartyRole.PERSON, "Jane Doe", "jane@kunde.dk")
    assert deal.organization.role is PartyRole.ORGANIZATION
    assert deal.organization.address == Address("Vesterbrogade 1", "1620", "København", "DK")
    assert deal.won_at is not None and deal.won_at.utcoffset() == timedelta(0)


def test_custom_fields_are_kept_by_name_with_option_labels(
        emu: PipedriveEmulator, company: Company, open_pipedrive: Opener) -> None:
    """Deal, person and organization custom fields come by their names; enum and set option
    ids come as their labels."""
    level = emu.add_field(company, "Level", "enum", options=["Gold", "Silver"])
    tags = emu.add_field(company, "Tags", "set", options=["A", "B", "C"])
    emu.add_field(company, "PO number", "varchar")
    cvr = emu.add_field(company, "CVR number", "varchar", list_name="organizationFields")
    role = emu.add_field(company, "Role", "varchar", list_name="personFields")
    org = emu.seed_organization(company, "Kunde A/S",
                                custom_fields={cvr["field_code"]: "12345678"})
    person = emu.seed_person(company, "Jane", custom_fields={role["field_code"]: "CFO"})
    silver, a_tag, c_tag = (level["options"][1]["id"], tags["options"][0]["id"],
                            tags["options"][2]["id"])
    emu.seed_deal(company, "Website", org_id=org["id"], person_id=person["id"],
                  custom={"Level": silver, "Tags": [a_tag, c_tag], "PO number": "PO-9"})
    [deal] = open_pipedrive().deals()
    assert (deal.fields["Level"], deal.fields["Tags"], deal.fields["PO number"]) == (
        "Silver", ["A", "C"], "PO-9")
    assert deal.fields["title"] == "Website"
    assert level["field_code"] not in deal.fields
    assert deal.organization is not None and deal.organization.fields["CVR number"] == "12345678"
    assert deal.person is not None and deal.person.fields["Role"] == "CFO"


def test_deals_of_other_statuses_are_not_handed_over(
        emu: PipedriveEmulator, company: Company, open_pipedrive: Opener) -> None:
    """Only won deals come by default; asking for lost ones gives only those."""
    for title, status in (("Won", "won"), ("Open", "open"), ("Lost", "lost"),
                          ("Won too", "won")):
        emu.seed_deal(company, title, status=status)
    gone = emu.seed_deal(company, "Won, deleted", status="won")
    emu.seed(company, "DELETE", f"{DEALS}/{gone['id']}")
    source = open_pipedrive()
    assert [deal.title for deal in source.deals()] == ["Won", "Won too"]
    assert [deal.title for deal in source.deals(status=DealStatus.LOST)] == ["Lost"]
    assert [deal.title for deal in source.deals(status=DealStatus.DELETED)] == ["Won, deleted"]


def test_updated_since_hands_over_only_deals_changed_since(
        emu: PipedriveEmulator, company: Company, clock: FakeClock,
        open_pipedrive: Opener) -> None:
    """Deals last changed before ``updated_since`` are left out; the rest come oldest first."""
    emu.seed_deal(company, "Monday")
    clock.advance(86_400)
    since = clock.now
    emu.seed_deal(company, "Tuesday")
    clock.advance(3_600)
    emu.seed_deal(company, "Tuesday later")
    source = open_pipedrive()
    assert [deal.title for deal in source.deals(updated_since=since)] == [
        "Tuesday", "Tuesday later"]
    with pytest.raises(ValidationError, match="timezone-aware"):
        list(source.deals(updated_since=since.replace(tzinfo=None)))


def test_lists_are_followed_across_their_cursor_pages(
        emu: PipedriveEmulator, company: Company, open_pipedrive: Opener) -> None:
    """Seven won deals at three a page take three list calls, and every deal comes once."""
    product = emu.seed_product(company, "Hour", price=100)
    for number in range(7):
        emu.seed_deal(company, f"Deal {number}", products=[(product["id"], 100, 1)] * 4)
    deals = list(open_pipedrive(page_size=3).deals())
    assert [deal.title for deal in deals] == [f"Deal {number}" for number in range(7)]
    assert _lists(emu) == [200, 200, 200]
    assert all(len(deal.lines) == 4 for deal in deals)
    assert len(_lists(emu, f"{DEALS}/{deals[0].id}/products")) == 2


@pytest.mark.usefixtures("ledgerlink_no_retry_waits")
def test_a_throttled_call_is_retried(
        emu: PipedriveEmulator, company: Company, open_pipedrive: Opener) -> None:
    """A 429 (with Retry-After) is retried by the shared layer and the deals still come."""
    emu.seed_deal(company, "Website")
    emu.faults.fail_next(1, 429)
    assert [deal.title for deal in open_pipedrive().deals()] == ["Website"]
    assert _lists(emu) == [429, 200]


def test_the_burst_window_headers_are_followed(
        clock: FakeClock, company: Company, open_pipedrive: Opener) -> None:
    """With three calls a window, the source waits out the window the headers announce
    before the fourth call, so the emulator never refuses one."""
    emu = PipedriveEmulator(clock=clock, sleep=clock.sleep, plan=Plan(burst_api_token=3))
    held = emu.create_company("Burst ApS")
    for number in range(4):
        emu.seed_deal(held, f"Deal {number}")
    with emu.serve() as server:
        source = open_pipedrive(api_token=held.api_token, base_url=server.base_url,
                                page_size=1)
        assert len(list(source.deals())) == 4
    assert emu.budget.rejected == 0
    assert clock.slept >= 2
    assert 429 not in {record.status for record in emu.records}


def test_a_spent_daily_budget_is_refused_at_once(
        clock: FakeClock, open_pipedrive: Opener) -> None:
    """When the company's day of tokens is spent the source raises QuotaExhaustedError
    without waiting for tomorrow or retrying."""
    emu = PipedriveEmulator(clock=clock, sleep=clock.sleep, plan=Plan(daily_tokens=30))
    held = emu.create_company("Small ApS")
    emu.seed_deal(held, "Website")
    with emu.serve() as server:
        source = open_pipedrive(api_token=held.api_token, base_url=server.base_url)
        with pytest.raises(QuotaExhaustedError, match="daily token budget"):
            list(source.deals())
    assert [record.status for record in emu.records] == [200, 429]


def test_a_bad_token_is_a_clear_auth_error_that_does_not_repeat_it(
        open_pipedrive: Opener) -> None:
    """A token Pipedrive refuses raises AuthError with Pipedrive's message and status,
    never the token itself."""
    secret = "f" * 40
    with pytest.raises(AuthError) as caught:
        list(open_pipedrive(api_token=secret).deals())
    assert caught.value.status == 401 and caught.value.message == "unauthorized access"
    assert caught.value.provider == "pipedrive" and secret not in str(caught.value)


def test_an_oauth_access_token_reads_the_same_deals(
        emu: PipedriveEmulator, company: Company, open_pipedrive: Opener) -> None:
    """An OAuth access token is sent as Bearer and reads the company's deals."""
    emu.seed_deal(company, "Website")
    token = emu.issue_access_token(company)["access_token"]
    source = open_pipedrive(api_token=None, access_token=token)
    assert [deal.title for deal in source.deals()] == ["Website"]
    assert token not in repr(source)


def test_tokens_saved_in_the_store_are_used(
        emu: PipedriveEmulator, company: Company, open_pipedrive: Opener,
        ledgerlink_store: Store) -> None:
    """With no token given, the API token or OAuth tokens saved under pipedrive:<company>
    in the journal store are used; none saved is an AuthError saying so."""
    emu.seed_deal(company, "Website")
    store = ledgerlink_store
    store.save_token("pipedrive:api", {"api_token": company.api_token})
    store.save_token("pipedrive:oauth", emu.issue_access_token(company))
    for saved in ("api", "oauth"):
        source = open_pipedrive(api_token=None, company=saved, token_store=store)
        assert [deal.title for deal in source.deals()] == ["Website"]
    with pytest.raises(AuthError, match="no Pipedrive token is saved under 'pipedrive:none'"):
        open_pipedrive(api_token=None, company="none", token_store=store)


def test_an_unknown_country_name_is_refused_naming_the_organization(
        emu: PipedriveEmulator, company: Company, open_pipedrive: Opener) -> None:
    """An address whose country is no known country is a ValidationError naming the
    organization and the value."""
    org = emu.seed_organization(company, "Somewhere Ltd", address={"country": "Atlantis"})
    emu.seed_deal(company, "Website", org_id=org["id"])
    with pytest.raises(ValidationError, match=r"organization 1\.address\.country"):
        list(open_pipedrive().deals())


def test_a_missing_record_keeps_pipedrive_s_message(
        emu: PipedriveEmulator, company: Company, open_pipedrive: Opener) -> None:
    """A deal the company does not have is a NotFoundError with Pipedrive's own text."""
    with pytest.raises(NotFoundError, match="Deal not found"):
        open_pipedrive().api.get("/deals/99")


def test_the_source_is_opened_by_name_with_its_options_checked(
        emu: PipedriveEmulator, company: Company, served: EmulatorServer) -> None:
    """open_source('pipedrive', ...) builds the source; a misspelt option is named."""
    emu.seed_deal(company, "Website")
    with open_source("pipedrive", api_token=company.api_token,
                     base_url=served.base_url, limiters=LimiterRegistry()) as source:
        assert [deal.title for deal in source.deals()] == ["Website"]
    with pytest.raises(ValidationError, match="did you mean 'api_token'"):
        open_source("pipedrive", api_tokn="x")


def test_a_saved_oauth_token_with_app_credentials_reads_the_deals(
        emu: PipedriveEmulator, company: Company, open_pipedrive: Opener) -> None:
    """A token response saved as a Token document, opened with the app's client id and
    secret, authorises the source through the shared OAuth layer."""
    emu.seed_deal(company, "Website")
    response = emu.issue_access_token(company)
    store = MemoryTokenStore({"pipedrive:acme": Token.from_response(
        response, now=time.time()).to_dict()})
    source = open_pipedrive(api_token=None, company="acme", token_store=store,
                            client_id="app", client_secret="app-secret")
    assert [deal.title for deal in source.deals()] == ["Website"]
    assert response["access_token"] not in repr(source)
