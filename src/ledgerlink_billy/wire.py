"""Billy's JSON shapes for the connector, and the one converter between them.

The classes carry Billy's own camelCase names (``contactId``, ``isPaid``...) as
the API page's resource tables and the captured examples spell them [B1][B2];
a belongs-to relation is ``<name>Id`` on the wire. Every field is optional:
reads answer what the request asked for (lines only when embedded), and writes
send only what they set (``None`` fields are left out, as Billy's partial PUT
wants). :data:`WIRE` is this connector's wire format from the core's
(:func:`ledgerlink.http.wire.wire_format`): strict types (a bool only
``true``/``false``, amounts as ``Decimal`` from JSON numbers, floats refused,
dates ``YYYY-MM-DD``), date-times without an offset kept as given (Billy writes
``2017-06-02T12:16:43``), fields the connector does not read ignored.

Which fields each write may carry is held against the resource tables by the
contract test (``tests/ledgerlink_billy/test_contract.py``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from ledgerlink.http.wire import wire_format
from ledgerlink_billy.settings import PROVIDER

__all__ = [
    "WIRE",
    "BillyAccount",
    "BillyAssociation",
    "BillyBankPayment",
    "BillyContact",
    "BillyContactPerson",
    "BillyCountryGroup",
    "BillyEmail",
    "BillyInvoice",
    "BillyInvoiceLine",
    "BillyMeta",
    "BillyOrganization",
    "BillyPaging",
    "BillyProduct",
    "BillyProductPrice",
    "BillySalesTaxRule",
    "BillySalesTaxRuleset",
    "BillyTaxRate",
]


@attrs.frozen
class BillyPaging:
    """``meta.paging`` of a list answer: 1-based ``page`` [B1][B2]."""

    page: int
    pageSize: int | None = None
    pageCount: int | None = None
    total: int | None = None


@attrs.frozen
class BillyMeta:
    """``meta`` of every answer; ``deletedRecords`` after a DELETE (plural name → ids)."""

    statusCode: int | None = None
    success: bool | None = None
    paging: BillyPaging | None = None
    deletedRecords: Any = None


@attrs.frozen
class BillyOrganization:
    """``GET /v2/organization``: the company the token belongs to [B1]."""

    id: str | None = None
    name: str | None = None
    countryId: str | None = None
    baseCurrencyId: str | None = None
    registrationNo: str | None = None
    email: str | None = None
    paymentTermsMode: str | None = None
    paymentTermsDays: int | None = None
    defaultTaxMode: str | None = None
    defaultSalesAccountId: str | None = None
    defaultSalesTaxRulesetId: str | None = None
    isLocked: bool | None = None


@attrs.frozen
class BillyContactPerson:
    """A contact person: the e-mail an invoice is sent to lives here (``isPrimary``) [B1]."""

    id: str | None = None
    contactId: str | None = None
    isPrimary: bool | None = None
    name: str | None = None
    email: str | None = None


@attrs.frozen
class BillyContact:
    """A contact (required on create: ``type``, ``name``, ``countryId``,
    ``paymentTermsDays``) [B1]."""

    id: str | None = None
    type: str | None = None
    name: str | None = None
    countryId: str | None = None
    street: str | None = None
    cityText: str | None = None
    zipcodeText: str | None = None
    contactNo: str | None = None
    phone: str | None = None
    currencyId: str | None = None
    registrationNo: str | None = None
    ean: str | None = None
    isCustomer: bool | None = None
    isSupplier: bool | None = None
    paymentTermsMode: str | None = None
    paymentTermsDays: int | None = None
    contactPersons: tuple[BillyContactPerson, ...] | None = None
    isArchived: bool | None = None
    createdTime: datetime | None = None


@attrs.frozen
class BillyProductPrice:
    """A product's unit price in one currency [B1]."""

    unitPrice: Decimal
    currencyId: str
    id: str | None = None
    productId: str | None = None


