"""VAT as Dinero computes it: the rate follows each line's sales account.

Dinero has no per-line VAT code; a line's ``AccountNumber`` names an account
whose VAT code decides the rate (1000 "Salg af varer/ydelser m/moms" is 25 %).
Amounts are rounded to øre (0.01, half up) per line, and the invoice totals
are sums of the rounded lines, so ``TotalInclVat == TotalExclVat + TotalVat``
always holds exactly. The rounding rule is inferred; Dinero does not publish it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

import attrs

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


@attrs.frozen
class Account:
    """A sales account of the chart.

    Attributes:
        number: Account number used on lines.
        name: Danish account name, echoed as ``AccountName``.
        vat_rate: VAT percent of the account's VAT code.
    """

    number: int
    name: str
    vat_rate: Decimal


DEFAULT_ACCOUNTS: Mapping[int, Account] = {
    1000: Account(1000, "Salg af varer/ydelser m/moms", Decimal(25)),
    # A VAT-free sales account (inferred numbering; Dinero's standard chart has one).
    1100: Account(1100, "Salg af varer/ydelser u/moms", Decimal(0)),
}


def cents(value: Decimal) -> Decimal:
    """Round to øre, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@attrs.frozen
class LineAmounts:
    """The computed amounts of one product line (all rounded to øre).

    Attributes:
        base_excl: Unit price excl. VAT.
        base_incl: Unit price incl. VAT.
        total_excl: Line total excl. VAT (quantity × price less discount).
        total_incl: Line total incl. VAT.
        vatable: Whether the account carries VAT.
    """

    base_excl: Decimal
    base_incl: Decimal
    total_excl: Decimal
    total_incl: Decimal
    vatable: bool

    @property
    def vat(self) -> Decimal:
        """VAT of the line."""
        return self.total_incl - self.total_excl


def line_amounts(
    base_amount: Decimal,
    quantity: Decimal,
    discount: Decimal,
    rate: Decimal,
    *,
    prices_incl_vat: bool,
) -> LineAmounts:
    """Amounts of a line whose ``BaseAmountValue`` is ``base_amount``.

    ``prices_incl_vat`` is the invoice's ``ShowLinesInclVat``: the base amount
    then includes VAT and the excl. figures are derived from it.
    """
    factor = 1 + rate / HUNDRED
    gross = base_amount * quantity * (1 - discount / HUNDRED)
    if prices_incl_vat:
        total_incl = cents(gross)
        total_excl = cents(total_incl / factor)
        base_incl, base_excl = cents(base_amount), cents(base_amount / factor)
    else:
        total_excl = cents(gross)
        total_incl = cents(total_excl * factor)
        base_excl, base_incl = cents(base_amount), cents(base_amount * factor)
    return LineAmounts(base_excl, base_incl, total_excl, total_incl, rate != 0)


@attrs.frozen
class Totals:
    """Invoice totals.

    Attributes:
        excl_vat: ``TotalExclVat``.
        vat: ``TotalVat``.
        incl_vat: ``TotalInclVat``.
        vatable: ``TotalVatableAmount`` (excl. VAT, on VAT-carrying accounts).
        non_vatable: ``TotalNonVatableAmount``.
    """

    excl_vat: Decimal
    vat: Decimal
    incl_vat: Decimal
    vatable: Decimal
    non_vatable: Decimal


def totals(lines: Iterable[LineAmounts]) -> Totals:
    """Sum rounded line amounts into invoice totals."""
    excl = vat = vatable = Decimal(0)
    for line in lines:
        excl += line.total_excl
        vat += line.vat
        if line.vatable:
            vatable += line.total_excl
    return Totals(excl, vat, excl + vat, vatable, excl - vatable)


def total_lines(summary: Totals, currency: str) -> list[dict[str, object]]:
    """The ``TotalLines`` block (a VAT line only when there is VAT)."""
    rows: list[dict[str, object]] = [
        {"Type": "SubTotal", "TotalAmount": summary.excl_vat, "Position": 0, "Label": "Subtotal"}
    ]
    if summary.vat:
        rows.append({"Type": "Vat", "TotalAmount": summary.vat, "Position": 1, "Label": "Moms"})
    rows.append(
        {
            "Type": "Total",
            "TotalAmount": summary.incl_vat,
            "Position": 2,
            "Label": f"Total {currency}",
        }
    )
    return rows
