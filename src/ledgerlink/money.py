"""Money: a Decimal amount in an ISO 4217 currency, rounded by one rule.

The rule: amounts are rounded to the currency's minor unit (2 decimals for DKK
and USD, 0 for JPY, 3 for BHD) with ROUND_HALF_UP ("commercial rounding"), the
rule Danish bookkeeping and EN 16931 e-invoices use. Line amounts are rounded
once, when quantity x unit price is computed; VAT is computed per rate on the
sum of the rounded line amounts and rounded once (the EN 16931 method), so an
invoice's totals always add up to the cent.

Floats are refused everywhere: ``Money(0.1, "DKK")`` raises, because 0.1 as a
float is not 0.1.

Numbers read from the user (input files, the domain's quantity, price and VAT
fields) pass :func:`read_amount`, which holds them to an :class:`AmountBound`:
plain decimal text only (no exponent, no NaN or Infinity), at most so many
digits before the point and :data:`MAX_PLACES` after it. Checking the text
before Decimal reads it keeps a 5,000-digit cell from costing anything, and the
bounds keep every product and sum an invoice needs exact (see
:data:`QUANTITY`).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from functools import cache, lru_cache

import attrs
import iso4217

from ledgerlink.errors import ValidationError

__all__ = [
    "AMOUNT",
    "EXACT",
    "MAX_DIGITS",
    "MAX_PLACES",
    "QUANTITY",
    "ROUNDING",
    "UNIT_PRICE",
    "VAT_RATE",
    "AmountBound",
    "Money",
    "minor_unit",
    "read_amount",
    "round_money",
    "to_decimal",
]

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


# --- amounts read from the user ------------------------------------------------------

#: Decimals accepted after the point. More than prices and quantities are
#: written with in practice, and the most for which ``str(Decimal)`` writes plain
#: notation (``0.000001``; a seventh place prints as ``1E-7``), so every accepted
#: amount is written back to a file exactly as a person would type it.
MAX_PLACES = 6


@attrs.frozen
class AmountBound:
    """How large and how precise a number read from the user may be.

    Attributes:
        field: the field named when a value is refused.
        digits: most digits before the decimal point (leading zeros aside).
        places: most digits after it.
    """

    field: str
    digits: int
    places: int = MAX_PLACES

    def named(self, field: str) -> AmountBound:
        """The same bound, naming another field."""
        return attrs.evolve(self, field=field)


# Why these sizes: an invoice line's net is quantity x unit price, below
# 10^(10+12) = 10^22, i.e. at most 25 digits with a currency's 3 minor digits.
# Decimal's default context keeps 28, so sums of a thousand such lines (and
# every real invoice) stay exact; past that, Money refuses the amount rather
# than rounding it.
#: A line's quantity: below ten billion units (hours, pieces, kWh ...).
QUANTITY = AmountBound("quantity", 10)
#: A unit price: below a trillion, more than anything sold in any currency.
UNIT_PRICE = AmountBound("unit_price", 12)
#: A VAT percentage (its 0..100 range is checked by the domain).
VAT_RATE = AmountBound("vat_rate", 3)
#: A total read from the user (a project's billing limit): below a thousand
#: trillion, as much as a thousand lines of the largest quantity and price.
AMOUNT = AmountBound("amount", 15)
#: Without a bound of its own a number may have this many digits before the
#: point. Only nonsense reaches it (a field's own bound, with its figure, is
#: what a typo meets), and it keeps such nonsense from going any further.
MAX_DIGITS = 1000
_ANY = AmountBound("amount", MAX_DIGITS)

# Plain decimal text: ASCII digits, an optional sign and point, nothing else
# (Decimal itself would also take 1E+3, NaN, 1_000 and non-ASCII digits).
_PLAIN = re.compile(r"([+-]?)0*([0-9]*)(?:\.([0-9]*))?", re.ASCII)
_EXPONENT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+", re.ASCII)
_NOT_FINITE = frozenset({"nan", "snan", "inf", "infinity"})


def read_amount(value: object, bound: AmountBound | None = None) -> Decimal:
    """``value`` (plain decimal text, an int or a Decimal) as an exact Decimal within ``bound``.

    Text is read exactly as written (``"2.50"`` keeps its two places). Refused,
    each as a ValidationError naming ``bound.field``: floats and bools, text in
    exponent notation or that is not a plain decimal number, NaN and infinities,
    and numbers with more digits than the bound allows. Without a bound, at
    most :data:`MAX_DIGITS` and :data:`MAX_PLACES` digits: the text rules alone,
    for a reader (a file converter) that leaves the field's own bound to the
    domain type. A Decimal with a positive exponent (``Decimal("1E+3")``, from
    arithmetic) is rescaled to ``1000``: same value, written plainly.
    """
    bound = bound or _ANY
    field = bound.field
    if isinstance(value, (bool, float)):
        raise ValidationError("floats are not accepted for money; pass a Decimal or a string",
                              field=field, value=value)
    if isinstance(value, str):
        return _read_text(value, bound)
    if isinstance(value, int):
        if abs(value) >= 10 ** bound.digits:
            raise _too_large(bound, value)
        return Decimal(value)
    if not isinstance(value, Decimal):
        raise ValidationError(f"expected a decimal number, got {type(value).__name__}",
                              field=field, value=value)
    if not value.is_finite():
        raise ValidationError("must be a finite number", field=field, value=value)
    if value.adjusted() >= bound.digits and value != 0:
        raise _too_large(bound, value)
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked above
    if exponent < -bound.places:
        raise _too_precise(bound, value)
    return value.quantize(Decimal(1)) if exponent > 0 else value


#: Distinct texts whose reading is remembered: an input file repeats a few quantities,
#: prices and VAT rates thousands of times, and reading one is most of loading a line.
_READ_CACHE = 4096


@lru_cache(maxsize=_READ_CACHE)
def _read_text(value: str, bound: AmountBound) -> Decimal:
    # Cached by the text itself: "2.50" and "2.5" stay apart (a Decimal key would
    # not: they are equal), and a refused text raises every time (errors are not kept).
    text = value.strip()
    match = _PLAIN.fullmatch(text)
    if match is None or not text.strip("+-."):
        if _EXPONENT.fullmatch(text):
            message = "exponent notation is not accepted; write the number out (1000, not 1E+3)"
        elif text.lstrip("+-").lower() in _NOT_FINITE:
            message = "must be a finite number"
        else:
            message = "not a decimal number"
        raise ValidationError(message, field=bound.field, value=value)
    _, whole, fraction = match.groups()
    if len(whole) > bound.digits:
        raise _too_large(bound, value)
    if fraction is not None and len(fraction) > bound.places:
        raise _too_precise(bound, value)
    return Decimal(text)


def _too_large(bound: AmountBound, value: object) -> ValidationError:
    if bound is _ANY:
        # A field bound more tightly says how far; this one only stops nonsense.
        return ValidationError("too large a number", field=bound.field, value=value)
    return ValidationError(f"too large: at most {bound.digits} digits before the decimal point",
                           field=bound.field, value=value)


def _too_precise(bound: AmountBound, value: object) -> ValidationError:
    return ValidationError(f"too precise: at most {bound.places} decimals",
                           field=bound.field, value=value)


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
