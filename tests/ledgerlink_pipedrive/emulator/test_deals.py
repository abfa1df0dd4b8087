"""Deals: the list's filters, status times, deletion, deal products and custom fields."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from ledgerlink_pipedrive.emulator import Company, PipedriveEmulator
from tests.ledgerlink_pipedrive.emulator.support import FakeClock, refusal


def _titles(client: httpx.Client, **params: str) -> list[str]:
    answer = client.get("/api/v2/deals", params=params)
    assert answer.status_code == 200, answer.text
    return [deal["title"] for deal in answer.json()["data"]]


@pytest.fixture
def mixed(emu: PipedriveEmulator, company: Company, clock: FakeClock) -> dict[str, int]:
    """An open, a won, a lost and a deleted deal, an hour apart, the won one with a person."""
    person = emu.seed_person(company, "Jane Doe", email="jane@kunde.dk")
    ids = {}
    for title, status in (("Open", "open"), ("Won", "won"), ("Lost", "lost"),
                          ("Gone", "won")):
        extra = {"person_id": person["id"]} if title == "Won" else {}
        ids[title] = emu.seed_deal(company, title, status=status, **extra)["id"]
        clock.advance(3600)
    emu.seed(company, "DELETE", f"/api/v2/deals/{ids['Gone']}")
    ids["person"] = person["id"]
    return ids


def test_status_filters_and_leaves_deleted_deals_out(client: httpx.Client,
                                                     mixed: dict[str, int]) -> None:
    """Without status every deal not deleted is listed; status=won, a comma list and
    status=deleted each list what they name."""
    assert _titles(client) == ["Open", "Won", "Lost"]
    assert _titles(client, status="won") == ["Won"]
    assert _titles(client, status="won,lost") == ["Won", "Lost"]
    assert _titles(client, status="deleted") == ["Gone"]
    assert "status" in refusal(client.get("/api/v2/deals", params={"status": "closed"}), 400)


def test_a_deleted_deal_is_listed_as_deleted_for_30_days(client: httpx.Client,
                                                         mixed: dict[str, int],
                                                         clock: FakeClock) -> None:
    """status=deleted stops listing a deal 30 days after it was deleted."""
    clock.advance(29 * 86400)
    assert _titles(client, status="deleted") == ["Gone"]
    clock.advance(2 * 86400)
    assert _titles(client, status="deleted") == []


def test_updated_since_and_until_bound_update_time(client: httpx.Client,
                                                   mixed: dict[str, int]) -> None:
    """updated_since takes deals updated at or after it, updated_until those before it."""
    assert _titles(client, updated_since="2026-05-28T10:30:00Z") == ["Won", "Lost"]
    assert _titles(client, updated_until="2026-05-28T10:30:00Z") == ["Open"]
    assert _titles(client, updated_since="2026-05-28T10:30:00Z",
                   updated_until="2026-05-28T11:30:00Z", status="won") == ["Won"]
    assert "updated_since" in refusal(client.get("/api/v2/deals", params={
        "updated_since": "2026-05-28 10:30"}), 400)


def test_id_filters_and_sorting(client: httpx.Client, mixed: dict[str, int]) -> None:
    """ids and person_id filter; sort_by update_time desc reverses the order."""
    assert _titles(client, ids=f"{mixed['Lost']},{mixed['Open']}") == ["Open", "Lost"]
    assert _titles(client, person_id=str(mixed["person"])) == ["Won"]
    assert _titles(client, sort_by="update_time", sort_direction="desc") == [
        "Lost", "Won", "Open"]
    refusal(client.get("/api/v2/deals", params={"sort_by": "title"}), 400)
    refusal(client.get("/api/v2/deals", params={"ids": ",".join(["1"] * 101)}), 400)


def test_winning_a_deal_stamps_its_times(client: httpx.Client, clock: FakeClock) -> None:
    """PATCH status=won sets won_time and close_time to now and moves update_time; the
    deal then shows under status=won and updated_since."""
    made = client.post("/api/v2/deals", json={"title": "Website", "value": 100}).json()["data"]
    assert (made["status"], made["won_time"], made["close_time"]) == ("open", None, None)
    clock.advance(60)
    won = client.patch(f"/api/v2/deals/{made['id']}", json={"status": "won"}).json()["data"]
    assert won["won_time"] == won["close_time"] == won["update_time"] == "2026-05-28T09:31:00Z"
    assert _titles(client, status="won", updated_since="2026-05-28T09:31:00Z") == ["Website"]
    lost = client.patch(f"/api/v2/deals/{made['id']}", json={"status": "lost"}).json()["data"]
    assert lost["lost_time"] == lost["close_time"] and lost["status"] == "lost"


def test_deal_products_sum_set_the_deal_value_and_share_a_tax_method(
        emu: PipedriveEmulator, company: Company, client: httpx.Client) -> None:
    """Sums are price x quantity less a percentage or amount discount; the deal's value is
    their total; the last tax_method sent applies to every product of the deal."""
    hour = emu.seed_product(company, "Consulting hour", price=1000, tax=25)
    trip = emu.seed_product(company, "Travel", price=450)
    deal = emu.seed_deal(company, "Website", products=[
        {"product_id": hour["id"], "item_price": 1000, "quantity": 2.5, "discount": 10},
        {"product_id": trip["id"], "item_price": 450.5, "quantity": 2,
         "discount": 1, "discount_type": "amount", "tax_method": "inclusive"}])
    assert Decimal(str(deal["value"])) == Decimal("2250") + Decimal("900")
    items = client.get(f"/api/v2/deals/{deal['id']}/products").json()["data"]
    assert [(item["name"], item["sum"], item["tax"], item["tax_method"], item["order_nr"])
            for item in items] == [("Consulting hour", 2250, 25, "inclusive", 1),
                                   ("Travel", 900, 0, "inclusive", 2)]
    assert {item["currency"] for item in items} == {"DKK"}
    counted = client.get("/api/v2/deals", params={"include_fields": "products_count"})
    assert counted.json()["data"][0]["products_count"] == 2


def test_a_deal_product_needs_an_existing_product_and_deal(emu: PipedriveEmulator,
                                                           company: Company,
                                                           client: httpx.Client) -> None:
    """An unknown product or deal answers 404 in Pipedrive's shape."""
    deal = emu.seed_deal(company, "Website")
    body = {"product_id": 99, "item_price": 1, "quantity": 1}
    assert refusal(client.post(f"/api/v2/deals/{deal['id']}/products", json=body),
                   404) == "Product not found"
    assert refusal(client.get("/api/v2/deals/99/products"), 404) == "Deal not found"


