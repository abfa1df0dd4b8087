"""The connector's converter: exact decimals on the wire, both ways."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import ValidationError
from ledgerlink_quickbooks.wire import (
    QboInvoice,
    QboLine,
    QboSalesItemLineDetail,
    Ref,
    converter,
    dumps,
    loads,
)

amounts = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=4,
                      allow_nan=False, allow_infinity=False)


@given(amounts, amounts, st.dates(), st.text(max_size=30))
def test_an_invoice_round_trips_with_exact_decimals(
    amount: Decimal, price: Decimal, day: date, note: str
) -> None:
    """dumps then loads then structure gives back the same invoice, digits and all."""
    invoice = QboInvoice(
        CustomerRef=Ref("7"), TxnDate=day, DueDate=day, PrivateNote=note or None,
        Line=(QboLine("SalesItemLineDetail", amount, "Work",
                      QboSalesItemLineDetail(Ref("1"), Decimal(2), price)),),
    )
    assert converter.structure(loads(dumps(invoice).decode()), QboInvoice) == invoice


def test_amounts_are_json_numbers_and_none_is_left_out() -> None:
    """A Decimal is written as a number with its digits; unset fields are not sent."""
    text = dumps(QboLine("SalesItemLineDetail", Decimal("12.50"))).decode()
    assert text == '{"DetailType":"SalesItemLineDetail","Amount":12.50}'


def test_floats_are_refused() -> None:
    """Neither a float amount in a response nor one in a payload passes."""
    with pytest.raises(ValidationError):
        dumps({"Amount": 0.1})
    with pytest.raises(ValidationError, match="exact decimal"):
        converter.structure({"DetailType": "X", "Amount": 0.1}, QboLine)
