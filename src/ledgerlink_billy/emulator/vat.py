"""How Billy prices an invoice: a line's tax rate, its amount and tax, the invoice's totals,
and its due date.

A line's rate is not sent: it comes from the product's sales tax ruleset and
the contact (country, EU membership, company or person); ``taxRateId`` and
``tax`` on a line are read-only [B1]. The first rule of the ruleset (by
priority) that fits the contact gives the rate, else the ruleset's fallback
rate. A product without a ruleset takes the organisation's default one
(inferred).

Amounts follow the captured invoices [B2]: with ``taxMode`` ``excl`` a line's
``amount`` is net and its tax is added (300 -> 75); with ``incl`` the unit
price includes VAT, the line's ``amount`` is the gross and its ``tax`` the VAT
inside it (123 -> 24.6), and the invoice's ``amount`` is the net total (468
gross = 374.4 + 93.6). Each line's amount and tax are rounded to øre half up,
and the invoice's tax is the sum of its lines' (inferred).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from ledgerlink_billy.emulator.state import EU_COUNTRIES, Organization

__all__ = ["Totals", "due_date", "line_amounts", "rate_for", "totals"]

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def cents(value: Decimal) -> Decimal:
    """``value`` rounded to øre, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _fits(rule: Mapping[str, Any], contact: Mapping[str, Any]) -> bool:
    country = contact["countryId"]
    if rule["countryId"] is not None and rule["countryId"] != country:
        return False
    if rule["countryGroupId"] == "EU" and country not in EU_COUNTRIES:
        return False
    return rule["contactType"] is None or rule["contactType"] == contact["type"]


def rate_for(org: Organization, product: Mapping[str, Any],
             contact: Mapping[str, Any]) -> dict[str, Any]:
    """The tax rate record Billy charges for ``product`` sold to ``contact``."""
    ruleset_id = product.get("salesTaxRulesetId") or org.default("ruleset")
    ruleset = org.tables["salesTaxRulesets"][ruleset_id]
    rules = sorted((r for r in org.rows("salesTaxRules") if r["rulesetId"] == ruleset_id),
                   key=lambda r: r["priority"])
    chosen = next((r["taxRateId"] for r in rules if _fits(r, contact)),
                  ruleset["fallbackTaxRateId"])
    return org.tables["taxRates"][chosen]


def line_amounts(quantity: Decimal, unit_price: Decimal, rate: Decimal, tax_mode: str,
                 discount_mode: str | None = None,
                 discount_value: Decimal | None = None) -> tuple[Decimal, Decimal]:
    """(amount, tax) of one line: see the module docstring."""
    base = quantity * unit_price
    if discount_value is not None and discount_mode == "cash":
        base -= discount_value
    elif discount_value is not None and discount_mode == "percent":
        base -= base * discount_value / HUNDRED
    amount = cents(base)
    if tax_mode == "incl":
        return amount, cents(amount * rate / (1 + rate))
    return amount, cents(amount * rate)


@attrs.frozen
class Totals:
    """An invoice's money: ``amount`` (net), ``tax`` and ``gross`` (``amount + tax``)."""

    amount: Decimal
    tax: Decimal

    @property
    def gross(self) -> Decimal:
        """What the customer owes."""
        return self.amount + self.tax


def totals(lines: Iterable[Mapping[str, Any]], tax_mode: str) -> Totals:
    """The invoice's totals from its lines' ``amount`` and ``tax``."""
    rows = list(lines)
    amount = sum((Decimal(line["amount"]) for line in rows), Decimal(0))
    tax = sum((Decimal(line["tax"]) for line in rows), Decimal(0))
    return Totals(amount - tax if tax_mode == "incl" else amount, tax)


def due_date(entry: date, mode: str, days: int) -> date:
    """``net``: ``days`` after the entry date; ``netEndOfMonth``: after the end of its month
    (2016-12-23 + 7 -> 2017-01-07 in the captured invoice [B2])."""
    if mode == "netEndOfMonth":
        last = calendar.monthrange(entry.year, entry.month)[1]
        return date(entry.year, entry.month, last) + timedelta(days=days)
    return entry + timedelta(days=days)
