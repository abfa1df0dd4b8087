"""How a won deal becomes a customer and the work ledgerlink invoices.

A :class:`DealMapping` is set once per company, as a Python object or as the
``[deals]`` table of a TOML file (its own file, or the policy file, which keeps
the table for this module): which deal, person or organisation field fills the
invoice's recipient, which party is the customer, the due date as issue date +
N days, and the tax rate of lines that state none. :func:`map_deal` applies it::

    [deals]
    customer = "organization"      # auto (organization, else person) | organization | person
    default_tax_rate = "25"        # percent, for lines that state no tax rate
    due_days = 14                  # or a field: due_days = "deal:Payment terms"

    [deals.fields]                 # each one "<party>:<field name>"
    registration_number = "organization:CVR number"
    email = "person:email"

A field is named ``<party>:<field>``: the party is ``deal``, ``person``,
``organization`` or ``customer`` (the party chosen as the customer); the field
is a standard one (``name``, ``email``, ``id``; ``title``, ``value`` of a deal;
``street``, ``postal_code``, ``city``, ``country`` of a party's address) or a
custom field by the name a user gave it. A field the mapping names must be
filled on every deal: one a deal lacks is an error naming the deal, the field
and the party. Recipient parts the mapping leaves unnamed take the customer
party's own name, e-mail and address, when it has them.

Lines (:func:`work_lines`): the CRM product id is the line's product; the
discount is applied exactly in Decimal; prices that include tax
(``TaxMethod.INCLUSIVE``) are converted to net prices exactly, or the deal is
refused naming the line (a net price with no exact decimal, e.g. 100 incl. 20 %
is 83.333..., cannot be invoiced without rounding the customer's price). Each
line keeps its quantity when the net unit price is exact within
:data:`~ledgerlink.money.UNIT_PRICE`; otherwise it is invoiced as quantity 1 at
the line's exact net amount (the description says how many); a line whose net
amount has no exact price either is refused.
"""

from __future__ import annotations

import enum
import os
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

import attrs

from ledgerlink.deal_lines import line_amount, net_lines
from ledgerlink.deals import Deal, DealParty, DealStatus, PartyRole
from ledgerlink.domain import Address, Customer, PartyKind, WorkLine, WorkOrder, WorkStatus
from ledgerlink.errors import InputFileError, ValidationError
from ledgerlink.money import to_decimal
from ledgerlink.policy import MAX_PAYMENT_TERMS_DAYS, PolicyOverride

__all__ = [
    "CustomerParty",
    "DealMapping",
    "FieldRef",
    "customer_id_of",
    "deal_customer",
    "line_amount",
    "load_deal_mapping",
    "map_deal",
    "work_lines",
    "work_order_id",
]

#: The parties a field reference may name.
PARTIES = ("deal", "person", "organization", "customer")
#: The recipient fields a mapping may fill, in the order of ``[deals.fields]``.
RECIPIENT_FIELDS = ("name", "email", "street", "postal_code", "city", "country",
                    "registration_number", "kind")
_ADDRESS_PARTS = ("street", "postal_code", "city", "country")
_HUNDRED = Decimal(100)


class CustomerParty(enum.Enum):
    """Which of a deal's parties is invoiced."""

    AUTO = "auto"  #: the organisation when the deal has one, else the person
    ORGANIZATION = "organization"
    PERSON = "person"


def work_order_id(deal: Deal | str) -> str:
    """The work order id of a deal: ``deal-<deal id>`` (its invoice key is ``inv:deal-<id>``)."""
    return f"deal-{deal if isinstance(deal, str) else deal.id}"


def customer_id_of(party: DealParty) -> str:
    """The local customer id of a deal's party: ``organization-<id>`` or ``person-<id>``."""
    return f"{party.role.value}-{party.id}"


@attrs.frozen
class FieldRef:
    """A field of a deal or one of its parties, written ``<party>:<field>``.

    Attributes:
        party: ``deal``, ``person``, ``organization`` or ``customer``.
        field: a standard field's name, or a custom field's user-given name.
    """

    party: str
    field: str

    @classmethod
    def parse(cls, text: object, *, key: str = "field") -> FieldRef:
        """``"organization:CVR number"`` as a FieldRef; ValidationError naming ``key``."""
        if isinstance(text, FieldRef):
            return text
        party, sep, field = str(text).partition(":") if isinstance(text, str) else ("", "", "")
        if not sep or party.strip() not in PARTIES or not field.strip():
            raise ValidationError(
                f"must be '<party>:<field name>' with party one of {', '.join(PARTIES)} "
                "(e.g. 'organization:CVR number')", field=key, value=text)
        return cls(party.strip(), field.strip())

    def __str__(self) -> str:
        return f"{self.party}:{self.field}"


def _field_refs(value: Mapping[str, object] | None) -> Mapping[str, FieldRef]:
    refs: dict[str, FieldRef] = {}
    for name, text in (value or {}).items():
        if name not in RECIPIENT_FIELDS:
            raise ValidationError(f"unknown field; expected one of {', '.join(RECIPIENT_FIELDS)}",
                                  field=f"fields.{name}", value=text)
        refs[name] = FieldRef.parse(text, key=f"fields.{name}")
    return MappingProxyType(refs)


