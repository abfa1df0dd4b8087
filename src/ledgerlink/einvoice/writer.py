"""Internal: writing UBL 2.1 elements: their order, texts fit for XML, amounts as EN 16931 wants.

:class:`UblWriter` appends the elements of an Invoice or CreditNote in the
order the UBL 2.1 schema prescribes and leaves out every empty text (PEPPOL
forbids empty elements, PEPPOL-EN16931-R008). :mod:`ledgerlink.einvoice.ubl`
decides what to write.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import attrs
from lxml import etree

from ledgerlink.domain import Address, Customer
from ledgerlink.einvoice.kinds import DocumentKind
from ledgerlink.einvoice.parties import ElectronicAddress, Seller
from ledgerlink.einvoice.taxes import VatCategory, VatExemption, VatGroup, rounded

__all__ = ["CAC", "CBC", "Line", "UblWriter", "clean", "fit", "number_text"]

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
#: Unit of measure for lines (UN/ECE Rec 20 "one"): ledgerlink's lines carry no unit.
UNIT_CODE = "C62"
#: Allowance reason code (UNCL 5189) for a discount.
DISCOUNT_REASON = "95"
# Characters XML 1.0 cannot hold; removed from every text.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

#: Texts that keep their line breaks; every other text is written on one line.
_MULTILINE = frozenset({"Note", "Description"})


def number_text(value: Decimal) -> str:
    """``value`` in plain notation (``1E+2`` is not an XML Schema decimal), no negative zero."""
    return format(value if value != 0 else abs(value), "f")


@attrs.frozen
class Line:
    """An invoice line as written: sign moved to the quantity, VAT category decided."""

    name: str
    description: str | None
    quantity: Decimal
    price: Decimal
    net: Decimal
    category: VatCategory
    rate: Decimal
    product_id: str | None


def clean(text: str | None) -> str:
    """``text`` without the characters XML 1.0 cannot hold (control characters)."""
    return _NOT_XML.sub("", text or "")


def fit(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary to at most ``limit`` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"


class UblWriter:
    """Appends UBL elements; empty texts are left out (PEPPOL-EN16931-R008)."""

    def __init__(self, root: etree._Element, currency: str) -> None:
        self.root = root
        self.currency = currency

    def add(self, parent: etree._Element, name: str) -> etree._Element:
        return etree.SubElement(parent, f"{{{CAC}}}{name}")

    def text(self, parent: etree._Element, name: str, value: str | None,
             **attributes: str) -> etree._Element | None:
        value = (clean(value).strip() if name in _MULTILINE
                 else " ".join(clean(value).split()))
        if not value:
            return None
        element = etree.SubElement(parent, f"{{{CBC}}}{name}", attributes)
        element.text = value
        return element

    def amount(self, parent: etree._Element, name: str, value: Decimal,
               currency: str | None = None) -> None:
        currency = currency or self.currency
        self.text(parent, name, number_text(rounded(value, currency)), currencyID=currency)

    def address(self, parent: etree._Element, address: Address) -> None:
        postal = self.add(parent, "PostalAddress")
        streets = [s.strip() for s in clean(address.street).splitlines() if s.strip()]
        self.text(postal, "StreetName", streets[0] if streets else None)
        self.text(postal, "AdditionalStreetName", streets[1] if len(streets) > 1 else None)
        self.text(postal, "CityName", address.city)
        self.text(postal, "PostalZone", address.postal_code)
        if len(streets) > 2:  # UBL-SR-51: one third line, so the rest share it
            self.text(self.add(postal, "AddressLine"), "Line", ", ".join(streets[2:]))
        self.text(self.add(postal, "Country"), "IdentificationCode", address.country)

    def party(self, role: str, endpoint: ElectronicAddress, name: str, address: Address,
              vat_number: str | None) -> etree._Element:
        party = self.add(self.add(self.root, role), "Party")
        self.text(party, "EndpointID", endpoint.identifier, schemeID=endpoint.scheme)
        self.text(self.add(party, "PartyName"), "Name", name)
        self.address(party, address)
        if vat_number:
            scheme = self.add(party, "PartyTaxScheme")
            self.text(scheme, "CompanyID", vat_number)
            self.text(self.add(scheme, "TaxScheme"), "ID", "VAT")
        legal = self.add(party, "PartyLegalEntity")
        self.text(legal, "RegistrationName", name)
        if endpoint.scheme in ("0184", "0007", "0192"):  # an organisation number
            self.text(legal, "CompanyID", endpoint.identifier, schemeID=endpoint.scheme)
        return party

    def seller(self, seller: Seller, states_vat: bool) -> None:
        party = self.party("AccountingSupplierParty", seller.electronic_address, seller.name,
                           seller.address, seller.vat_number if states_vat else None)
        if seller.email or seller.phone:
            contact = self.add(party, "Contact")
            self.text(contact, "Telephone", seller.phone)
            self.text(contact, "ElectronicMail", seller.email)

    def buyer(self, customer: Customer, endpoint: ElectronicAddress, states_vat: bool) -> None:
        party = self.party("AccountingCustomerParty", endpoint, customer.name, customer.address,
                           customer.registration_number if states_vat else None)
        if customer.email:
            self.text(self.add(party, "Contact"), "ElectronicMail", customer.email)

    def delivery(self, day: date, country: str) -> None:
        delivery = self.add(self.root, "Delivery")
        self.text(delivery, "ActualDeliveryDate", day.isoformat())
        address = self.add(self.add(delivery, "DeliveryLocation"), "Address")
        self.text(self.add(address, "Country"), "IdentificationCode", country)

    def payment(self, seller: Seller, number: str, terms: str) -> None:
        account = seller.payment
        if account is not None:
            means = self.add(self.root, "PaymentMeans")
            self.text(means, "PaymentMeansCode", account.means_code)
            self.text(means, "PaymentID", number)
            payee = self.add(means, "PayeeFinancialAccount")
            self.text(payee, "ID", account.account)
            self.text(payee, "Name", account.name)
            if account.branch:
                self.text(self.add(payee, "FinancialInstitutionBranch"), "ID", account.branch)
        self.text(self.add(self.root, "PaymentTerms"), "Note", terms)

    def category(self, parent: etree._Element, name: str, category: VatCategory, rate: Decimal,
                 exemption: VatExemption | None) -> None:
        element = self.add(parent, name)
        self.text(element, "ID", category.value)
        if category.has_rate:
            self.text(element, "Percent", number_text(rate))
        if exemption is not None and name == "TaxCategory":
            self.text(element, "TaxExemptionReasonCode", exemption.code)
            self.text(element, "TaxExemptionReason", exemption.reason)
        self.text(self.add(element, "TaxScheme"), "ID", "VAT")

    def allowance(self, discount: Line) -> None:
        """A discount line as a document-level allowance (its amount made positive)."""
        element = self.add(self.root, "AllowanceCharge")
        self.text(element, "ChargeIndicator", "false")
        self.text(element, "AllowanceChargeReasonCode", DISCOUNT_REASON)
        self.text(element, "AllowanceChargeReason", discount.name)
        self.amount(element, "Amount", -discount.net)
        self.category(element, "TaxCategory", discount.category, discount.rate, None)

    def totals(self, lines: Decimal, allowances: Decimal, vat: Decimal) -> None:
        """The document totals (BG-22); allowances are stated when there are any."""
        totals = self.add(self.root, "LegalMonetaryTotal")
        self.amount(totals, "LineExtensionAmount", lines)
        self.amount(totals, "TaxExclusiveAmount", lines - allowances)
        self.amount(totals, "TaxInclusiveAmount", lines - allowances + vat)
        if allowances:
            self.amount(totals, "AllowanceTotalAmount", allowances)
        self.amount(totals, "PayableAmount", lines - allowances + vat)

    def tax_total(self, groups: Sequence[VatGroup], vat: Decimal) -> None:
        total = self.add(self.root, "TaxTotal")
        self.amount(total, "TaxAmount", vat)
        for group in groups:
            subtotal = self.add(total, "TaxSubtotal")
            self.amount(subtotal, "TaxableAmount", group.taxable)
            self.amount(subtotal, "TaxAmount", group.vat)
            self.category(subtotal, "TaxCategory", group.category, group.rate, group.exemption)

    def line(self, kind: DocumentKind, number: int, line: Line,
             exemption: VatExemption | None) -> None:
        element = self.add(self.root, f"{kind.root}Line")
        self.text(element, "ID", str(number))
        quantity = "InvoicedQuantity" if kind is DocumentKind.INVOICE else "CreditedQuantity"
        self.text(element, quantity, number_text(line.quantity), unitCode=UNIT_CODE)
        self.amount(element, "LineExtensionAmount", line.net)
        item = self.add(element, "Item")
        self.text(item, "Description", line.description)
        self.text(item, "Name", line.name)
        if line.product_id:
            self.text(self.add(item, "SellersItemIdentification"), "ID", line.product_id)
        self.category(item, "ClassifiedTaxCategory", line.category, line.rate, exemption)
        price = self.add(element, "Price")
        self.text(price, "PriceAmount", number_text(line.price), currencyID=self.currency)
