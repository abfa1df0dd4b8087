"""JSON bodies keep money exact: Decimals keep their digits both ways, floats are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import ValidationError
from ledgerlink.http.jsonbody import decode, encode, omit_none

AMOUNTS = st.decimals(allow_nan=False, allow_infinity=False, places=4,
                      min_value=Decimal("-1e9"), max_value=Decimal("1e9"))


@given(AMOUNTS, st.text(max_size=20))
def test_amounts_round_trip_with_their_digits(amount: Decimal, text: str) -> None:
    """Decimal amounts are written with exactly their digits and read back equal."""
    body = encode({"Amount": amount, "Lines": [amount, {"Note": text}], "Flag": True})
    back = decode(body)
    assert back["Lines"][1] == {"Note": text} and back["Flag"] is True
    assert Decimal(back["Amount"]) == amount
    assert format(amount, "f").encode() in body  # exactly the digits given, e.g. 10.10


@pytest.mark.parametrize("bad", [1.5, Decimal("NaN"), Decimal("Infinity")])
def test_floats_and_non_finite_amounts_are_refused(bad: object) -> None:
    """A float, NaN or infinite amount is refused when the body is encoded."""
    with pytest.raises(ValidationError):
        encode({"Amount": bad})


def test_omit_none_leaves_out_fields_that_are_none() -> None:
    """omit_none drops the fields whose value is None."""
    assert omit_none(lambda obj: {"a": 1, "b": None})(object()) == {"a": 1}