def _due_days(value: object) -> int | FieldRef | None:
    if value is None or isinstance(value, FieldRef):
        return value
    if isinstance(value, str):
        return FieldRef.parse(value, key="due_days")
    return _days(value, "due_days")


def _days(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise ValidationError("must be a whole number of days", field=where, value=value)
    try:
        days = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValidationError("must be a whole number of days", field=where,
                              value=value) from None
    if not days.is_finite() or days != days.to_integral_value():
        raise ValidationError("must be a whole number of days", field=where, value=value)
    if not 0 <= days <= MAX_PAYMENT_TERMS_DAYS:
        raise ValidationError(f"must be 0..{MAX_PAYMENT_TERMS_DAYS} days", field=where,
                              value=value)
    return int(days)


def _tax_rate(value: object) -> Decimal:
    rate = to_decimal(value, field="default_tax_rate")
    if not Decimal(0) <= rate <= _HUNDRED:
        raise ValidationError("must be a percentage 0..100", field="default_tax_rate",
                              value=value)
    return rate


def _party_choice(value: object) -> CustomerParty:
    if isinstance(value, CustomerParty):
        return value
    try:
        return CustomerParty(value)
    except ValueError:
        choices = ", ".join(p.value for p in CustomerParty)
        raise ValidationError(f"must be one of: {choices}", field="customer",
                              value=value) from None


@attrs.frozen
class DealMapping:
    """How a company's won deals become customers and invoiced work.

    Attributes:
        customer: which party is invoiced (auto: the organisation, else the person).
        fields: recipient field → where it comes from; ``name``, ``email``,
            ``street``, ``postal_code``, ``city``, ``country``,
            ``registration_number`` (the customer's tax id) and ``kind``
            (``person`` or ``company``; unnamed: company for an organisation).
            Strings are parsed as ``<party>:<field>``.
        due_days: the due date as issue date + this many days: a number, or a
            field holding it; None keeps the company's payment terms.
        default_tax_rate: the tax percentage of lines that state none.
    """

    customer: CustomerParty = attrs.field(default=CustomerParty.AUTO, converter=_party_choice)
    fields: Mapping[str, FieldRef] = attrs.field(factory=dict, converter=_field_refs)
    due_days: int | FieldRef | None = attrs.field(default=None, converter=_due_days)
    default_tax_rate: Decimal = attrs.field(default=Decimal(25), converter=_tax_rate)

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> DealMapping:
        """The ``[deals]`` table of a TOML file (see the module docs)."""
        return load_deal_mapping(path)


def load_deal_mapping(path: str | os.PathLike[str]) -> DealMapping:
    """Read the ``[deals]`` table of ``path``; a bad file or key is a ValidationError naming
    the file and the key (``deals.fields.email``)."""
    source = os.fspath(path)
    try:
        data = tomllib.loads(Path(source).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise InputFileError(f"not valid TOML: {err}", source=source) from err
    except (OSError, UnicodeDecodeError) as err:
        raise InputFileError(f"cannot read the deal mapping: {err}", source=source) from err
    table = data.get("deals")
    if not isinstance(table, dict):
        raise ValidationError("missing table [deals] (the deal mapping)", source=source,
                              field="deals", value=table)
    known = ("customer", "fields", "due_days", "default_tax_rate")
    for key in table:
        if key not in known:
            raise ValidationError(f"unknown key; expected one of {', '.join(known)}",
                                  source=source, field=f"deals.{key}", value=table[key])
    if not isinstance(table.get("fields", {}), dict):
        raise ValidationError("must be a table of recipient fields", source=source,
                              field="deals.fields", value=table["fields"])
    try:
        return DealMapping(**table)
    except ValidationError as err:
        raise ValidationError(err.message, source=source, field=f"deals.{err.field}",
                              value=err.value) from None


# --- applying a mapping ------------------------------------------------------------


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _party_field(party: DealParty, name: str) -> object:
    if name in ("name", "email", "id"):
        return getattr(party, name)
    if name in _ADDRESS_PARTS and name not in party.fields:
        return getattr(party.address, name) if party.address is not None else None
    return party.fields.get(name)


def _deal_field(deal: Deal, name: str) -> object:
    if name in ("id", "title", "value", "currency"):
        return getattr(deal, name)
    return deal.fields.get(name)


def customer_party(deal: Deal, mapping: DealMapping) -> DealParty:
    """The party of ``deal`` that ``mapping`` invoices; ValidationError naming the deal when
    it has none."""
    choice = mapping.customer
    party = {CustomerParty.ORGANIZATION: deal.organization,
             CustomerParty.PERSON: deal.person,
             CustomerParty.AUTO: deal.organization or deal.person}[choice]
    if party is None:
        wanted = "organization or person" if choice is CustomerParty.AUTO else choice.value
        raise ValidationError(f"deal {deal.id}: the deal has no {wanted} to invoice "
                              f"(the mapping's customer is {choice.value})",
                              field="customer", value=deal.id)
    return party


def resolve_field(deal: Deal, ref: FieldRef, customer: DealParty) -> object:
    """The value of ``ref`` on ``deal``; ValidationError naming the deal, the field and the
    party when the deal (or that party) lacks it."""
    if ref.party == "deal":
        value = _deal_field(deal, ref.field)
    else:
        party = {"customer": customer, "person": deal.person,
                 "organization": deal.organization}[ref.party]
        if party is None:
            raise ValidationError(
                f"deal {deal.id}: the mapping reads field {ref.field!r} of the {ref.party}, "
                f"and the deal has no {ref.party}", field=str(ref), value=deal.id)
        value = _party_field(party, ref.field)
    if _blank(value):
        raise ValidationError(
            f"deal {deal.id}: the {ref.party} has no field {ref.field!r} (named by the "
            "mapping); fill it in the CRM or change the mapping", field=str(ref), value=deal.id)
    return value


def _kind(value: object, deal: Deal, ref: FieldRef) -> PartyKind:
    text = str(value).strip().casefold()
    for kind in PartyKind:
        if text == kind.value:
            return kind
    raise ValidationError(f"deal {deal.id}: field {ref.field!r} of the {ref.party} must be "
                          "'person' or 'company'", field=str(ref), value=value)


def deal_customer(deal: Deal, mapping: DealMapping) -> Customer:
    """The customer ``mapping`` makes of ``deal``'s party (see :func:`map_deal`)."""
    return _customer(deal, mapping, _deal_due_days(deal, mapping))


def _customer(deal: Deal, mapping: DealMapping, due_days: int | None) -> Customer:
    party = customer_party(deal, mapping)
    values: dict[str, object] = {}
    for name, ref in mapping.fields.items():
        values[name] = resolve_field(deal, ref, party)
    own = party.address or Address()
    address_values = {part: str(values.get(part, getattr(own, part))).strip()
                      for part in _ADDRESS_PARTS}
    kind_ref = mapping.fields.get("kind")
    kind = (_kind(values["kind"], deal, kind_ref) if kind_ref is not None
            else PartyKind.COMPANY if party.role is PartyRole.ORGANIZATION else PartyKind.PERSON)
    email = values.get("email", party.email)
    number = values.get("registration_number")
    try:
        return Customer(
            id=customer_id_of(party), name=str(values.get("name", party.name)).strip(),
            kind=kind, email=None if _blank(email) else str(email).strip(),
            address=Address(**address_values),
            registration_number=None if _blank(number) else str(number),
            currency=deal.currency,
            policy=None if due_days is None else PolicyOverride(payment_terms_days=due_days))
    except ValidationError as err:
        where = mapping.fields.get(err.field or "")
        named = f" (from {where})" if where is not None else ""
        raise ValidationError(f"deal {deal.id}: {err.field}{named}: {err.message}",
                              field=err.field, value=err.value) from None


def work_lines(deal: Deal, mapping: DealMapping) -> tuple[WorkLine, ...]:
    """The deal's lines as work lines, net of tax, discounts applied exactly (see the module
    docs and :func:`ledgerlink.deal_lines.net_lines`)."""
    return net_lines(deal, mapping.default_tax_rate)


def _deal_due_days(deal: Deal, mapping: DealMapping) -> int | None:
    due = mapping.due_days
    if isinstance(due, FieldRef):
        value = resolve_field(deal, due, customer_party(deal, mapping))
        try:
            return _days(value, str(due))
        except ValidationError as err:
            raise ValidationError(f"deal {deal.id}: {due}: {err.message}", field=str(due),
                                  value=value) from None
    return due


def map_deal(deal: Deal, mapping: DealMapping) -> tuple[Customer, WorkOrder]:
    """The customer and the completed work order of a won deal, by ``mapping``.

    The work order is ``deal-<id>``, completed when the deal was won; the
    customer carries a policy override of the due days when the mapping sets
    them. A deal without currency, won time or lines is refused (ValidationError
    naming the deal), as is a field the mapping names that the deal lacks.
    """
    if not deal.currency.strip():
        raise ValidationError(f"deal {deal.id}: the deal has no currency; set it in the CRM "
                              "(ledgerlink never guesses or converts one)",
                              field="currency", value=deal.id)
    if deal.status is not DealStatus.WON or deal.won_at is None:
        raise ValidationError(f"deal {deal.id}: only a won deal (with its won time) is "
                              f"invoiced; this one is {deal.status.value}",
                              field="status", value=deal.id)
    if not deal.lines:
        raise ValidationError(f"deal {deal.id}: the deal has no products to invoice",
                              field="lines", value=deal.id)
    customer = _customer(deal, mapping, _deal_due_days(deal, mapping))
    order = WorkOrder(id=work_order_id(deal), customer_id=customer.id,
                      lines=work_lines(deal, mapping), status=WorkStatus.COMPLETED,
                      completed_at=deal.won_at, project=deal.title or None,
                      description=deal.title)
    return customer, order

