"""Internal: vAT categories, exemption reasons and the EN 16931 VAT breakdown.

An e-invoice states for every line a VAT category (UNCL 5305) besides the rate.
A line with a rate above zero is standard rated (``S``); a 0 % line needs the
reason it carries no VAT: zero rated (``Z``), exempt (``E``), reverse charge
(``AE``), an intra-community supply (``K``), an export (``G``) or not subject to
VAT (``O``). Every category but ``S`` and ``Z`` states its exemption reason, as
a VATEX code and/or a text (BR-E-10, BR-AE-10, BR-IC-10, BR-G-10, BR-O-10).

Amounts follow EN 16931: line net amounts rounded to two decimals, then the
VAT of each category and rate computed once on the sum of its lines' amounts
and rounded (BR-CO-17) — the rule :func:`ledgerlink.domain.vat_breakdown`
follows, so the e-invoice's totals are the booked invoice's.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from decimal import Decimal

import attrs

from ledgerlink.errors import ValidationError
from ledgerlink.money import EXACT, minor_unit, round_money

__all__ = [
    "EXPORT",
    "INTRA_COMMUNITY",
    "NOT_SUBJECT",
    "REVERSE_CHARGE",
    "ZERO_RATED",
    "VatCategory",
    "VatExemption",
    "VatGroup",
    "exempt",
    "rounded",
    "vat_groups",
]

#: EN 16931 amounts have at most two decimals (BR-DEC-*); currencies with more
#: minor digits (BHD, KWD) cannot be invoiced this way.
MAX_DECIMALS = 2


def rounded(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded as ledgerlink rounds money in ``currency``, never a negative zero.

    Raises ValidationError for currencies with more than two minor digits.
    """
    if minor_unit(currency) > MAX_DECIMALS:
        raise ValidationError(f"EN 16931 amounts have at most {MAX_DECIMALS} decimals; "
                              f"{currency} has {minor_unit(currency)}", field="currency",
                              value=currency)
    result = round_money(amount, currency)
    return result if result != 0 else abs(result)


