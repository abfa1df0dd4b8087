"""A line's VAT: decided by the product's sales tax ruleset and the contact; amounts rounded."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink_billy.emulator.vat import due_date, line_amounts
from tests.ledgerlink_billy.emulator.support import (
    contact_body,
    fresh_company,
    invoice_body,
    load_billy,
    ok,
)


def _rates(client: httpx.Client) -> dict[str, Decimal]:
    rates = ok(client.get("/v2/taxRates"))["taxRates"]
    return {r["id"]: Decimal(str(r["rate"])) for r in rates}


def _line(client: httpx.Client, product: str, **contact: Any) -> dict[str, Any]:
    made = ok(client.post("/v2/contacts", json=contact_body(**contact)))["contacts"][0]
    body = ok(client.post("/v2/invoices", json=invoice_body(made["id"], product)))
    return dict(body["invoiceLines"][0])


@pytest.mark.parametrize(
    ("country", "kind", "rate"),
    [
        ("DK", "company", "0.25"),
        ("DK", "person", "0.25"),
        ("DE", "company", "0"),       # EU business: reverse charge
        ("SE", "person", "0.25"),     # EU consumer: Danish VAT
        ("US", "company", "0"),       # outside the EU: the ruleset's fallback
        ("NO", "person", "0"),
    ],
)
def test_the_rate_follows_the_contacts_country_and_type(
        client: httpx.Client, product: dict[str, Any], country: str, kind: str,
        rate: str) -> None:
    """The default ruleset: 25 % in Denmark and to EU consumers, 0 % to EU firms and abroad."""
    line = _line(client, product["id"], countryId=country, type=kind)
    assert _rates(client)[line["taxRateId"]] == Decimal(rate)
    assert Decimal(str(line["tax"])) == (Decimal(600) * Decimal(rate)).quantize(Decimal("0.01"))


def test_a_vat_free_product_has_no_vat_in_denmark(client: httpx.Client) -> None:
    """A product on the Momsfri ruleset is 0 % even for a Danish contact."""
    rulesets = ok(client.get("/v2/salesTaxRulesets"))["salesTaxRulesets"]
    exempt = next(r["id"] for r in rulesets if r["name"] == "Momsfri")
    product = ok(client.post("/v2/products", json={"product": {
        "name": "Kursus", "salesTaxRulesetId": exempt}}))["products"][0]
    line = _line(client, product["id"], countryId="DK")
    assert (line["tax"], _rates(client)[line["taxRateId"]]) == (0, 0)


def test_the_rulesets_rules_are_listed(client: httpx.Client) -> None:
    """salesTaxRules?rulesetId= lists the default ruleset's rules in priority order."""
    organization = ok(client.get("/v2/organization"))["organization"]
    rules = ok(client.get("/v2/salesTaxRules",
                          params={"rulesetId": organization["defaultSalesTaxRulesetId"]}))
    assert [r["priority"] for r in rules["salesTaxRules"]] == [1, 2, 3]


def test_the_captured_incl_invoice_is_reproduced(client: httpx.Client, contact: dict[str, Any],
                                                 product: dict[str, Any]) -> None:
    """taxMode incl, lines 123 and 345: the captured amounts 374.4 + 93.6 = 468 [B2]."""
    captured = load_billy("examples/invoices_single.json")["invoice"]
    body = invoice_body(contact["id"], product["id"], taxMode="incl", lines=[
        {"productId": product["id"], "unitPrice": line["unitPrice"],
         "description": line["description"]} for line in captured["lines"]])
    made = ok(client.post("/v2/invoices", json=body))
    invoice = made["invoices"][0]
    for name in ("amount", "tax", "balance", "taxMode", "isPaid"):
        assert invoice[name] == captured[name], name
    assert [(line["amount"], line["tax"]) for line in made["invoiceLines"]] == [
        (line["amount"], line["tax"]) for line in captured["lines"]]


def test_the_captured_due_dates_are_reproduced() -> None:
    """net 7 and netEndOfMonth 7 from 2016-12-23 give the captured due dates [B2]."""
    for captured in load_billy("examples/invoices_list.json")["invoices"]:
        if captured["paymentTermsMode"] in ("net", "netEndOfMonth"):
            due = due_date(date.fromisoformat(captured["entryDate"]),
                           captured["paymentTermsMode"], captured["paymentTermsDays"])
            assert due.isoformat() == captured["dueDate"]


def test_a_discount_lowers_the_line(client: httpx.Client, contact: dict[str, Any],
                                    product: dict[str, Any]) -> None:
    """A percent discount of 10 on 600 leaves 540 and 135 VAT; a cash one of 100 leaves 500."""
    for mode, value, amount in (("percent", 10, 540), ("cash", 100, 500)):
        body = invoice_body(contact["id"], product["id"])
        body["invoice"]["lines"][0].update(discountMode=mode, discountValue=value)
        line = ok(client.post("/v2/invoices", json=body))["invoiceLines"][0]
        assert (line["amount"], line["tax"]) == (amount, amount / 4)


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100000), places=2)
quantity = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1000), places=2)
rate = st.sampled_from([Decimal(0), Decimal("0.25")])


@given(quantity, money, rate)
def test_excl_tax_is_the_rate_of_the_rounded_amount(q: Decimal, price: Decimal,
                                                    r: Decimal) -> None:
    """excl: amount = q x price to øre; tax = amount x rate to øre, half up."""
    amount, tax = line_amounts(q, price, r, "excl")
    assert amount == (q * price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert abs(tax - amount * r) <= Decimal("0.005")
    assert tax == tax.quantize(Decimal("0.01"))


@given(quantity, money, rate)
def test_incl_tax_is_inside_the_amount(q: Decimal, price: Decimal, r: Decimal) -> None:
    """incl: the line's amount is gross and its tax the VAT inside it, to the øre."""
    amount, tax = line_amounts(q, price, r, "incl")
    net = amount - tax
    assert abs(net * (1 + r) - amount) <= Decimal("0.01") * (1 + r)
    assert 0 <= tax <= amount


@settings(max_examples=50, deadline=None)  # an emulator and three requests per example
@given(st.lists(st.tuples(quantity, money), min_size=1, max_size=5),
       st.sampled_from(["incl", "excl"]))
def test_invoice_totals_add_up_over_the_wire(lines: list[tuple[Decimal, Decimal]],
                                             mode: str) -> None:
    """amount + tax = grossAmount = balance of a draft; tax is the sum of the lines' tax."""
    with fresh_company() as company:
        body = invoice_body(company.contact_id, company.product_id, taxMode=mode, lines=[
            {"productId": company.product_id, "quantity": float(q), "unitPrice": float(p)}
            for q, p in lines])
        made = ok(company.http.post("/v2/invoices", json=body))
    invoice = made["invoices"][0]
    total = Decimal(str(invoice["amount"])) + Decimal(str(invoice["tax"]))
    assert total == Decimal(str(invoice["grossAmount"])) == Decimal(str(invoice["balance"]))
    assert Decimal(str(invoice["tax"])) == sum(Decimal(str(line["tax"]))
                                               for line in made["invoiceLines"])
