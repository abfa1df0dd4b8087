"""Deals won in a CRM, as a deal source hands them to ledgerlink.

A CRM keeps a deal, the person and the organisation it is with, and the
products sold on it. These types hold them CRM-neutrally: a source (such as the
Pipedrive source) reads its CRM's records into them, and the deal mapping turns
a deal into the customer and the work that ledgerlink invoices exactly once.

Every field of a deal or party is kept by its *name*: the standard fields by
the CRM's own field key (``title``, ``won_time``), custom fields by the name a
user gave them (``"CVR number"``), resolved by the source from the CRM's field
definitions. A mapping names fields, never a CRM's hash keys. Values are kept as
the CRM gave them, after options are resolved to their labels; money is Decimal.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs

from ledgerlink.domain import Address
from ledgerlink.errors import ValidationError
from ledgerlink.fields import check_identifier, check_non_empty, to_quantity, to_unit_price

__all__ = ["Deal", "DealLine", "DealParty", "DealStatus", "PartyRole", "TaxMethod"]


class DealStatus(enum.Enum):
    """Where a deal stands in its CRM."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"
    DELETED = "deleted"


class PartyRole(enum.Enum):
    """Which of a deal's parties a record is."""

    PERSON = "person"
    ORGANIZATION = "organization"


class TaxMethod(enum.Enum):
    """How a deal's line prices relate to their tax (one setting per deal in CRMs
    such as Pipedrive, where changing it on one product changes it on all)."""

    EXCLUSIVE = "exclusive"  #: prices exclude the tax
    INCLUSIVE = "inclusive"  #: prices include the tax
    NONE = "none"  #: no tax


def _frozen_fields(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value or {}))


def _aware(instance: object, attribute: attrs.Attribute[Any], value: datetime | None) -> None:
    if value is not None and value.utcoffset() is None:
        raise ValidationError("must be timezone-aware", field=attribute.name, value=value)


@attrs.frozen
class DealParty:
    """The person or organisation a deal is with.

    Attributes:
        id: the CRM's id of the record (as text).
        role: person or organisation.
        name: display name.
        email: the primary e-mail, if any.
        address: postal address, if the CRM keeps one (the country as ISO 3166 alpha-2).
        fields: every other field by name, custom fields by their user-given name.
    """

    id: str = attrs.field(validator=check_identifier)
    role: PartyRole
    name: str = attrs.field(validator=check_non_empty)
    email: str | None = None
    address: Address | None = None
    fields: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_fields)


@attrs.frozen
class DealLine:
    """A product sold on a deal.

    Attributes:
        product_id: the CRM's product id (as text): the *local* product id the
            accounting system's product is linked to.
        name: the line's product name.
        quantity: quantity sold.
        unit_price: the CRM's item price, before the line's discount.
        discount: the discount, as a percentage or an amount (``discount_type``).
        discount_is_percentage: whether ``discount`` is a percentage of the line.
        tax_rate: the line's tax percentage, if the CRM states one.
        comments: free text kept with the line.
    """

    product_id: str = attrs.field(validator=check_identifier)
    name: str = attrs.field(validator=check_non_empty)
    quantity: Decimal = attrs.field(converter=to_quantity)
    unit_price: Decimal = attrs.field(converter=to_unit_price)
    discount: Decimal = Decimal(0)
    discount_is_percentage: bool = True
    tax_rate: Decimal | None = None
    comments: str = ""


@attrs.frozen
class Deal:
    """A deal and everything needed to invoice it.

    Attributes:
        id: the CRM's deal id (as text); keys the deal's invoice exactly once.
        title: the deal's title.
        status: open, won, lost or deleted.
        currency: ISO 4217 code of the deal's value and lines; may be empty when
            the CRM left it unset (the mapping refuses such a deal).
        value: the deal's value as the CRM states it.
        lines: the products sold, in the CRM's order.
        tax_method: how the lines' prices relate to their tax.
        person: the person the deal is with, if any.
        organization: the organisation the deal is with, if any.
        won_at: when the deal was won (aware), if it was.
        updated_at: when the CRM last changed the deal (aware), if known.
        fields: every other deal field by name, custom fields by their user-given name.
    """

    id: str = attrs.field(validator=check_identifier)
    title: str
    status: DealStatus
    currency: str
    value: Decimal
    lines: tuple[DealLine, ...] = attrs.field(default=(), converter=tuple)
    tax_method: TaxMethod = TaxMethod.EXCLUSIVE
    person: DealParty | None = None
    organization: DealParty | None = None
    won_at: datetime | None = attrs.field(default=None, validator=_aware)
    updated_at: datetime | None = attrs.field(default=None, validator=_aware)
    fields: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_fields)