class VatCategory(enum.Enum):
    """The VAT category of a line (UNCL 5305 codes, as EN 16931 restricts them)."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY = "K"
    EXPORT = "G"
    NOT_SUBJECT = "O"

    @property
    def has_rate(self) -> bool:
        """False for "not subject to VAT", whose lines state no rate at all (BR-O-05)."""
        return self is not VatCategory.NOT_SUBJECT

    @property
    def needs_reason(self) -> bool:
        """True for the categories that must say why no VAT is charged."""
        return self not in (VatCategory.STANDARD, VatCategory.ZERO_RATED)


#: The VATEX code each zero-VAT category must carry when it carries one
#: (PEPPOL-EN16931-P0104..P0107); exempt lines pick from many.
_FIXED_CODES = {
    VatCategory.REVERSE_CHARGE: "VATEX-EU-AE",
    VatCategory.INTRA_COMMUNITY: "VATEX-EU-IC",
    VatCategory.EXPORT: "VATEX-EU-G",
    VatCategory.NOT_SUBJECT: "VATEX-EU-O",
}


def _category(instance: object, attribute: attrs.Attribute[VatCategory],
              value: VatCategory) -> None:
    if value is VatCategory.STANDARD:
        raise ValidationError("a 0 % line cannot be standard rated", field="exemption.category",
                              value=value.value)


@attrs.frozen
class VatExemption:
    """Why a 0 % line carries no VAT.

    Attributes:
        category: the VAT category of the 0 % lines (anything but standard).
        code: the VATEX code (``VATEX-EU-AE``); optional when ``reason`` is given.
        reason: the exemption reason as text, printed on the invoice.
    """

    category: VatCategory = attrs.field(validator=_category)
    code: str | None = None
    reason: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.category is VatCategory.ZERO_RATED:
            if self.code or self.reason:
                raise ValidationError("zero-rated lines carry no exemption reason (BR-Z-10)",
                                      field="exemption.reason", value=self.reason or self.code)
            return
        if not (self.code or self.reason):
            raise ValidationError(f"VAT category {self.category.value} needs an exemption "
                                  f"reason: a VATEX code or a text", field="exemption.code")
        fixed = _FIXED_CODES.get(self.category)
        if self.code and fixed and self.code.upper() != fixed:
            raise ValidationError(f"VAT category {self.category.value} takes the code {fixed}",
                                  field="exemption.code", value=self.code)
        if self.code and not self.code.upper().startswith("VATEX-"):
            raise ValidationError("not a VATEX code (VATEX-EU-...)", field="exemption.code",
                                  value=self.code)


def exempt(code: str, reason: str | None = None) -> VatExemption:
    """An exempt supply (category ``E``) with its VATEX code, e.g. ``VATEX-EU-132``."""
    return VatExemption(VatCategory.EXEMPT, code, reason)


#: Services or goods sold to a VAT-registered buyer who accounts for the VAT.
REVERSE_CHARGE = VatExemption(VatCategory.REVERSE_CHARGE, "VATEX-EU-AE", "Reverse charge")
#: A supply of goods or services to a VAT-registered buyer in another EU country.
INTRA_COMMUNITY = VatExemption(VatCategory.INTRA_COMMUNITY, "VATEX-EU-IC",
                               "Intra-community supply")
#: Goods exported outside the EU.
EXPORT = VatExemption(VatCategory.EXPORT, "VATEX-EU-G", "Export outside the EU")
#: Outside the scope of VAT (the seller states no VAT number).
NOT_SUBJECT = VatExemption(VatCategory.NOT_SUBJECT, "VATEX-EU-O", "Not subject to VAT")
#: Taxable at a rate of zero.
ZERO_RATED = VatExemption(VatCategory.ZERO_RATED)


@attrs.frozen
class VatGroup:
    """One line of the VAT breakdown: a category and rate, its base and its VAT.

    Attributes:
        category: the VAT category.
        rate: the percentage (0 for every category but standard).
        exemption: the exemption the category's lines carry (None for standard).
        taxable: sum of the group's (rounded) line net amounts.
        vat: taxable x rate / 100, rounded once.
    """

    category: VatCategory
    rate: Decimal
    exemption: VatExemption | None
    taxable: Decimal
    vat: Decimal


def vat_groups(
    amounts: Iterable[tuple[VatCategory, Decimal, VatExemption | None, Decimal]], currency: str,
) -> tuple[VatGroup, ...]:
    """The VAT breakdown of ``(category, rate, exemption, net amount)`` items, by category and rate.

    A category's lines must share one exemption (the breakdown states one reason
    per category); "not subject to VAT" excludes every other category (BR-O-11).
    """
    bases: dict[tuple[VatCategory, Decimal], Decimal] = {}
    reasons: dict[VatCategory, VatExemption | None] = {}
    for category, rate, exemption, amount in amounts:
        key = (category, rate.normalize())
        bases[key] = bases.get(key, Decimal(0)) + amount
        if reasons.setdefault(category, exemption) != exemption:
            raise ValidationError(
                f"the lines of VAT category {category.value} give different exemption "
                f"reasons; one invoice states one per category", field="exemption")
    if VatCategory.NOT_SUBJECT in reasons and len(reasons) > 1:
        raise ValidationError("lines not subject to VAT cannot share an invoice with other "
                              "VAT categories (BR-O-11)", field="exemption")
    return tuple(
        VatGroup(category, rate, reasons[category], rounded(base, currency),
                 rounded(EXACT.divide(EXACT.multiply(base, rate), Decimal(100)), currency))
        for (category, rate), base in sorted(bases.items(), key=_breakdown_order)
    )


_ORDER = {category: position for position, category in enumerate(VatCategory)}


def _breakdown_order(item: tuple[tuple[VatCategory, Decimal], Decimal]) -> tuple[int, Decimal]:
    """Standard rated first, highest rate first: the order invoices print the breakdown in."""
    (category, rate), _ = item
    return _ORDER[category], -rate
