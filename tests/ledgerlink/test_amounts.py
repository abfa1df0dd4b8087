"""The amount rules: plain decimal text within a bound is read exactly; nothing else is."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import ValidationError
from ledgerlink.money import (
    AMOUNT,
    MAX_DIGITS,
    MAX_PLACES,
    QUANTITY,
    UNIT_PRICE,
    VAT_RATE,
    AmountBound,
    read_amount,
)

BOUNDS = (QUANTITY, UNIT_PRICE, VAT_RATE, AMOUNT)

bounds = st.sampled_from(BOUNDS)
_digits = st.text("0123456789", min_size=1, max_size=MAX_DIGITS)
_signs = st.sampled_from(["", "-", "+"])


@st.composite
def plain_texts(draw: st.DrawFn, bound: AmountBound) -> str:
    """Plain decimal text within ``bound``: leading zeros, a bare point and padding included."""
    zeros = draw(st.text("0", max_size=3))
    whole = draw(st.text("0123456789", max_size=bound.digits))
    places = draw(st.none() | st.text("0123456789", max_size=bound.places))
    if not whole and not places:
        whole = "0"
    text = draw(_signs) + zeros + whole + ("" if places is None else "." + places)
    return draw(st.sampled_from(["", " "])) + text + draw(st.sampled_from(["", " "]))


@given(st.data(), bounds)
def test_plain_text_within_the_bound_reads_exactly(data: st.DataObject,
                                                   bound: AmountBound) -> None:
    """Any plain decimal text within a bound reads as the exact Decimal written, places kept."""
    text = data.draw(plain_texts(bound))
    value = read_amount(text, bound)
    assert value.as_tuple() == Decimal(text.strip()).as_tuple()


@given(bounds, _signs, st.text("0123456789", min_size=1, max_size=4),
       st.sampled_from(["e", "E"]), st.sampled_from(["", "+", "-"]),
       st.integers(min_value=0, max_value=500))
def test_exponent_notation_is_refused_naming_the_field(
        bound: AmountBound, sign: str, mantissa: str, e: str, exponent_sign: str,
        exponent: int) -> None:
    """Text in exponent notation (1E+3, 1e400, 5e-2) is refused, naming the field, never scaled."""
    text = f"{sign}{mantissa}{e}{exponent_sign}{exponent}"
    with pytest.raises(ValidationError) as caught:
        read_amount(text, bound)
    assert caught.value.field == bound.field
    assert "exponent notation" in caught.value.message


@pytest.mark.parametrize("text", ["NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf", "-inf"])
@pytest.mark.parametrize("bound", BOUNDS, ids=lambda b: b.field)
def test_non_finite_text_is_refused(text: str, bound: AmountBound) -> None:
    """NaN and the infinities are refused as not finite, naming the field."""
    with pytest.raises(ValidationError) as caught:
        read_amount(text, bound)
    assert caught.value.field == bound.field
    assert "finite" in caught.value.message


@given(bounds, _signs, st.integers(min_value=1, max_value=60), st.data())
def test_too_many_digits_before_the_point_are_refused(
        bound: AmountBound, sign: str, extra: int, data: st.DataObject) -> None:
    """A number with more whole digits than its bound allows is refused, naming field and bound."""
    whole = "1" + data.draw(st.text("0123456789", min_size=bound.digits - 1 + extra,
                                    max_size=bound.digits - 1 + extra))
    with pytest.raises(ValidationError) as caught:
        read_amount(sign + whole, bound)
    assert caught.value.field == bound.field
    assert f"at most {bound.digits} digits" in caught.value.message


@given(bounds, st.integers(min_value=MAX_PLACES + 1, max_value=40))
def test_too_many_places_are_refused(bound: AmountBound, places: int) -> None:
    """More than six decimals is refused, trailing zeros too: 0.0000000 would print as 0E-7."""
    with pytest.raises(ValidationError) as caught:
        read_amount("0." + "0" * places, bound)
    assert caught.value.field == bound.field
    assert f"at most {MAX_PLACES} decimals" in caught.value.message


@given(bounds, st.integers(min_value=1, max_value=10**50), st.booleans())
def test_whole_numbers_are_held_to_the_bound(bound: AmountBound, size: int,
                                             negative: bool) -> None:
    """An int reads exactly when it fits the bound and is refused naming the field when not."""
    value = -size if negative else size
    if size < 10**bound.digits:
        assert read_amount(value, bound) == Decimal(value)
    else:
        with pytest.raises(ValidationError) as caught:
            read_amount(value, bound)
        assert caught.value.field == bound.field


@pytest.mark.parametrize("text", ["1_000", "1,5", "1 000", "١٢", "12.5.1", "", " ", ".", "+",
                                  "-.", "0x10", "--1", "½"])
def test_text_that_is_not_a_plain_number_is_refused(text: str) -> None:
    """Underscores, commas, inner spaces and non-ASCII digits (all of which Decimal or a
    reader might take) are refused as not a decimal number."""
    with pytest.raises(ValidationError) as caught:
        read_amount(text, UNIT_PRICE)
    assert caught.value.field == "unit_price"
    assert "not a decimal number" in caught.value.message


def test_floats_and_bools_are_refused() -> None:
    """A float or a bool is never read as an amount."""
    for value in (0.1, 1e400, float("nan"), True):
        with pytest.raises(ValidationError):
            read_amount(value, QUANTITY)


def test_decimals_are_held_to_the_bound_and_written_plainly() -> None:
    """A Decimal is checked like text; one with a positive exponent becomes the same value,
    written out (so it is never saved as 1E+3)."""
    assert str(read_amount(Decimal("1E+3"), QUANTITY)) == "1000"
    assert read_amount(Decimal("-2.500"), QUANTITY).as_tuple() == Decimal("-2.500").as_tuple()
    for bad in (Decimal("1E+10"), Decimal("NaN"), Decimal("Infinity"), Decimal("1E-7")):
        with pytest.raises(ValidationError) as caught:
            read_amount(bad, QUANTITY)
        assert caught.value.field == "quantity"


def test_without_a_bound_only_the_text_rules_and_a_ceiling_apply() -> None:
    """With no bound, 1,000 whole digits read; more is 'too large a number', without a figure
    that would contradict a field's own bound."""
    assert read_amount("9" * MAX_DIGITS) == Decimal("9" * MAX_DIGITS)
    with pytest.raises(ValidationError) as caught:
        read_amount("9" * (MAX_DIGITS + 1))
    assert caught.value.message == "too large a number"


def test_a_five_thousand_digit_number_is_refused_naming_the_bound() -> None:
    """A 5,000-digit price is refused as too large for a unit price, like a 13-digit one."""
    with pytest.raises(ValidationError) as caught:
        read_amount("1" + "0" * 5000, UNIT_PRICE)
    assert caught.value.field == "unit_price"
    assert "at most 12 digits" in caught.value.message
