"""An invoice's ``TotalInclVat`` as Dinero computes it, so an answer built without a read
(a draft just created, then booked) carries the total Dinero will report.

Dinero rounds per line, not per invoice: each product line's amount excl. VAT
is rounded to øre (half up), its amount incl. VAT is that rounded amount times
the rate, rounded again, and the invoice's totals are sums of the rounded
lines (a read invoice's lines carry ``TotalAmount`` and ``TotalAmountInclVat``
of their own, as the captured ``invoices_single`` example shows; the rounding
itself is inferred, Dinero does not publish it, and the emulator follows the
same rule). The core's
:attr:`ledgerlink.domain.InvoiceDraft.gross` rounds VAT once per rate instead,
so the two differ by an øre or more when several lines each round their VAT
up (two 25 % lines of 0.02: Dinero 0.06, per rate 0.05).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from ledgerlink.domain import InvoiceLine

__all__ = ["ORE", "invoice_total_incl_vat", "line_total_incl_vat"]

#: Dinero's amounts are in whole øre (cents), whatever the currency.
ORE = Decimal("0.01")
HUNDRED = Decimal(100)


def _ore(value: Decimal) -> Decimal:
    return value.quantize(ORE, rounding=ROUND_HALF_UP)


def line_total_incl_vat(
    base_amount: Decimal, quantity: Decimal, rate: Decimal, *,
    discount: Decimal = Decimal(0), prices_incl_vat: bool = False,
) -> Decimal:
    """``TotalAmountInclVat`` of one product line.

    Args:
        base_amount: ``BaseAmountValue``, the unit price (incl. VAT when
            ``prices_incl_vat``, the invoice's ``ShowLinesInclVat``).
        quantity: ``Quantity``.
        rate: the VAT percent of the line's sales account.
        discount: ``Discount``, a percent.
        prices_incl_vat: ``ShowLinesInclVat``; the connector sends False.
    """
    amount = base_amount * quantity * (1 - discount / HUNDRED)
    if prices_incl_vat:
        return _ore(amount)
    return _ore(_ore(amount) * (1 + rate / HUNDRED))


def invoice_total_incl_vat(lines: Iterable[InvoiceLine]) -> Decimal:
    """``TotalInclVat`` of an invoice of ``lines`` as the connector writes them (unit
    price excl. VAT as ``BaseAmountValue``, no discount, the rate by account)."""
    return sum((line_total_incl_vat(line.unit_price, line.quantity, line.vat_rate)
                for line in lines), Decimal(0))
