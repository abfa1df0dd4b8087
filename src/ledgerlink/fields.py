"""Internal: validators and converters for attrs fields, shared by the domain and scheduling.

A billable item of a scheduled job must read its numbers and ids exactly as a
work line does, so both take their checks from here rather than one module
borrowing the other's private helpers. Validators have the attrs signature
``(instance, attribute, value)`` and raise :class:`~ledgerlink.errors.ValidationError`
naming the field; converters take the raw value.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from ledgerlink.errors import ValidationError
from ledgerlink.money import QUANTITY, UNIT_PRICE, VAT_RATE, read_amount

__all__ = [
    "MAX_ID_LENGTH",
    "check_identifier",
    "check_non_empty",
    "check_time_zone",
    "check_vat_rate",
    "to_quantity",
    "to_unit_price",
    "to_vat_rate",
]

#: The longest id (customer, product, work order) accepted. The journal keys
#: its rows on ids and the keys built from them (``inv:<work order id>:r1``),
#: in columns PostgreSQL holds to their declared length; refusing a longer id
#: at the input names it, where the database would fail mid-run.
MAX_ID_LENGTH = 100


def check_non_empty(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    """Text with something besides white space in it."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("must be a non-empty string", field=attribute.name, value=value)


def check_identifier(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    """A non-empty id of at most :data:`MAX_ID_LENGTH` characters."""
    check_non_empty(instance, attribute, value)
    if len(value) > MAX_ID_LENGTH:
        raise ValidationError(f"must be at most {MAX_ID_LENGTH} characters long "
                              f"({len(value)} given)", field=attribute.name, value=value)


def check_vat_rate(instance: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    """A VAT rate is a percentage, 0 to 100."""
    if not Decimal(0) <= value <= Decimal(100):
        raise ValidationError("VAT rate is a percentage 0..100", field=attribute.name, value=value)


def check_time_zone(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    """A time zone the IANA database knows (``Europe/Copenhagen``)."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("unknown IANA time zone", field=attribute.name, value=value) from None


# Quantities, prices and VAT rates are held to the bounds of ledgerlink.money
# however they arrive (a file, the API, a scheduled job's item), so no line can
# overflow the arithmetic of the invoice it lands on.


def to_quantity(value: object) -> Decimal:
    """A line's quantity, within :data:`ledgerlink.money.QUANTITY`."""
    return read_amount(value, QUANTITY)


def to_unit_price(value: object) -> Decimal:
    """A line's unit price, within :data:`ledgerlink.money.UNIT_PRICE`."""
    return read_amount(value, UNIT_PRICE)


def to_vat_rate(value: object) -> Decimal:
    """A VAT rate in percent, within :data:`ledgerlink.money.VAT_RATE`."""
    return read_amount(value, VAT_RATE)
