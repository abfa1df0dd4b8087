"""Domain types: customers, products, work orders, invoices.

Dumb, frozen, validated attrs classes. They never learn a provider's field
names: connectors convert with their own cattrs converters. Money amounts are
Decimal; instants are timezone-aware datetimes; calendar days are dates.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.util import get_cc_module

from ledgerlink.errors import ValidationError
from ledgerlink.fields import (
    MAX_ID_LENGTH,
    check_identifier,
    check_non_empty,
    check_time_zone,
    check_vat_rate,
    to_quantity,
    to_unit_price,
    to_vat_rate,
)
from ledgerlink.money import (
    EXACT,
    UNIT_PRICE,
    Money,
    minor_unit,
    read_amount,
    round_money,
    to_decimal,
)
from ledgerlink.policy import BillingPolicy, PolicyOverride
from ledgerlink.status import InvoiceStatus, derive_status

__all__ = [
    "MAX_ID_LENGTH",
    "Address",
    "Company",
    "Customer",
    "DeliveryChannel",
    "InvoiceDraft",
    "InvoiceLine",
    "PartyKind",
    "Product",
    "ProductKind",
    "RemoteInvoice",
    "VatTotal",
    "WorkLine",
    "WorkOrder",
    "WorkStatus",
    "normalize_registration_number",
]


class PartyKind(enum.Enum):
    """Whether a customer is a person or a company."""

    PERSON = "person"
    COMPANY = "company"


class DeliveryChannel(enum.Enum):
    """How invoices reach a customer: a company's default, a customer's own choice.

    :func:`ledgerlink.delivery.choose_channel` resolves :attr:`AUTO` (and the
    company's ``deliver_through_ledgerlink``) to one of the others, saying why.
    """

    PROVIDER_EMAIL = "provider_email"  #: the accounting system e-mails its invoice
    EMAIL = "email"  #: ledgerlink e-mails the invoice PDF itself (SMTP)
    LETTER = "letter"  #: a printed letter, by post
    EINVOICE = "einvoice"  #: a PEPPOL BIS Billing 3 e-invoice
    AUTO = "auto"  #: e-invoice when the receiver takes one, else e-mail, else letter


class ProductKind(enum.Enum):
    """Services (hours, call-outs) versus goods (parts, materials)."""

    SERVICE = "service"
    GOODS = "goods"


class WorkStatus(enum.Enum):
    """Where a work order is in its life."""

    PLANNED = "planned"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


# --- validators -------------------------------------------------------------------


def _enum(kind: type[enum.Enum], optional: bool = False) -> Any:
    """A validator naming the field when a value is not a member of ``kind`` (or None, when
    ``optional``)."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind) and not (optional and value is None):
            choices = ", ".join(str(m.value) for m in kind)
            raise ValidationError(f"must be a {kind.__name__} ({choices})",
                                  field=attribute.name, value=value)

    return check




def _flag(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise ValidationError("must be true or false", field=attribute.name, value=value)


def _aware(instance: object, attribute: attrs.Attribute[Any], value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValidationError(
            "must be timezone-aware (naive datetimes are ambiguous)",
            field=attribute.name,
            value=value,
        )


def _optional_date(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # A datetime is a date too, but a calendar day must not carry a time of day.
    if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
        raise ValidationError("must be a date (YYYY-MM-DD)", field=attribute.name, value=value)


def _country(instance: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and (len(value) != 2 or not value.isalpha() or not value.isupper()):
        raise ValidationError(
            "must be an ISO 3166 alpha-2 country code (e.g. DK)", field=attribute.name, value=value
        )


def _currency(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    try:
        minor_unit(value)
    except ValidationError as err:
        raise ValidationError(err.message, field=attribute.name, value=value) from None


def _optional_price(value: object) -> Decimal | None:
    return None if value is None else read_amount(value, UNIT_PRICE)


# An InvoiceLine is made from a WorkLine (already bounded) or read back from a
# book; it keeps whatever exact value it is given.


def _any_quantity(value: object) -> Decimal:
    return to_decimal(value, field="quantity")


def _any_price(value: object) -> Decimal:
    return to_decimal(value, field="unit_price")


def _any_vat(value: object) -> Decimal:
    return to_decimal(value, field="vat_rate")


def _work_lines(value: Iterable[WorkLine]) -> tuple[WorkLine, ...]:
    return tuple(value)


def _invoice_lines(value: Iterable[InvoiceLine]) -> tuple[InvoiceLine, ...]:
    return tuple(value)



#: VAT prefixes that differ from the ISO 3166 country code: Greece uses EL, and
#: Northern Ireland's traders (country GB) use XI for trade in goods with the EU.
_VAT_PREFIX = {"gr": "EL"}
_PREFIX_COUNTRY = {"el": "gr", "xi": "gb"}


def normalize_registration_number(number: str, country: str | None) -> str:
    """Validate an organisation/VAT number with python-stdnum and return it compacted.

    A number that starts with a two-letter VAT prefix (``DK12345674``,
    ``EL094259216``) is checked as that country's VAT number; otherwise it is
    checked with the customer's country. The result carries the VAT prefix (EL
    for Greece, as VIES and e-invoices use). Countries python-stdnum does not
    know are kept as given (compacted of spaces): refusing them would block
    valid foreign customers.
    """
    raw = "".join(number.split()).upper()
    head = raw[:2].lower()
    head_country = _PREFIX_COUNTRY.get(head, head)
    given_prefix = ""
    if raw[:2].isalpha() and get_cc_module(head_country, "vat") is not None:
        cc, body = head_country, raw[2:]
        given_prefix = raw[:2] if head in _PREFIX_COUNTRY else ""
    elif country:
        cc, body = country.lower(), raw
    else:
        return raw
    module = get_cc_module(cc, "vat")
    if module is None:
        return raw
    # Some stdnum modules take the number with its prefix (and some keep it, like
    # Switzerland's CHE...), others only without: try as given, then without.
    error: StdnumError | None = None
    for attempt in dict.fromkeys((raw, body)):
        try:
            compact = str(module.validate(attempt)).upper()
            break
        except StdnumError as err:
            error = error or err
    else:
        raise ValidationError(
            f"invalid {cc.upper()} VAT/organisation number: {error}",
            field="registration_number", value=number,
        )
    prefix = given_prefix or _VAT_PREFIX.get(cc, cc.upper())
    if compact.startswith(prefix):
        return compact
    # stdnum may return the number under the country's usual prefix (GB for XI).
    usual = cc.upper()
    if given_prefix and compact.startswith(usual) and compact[2:3].isdigit():
        compact = compact[2:]
    return f"{prefix}{compact}"


# --- parties and products ---------------------------------------------------------


@attrs.frozen
class Address:
    """A postal address.

    Attributes:
        street: street and number, possibly several lines joined by newlines.
        postal_code: postal code as written locally.
        city: city name.
        country: ISO 3166 alpha-2 code.
    """

    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = attrs.field(default="DK", validator=_country)


@attrs.frozen
class Customer:
    """A customer as the operational system knows it.

    Attributes:
        id: the operational system's id (stable; used in idempotency keys).
        name: display name.
        kind: person or company.
        email: where invoices are emailed; required for ``send``.
        address: postal address (the country is used to validate numbers).
        registration_number: organisation/VAT number, validated with
            python-stdnum and stored compacted with its country prefix.
        currency: the currency this customer is invoiced in.
        delivery: how invoices reach this customer; None takes the company's
            :attr:`Company.delivery`.
        policy: per-customer billing-policy override.
    """

    id: str = attrs.field(validator=check_identifier)
    name: str = attrs.field(validator=check_non_empty)
    kind: PartyKind = attrs.field(default=PartyKind.COMPANY, validator=_enum(PartyKind))
    email: str | None = None
    address: Address = attrs.Factory(Address)
    registration_number: str | None = None
    currency: str = attrs.field(default="DKK", validator=_currency)
    delivery: DeliveryChannel | None = attrs.field(default=None,
                                                   validator=_enum(DeliveryChannel, True))
    policy: PolicyOverride | None = None

    def details_fingerprint(self) -> str:
        """A short hash of what a provider keeps of the customer besides its name and
        currency: e-mail, address and registration number."""
        a = self.address
        text = "\x1f".join((self.email or "", a.street, a.postal_code, a.city, a.country,
                             self.registration_number or ""))
        return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()

    def __attrs_post_init__(self) -> None:
        if self.email is not None and ("@" not in self.email or self.email.strip() != self.email):
            raise ValidationError("not an email address", field="email", value=self.email)
        if self.registration_number:
            normal = normalize_registration_number(self.registration_number, self.address.country)
            object.__setattr__(self, "registration_number", normal)


@attrs.frozen
class Product:
    """A product or service that invoice lines refer to.

    Attributes:
        id: the operational system's product id.
        name: display name.
        kind: service or goods.
        unit_price: list price excl. VAT, if any.
        vat_rate: VAT percentage, e.g. ``Decimal("25")``.
    """

    id: str = attrs.field(validator=check_identifier)
    name: str = attrs.field(validator=check_non_empty)
    kind: ProductKind = attrs.field(default=ProductKind.SERVICE, validator=_enum(ProductKind))
    unit_price: Decimal | None = attrs.field(default=None, converter=_optional_price)
    vat_rate: Decimal = attrs.field(default=Decimal(25), converter=to_vat_rate,
                                    validator=check_vat_rate)


@attrs.frozen
class Company:
    """The invoicing company: its policy, time zone and home currency.

    Attributes:
        name: company name.
        policy: the company-wide billing policy.
        time_zone: IANA zone; decides which day "tomorrow" and "the night" are.
        currency: home currency, the default for new customers.
        allow_credits: let runs credit booked invoices whose work changed.
        delivery: how invoices reach customers who do not choose for themselves
            (:attr:`Customer.delivery`).
        deliver_through_ledgerlink: send every invoice through ledgerlink's own
            delivery channels, never the accounting system's e-mail
            (``provider_email`` becomes ``email``).
    """

    name: str = attrs.field(validator=check_non_empty)
    policy: BillingPolicy = attrs.Factory(BillingPolicy)
    time_zone: str = attrs.field(default="Europe/Copenhagen", validator=check_time_zone)
    currency: str = attrs.field(default="DKK", validator=_currency)
    allow_credits: bool = False
    delivery: DeliveryChannel = attrs.field(default=DeliveryChannel.PROVIDER_EMAIL,
                                            validator=_enum(DeliveryChannel))
    deliver_through_ledgerlink: bool = attrs.field(default=False, validator=_flag)

    @property
    def zone(self) -> ZoneInfo:
        """The company's time zone as a ZoneInfo."""
        return ZoneInfo(self.time_zone)


# --- work -------------------------------------------------------------------------


@attrs.frozen
class WorkLine:
    """One billable line of a work order (excl. VAT).

    Attributes:
        description: the text on the invoice line.
        quantity: hours, pieces, ... (may be negative for a discount line); within
            :data:`~ledgerlink.money.QUANTITY`.
        unit_price: price per unit excl. VAT; within :data:`~ledgerlink.money.UNIT_PRICE`.
        vat_rate: VAT percentage 0..100.
        product_id: the product this line sells, if any.
    """

    description: str = attrs.field(validator=check_non_empty)
    quantity: Decimal = attrs.field(converter=to_quantity)
    unit_price: Decimal = attrs.field(converter=to_unit_price)
    vat_rate: Decimal = attrs.field(default=Decimal(25), converter=to_vat_rate,
                                    validator=check_vat_rate)
    product_id: str | None = None

    def net(self, currency: str) -> Decimal:
        """quantity x unit price, rounded once to the currency's minor unit (as invoiced)."""
        return round_money(EXACT.multiply(self.quantity, self.unit_price), currency)


@attrs.frozen
class WorkOrder:
    """A piece of operational work that may be invoiced.

    Attributes:
        id: the operational system's id; with the line contents it keys exactly-once.
        customer_id: :attr:`Customer.id` of the customer to invoice.
        lines: the billable lines.
        status: planned, completed or cancelled.
        planned_date: the planned work day (company calendar).
        completed_at: when the work was completed (aware datetime).
        project: free-text project reference shown on the invoice.
        description: a title for the work order.
        invoice_date: the invoice's issue date when the caller decides it (a
            scheduled job does); None lets the planner date it by the run day.
            The due date is always issue date + the policy's payment terms.
        registration_date: the invoice's registration (posting) date in the
            books; None means the issue date.
    """

    id: str = attrs.field(validator=check_identifier)
    customer_id: str = attrs.field(validator=check_identifier)
    lines: tuple[WorkLine, ...] = attrs.field(converter=_work_lines)
    status: WorkStatus = attrs.field(default=WorkStatus.COMPLETED, validator=_enum(WorkStatus))
    planned_date: date | None = None
    completed_at: datetime | None = attrs.field(default=None, validator=_aware)
    project: str | None = None
    description: str = ""
    invoice_date: date | None = attrs.field(default=None, validator=_optional_date)
    registration_date: date | None = attrs.field(default=None, validator=_optional_date)

    def __attrs_post_init__(self) -> None:
        if self.status is WorkStatus.COMPLETED and self.completed_at is None:
            raise ValidationError("a completed work order needs completed_at",
                                  field="completed_at", value=None)

    def fingerprint(self) -> str:
        """A short digest of what would be billed; changes when a line changes."""
        # repr() of a tuple is unambiguous: no separator a field could contain,
        # and None differs from "".
        parts = tuple(
            (line.description, str(line.quantity.normalize()), str(line.unit_price.normalize()),
             str(line.vat_rate.normalize()), line.product_id)
            for line in self.lines
        )
        return hashlib.blake2b(repr(parts).encode(), digest_size=8).hexdigest()

    def total(self, currency: str) -> Money:
        """What an invoice of just this work order comes to in ``currency``, VAT included.

        Computed as an invoice is (:func:`vat_breakdown`), so it is the total the
        customer would see.
        """
        return Money(sum((v.base.amount + v.vat.amount
                          for v in vat_breakdown(self.lines, currency)), Decimal(0)), currency)


# --- invoices ---------------------------------------------------------------------


@attrs.frozen
class InvoiceLine:
    """A line on an invoice, tagged with the work it bills.

    Attributes:
        description: line text.
        quantity: quantity.
        unit_price: unit price excl. VAT.
        vat_rate: VAT percentage.
        product_id: local product id, if any.
        source_key: the ledgerlink key of the work that produced the line; lets
            a run recognise lines it already added after a crash.
    """

    description: str
    quantity: Decimal = attrs.field(converter=_any_quantity)
    unit_price: Decimal = attrs.field(converter=_any_price)
    vat_rate: Decimal = attrs.field(default=Decimal(25), converter=_any_vat,
                                    validator=check_vat_rate)
    product_id: str | None = None
    source_key: str | None = None

    def net(self, currency: str) -> Decimal:
        """quantity x unit price, computed exactly, rounded once to the currency's minor unit."""
        return round_money(EXACT.multiply(self.quantity, self.unit_price), currency)

    @classmethod
    def from_work(cls, line: WorkLine, source_key: str) -> InvoiceLine:
        """The invoice line that bills ``line`` of the work keyed ``source_key``.

        A WorkLine's values were validated when it was made and the fields are the
        same, so they are copied without running the converters again (a run
        makes one of these per line billed).
        """
        new = object.__new__(cls)
        for name, value in (("description", line.description), ("quantity", line.quantity),
                            ("unit_price", line.unit_price), ("vat_rate", line.vat_rate),
                            ("product_id", line.product_id), ("source_key", source_key)):
            object.__setattr__(new, name, value)
        return new


@attrs.frozen
class VatTotal:
    """VAT for one rate: the base and the rounded VAT amount.

    Attributes:
        rate: VAT percentage.
        base: sum of rounded line amounts at this rate.
        vat: base x rate / 100, rounded once.
    """

    rate: Decimal
    base: Money
    vat: Money


def vat_breakdown(
    lines: Sequence[InvoiceLine] | Sequence[WorkLine], currency: str
) -> tuple[VatTotal, ...]:
    """VAT per rate, computed on the sum of each rate's rounded line amounts."""
    bases: dict[Decimal, Decimal] = {}
    for line in lines:
        rate = line.vat_rate.normalize()
        bases[rate] = bases.get(rate, Decimal(0)) + line.net(currency)
    return tuple(
        VatTotal(rate, Money(base, currency),
                 Money(EXACT.divide(EXACT.multiply(base, rate), Decimal(100)), currency))
        for rate, base in sorted(bases.items())
    )


@attrs.frozen
class InvoiceDraft:
    """An invoice ledgerlink intends to create.

    Attributes:
        key: ledgerlink key stored on the remote invoice for exactly-once.
        customer_id: local customer id.
        currency: must equal the customer's currency.
        issue_date: invoice date (company calendar).
        due_date: issue date + payment terms.
        lines: the lines.
        reference: free text (work order or project reference).
        final: the invoice is booked right after it is created (it collects no more
            work); a connector whose drafts cost a request to book may then create
            it booked at once, and the runner books nothing further.
        registration_date: the registration (posting) date in the books; None
            means the issue date (see :attr:`registered_on`). Connectors whose
            provider has one invoice date use :attr:`issue_date` only.
    """

    key: str
    customer_id: str
    currency: str
    issue_date: date
    due_date: date
    lines: tuple[InvoiceLine, ...] = attrs.field(converter=_invoice_lines)
    reference: str = ""
    final: bool = False
    registration_date: date | None = None

    def __attrs_post_init__(self) -> None:
        if self.due_date < self.issue_date:
            raise ValidationError("due date is before the issue date",
                                  field="due_date", value=self.due_date)

    @property
    def registered_on(self) -> date:
        """The registration (posting) date: :attr:`registration_date`, else the issue date."""
        return self.registration_date if self.registration_date is not None else self.issue_date

    @property
    def net(self) -> Money:
        """Sum of the rounded line amounts."""
        return Money(sum((ln.net(self.currency) for ln in self.lines), Decimal(0)), self.currency)

    @property
    def vat(self) -> Money:
        """Total VAT, per :func:`vat_breakdown`."""
        return Money(sum((v.vat.amount for v in vat_breakdown(self.lines, self.currency)),
                         Decimal(0)), self.currency)

    @property
    def gross(self) -> Money:
        """net + VAT: what the customer pays."""
        return self.net + self.vat


@attrs.frozen
class RemoteInvoice:
    """An invoice as the accounting system holds it: the facts statuses derive from.

    Attributes:
        provider_id: the provider's id for the invoice.
        key: the ledgerlink key found on it, if ledgerlink made it.
        customer_ref: the provider's id of the customer.
        currency: invoice currency.
        total: gross total incl. VAT.
        balance: what remains to be paid.
        issue_date: invoice date.
        due_date: due date.
        number: the invoice number, once booked.
        booked: booked (a final, numbered invoice) rather than a draft.
        voided: voided or cancelled.
        deleted: deleted.
        sent: emailed/delivered to the customer, where the provider tells.
        web_url: where the invoice opens in the provider's web app.
        line_keys: source keys of its lines (see :attr:`InvoiceLine.source_key`).
        credit_for: provider id of the invoice this one credits, for credit notes.
        version: the provider's change stamp of the invoice as read (QuickBooks'
            SyncToken, Dinero's UpdatedAt...), which moves whenever the invoice
            changes; None where the provider keeps none. The journal keeps it, so a
            change feed can leave out what has not moved since.
    """

    provider_id: str
    key: str | None
    customer_ref: str
    currency: str
    total: Decimal
    balance: Decimal
    issue_date: date
    due_date: date
    number: str | None = None
    booked: bool = False
    voided: bool = False
    deleted: bool = False
    sent: bool | None = None
    web_url: str | None = None
    line_keys: tuple[str, ...] = ()
    credit_for: str | None = None
    version: str | None = None

    def status(self, today: date) -> InvoiceStatus:
        """Status flags on ``today`` (see :func:`ledgerlink.status.derive_status`)."""
        return derive_status(
            booked=self.booked, voided=self.voided, deleted=self.deleted,
            total=self.total, balance=self.balance, due_date=self.due_date, today=today,
        )
