"""Line pricing and VAT rounding over the space of quantities, prices and discounts."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink_economic.emulator import EconomicEmulator
from ledgerlink_economic.emulator.pricing import price_line, totals
from tests.ledgerlink_economic.emulator.support import client_for, customer_body, draft_body

ORE = Decimal("0.01")
money = st.decimals(min_value=Decimal("-9999.99"), max_value=Decimal("99999.99"), places=2)
quantities = st.decimals(min_value=Decimal("-50"), max_value=Decimal("1000"), places=2)
discounts = st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=2)
rates = st.sampled_from([Decimal(25), Decimal(0)])


@given(quantity=quantities, price=money, discount=discounts, rate=rates)
def test_a_line_total_is_quantity_times_price_less_discount_to_ore(
        quantity: Decimal, price: Decimal, discount: Decimal, rate: Decimal) -> None:
    """totalNetAmount is rounded half up to øre; its VAT is the rate of that, to 4 places."""
    line = price_line({"quantity": quantity, "unitNetPrice": price,
                       "discountPercentage": discount}, rate)
    exact = quantity * price * (100 - discount) / 100
    assert line["totalNetAmount"] == exact.quantize(ORE, rounding=ROUND_HALF_UP)
    assert abs(line["vatAmount"] - line["totalNetAmount"] * rate / 100) <= Decimal("0.00005")


@given(st.lists(st.tuples(quantities, money, rates), min_size=1, max_size=8))
def test_the_totals_add_up(lines: list[tuple[Decimal, Decimal, Decimal]]) -> None:
    """gross = net + VAT; net is the sum of the lines; VAT is within half an øre of theirs."""
    priced = [price_line({"quantity": q, "unitNetPrice": p}, rate) for q, p, rate in lines]
    amounts = totals(priced, Decimal(100))
    assert amounts["netAmount"] == sum(line["totalNetAmount"] for line in priced)
    assert abs(amounts["vatAmount"] - sum(line["vatAmount"] for line in priced)) <= Decimal(
        "0.005")
    assert amounts["grossAmount"] == amounts["netAmount"] + amounts["vatAmount"]
    assert amounts["grossAmountInBaseCurrency"] == amounts["grossAmount"]


@settings(max_examples=40)
@given(st.lists(st.tuples(quantities, money), min_size=1, max_size=4), st.sampled_from([1, 2]))
def test_a_draft_over_the_wire_has_its_lines_priced(lines: list[tuple[Decimal, Decimal]],
                                                    zone: int) -> None:
    """The draft the API answers carries the totals the pricing rules give."""
    emu = EconomicEmulator()
    grant = emu.create_agreement("Pris ApS")
    emu.seed(grant, "POST", "/customers", customer_body())
    # Floats carry the decimals exactly here: their shortest text is the 2-place value,
    # and the emulator reads JSON numbers as Decimal.
    body = draft_body(zone=zone, lines=[
        {"product": {"productNumber": "1"}, "quantity": float(q), "unitNetPrice": float(p)}
        for q, p in lines])
    with client_for(emu, grant) as client:
        draft = client.post("/invoices/drafts", json=body).json()
    rate = Decimal(25) if zone == 1 else Decimal(0)
    expected = totals([price_line({"quantity": q, "unitNetPrice": p}, rate)
                       for q, p in lines], Decimal(100))
    assert Decimal(str(draft["grossAmount"])) == expected["grossAmount"]
    assert Decimal(str(draft["vatAmount"])) == expected["vatAmount"]


def test_a_line_bills_its_product_groups_rate_in_a_vat_zone() -> None:
    """In the Domestic zone a line bills the VAT of its product's group (12 % for a group
    stated so, 25 % for the standard group); in the EU zone none at all."""
    emu = EconomicEmulator()
    agreement = emu.create_agreement("Firma ApS")
    emu.add_product_group(agreement, 2, "Ydelser 12 %", Decimal(12))
    emu.seed(agreement, "POST", "/customers", customer_body())
    emu.seed(agreement, "POST", "/products", {
        "productNumber": "p12", "name": "Tolv", "productGroup": {"productGroupNumber": 2}})
    lines = [{"product": {"productNumber": "p12"}, "quantity": 1, "unitNetPrice": 100},
             {"product": {"productNumber": "1"}, "quantity": 1, "unitNetPrice": 100}]
    with client_for(emu, agreement) as client:
        domestic = client.post("/invoices/drafts", json=draft_body(lines=lines)).json()
        eu = client.post("/invoices/drafts", json=draft_body(zone=2, lines=lines)).json()
        groups = client.get("/product-groups").json()["collection"]
    assert [line["vatAmount"] for line in domestic["lines"]] == [12, 25]
    assert [line["vatAmount"] for line in eu["lines"]] == [0, 0]
    assert [group["productGroupNumber"] for group in groups] == [1, 2]


def test_a_product_in_an_unknown_group_is_refused() -> None:
    """A product naming a product group the agreement lacks is refused (E06000)."""
    emu = EconomicEmulator()
    agreement = emu.create_agreement("Firma ApS")
    with client_for(emu, agreement) as client:
        answer = client.post("/products", json={
            "productNumber": "x", "name": "X", "productGroup": {"productGroupNumber": 9}})
    assert answer.status_code == 400
    assert answer.json()["errors"]["productGroup"]["errors"][0]["errorCode"] == "E06000"