@attrs.frozen
class BillyProduct:
    """A product; its ``salesTaxRuleset`` decides the VAT of a line [B1][B2]."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    accountId: str | None = None
    productNo: str | None = None
    salesTaxRulesetId: str | None = None
    isArchived: bool | None = None
    prices: tuple[BillyProductPrice, ...] | None = None


@attrs.frozen
class BillyTaxRate:
    """A tax rate; ``rate`` is a fraction (0.25 for 25 %; inferred) [B1]."""

    id: str | None = None
    name: str | None = None
    abbreviation: str | None = None
    rate: Decimal | None = None
    appliesToSales: bool | None = None
    isActive: bool | None = None


@attrs.frozen
class BillySalesTaxRule:
    """One rule of a ruleset: country (or country group) and contact type → tax rate [B1]."""

    id: str | None = None
    rulesetId: str | None = None
    countryId: str | None = None
    stateId: str | None = None
    countryGroupId: str | None = None
    contactType: str | None = None
    taxRateId: str | None = None
    priority: int | None = None


@attrs.frozen
class BillySalesTaxRuleset:
    """A sales tax ruleset: its rules, and the rate when none matches [B1]."""

    id: str | None = None
    name: str | None = None
    abbreviation: str | None = None
    fallbackTaxRateId: str | None = None
    isPredefined: bool | None = None
    rules: tuple[BillySalesTaxRule, ...] | None = None


@attrs.frozen
class BillyCountryGroup:
    """A group of countries (EU...) a tax rule may name [B1]."""

    id: str | None = None
    name: str | None = None
    memberCountryIds: Any = None


@attrs.frozen
class BillyInvoiceLine:
    """An invoice line: ``productId`` and ``unitPrice`` required; ``taxRateId``,
    ``amount`` and ``tax`` read-only [B1][B2]."""

    id: str | None = None
    invoiceId: str | None = None
    productId: str | None = None
    description: str | None = None
    quantity: Decimal | None = None
    unitPrice: Decimal | None = None
    amount: Decimal | None = None
    tax: Decimal | None = None
    taxRateId: str | None = None
    discountText: str | None = None
    discountMode: str | None = None
    discountValue: Decimal | None = None
    priority: int | None = None


@attrs.frozen
class BillyInvoice:
    """An invoice or credit note [B1][B2]. ``amount`` is net and ``tax`` the VAT
    (read-only); ``grossAmount`` and ``externalId`` appear in real answers though the
    table lacks them [B2][B9]; ``externalId`` is a documented list filter."""

    id: str | None = None
    type: str | None = None
    createdTime: datetime | None = None
    approvedTime: datetime | None = None
    contactId: str | None = None
    attContactPersonId: str | None = None
    entryDate: date | None = None
    paymentTermsMode: str | None = None
    paymentTermsDays: int | None = None
    dueDate: date | None = None
    state: str | None = None
    sentState: str | None = None
    invoiceNo: str | None = None
    taxMode: str | None = None
    amount: Decimal | None = None
    tax: Decimal | None = None
    grossAmount: Decimal | None = None
    currencyId: str | None = None
    exchangeRate: Decimal | None = None
    balance: Decimal | None = None
    isPaid: bool | None = None
    creditedInvoiceId: str | None = None
    contactMessage: str | None = None
    lineDescription: str | None = None
    downloadUrl: str | None = None
    externalId: str | None = None
    lines: tuple[BillyInvoiceLine, ...] | None = None


@attrs.frozen
class BillyEmail:
    """``POST /v2/invoices/:id/emails``: one contact person per call [B1]."""

    contactPersonId: str
    emailSubject: str
    emailBody: str
    copyToUserId: str | None = None


@attrs.frozen
class BillyAssociation:
    """What a bank payment pays: ``subjectReference`` = ``invoice:<id>`` [B1]."""

    subjectReference: str


@attrs.frozen
class BillyBankPayment:
    """A bank payment (``cashSide`` debit: money received) [B1][B2]."""

    id: str | None = None
    contactId: str | None = None
    entryDate: date | None = None
    cashAmount: Decimal | None = None
    cashSide: str | None = None
    cashAccountId: str | None = None
    cashExchangeRate: Decimal | None = None
    subjectCurrencyId: str | None = None
    feeAmount: Decimal | None = None
    feeAccountId: str | None = None
    isVoided: bool | None = None
    associations: tuple[BillyAssociation, ...] | None = None


@attrs.frozen
class BillyAccount:
    """An account; payments go to one with ``isPaymentEnabled`` [B1]."""

    id: str | None = None
    name: str | None = None
    accountNo: int | None = None
    currencyId: str | None = None
    isPaymentEnabled: bool | None = None
    isBankAccount: bool | None = None
    isArchived: bool | None = None


_CLASSES = (BillyPaging, BillyMeta, BillyOrganization, BillyContactPerson, BillyContact,
            BillyProductPrice, BillyProduct, BillyTaxRate, BillySalesTaxRule,
            BillySalesTaxRuleset, BillyCountryGroup, BillyInvoiceLine, BillyInvoice,
            BillyEmail, BillyAssociation, BillyBankPayment, BillyAccount)

#: Billy's wire format: keys exactly as Billy spells them, date-times without an offset
#: kept as given, ids read as text.
WIRE = wire_format(PROVIDER, _CLASSES, naive_datetimes=True)
