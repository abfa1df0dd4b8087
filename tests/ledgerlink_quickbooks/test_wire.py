"""The connector's converter: exact decimals on the wire, both ways."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import ProviderError, ValidationError
from ledgerlink_quickbooks.wire import (
    WIRE,
    QboCustomer,
    QboInvoice,
    QboItem,
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
    with pytest.raises(ProviderError, match="Amount"):
        WIRE.structure({"DetailType": "X", "Amount": 0.1}, QboLine, operation="read a line")


@pytest.mark.parametrize("text", ["false", "true", "0", "1", "no"])
def test_a_flag_must_be_a_json_boolean(text: str) -> None:
    """``{"Active": "false"}`` is refused, not read as True (QuickBooks writes booleans)."""
    with pytest.raises(ProviderError, match="Active"):
        WIRE.structure({"Name": "Widget", "Active": text}, QboItem, operation="read an item")
    assert WIRE.structure({"Name": "Widget", "Active": False}, QboItem,
                          operation="read an item").Active is False


@pytest.mark.parametrize(("raw", "field"), [
    ({"DisplayName": "A", "CurrencyRef": "USD"}, "CurrencyRef"),
    ({"DisplayName": "A", "PrimaryEmailAddr": ["a@b.c"]}, "PrimaryEmailAddr"),
    ({}, "DisplayName"),
])
def test_wrong_shapes_are_named_by_field(raw: dict[str, object], field: str) -> None:
    """A wrong type anywhere in an answer is a ProviderError naming the field."""
    with pytest.raises(ProviderError, match=field):
        WIRE.structure(raw, QboCustomer, operation="read a customer")


def test_amounts_are_not_read_from_text() -> None:
    """QuickBooks writes amounts as JSON numbers; ``"12.50"`` in an answer is refused."""
    with pytest.raises(ProviderError, match="Amount"):
        WIRE.structure({"DetailType": "X", "Amount": "12.50"}, QboLine, operation="read")
