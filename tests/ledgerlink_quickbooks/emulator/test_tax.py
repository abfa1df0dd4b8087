"""The emulator's VAT engine: TaxCode/TaxRate entities and TxnTaxDetail on invoices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink.domain import InvoiceDraft, InvoiceLine, vat_breakdown
from ledgerlink.testing.conformance import AWKWARD_LINES
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from ledgerlink_quickbooks.emulator.taxes import DEFAULT_VAT_RATES
from ledgerlink_quickbooks.wire import dumps, loads
from tests.ledgerlink_quickbooks.emulator.support import REALM, FakeClock, api, invoice_body


def codes_by_rate(emulator: QuickBooksEmulator, realm_id: str = REALM) -> dict[Decimal, str]:
    """TaxCode Id per sales rate of a realm's seeded codes."""
    realm = emulator.realms[realm_id]
    out = {}
    for code in realm.entities["TaxCode"].values():
        [detail] = code["SalesTaxRateList"]["TaxRateDetail"]
        rate = realm.entities["TaxRate"][detail["TaxRateRef"]["value"]]["RateValue"]
        out[Decimal(rate).normalize()] = code["Id"]
    return out


def vat_line(item: dict[str, Any], line: InvoiceLine, code: str, currency: str = "USD") -> dict:
    """The invoice line the connector writes for ``line`` (net amount, tax code)."""
    return {
        "DetailType": "SalesItemLineDetail",
        "Amount": line.net(currency),
        "Description": line.description,
        "SalesItemLineDetail": {
            "ItemRef": {"value": item["Id"]},
            "Qty": line.quantity,
            "UnitPrice": line.unit_price,
            "TaxCodeRef": {"value": code},
        },
    }


def _draft(lines: list[InvoiceLine]) -> InvoiceDraft:
    return InvoiceDraft("k", "c", "USD", date(2026, 5, 1), date(2026, 5, 31), tuple(lines))


def test_default_realm_has_readable_vat_codes(client: httpx.Client) -> None:
    """TaxCode and TaxRate answer GET and queries; each code applies one rate of its name."""
    codes = client.get(api("query"), params={"query": "select * from TaxCode"}).json()
    rates = client.get(api("query"), params={"query": "select * from TaxRate"}).json()
    rate_values = {r["Id"]: r["RateValue"] for r in rates["QueryResponse"]["TaxRate"]}
    assert sorted(rate_values.values()) == sorted(DEFAULT_VAT_RATES)
    for code in codes["QueryResponse"]["TaxCode"]:
        [detail] = code["SalesTaxRateList"]["TaxRateDetail"]
        assert code["Active"] is True
        assert f"{rate_values[detail['TaxRateRef']['value']]}%" in code["Name"]
        read = client.get(api(f"taxcode/{code['Id']}")).json()["TaxCode"]
        assert read == code
    one = next(iter(rate_values))
    assert client.get(api(f"taxrate/{one}")).json()["TaxRate"]["RateValue"] == rate_values[one]
    query = "select * from TaxCode where Name = 'VAT 12%'"
    by_name = client.get(api("query"), params={"query": query})
    assert [c["Name"] for c in by_name.json()["QueryResponse"]["TaxCode"]] == ["VAT 12%"]


def test_tax_entities_are_read_only_and_not_in_cdc(client: httpx.Client) -> None:
    """Creating a TaxCode is an unsupported operation; CDC refuses tax entities."""
    created = client.post(api("taxcode"), json={"Name": "Mine"})
    assert created.status_code == 400
    assert created.json()["Fault"]["Error"][0]["code"] == "500"
    cdc = client.get(api("cdc"), params={"entities": "TaxCode", "changedSince": "2026-05-27"})
    assert cdc.json()["Fault"]["Error"][0]["code"] == "6000"


def test_add_realm_chooses_the_rates(clock: FakeClock) -> None:
    """vat_rates picks the seeded rates; () makes a company without VAT codes; ids stay put."""
    emulator = QuickBooksEmulator(clock=clock)
    emulator.add_realm("uk", vat_rates=["20", "5", 0])
    emulator.add_realm("us", vat_rates=())
    assert set(codes_by_rate(emulator, "uk")) == {Decimal(20), Decimal(5), Decimal(0)}
    assert emulator.realms["us"].entities["TaxCode"] == {}
    assert emulator.seed("uk", "Customer", {"DisplayName": "A"})["Id"] == "1"
    with pytest.raises(ValueError, match=r"0\.\.100"):
        emulator.add_realm("bad", vat_rates=["101"])


def test_awkward_lines_are_taxed_like_the_core(
    client: httpx.Client, emulator: QuickBooksEmulator, seeded: dict[str, Any]
) -> None:
    """One TaxLine per rate on the summed line amounts; TotalAmt equals the domain's gross."""
    codes = codes_by_rate(emulator)
    lines = [InvoiceLine(d, q, p, r) for d, q, p, r in AWKWARD_LINES]
    body = invoice_body(seeded["customer"], seeded["item"])
    body["Line"] = [vat_line(seeded["item"], ln, codes[ln.vat_rate]) for ln in lines]
    answer = client.post(
        api("invoice"), content=dumps(body), headers={"Content-Type": "application/json"}
    )
    invoice = loads(answer.text)["Invoice"]
    draft = _draft(lines)
    assert invoice["TotalAmt"] == draft.gross.amount == invoice["Balance"]
    assert invoice["GlobalTaxCalculation"] == "TaxExcluded"
    detail = invoice["TxnTaxDetail"]
    assert detail["TotalTax"] == draft.vat.amount
    got = {
        Decimal(t["TaxLineDetail"]["TaxPercent"]): (
            t["TaxLineDetail"]["NetAmountTaxable"],
            t["Amount"],
        )
        for t in detail["TaxLine"]
    }
    want = {v.rate: (v.base.amount, v.vat.amount) for v in vat_breakdown(lines, "USD")}
    assert got == want
    assert all(t["TaxLineDetail"]["PercentBased"] is True for t in detail["TaxLine"])


