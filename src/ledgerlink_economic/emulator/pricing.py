"""Server-side pricing of invoice lines and totals [E4][E13][E15].

Unit prices are excluding VAT. A line's ``totalNetAmount`` is quantity x
unit net price less its discount percentage, rounded half up to øre; its
``vatAmount`` is that at the VAT zone's rate (kept to 4 decimals, as captured
answers show); the invoice's ``netAmount`` is the sum of the lines, its
``vatAmount`` the sum of the line VAT rounded to øre, ``grossAmount`` their
sum and ``roundingAmount`` 0 (inferred: the material shows 0.00 for DKK).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = ["ORE", "Totals", "price_line", "totals"]

ORE = Decimal("0.01")
_LINE_VAT = Decimal("0.0001")
HUNDRED = Decimal(100)


def _money(value: Decimal) -> Decimal:
    return value.quantize(ORE, rounding=ROUND_HALF_UP)


def price_line(line: Mapping[str, Any], rate: Decimal) -> dict[str, Any]:
    """``line`` with ``vatRate``, ``vatAmount`` and ``totalNetAmount`` added."""
    quantity = Decimal(line.get("quantity", 1))
    unit = Decimal(line.get("unitNetPrice", 0))
    discount = Decimal(line.get("discountPercentage", 0))
    net = _money(quantity * unit * (HUNDRED - discount) / HUNDRED)
    vat = (net * rate / HUNDRED).quantize(_LINE_VAT, rounding=ROUND_HALF_UP)
    return {**line, "quantity": quantity, "unitNetPrice": unit,
            "discountPercentage": discount,
            "unitCostPrice": Decimal(line.get("unitCostPrice", 0)), "vatRate": rate,
            "vatAmount": vat, "totalNetAmount": net}


Totals = dict[str, Decimal]


def totals(lines: Sequence[Mapping[str, Any]], exchange_rate: Decimal) -> Totals:
    """The invoice's amounts from its priced lines (base currency at ``exchange_rate``
    per 100 units)."""
    net = sum((Decimal(line["totalNetAmount"]) for line in lines), Decimal("0.00"))
    vat = _money(sum((Decimal(line["vatAmount"]) for line in lines), Decimal(0)))
    gross = net + vat
    return {"netAmount": net, "vatAmount": vat, "grossAmount": gross,
            "netAmountInBaseCurrency": _money(net * exchange_rate / HUNDRED),
            "grossAmountInBaseCurrency": _money(gross * exchange_rate / HUNDRED),
            "roundingAmount": Decimal("0.00")}
