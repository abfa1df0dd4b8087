"""The VAT engine of a non-US ("global") QuickBooks company: TaxCode, TaxRate, TxnTaxDetail.

QuickBooks outside the US taxes each sales line by its ``TaxCodeRef`` (the Id
of a TaxCode); a TaxCode lists the TaxRates it applies in
``SalesTaxRateList.TaxRateDetail[]``. For every TaxRate the service sums the
amounts of the lines it applies to (``NetAmountTaxable``), computes the tax
once on that sum (rounded half-up to 2 decimals) and reports one ``TaxLine``
per rate in ``TxnTaxDetail``; ``TotalAmt`` is the net amount plus
``TotalTax``. With one rate per code this is exactly the core's rule: VAT per
rate on the summed, rounded line amounts, rounded once.

``GlobalTaxCalculation``:

* ``TaxExcluded`` (the default): amounts are net, tax is added as above;
* ``NotApplicable``: no tax is computed (the TaxCodeRefs are still checked);
* ``TaxInclusive`` is refused with a 6000 business-validation fault: the
  emulator does not back tax out of gross amounts.

US-style values ``TAX``/``NON`` and lines without a TaxCodeRef are taxed 0,
as before (the US automated sales tax is not emulated); any other value that
is not the Id of one of the realm's TaxCodes is refused with 2500 "Invalid
Reference Id". TaxCode and TaxRate are read-only over the API (as in
QuickBooks, where they are made through the TaxService); a realm is seeded
with them by :func:`seed_vat_codes`.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledgerlink_quickbooks.emulator.state import Entity, Realm
from ledgerlink_quickbooks.emulator.wire import business_validation, invalid_reference, now_iso

#: Rates a new realm gets unless told otherwise: standard, two reduced, zero.
DEFAULT_VAT_RATES = (Decimal(25), Decimal(12), Decimal(6), Decimal(0))
#: TaxCodeRef values of the US sales-tax model, accepted and taxed 0.
US_TAX_CODES = frozenset({"TAX", "NON"})
TAX_EXCLUDED = "TaxExcluded"
NOT_APPLICABLE = "NotApplicable"
TAX_INCLUSIVE = "TaxInclusive"
TAX_CODE_ELEMENT = "Line.SalesItemLineDetail.TaxCodeRef"
CENT = Decimal("0.01")
ZERO = Decimal(0)


def _percent(rate: Decimal) -> str:
    """``25`` → ``"25"``, ``12.50`` → ``"12.5"`` (no exponent, no trailing zeros)."""
    return format(rate.normalize(), "f")


def seed_vat_codes(
    realm: Realm, rates: Iterable[Decimal | int | str], moment: float
) -> list[Entity]:
    """Create one TaxRate and one TaxCode applying it per rate; return the TaxCodes.

    Seeding records no change events: QuickBooks sends no webhooks and no CDC
    for tax entities.
    """
    codes: list[Entity] = []
    for rate in rates:
        if isinstance(rate, float):
            raise TypeError("VAT rates are Decimal, int or str, never float")
        value = Decimal(rate)
        if not ZERO <= value <= 100:
            raise ValueError(f"a VAT rate is a percentage 0..100, not {rate!r}")
        label = f"{_percent(value)}%"
        tax_rate: Entity = {
            "Id": realm.new_tax_id(),
            "Name": f"VAT {label} (Sales)",
            "Description": f"VAT {label}",
            "Active": True,
            "RateValue": value,
            "SpecialTaxType": "ZERO_RATE" if value == ZERO else "NONE",
            "DisplayType": "ReadOnly",
            "domain": "QBO",
            "sparse": False,
        }
        _stamp(realm, "TaxRate", tax_rate, moment)
        detail = {
            "TaxRateRef": {"value": tax_rate["Id"], "name": tax_rate["Name"]},
            "TaxTypeApplicable": "TaxOnAmount",
            "TaxOrder": 0,
        }
        tax_code: Entity = {
            "Id": realm.new_tax_id(),
            "Name": f"VAT {label}",
            "Description": f"VAT {label}",
            "Active": True,
            "Hidden": False,
            "Taxable": True,
            "TaxGroup": False,
            "SalesTaxRateList": {"TaxRateDetail": [detail]},
            "PurchaseTaxRateList": {"TaxRateDetail": []},
            "domain": "QBO",
            "sparse": False,
        }
        codes.append(_stamp(realm, "TaxCode", tax_code, moment))
    return codes


def _stamp(realm: Realm, name: str, entity: Entity, moment: float) -> Entity:
    stamp = now_iso(moment)
    entity["SyncToken"] = "0"
    entity["MetaData"] = {"CreateTime": stamp, "LastUpdatedTime": stamp}
    realm.entities[name][entity["Id"]] = entity
    return entity


def check_calculation(txn: Entity) -> str | None:
    """The transaction's GlobalTaxCalculation (None when not sent); TaxInclusive is refused."""
    mode = txn.get("GlobalTaxCalculation")
    if mode is None or mode in (TAX_EXCLUDED, NOT_APPLICABLE):
        return mode
    if mode == TAX_INCLUSIVE:
        raise business_validation(
            "GlobalTaxCalculation TaxInclusive is not supported by this emulator; "
            "send net amounts with TaxExcluded."
        )
    raise business_validation(f"Invalid GlobalTaxCalculation: {mode}")


def line_tax_code(realm: Realm, detail: dict[str, Any]) -> Entity | None:
    """The TaxCode a sales line names, None for no/US-style codes; 2500 when unknown."""
    ref = detail.get("TaxCodeRef")
    if ref is None:
        return None
    value = str(ref.get("value", "")) if isinstance(ref, dict) else ""
    if value in US_TAX_CODES:
        return None
    code = realm.entities["TaxCode"].get(value)
    if code is None or not code.get("Active", True):
        raise invalid_reference(TAX_CODE_ELEMENT)
    detail["TaxCodeRef"] = {"value": code["Id"], "name": code["Name"]}
    return code


def tax_detail(realm: Realm, lines: list[Entity], mode: str | None) -> tuple[Entity, Decimal]:
    """``TxnTaxDetail`` and total tax of priced lines (see the module docstring)."""
    if mode == NOT_APPLICABLE:
        return {"TotalTax": ZERO}, ZERO
    bases: dict[str, Decimal] = {}
    for line in lines:
        detail = line.get("SalesItemLineDetail")
        if line.get("DetailType") != "SalesItemLineDetail" or not detail:
            continue
        code = line_tax_code(realm, detail)
        for rate_detail in (code or {}).get("SalesTaxRateList", {}).get("TaxRateDetail", []):
            rate_id = rate_detail["TaxRateRef"]["value"]
            bases[rate_id] = bases.get(rate_id, ZERO) + Decimal(str(line["Amount"]))
    tax_lines: list[Entity] = []
    total = ZERO
    for rate_id, base in sorted(bases.items(), key=lambda kv: int(kv[0])):
        rate = realm.entities["TaxRate"][rate_id]
        percent = Decimal(str(rate["RateValue"]))
        tax = (base * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        total += tax
        tax_lines.append(
            {
                "Amount": tax,
                "DetailType": "TaxLineDetail",
                "TaxLineDetail": {
                    "TaxRateRef": {"value": rate_id, "name": rate["Name"]},
                    "PercentBased": True,
                    "TaxPercent": percent,
                    "NetAmountTaxable": base,
                },
            }
        )
    if not tax_lines:
        return {"TotalTax": ZERO}, ZERO
    return {"TotalTax": total, "TaxLine": tax_lines}, total
