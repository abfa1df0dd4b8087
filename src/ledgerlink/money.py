"""Money: a Decimal amount in an ISO 4217 currency, rounded by one rule.

The rule: amounts are rounded to the currency's minor unit (2 decimals for DKK
and USD, 0 for JPY, 3 for BHD) with ROUND_HALF_UP ("commercial rounding"), the
rule Danish bookkeeping and EN 16931 e-invoices use. Line amounts are rounded
once, when quantity x unit price is computed; VAT is computed per rate on the
sum of the rounded line amounts and rounded once (the EN 16931 method), so an
invoice's totals always add up to the cent.

Floats are refused everywhere: ``Money(0.1, "DKK")`` raises, because 0.1 as a
float is not 0.1.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from functools import cache

import attrs
import iso4217

from ledgerlink.errors import ValidationError

__all__ = ["EXACT", "ROUNDING", "Money", "minor_unit", "round_money", "to_decimal"]

#: The one rounding rule for money (see the module docstring).
ROUNDING = ROUND_HALF_UP
#: Exact arithmetic for products and quotients before the single rounding: the
#: default 28-digit context would round a long product once before we round it.
EXACT = Context(prec=80, rounding=ROUNDING)


@cache
def minor_unit(currency: str) -> int:
    """Number of decimals of ``currency``'s minor unit (DKK → 2, JPY → 0).

    Raises ValidationError for codes that are not ISO 4217 currencies, or that
    have no minor unit (precious metals, testing codes): nobody invoices in XAU.
    """
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isupper():
        raise ValidationError(
            "currency must be a three-letter upper-case ISO 4217 code",
            field="currency",
            value=currency,
        )
    try:
        exponent = iso4217.Currency(currency).exponent
    except (ValueError, KeyError):
        raise ValidationError(
            "not an ISO 4217 currency", field="currency", value=currency
        ) from None
    if exponent is None:
        raise ValidationError(
            "ISO 4217 code without a minor unit cannot be invoiced",
            field="currency",
            value=currency,
        )
    return int(exponent)


@cache
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def to_decimal(value: object, *, field: str = "amount") -> Decimal:
    """Convert ``value`` (Decimal, int or numeric string) to a finite Decimal.

    Floats are rejected: they cannot represent most money amounts exactly.
    """
    if isinstance(value, (bool, float)):
        raise ValidationError(
            "floats are not accepted for money; pass a Decimal or a string",
            field=field,
            value=value,
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValidationError("not a decimal number", field=field, value=value) from None
    else:
        raise ValidationError(
            f"expected a decimal number, got {type(value).__name__}", field=field, value=value
        )
    if not result.is_finite():
        raise ValidationError("must be a finite number", field=field, value=value)
    return result


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` to ``currency``'s minor unit with :data:`ROUNDING`.

    Amounts that need more than 28 significant digits once rounded (beyond any
    real invoice) are refused as a ValidationError.
    """
    try:
        return amount.quantize(_quantum(currency), rounding=ROUNDING)
    except InvalidOperation:
        raise ValidationError("amount is too large", field="amount", value=amount) from None


def _check_currency(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    minor_unit(value)


@attrs.frozen(order=False)
class Money:
    """An amount of one currency, always held rounded to its minor unit.

    Attributes:
        amount: the amount, quantized to the currency's minor unit.
        currency: ISO 4217 code, e.g. ``"DKK"``.
    """

    amount: Decimal
    currency: str = attrs.field(validator=_check_currency)

    def __attrs_post_init__(self) -> None:
        # Frozen classes set fields through object.__setattr__; rounding here keeps
        # the invariant "a Money is always rounded" for every way one is made.
        object.__setattr__(self, "amount", round_money(to_decimal(self.amount), self.currency))

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in ``currency``."""
        return cls(Decimal(0), currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValidationError(
                f"cannot combine {self.currency} with {other.currency}",
                field="currency",
                value=other.currency,
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def __str__(self) -> str:
        return f"{self.amount:,} {self.currency}"

    @property
    def is_zero(self) -> bool:
        """True for an amount of exactly zero."""
        return self.amount == 0