_AMOUNTS = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("9999.999"), places=3)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2),
            _AMOUNTS,
            st.sampled_from(DEFAULT_VAT_RATES),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_totals_equal_the_core_gross(specs: list[tuple[Decimal, Decimal, Decimal]]) -> None:
    """For any lines and seeded rates, TotalAmt and TotalTax equal InvoiceDraft.gross and .vat."""
    emulator = QuickBooksEmulator(clock=FakeClock())
    emulator.add_realm(REALM)
    customer = emulator.seed(REALM, "Customer", {"DisplayName": "P"})
    item = emulator.seed(REALM, "Item", {"Name": "S"})
    codes = codes_by_rate(emulator)
    lines = [InvoiceLine("x", q, p, r) for q, p, r in specs]
    body = {
        "CustomerRef": {"value": customer["Id"]},
        "Line": [vat_line(item, ln, codes[ln.vat_rate.normalize()]) for ln in lines],
    }
    invoice = emulator.seed(REALM, "Invoice", body)
    draft = _draft(lines)
    assert invoice["TotalAmt"] == draft.gross.amount
    assert invoice["TxnTaxDetail"]["TotalTax"] == draft.vat.amount


def test_unknown_tax_code_is_invalid_reference(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """A TaxCodeRef naming no TaxCode is refused with 2500 on the TaxCodeRef element."""
    body = invoice_body(seeded["customer"], seeded["item"])
    body["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] = {"value": "999"}
    response = client.post(api("invoice"), json=body)
    assert response.status_code == 400
    error = response.json()["Fault"]["Error"][0]
    assert (error["code"], error["Message"]) == ("2500", "Invalid Reference Id")
    assert error["element"] == "Line.SalesItemLineDetail.TaxCodeRef"


def test_us_codes_and_missing_codes_stay_untaxed(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """NON, TAX and no TaxCodeRef: TotalTax 0 and no GlobalTaxCalculation, as before."""
    for value in ("NON", "TAX", None):
        body = invoice_body(seeded["customer"], seeded["item"])
        detail = body["Line"][0]["SalesItemLineDetail"]
        if value is None:
            del detail["TaxCodeRef"]
        else:
            detail["TaxCodeRef"] = {"value": value}
        invoice = client.post(api("invoice"), json=body).json()["Invoice"]
        assert (invoice["TotalAmt"], invoice["TxnTaxDetail"]) == (100, {"TotalTax": 0})
        assert "GlobalTaxCalculation" not in invoice


def test_calculation_modes(
    client: httpx.Client, emulator: QuickBooksEmulator, seeded: dict[str, Any]
) -> None:
    """NotApplicable computes no tax; TaxInclusive is refused with a 6000 fault."""
    body = invoice_body(seeded["customer"], seeded["item"])
    body["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] = {"value": codes_by_rate(emulator)[25]}
    plain = client.post(api("invoice"), json={**body, "GlobalTaxCalculation": "NotApplicable"})
    assert plain.json()["Invoice"]["TotalAmt"] == 100
    refused = client.post(api("invoice"), json={**body, "GlobalTaxCalculation": "TaxInclusive"})
    assert refused.json()["Fault"]["Error"][0]["code"] == "6000"
    assert "TaxInclusive" in refused.json()["Fault"]["Error"][0]["Detail"]


def test_sparse_line_update_recomputes_tax_and_payments_still_apply(
    client: httpx.Client, emulator: QuickBooksEmulator, seeded: dict[str, Any]
) -> None:
    """Changing the lines' code retaxes the invoice; a payment lowers the taxed balance."""
    codes = codes_by_rate(emulator)
    customer, item = seeded["customer"], seeded["item"]
    body = invoice_body(customer, item)
    body["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] = {"value": codes[25]}
    invoice = client.post(api("invoice"), json=body).json()["Invoice"]
    assert invoice["TotalAmt"] == 125
    lines = body["Line"]
    lines[0]["SalesItemLineDetail"]["TaxCodeRef"] = {"value": codes[12]}
    sparse = {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"], "sparse": True, "Line": lines}
    updated = client.post(api("invoice"), json=sparse).json()["Invoice"]
    assert (updated["TotalAmt"], updated["TxnTaxDetail"]["TotalTax"]) == (112, 12)
    link = [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]
    client.post(
        api("payment"),
        json={"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 100,
              "Line": [{"Amount": 100, "LinkedTxn": link}]},
    )
    paid = client.get(api(f"invoice/{invoice['Id']}")).json()["Invoice"]
    assert (paid["TotalAmt"], paid["Balance"]) == (112, 12)
    assert client.get(api(f"customer/{customer['Id']}")).json()["Customer"]["Balance"] == 12
