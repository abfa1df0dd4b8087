"""Pipedrive's v2 records as deal types: amounts exactly as Pipedrive stated them (never
through a float), discounts and tax, country names as ISO codes, an unset currency kept empty."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink.deals import DealStatus, TaxMethod
from ledgerlink.errors import ValidationError
from ledgerlink_pipedrive.client import decode_json
from ledgerlink_pipedrive.countries import country_code
from ledgerlink_pipedrive.emulator.wire import encode
from ledgerlink_pipedrive.fieldnames import FieldNames
from ledgerlink_pipedrive.mapping import address_from, deal_from, line_from, primary_email

#: Amounts Pipedrive keeps as doubles: up to 15 significant digits survive its JSON.
PRICES = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2)
QUANTITIES = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(9999), places=3)


def _deal(**fields: Any) -> dict[str, Any]:
    return {"id": 7, "title": "Website", "status": "won", "currency": "DKK", "value": 100,
            "is_deleted": False, "won_time": "2026-01-05T09:00:00Z",
            "update_time": "2026-01-05T09:00:00Z", "custom_fields": {}, **fields}


@settings(max_examples=60)
@given(price=PRICES, quantity=QUANTITIES, discount=PRICES, percentage=st.booleans(),
       tax=st.sampled_from([Decimal(0), Decimal("12.5"), Decimal(25)]))
def test_line_amounts_survive_pipedrive_s_json_exactly(
        price: Decimal, quantity: Decimal, discount: Decimal, percentage: bool,
        tax: Decimal) -> None:
    """Price, quantity, discount and tax written as Pipedrive's JSON numbers are read back
    as the same Decimals, the discount's kind kept."""
    product = {"product_id": 3, "name": "Hour", "item_price": price, "quantity": quantity,
               "discount": discount, "tax": tax, "tax_method": "exclusive",
               "discount_type": "percentage" if percentage else "amount"}
    line = line_from(_json_round_trip(product))
    assert (line.unit_price, line.quantity, line.discount, line.tax_rate) == (
        price, quantity, discount, tax)
    assert line.discount_is_percentage is percentage


def _json_round_trip(record: dict[str, Any]) -> Any:
    """``record`` as the emulator writes it and the client reads it."""
    import httpx

    return decode_json(httpx.Response(200, content=encode(record)))


def test_no_tax_rate_under_tax_method_none_and_the_deal_takes_its_products_method() -> None:
    """Products taxed 'none' carry no rate, and the deal's tax method is theirs."""
    product = {"product_id": 3, "name": "Hour", "item_price": 10, "quantity": 1, "tax": 25,
               "tax_method": "none"}
    deal = deal_from(_deal(), [product], FieldNames([]))
    assert deal.tax_method is TaxMethod.NONE and deal.lines[0].tax_rate is None
    assert deal_from(_deal(), [], FieldNames([])).tax_method is TaxMethod.EXCLUSIVE


def test_a_deal_without_currency_keeps_it_empty() -> None:
    """An unset currency is handed over as '' (the deal mapping refuses it later)."""
    assert deal_from(_deal(currency=None), [], FieldNames([])).currency == ""


def test_a_deleted_deal_is_deleted_whatever_its_status() -> None:
    """is_deleted wins over the status a deleted deal still carries."""
    assert deal_from(_deal(is_deleted=True), [], FieldNames([])).status is DealStatus.DELETED


def test_a_bad_time_names_the_deal_and_field() -> None:
    """A time without a zone is refused naming the deal and the field."""
    with pytest.raises(ValidationError, match="deal 7: won_time"):
        deal_from(_deal(won_time="2026-01-05 09:00:00"), [], FieldNames([]))


@pytest.mark.parametrize(("name", "code"), [
    ("Denmark", "DK"), ("Danmark", "DK"), ("  sverige ", "SE"), ("Germany", "DE"),
    ("DK", "DK"), ("United Kingdom", "GB"), ("Kingdom of Norway", "NO"), ("Atlantis", None),
    ("", None)])
def test_country_names_become_iso_codes(name: str, code: str | None) -> None:
    """English, official and local names and codes map to alpha-2; unknown ones to None."""
    assert country_code(name) == code


def test_an_address_is_built_from_its_parts_and_an_empty_one_is_none() -> None:
    """Route and number make the street, locality the city; an address holding nothing
    (or only its formatted value) is None; a missing country takes the default."""
    parts = {"route": "Storgatan", "street_number": "5", "subpremise": "3 tr",
             "postal_code": "111 22", "locality": "Stockholm", "country": "Sweden"}
    address = address_from(parts, "organization 1")
    assert address is not None
    assert (address.street, address.postal_code, address.city, address.country) == (
        "Storgatan 5, 3 tr", "111 22", "Stockholm", "SE")
    assert address_from({"value": "somewhere", "country": None}, "organization 1") is None
    no_country = {key: value for key, value in parts.items() if key != "country"}
    assert address_from(no_country, "organization 1", "DK").country == "DK"  # type: ignore[union-attr]
    with pytest.raises(ValidationError, match="no country"):
        address_from(no_country, "organization 1")


def test_the_primary_email_is_chosen_or_else_the_first() -> None:
    """The item marked primary wins; without one the first with a value; none is None."""
    assert primary_email([{"value": "a@x.dk", "primary": False},
                          {"value": "b@x.dk", "primary": True}]) == "b@x.dk"
    assert primary_email([{"value": " ", "primary": True}, {"value": "c@x.dk"}]) == "c@x.dk"
    assert primary_email(None) is None and primary_email([]) is None
