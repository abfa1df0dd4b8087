"""Internal: a deal's lines as net invoice lines, exactly in Decimal.

Discounts (a percentage or an amount off the line) are applied exactly; prices
that include tax are converted to net prices exactly or refused, naming the
line (a net price with no exact decimal would round the customer's price). A
line keeps its quantity when its net unit price is exact within
:data:`~ledgerlink.money.UNIT_PRICE`, else it becomes one unit at the line's
exact net amount; a net amount with no exact price either is refused.
"""

from __future__ import annotations

from decimal import Decimal

from ledgerlink.deals import Deal, DealLine, TaxMethod
from ledgerlink.domain import WorkLine
from ledgerlink.errors import ValidationError
from ledgerlink.money import EXACT, MAX_PLACES, UNIT_PRICE

__all__ = ["line_amount", "net_lines"]

_HUNDRED = Decimal(100)


def _exact_quotient(dividend: Decimal, divisor: Decimal) -> Decimal | None:
    """``dividend / divisor`` when it is a terminating decimal, else None."""
    quotient = EXACT.divide(dividend, divisor)
    return quotient if EXACT.multiply(quotient, divisor) == dividend else None


def _fits_price(amount: Decimal) -> bool:
    exponent = amount.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return -exponent <= UNIT_PRICE.places and abs(amount) < Decimal(10) ** UNIT_PRICE.digits


def _plain(amount: Decimal) -> Decimal:
    """``amount`` without trailing zeros, written plainly (``1E+2`` becomes ``100``)."""
    normal = amount.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


def line_amount(line: DealLine) -> Decimal:
    """The line's amount after its discount, as the CRM's prices state it (exact)."""
    gross = EXACT.multiply(line.quantity, line.unit_price)
    if line.discount_is_percentage:
        return EXACT.divide(EXACT.multiply(gross, _HUNDRED - line.discount), _HUNDRED)
    return gross - line.discount


def net_lines(deal: Deal, default_tax_rate: Decimal) -> tuple[WorkLine, ...]:
    """The deal's lines as work lines, net of tax, discounts applied exactly, lines without
    a tax rate at ``default_tax_rate``; ValidationError naming the deal and the line when
    one has no exact net price."""
    lines: list[WorkLine] = []
    for number, line in enumerate(deal.lines, start=1):
        where = f"deal {deal.id} line {number} ({line.name!r}, product {line.product_id!r})"
        rate = (Decimal(0) if deal.tax_method is TaxMethod.NONE
                else line.tax_rate if line.tax_rate is not None else default_tax_rate)
        amount = line_amount(line)
        if deal.tax_method is TaxMethod.INCLUSIVE and rate:
            net = _exact_quotient(EXACT.multiply(amount, _HUNDRED), _HUNDRED + rate)
            if net is None:
                shown = EXACT.divide(EXACT.multiply(amount, _HUNDRED), _HUNDRED + rate)
                raise ValidationError(
                    f"{where}: the price {amount} includes {rate.normalize()}% tax and its net "
                    f"price {shown:.8f}... is not an exact decimal; refused rather than "
                    "rounded: state the price excluding tax in the CRM",
                    field=f"lines[{number - 1}].unit_price", value=amount)
            amount = net
        unit = _exact_quotient(amount, line.quantity) if line.quantity else None
        if unit is not None and _fits_price(unit):
            quantity, price, text = line.quantity, _plain(unit), line.name
        elif _fits_price(amount):
            quantity, price = Decimal(1), _plain(amount)
            text = f"{line.name} ({line.quantity.normalize()} x)"
        else:
            raise ValidationError(
                f"{where}: its net amount {amount} has more than {MAX_PLACES} decimal places; "
                "no exact invoice line can carry it", field=f"lines[{number - 1}].unit_price",
                value=amount)
        lines.append(WorkLine(description=text, quantity=quantity, unit_price=price,
                              vat_rate=_plain(rate), product_id=line.product_id))
    return tuple(lines)
