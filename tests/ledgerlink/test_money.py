"""Money: the one rounding rule, currencies, and refusing floats."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import ValidationError
from ledgerlink.money import Money, minor_unit, round_money, to_decimal

CURRENCIES = {"DKK": 2, "EUR": 2, "USD": 2, "SEK": 2, "JPY": 0, "ISK": 0, "BHD": 3, "KWD": 3}

currencies = st.sampled_from(sorted(CURRENCIES))
# Amounts well inside Decimal's default 28-digit precision (see the huge-amount test below
# for what happens past it).
amounts = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"),
                      allow_nan=False, allow_infinity=False, places=8)


def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-CURRENCIES[currency])


@pytest.mark.parametrize(("currency", "exponent"), sorted(CURRENCIES.items()))
def test_minor_units(currency: str, exponent: int) -> None:
    """Each currency's minor unit comes from ISO 4217 (JPY 0, DKK 2, BHD 3)."""
    assert minor_unit(currency) == exponent


@given(amounts, currencies)
def test_rounded_amount_has_the_currencys_exponent(amount: Decimal, currency: str) -> None:
    """A rounded amount has exactly the currency's number of decimals."""
    assert round_money(amount, currency).as_tuple().exponent == -CURRENCIES[currency]


@given(amounts, currencies)
def test_rounding_is_within_half_a_minor_unit(amount: Decimal, currency: str) -> None:
    """Rounding moves an amount by at most half a minor unit."""
    assert abs(round_money(amount, currency) - amount) <= _quantum(currency) / 2


@given(st.integers(min_value=-10**12, max_value=10**12), currencies)
def test_ties_round_away_from_zero(units: int, currency: str) -> None:
    """An amount exactly halfway between two minor units rounds away from zero."""
    q = _quantum(currency)
    tie = (Decimal(units) + Decimal("0.5")) * q
    expected = (Decimal(units) + (1 if tie > 0 else 0)) * q
    assert round_money(tie, currency) == expected
    assert round_money(-tie, currency) == -expected


@given(amounts, currencies)
def test_rounding_is_idempotent(amount: Decimal, currency: str) -> None:
    """Rounding a rounded amount changes nothing."""
    once = round_money(amount, currency)
    assert round_money(once, currency) == once
    assert round_money(once, currency).as_tuple() == once.as_tuple()


@given(amounts, currencies)
def test_rounding_is_symmetric(amount: Decimal, currency: str) -> None:
    """A negative amount rounds to the negative of its magnitude's rounding."""
    assert round_money(-amount, currency) == -round_money(amount, currency)


@given(amounts, currencies)
def test_money_is_always_rounded(amount: Decimal, currency: str) -> None:
    """A Money holds its amount rounded by the one rule, however it was made."""
    assert Money(amount, currency).amount == round_money(amount, currency)


@given(amounts, amounts, currencies)
def test_addition_and_subtraction_stay_exact(a: Decimal, b: Decimal, currency: str) -> None:
    """Adding and subtracting rounded amounts needs no further rounding."""
    x, y = Money(a, currency), Money(b, currency)
    assert (x + y).amount == x.amount + y.amount
    assert (x - y).amount == x.amount - y.amount
    assert (-x).amount == -x.amount


def test_concrete_roundings() -> None:
    """A few amounts a bookkeeper would check by hand."""
    assert Money(Decimal("2.675"), "DKK").amount == Decimal("2.68")
    assert Money(Decimal("-2.675"), "DKK").amount == Decimal("-2.68")
    assert Money(Decimal("2.665"), "DKK").amount == Decimal("2.67")  # not banker's 2.66
    assert Money(Decimal("1234.5"), "JPY").amount == Decimal("1235")
    assert Money(Decimal("1.0005"), "BHD").amount == Decimal("1.001")
    assert Money("10", "DKK").amount == Decimal("10.00")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [0.1, 1.0, float("nan"), True])
def test_floats_and_bools_are_refused(value: object) -> None:
    """Money and to_decimal refuse floats (and bools, which are ints in disguise)."""
    with pytest.raises(ValidationError):
        Money(value, "DKK")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        to_decimal(value, field="price")


@pytest.mark.parametrize("value", ["abc", "", "1,5", "NaN", "Infinity", "-inf", None, [1]])
def test_non_numbers_are_refused(value: object) -> None:
    """Text that is not a finite decimal number, and non-numbers, are refused."""
    with pytest.raises(ValidationError) as caught:
        to_decimal(value, field="unit_price")
    assert caught.value.field == "unit_price"


def test_to_decimal_accepts_exact_inputs() -> None:
    """Decimals, ints and numeric strings (with spaces) are accepted exactly."""
    assert to_decimal(" 12.50 ") == Decimal("12.50")
    assert to_decimal(7) == Decimal(7)
    assert to_decimal(Decimal("1e-3")) == Decimal("0.001")


@pytest.mark.parametrize("code", ["ABC", "dkk", "DK", "DKKK", "", 208])
def test_unknown_currencies_are_refused(code: object) -> None:
    """Codes that are not upper-case ISO 4217 currencies are refused naming the field."""
    with pytest.raises(ValidationError) as caught:
        minor_unit(code)  # type: ignore[arg-type]
    assert caught.value.field == "currency"
    with pytest.raises(ValidationError):
        Money(Decimal(1), code)  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["XAU", "XXX", "XTS", "XDR"])
def test_currencies_without_a_minor_unit_are_refused(code: str) -> None:
    """Precious metals, testing and no-currency codes cannot be invoiced."""
    with pytest.raises(ValidationError) as caught:
        minor_unit(code)
    assert "minor unit" in caught.value.message


def test_arithmetic_across_currencies_raises() -> None:
    """Adding, subtracting or comparing two currencies raises, naming the other currency."""
    dkk, eur = Money(Decimal(1), "DKK"), Money(Decimal(1), "EUR")
    for operation in (lambda: dkk + eur, lambda: dkk - eur, lambda: dkk < eur,
                      lambda: dkk <= eur, lambda: dkk > eur, lambda: dkk >= eur):
        with pytest.raises(ValidationError) as caught:
            operation()
        assert caught.value.value == "EUR"
    assert dkk != eur


def test_arithmetic_with_non_money_raises_type_error() -> None:
    """Adding a plain number to Money is a programming error, not bad input."""
    with pytest.raises(TypeError):
        Money(Decimal(1), "DKK") + Decimal(1)  # type: ignore[operator]


def test_zero_and_display() -> None:
    """Money.zero is zero in its currency and Money prints with its code."""
    zero = Money.zero("JPY")
    assert zero.is_zero
    assert str(zero) == "0 JPY"
    assert str(Money(Decimal("1234.5"), "DKK")) == "1,234.50 DKK"


def test_huge_amounts_fail_as_validation_errors() -> None:
    """An amount too large for Decimal's precision fails as a ledgerlink error, not a crash."""
    with pytest.raises(ValidationError):
        Money(Decimal("1e30"), "DKK")
