"""Items that post sales need an Income account; a realm offers its chart of accounts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from tests.ledgerlink_quickbooks.emulator.support import BUSINESS_VALIDATION, REALM, api, error_of

INCOME_QUERY = "select * from Account where AccountType = 'Income'"


def test_a_seeded_realm_offers_an_income_account(client: httpx.Client) -> None:
    """The query a connector uses to find an income account answers the seeded one."""
    rows = client.get(api("query"), params={"query": INCOME_QUERY}).json()["QueryResponse"]
    assert [(a["Id"], a["Name"], a["AccountType"]) for a in rows["Account"]] == [
        ("1", "Sales of Product Income", "Income")]
    account = client.get(api("account/1")).json()["Account"]
    assert account["Classification"] == "Revenue"


@pytest.mark.parametrize("kind", ["Service", "NonInventory", "Inventory", None])
def test_an_item_that_posts_sales_without_income_account_is_2020(
    client: httpx.Client, kind: str | None
) -> None:
    """Service, NonInventory, Inventory (and the default type) need IncomeAccountRef: 2020."""
    body: dict[str, Any] = {"Name": f"Thing {kind}"}
    if kind:
        body["Type"] = kind
    error = error_of(client.post(api("item"), json=body))
    assert (error["code"], error["element"]) == ("2020", "IncomeAccountRef")
    assert error["Detail"] == "Required parameter IncomeAccountRef is missing in the request"
    created = client.post(api("item"), json={**body, "IncomeAccountRef": {"value": "1"}})
    assert created.status_code == 200
    ref = created.json()["Item"]["IncomeAccountRef"]
    assert ref == {"value": "1", "name": "Sales of Product Income"}


def test_a_category_needs_no_income_account(client: httpx.Client) -> None:
    """Only items that post sales are held to the rule (the official Category sample has none)."""
    answer = client.post(api("item"), json={"Name": "Design", "Type": "Category"})
    assert answer.status_code == 200, answer.text


def test_an_unknown_or_non_income_account_is_refused(client: httpx.Client) -> None:
    """An Id no account has is 2500; a Bank account is not an income account (6000)."""
    unknown = {"Name": "Ghost", "Type": "Service", "IncomeAccountRef": {"value": "999"}}
    error = error_of(client.post(api("item"), json=unknown))
    assert (error["code"], error["element"]) == ("2500", "IncomeAccountRef")
    bank = {"Name": "Banked", "Type": "Service", "IncomeAccountRef": {"value": "35"}}
    error = error_of(client.post(api("item"), json=bank))
    assert (error["code"], error["Message"]) == ("6000", BUSINESS_VALIDATION)
    assert "Income" in error["Detail"]


def test_a_full_update_that_drops_the_income_account_is_2020(client: httpx.Client) -> None:
    """A full update omits IncomeAccountRef (set to NULL by QuickBooks): refused like a create."""
    body = {"Name": "Kept", "Type": "Service", "IncomeAccountRef": {"value": "1"}}
    item = client.post(api("item"), json=body).json()["Item"]
    full = {"Id": item["Id"], "SyncToken": item["SyncToken"], "Name": "Kept", "Type": "Service"}
    error = error_of(client.post(api("item"), json=full))
    assert (error["code"], error["element"]) == ("2020", "IncomeAccountRef")
    sparse = {"Id": item["Id"], "SyncToken": item["SyncToken"], "sparse": True, "Name": "Kept 2"}
    assert client.post(api("item"), json=sparse).json()["Item"]["IncomeAccountRef"]["value"] == "1"


def test_seeding_puts_the_first_income_account_on_an_item(emulator: QuickBooksEmulator) -> None:
    """The seed back door stands for QuickBooks' own screens, which preselect the account."""
    item = emulator.seed(REALM, "Item", {"Name": "Seeded", "Type": "Service"})
    assert item["IncomeAccountRef"] == {"value": "1", "name": "Sales of Product Income"}


def test_a_realm_without_income_accounts_refuses_every_service_item(clock: Any) -> None:
    """With an empty chart nothing can be found and even seeding a Service item is refused."""
    emulator = QuickBooksEmulator(clock=clock, sleep=clock.sleep)
    emulator.add_realm("77", accounts=())
    with pytest.raises(ValueError, match="2020"):
        emulator.seed("77", "Item", {"Name": "Seeded", "Type": "Service"})
    tokens = emulator.connect("77")
    with httpx.Client(transport=emulator.transport(), base_url="https://qbo.test",
                      headers={"Authorization": f"Bearer {tokens['access_token']}"}) as http:
        rows = http.get("/v3/company/77/query", params={"query": INCOME_QUERY}).json()
    assert rows["QueryResponse"] == {}
