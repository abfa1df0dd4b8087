"""VAT totals: per line by the account's rate, rounded to øre, totals summed exactly."""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink_dinero.emulator import DineroEmulator
from ledgerlink_dinero.emulator.vat import line_amounts, totals
from tests.ledgerlink_dinero.emulator.support import BASE_URL, ORG, FakeClock, api, contact_body

RATES = {1000: Decimal(25), 1100: Decimal(0)}
money = st.decimals(min_value=0, max_value=100_000, places=2)
quantities = st.decimals(min_value=0, max_value=1_000, places=2)
discounts = st.decimals(min_value=0, max_value=100, places=0)
lines = st.lists(
    st.fixed_dictionaries(
        {
            "BaseAmountValue": money,
            "Quantity": quantities,
            "Discount": discounts,
            "AccountNumber": st.sampled_from(sorted(RATES)),
        }
    ),
    min_size=1,
    max_size=6,
)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@settings(max_examples=60, deadline=None)
@given(lines)
def test_invoice_totals_follow_the_accounts_rates(drawn: list[dict[str, Any]]) -> None:
    """Invoice totals round each line to øre and apply its account's VAT rate."""
    clock = FakeClock()
    emulator = DineroEmulator(clock=clock, sleep=clock.sleep)
    contact = emulator.seed(ORG, "contacts", contact_body())["ContactGuid"]
    tokens = emulator.connect(ORG)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    product_lines = [
        {**line, "Description": "x", "Unit": "parts", "LineType": "Product"} for line in drawn
    ]
    body = {"ContactGuid": contact, "ProductLines": product_lines}
    with httpx.Client(transport=emulator.transport(), base_url=BASE_URL, headers=headers) as http:
        # Decimals travel as JSON numbers: the encoder writes them as text, the marker is cut.
        encoded = json.loads(json.dumps(body, default=lambda d: f"#{d}"))
        created = _post_numbers(http, api("invoices"), encoded)
        response = http.get(api(f"invoices/{created['Guid']}"))
        invoice = json.loads(response.content, parse_float=Decimal)
    expected_excl = expected_vat = vatable = Decimal(0)
    for line in drawn:
        excl = _cents(line["BaseAmountValue"] * line["Quantity"] * (1 - line["Discount"] / 100))
        vat = _cents(excl * (1 + RATES[line["AccountNumber"]] / 100)) - excl
        expected_excl += excl
        expected_vat += vat
        if RATES[line["AccountNumber"]]:
            vatable += excl
    assert Decimal(str(invoice["TotalExclVat"])) == expected_excl
    assert Decimal(str(invoice["TotalVat"])) == expected_vat
    assert Decimal(str(invoice["TotalInclVat"])) == expected_excl + expected_vat
    assert Decimal(str(invoice["TotalVatableAmount"])) == vatable
    assert Decimal(str(invoice["TotalNonVatableAmount"])) == expected_excl - vatable


def _post_numbers(http: httpx.Client, path: str, body: Any) -> Any:
    text = json.dumps(body)
    # "#123.45" strings back into bare JSON numbers, exactly as written.
    raw = re.sub(r'"#(-?[0-9.E+-]+)"', r"\1", text)
    response = http.post(path, content=raw.encode())
    assert response.status_code == 201, response.text
    return response.json()


@given(money, quantities, discounts, st.sampled_from([Decimal(25), Decimal(0), Decimal(12)]))
def test_prices_incl_vat_split_back_consistently(
    base: Decimal, quantity: Decimal, discount: Decimal, rate: Decimal
) -> None:
    """A price including VAT splits into net and VAT that add back to it, to the øre."""
    amounts = line_amounts(base, quantity, discount, rate, prices_incl_vat=True)
    assert amounts.total_incl == _cents(base * quantity * (1 - discount / 100))
    assert amounts.total_excl + amounts.vat == amounts.total_incl
    # The excl. figure is the incl. one without VAT, to the øre.
    assert abs(amounts.total_excl * (1 + rate / 100) - amounts.total_incl) <= Decimal("0.01") * (
        1 + rate / 100
    )
    summary = totals([amounts])
    assert summary.incl_vat == summary.excl_vat + summary.vat