def test_custom_fields_are_stored_by_key_and_listed_with_their_definitions(
        emu: PipedriveEmulator, company: Company, client: httpx.Client) -> None:
    """A deal's custom fields are answered by field_code, unset ones null; the custom_fields
    query limits them; the definitions map codes to names and enum option ids to labels."""
    vat = emu.add_field(company, "Customer VAT", "varchar")
    billing = emu.add_field(company, "Billing type", "enum", options=["Fixed", "Hourly"])
    hourly = billing["options"][1]["id"]
    deal = emu.seed_deal(company, "Website", custom={"Customer VAT": "DK12345678",
                                                     "Billing type": hourly})
    assert deal["custom_fields"] == {vat["field_code"]: "DK12345678",
                                     billing["field_code"]: hourly}
    plain = emu.seed_deal(company, "Plain")
    assert plain["custom_fields"] == {vat["field_code"]: None, billing["field_code"]: None}
    only = client.get("/api/v2/deals", params={"custom_fields": vat["field_code"]}).json()
    assert only["data"][0]["custom_fields"] == {vat["field_code"]: "DK12345678"}
    names = {item["field_code"]: item for item in client.get(
        "/api/v2/dealFields", params={"limit": 500}).json()["data"]}
    assert names[vat["field_code"]]["field_name"] == "Customer VAT"
    assert [option["label"] for option in names[billing["field_code"]]["options"]
            if option["id"] == hourly] == ["Hourly"]


def test_a_custom_field_added_over_v1_is_usable_at_once(client: httpx.Client) -> None:
    """POST /v1/dealFields answers v1's key, which a new deal then takes in custom_fields."""
    made = client.post("/v1/dealFields", json={"name": "PO", "field_type": "varchar"})
    assert made.status_code == 200
    key = made.json()["data"]["key"]
    deal = client.post("/api/v2/deals", json={"title": "Website",
                                              "custom_fields": {key: "PO-1"}}).json()["data"]
    assert deal["custom_fields"] == {key: "PO-1"}


def test_v1_lists_deals_by_status_and_sort_an_offset_at_a_time(client: httpx.Client,
                                                                mixed: dict[str, int]) -> None:
    """v1's default hides deleted deals, its sort takes "field DESC", start/limit page."""
    def titles(**params: str) -> list[str]:
        return [deal["title"] for deal in client.get("/v1/deals", params=params).json()["data"]]

    assert titles() == ["Open", "Won", "Lost"]
    assert titles(status="deleted") == ["Gone"]
    assert titles(sort="update_time DESC") == ["Lost", "Won", "Open"]
    assert titles(start="1", limit="1") == ["Won"]
    refusal(client.get("/v1/deals", params={"sort": "colour ASC"}), 400)
    refusal(client.get("/v1/deals", params={"status": "closed"}), 400)


def test_times_sent_with_an_offset_are_kept_in_utc(client: httpx.Client) -> None:
    """A won_time sent as +02:00 is answered in UTC with Z and found by updated_since."""
    made = client.post("/api/v2/deals", json={
        "title": "Website", "status": "won", "won_time": "2026-05-28T12:00:00+02:00",
        "update_time": "2026-05-28T12:00:00+02:00"}).json()["data"]
    assert (made["won_time"], made["update_time"]) == ("2026-05-28T10:00:00Z",
                                                       "2026-05-28T10:00:00Z")
    assert _titles(client, updated_since="2026-05-28T09:59:59Z") == ["Website"]
    assert _titles(client, updated_since="2026-05-28T10:00:01Z") == []
