"""Internal: a booked invoice as a PEPPOL BIS Billing 3 UBL 2.1 Invoice or CreditNote.

:func:`build_einvoice` takes what ledgerlink knows of an invoice — the draft it
created (lines, reference, key), the booked invoice the connector returned
(number, dates, currency, total), the company, the seller's e-invoice profile
and the customer — and writes the document with lxml, in the element order the
UBL 2.1 schema prescribes. What the rules need and the data cannot give is
refused with a ValidationError naming the field (a customer without an
electronic address or a street, a 0 % line without an exemption reason, a
foreign-currency invoice without an exchange rate).

Choices the rules leave open:

- the item name is the description's first line, cut at a word to
  :data:`ITEM_NAME_LIMIT` characters; the full text, when longer, is the item
  description;
- a line with a negative price (a discount) is written as a negative quantity
  at a positive price, as BR-27 wants prices non-negative;
- an invoice in another currency than the company's states its VAT total in
  the company's currency too (BT-6, BT-111): a second ``TaxTotal``;
- :attr:`EInvoice.document_id` is a UUID derived from the seller's address,
  the document type, its number and its ledgerlink key: the same invoice always
  gets the same id, so an access point can refuse a repeat. It travels in the
  transport envelope, not in the UBL (where a UUID draws UBL-CR-005).
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import attrs
from lxml import etree

from ledgerlink.domain import Company, Customer, InvoiceDraft, InvoiceLine, RemoteInvoice
from ledgerlink.einvoice.kinds import DocumentKind
from ledgerlink.einvoice.parties import ElectronicAddress, Seller, endpoint_for
from ledgerlink.einvoice.taxes import VatCategory, VatExemption, VatGroup, rounded, vat_groups
from ledgerlink.einvoice.writer import CAC, CBC, Line, UblWriter, clean, fit
from ledgerlink.errors import ValidationError

__all__ = ["ITEM_NAME_LIMIT", "DocumentKind", "EInvoice", "build_einvoice"]

CUSTOMIZATION_ID = ("urn:cen.eu:en16931:2017#compliant#"
                    "urn:fdc:peppol.eu:2017:poacc:billing:3.0")
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
#: Longest item name written; receivers show it in a column. The full text is kept
#: in the item description.
ITEM_NAME_LIMIT = 100
#: Namespace of :attr:`EInvoice.document_id` (a fixed, random UUID).
_DOCUMENT_IDS = uuid.UUID("8d5b8a52-3f7e-4f36-9c1e-2b8f9a0c6d41")


@attrs.frozen
class EInvoice:
    """A built e-invoice.

    Attributes:
        kind: Invoice or CreditNote.
        number: the invoice number (BT-1).
        key: the ledgerlink key of the invoice.
        document_id: stable id for the transport envelope (see the module docstring).
        receiver: the buyer's electronic address, where the document goes.
        sender: the seller's electronic address.
        xml: the UBL document, UTF-8 with an XML declaration.
    """

    kind: DocumentKind
    number: str
    key: str
    document_id: str
    receiver: ElectronicAddress
    sender: ElectronicAddress
    xml: bytes

    def tree(self) -> etree._Element:
        """The document parsed again, for inspection."""
        return etree.fromstring(self.xml)



def build_einvoice(
    draft: InvoiceDraft,
    booked: RemoteInvoice,
    *,
    company: Company,
    seller: Seller,
    customer: Customer,
    exemption: VatExemption | None = None,
    buyer_endpoint: ElectronicAddress | None = None,
    buyer_reference: str | None = None,
    exchange_rate: Decimal | None = None,
    credited: RemoteInvoice | None = None,
    delivered_on: date | None = None,
    payment_terms: str | None = None,
    discounts_as_allowances: bool = False,
) -> EInvoice:
    """The booked invoice (or credit note) ``booked`` of ``draft`` as PEPPOL BIS 3 UBL.

    Args:
        draft: what ledgerlink created: the lines, the reference (the note) and the key.
        booked: the connector's booked invoice: number, dates, currency, total.
            One with ``credit_for`` becomes a CreditNote.
        company: the invoicing company; its currency is the VAT accounting currency.
        seller: the company's e-invoice profile (address, VAT number, account).
        customer: the buyer; its organisation number gives its electronic address.
        exemption: why the 0 % lines carry no VAT (required when there are any).
        buyer_endpoint: the buyer's electronic address when its number gives none
            (a GLN, a scheme outside the Nordics).
        buyer_reference: the buyer's reference (BT-10); defaults to the draft's
            reference, else the customer's id, as PEPPOL requires one.
        exchange_rate: company currency per unit of the invoice currency, for an
            invoice in a foreign currency.
        credited: the invoice a credit note credits (its number and date).
        delivered_on: the delivery date (BT-72); an intra-community supply
            without one states the issue date.
        payment_terms: the payment terms text; defaults to the days until due.
        discounts_as_allowances: write lines with a negative amount as document-level
            allowances (BG-20, reason code 95 "discount") rather than as negative lines.
    """
    kind = DocumentKind.CREDIT_NOTE if booked.credit_for else DocumentKind.INVOICE
    _check_booked(draft, booked, kind, credited)
    content = _content(draft, exemption, discounts_as_allowances)
    if booked.total and abs(booked.total) != abs(content.payable):
        raise ValidationError(f"the lines come to {content.payable} {draft.currency} with VAT, "
                              f"the booked invoice to {booked.total}", field="total",
                              value=booked.total)
    if kind is DocumentKind.CREDIT_NOTE and content.payable < 0:
        raise ValidationError("a credit note cannot have a negative total (DK-R-016); "
                              "send the correction as an invoice", field="lines")
    categories = {g.category for g in content.groups}
    receiver = buyer_endpoint or endpoint_for(customer.registration_number,
                                              customer.address.country,
                                              field="customer.registration_number")
    _check_parties(categories, seller, customer)
    foreign = draft.currency != company.currency
    if foreign and (exchange_rate is None or exchange_rate <= 0):
        raise ValidationError(
            f"an invoice in {draft.currency} states its VAT in {company.currency} too: give "
            f"the exchange rate", field="exchange_rate", value=exchange_rate)
    assert booked.number is not None  # _check_booked

    writer = UblWriter(etree.Element(f"{{{kind.namespace}}}{kind.root}",
                                     nsmap={None: kind.namespace, "cac": CAC, "cbc": CBC}),
                       draft.currency)
    root = writer.root
    writer.text(root, "CustomizationID", CUSTOMIZATION_ID)
    writer.text(root, "ProfileID", PROFILE_ID)
    writer.text(root, "ID", booked.number)
    writer.text(root, "IssueDate", booked.issue_date.isoformat())
    if kind is DocumentKind.INVOICE:
        writer.text(root, "DueDate", booked.due_date.isoformat())
        writer.text(root, "InvoiceTypeCode", "380")
    else:
        writer.text(root, "CreditNoteTypeCode", "381")
    writer.text(root, "Note", draft.reference)
    writer.text(root, "DocumentCurrencyCode", draft.currency)
    if foreign:
        writer.text(root, "TaxCurrencyCode", company.currency)
    writer.text(root, "BuyerReference", buyer_reference or draft.reference or customer.id)
    if credited is not None and kind is DocumentKind.CREDIT_NOTE:
        reference = writer.add(writer.add(root, "BillingReference"), "InvoiceDocumentReference")
        writer.text(reference, "ID", credited.number)
        writer.text(reference, "IssueDate", credited.issue_date.isoformat())
    states_vat = VatCategory.NOT_SUBJECT not in categories
    writer.seller(seller, states_vat)
    writer.buyer(customer, receiver, states_vat)
    if delivered_on is not None or VatCategory.INTRA_COMMUNITY in categories:
        writer.delivery(delivered_on or booked.issue_date, customer.address.country)
    if kind is DocumentKind.INVOICE:
        writer.payment(seller, booked.number, payment_terms
                       or f"Net {(booked.due_date - booked.issue_date).days} days")
    for allowance in content.allowances:
        writer.allowance(allowance)
    writer.tax_total(content.groups, content.vat)
    if foreign:
        assert exchange_rate is not None  # checked above
        writer.amount(writer.add(root, "TaxTotal"), "TaxAmount",
                      rounded(content.vat * exchange_rate, company.currency), company.currency)
    writer.totals(content.line_total, content.allowance_total, content.vat)
    for number, line in enumerate(content.lines, start=1):
        writer.line(kind, number, line, exemption)

    key = booked.key or draft.key
    sender = seller.electronic_address
    document_id = uuid.uuid5(_DOCUMENT_IDS, f"{sender}|{kind.root}|{booked.number}|{key}")
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return EInvoice(kind, booked.number, key, str(document_id), receiver, sender, xml)


@attrs.frozen
class _Content:
    """What the document states: its lines, allowances, VAT breakdown and totals."""

    lines: tuple[Line, ...]
    allowances: tuple[Line, ...]
    groups: tuple[VatGroup, ...]

    @property
    def line_total(self) -> Decimal:
        return sum((ln.net for ln in self.lines), Decimal(0))

    @property
    def allowance_total(self) -> Decimal:
        return -sum((ln.net for ln in self.allowances), Decimal(0))

    @property
    def vat(self) -> Decimal:
        return sum((g.vat for g in self.groups), Decimal(0))

    @property
    def payable(self) -> Decimal:
        return self.line_total - self.allowance_total + self.vat


def _content(draft: InvoiceDraft, exemption: VatExemption | None,
             discounts_as_allowances: bool) -> _Content:
    lines = [_line(line, index, draft.currency, exemption)
             for index, line in enumerate(draft.lines)]
    if not lines:
        raise ValidationError("an e-invoice needs at least one line", field="lines")
    allowances = [ln for ln in lines if ln.net < 0] if discounts_as_allowances else []
    if len(allowances) == len(lines):  # BR-16: an invoice keeps at least one line
        allowances = []
    groups = vat_groups(((ln.category, ln.rate, None if ln.category is VatCategory.STANDARD
                          else exemption, ln.net) for ln in lines), draft.currency)
    return _Content(tuple(ln for ln in lines if ln not in allowances), tuple(allowances),
                    groups)


def _check_booked(draft: InvoiceDraft, booked: RemoteInvoice, kind: DocumentKind,
                  credited: RemoteInvoice | None) -> None:
    if not booked.number:
        raise ValidationError("the invoice has no number: e-invoice it once it is booked",
                              field="number", value=booked.provider_id)
    if booked.currency != draft.currency:
        raise ValidationError(f"the booked invoice is in {booked.currency}, the draft in "
                              f"{draft.currency}", field="currency", value=booked.currency)
    if kind is DocumentKind.CREDIT_NOTE and (credited is None or not credited.number):
        raise ValidationError("a credit note needs the credited invoice's number",
                              field="credited", value=booked.credit_for)


def _line(line: InvoiceLine, index: int, currency: str,
          exemption: VatExemption | None) -> Line:
    text = clean(line.description).strip()
    if not text:
        raise ValidationError("an invoice line needs a description (the item name)",
                              field=f"lines[{index}].description", value=line.description)
    first = next(part for part in text.splitlines() if part.strip())
    name = fit(first, ITEM_NAME_LIMIT)
    description = text if text != name else None
    if line.vat_rate > 0:
        category = VatCategory.STANDARD
    elif exemption is None:
        raise ValidationError("a 0 % line needs a VAT category and exemption reason: pass "
                              "exemption=...", field=f"lines[{index}].vat_rate",
                              value=line.vat_rate)
    else:
        category = exemption.category
    # BR-27: prices are never negative, so a negative price moves its sign to the quantity.
    sign = -1 if line.unit_price < 0 else 1
    return Line(name, description, sign * line.quantity, sign * line.unit_price,
                 rounded(line.net(currency), currency), category,
                 line.vat_rate.normalize(), line.product_id or None)


def _check_parties(categories: set[VatCategory], seller: Seller, customer: Customer) -> None:
    """The VAT numbers each category requires (BR-S-02, BR-AE-02, BR-IC-02, BR-O-02 ...)."""
    if categories - {VatCategory.NOT_SUBJECT} and not seller.vat_number:
        raise ValidationError("invoices with VAT (or a VAT exemption) state the seller's VAT "
                              "number", field="seller.vat_number")
    needs_buyer_vat = {VatCategory.REVERSE_CHARGE, VatCategory.INTRA_COMMUNITY} & categories
    if needs_buyer_vat and not customer.registration_number:
        which = ", ".join(sorted(c.value for c in needs_buyer_vat))
        raise ValidationError(f"VAT category {which} needs the buyer's VAT number",
                              field="customer.registration_number")
    for field, name in (("customer.name", customer.name), ("seller.name", seller.name)):
        if not clean(name).strip():
            raise ValidationError("the name has no printable text", field=field, value=name)
    address = customer.address
    for field, value in (("street", address.street), ("city", address.city)):
        if not clean(value).strip():
            raise ValidationError("an e-invoice states the buyer's postal address",
                                  field=f"customer.address.{field}")
    for field, value in (("street", seller.address.street), ("city", seller.address.city)):
        if not clean(value).strip():
            raise ValidationError("an e-invoice states the seller's postal address",
                                  field=f"seller.address.{field}")


