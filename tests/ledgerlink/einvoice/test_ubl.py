"""Booked invoices as PEPPOL BIS 3 documents: valid for varied invoices, clear errors otherwise."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest
from lxml import etree

from ledgerlink.domain import Address, Customer, InvoiceLine
from ledgerlink.einvoice import (
    EXPORT,
    INTRA_COMMUNITY,
    NOT_SUBJECT,
    REVERSE_CHARGE,
    ZERO_RATED,
    DocumentKind,
    EInvoice,
    EInvoiceValidator,
    ElectronicAddress,
    PaymentAccount,
    VatExemption,
    build_einvoice,
    exempt,
)
from ledgerlink.errors import ValidationError
from tests.ledgerlink.einvoice.invoices import (
    COMPANY,
    DANISH,
    NORWEGIAN,
    SELLER,
    SWEDISH,
    booked_pair,
    line,
)

NS = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
      "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}


def _build(lines: list[InvoiceLine], customer: Customer = DANISH, **options: object) -> EInvoice:
    draft, booked = booked_pair(lines, customer=customer)
    return build_einvoice(draft, booked, company=COMPANY, seller=SELLER, customer=customer,
                          **options)  # type: ignore[arg-type]


def _texts(document: EInvoice, path: str) -> list[str]:
    return [str(e.text) for e in document.tree().iterfind(path, NS)]


def _assert_valid(validator: EInvoiceValidator, document: EInvoice) -> None:
    report = validator.validate(document.xml)
    assert report.fatal == (), str(report)


def test_several_vat_rates_and_a_discount_line(validator: EInvoiceValidator) -> None:
    """Three rates and a negative discount line give one VAT subtotal per rate, and pass."""
    document = _build([line("Service hours", "3.5", "650"), line("Filter", "2", "129.95", "12"),
                       line("Book", "1", "99.50", "6"), line("Loyalty discount", "1", "-100")])
    _assert_valid(validator, document)
    assert _texts(document, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent") == [
        "25", "12", "6"]
    assert _texts(document, "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["3115.31"]
    # BR-27: the discount's price stays positive; its quantity carries the sign.
    assert _texts(document, "cac:InvoiceLine[4]/cbc:InvoicedQuantity") == ["-1"]
    assert _texts(document, "cac:InvoiceLine[4]/cac:Price/cbc:PriceAmount") == ["100"]


def test_discount_lines_as_document_allowances(validator: EInvoiceValidator) -> None:
    """Negative lines can be written as document-level allowances; the totals stay the same."""
    lines = [line("Service hours", "3.5", "650"), line("Book", "1", "99.50", "6"),
             line("Loyalty discount", "1", "-100"), line("Book discount", "-1", "9.95", "6")]
    as_lines = _build(lines)
    document = _build(lines, discounts_as_allowances=True)
    _assert_valid(validator, document)
    assert _texts(document, "cac:AllowanceCharge/cbc:AllowanceChargeReason") == [
        "Loyalty discount", "Book discount"]
    assert _texts(document, "cac:AllowanceCharge/cbc:Amount") == ["100.00", "9.95"]
    assert _texts(document, "cac:LegalMonetaryTotal/cbc:AllowanceTotalAmount") == ["109.95"]
    assert len(document.tree().findall("cac:InvoiceLine", NS)) == 2
    assert _texts(document, "cac:LegalMonetaryTotal/cbc:PayableAmount") == _texts(
        as_lines, "cac:LegalMonetaryTotal/cbc:PayableAmount")


@pytest.mark.parametrize(("exemption", "code"), [
    (exempt("VATEX-EU-132", "Exempt: medical care"), "E"),
    (ZERO_RATED, "Z"),
])
def test_zero_percent_lines_beside_standard_ones(validator: EInvoiceValidator,
                                                 exemption: VatExemption, code: str) -> None:
    """Exempt and zero-rated 0 % lines sit beside 25 % lines with their own VAT subtotal."""
    document = _build([line("Consultation", "1", "800", "0"), line("Parts", "3", "40")],
                      exemption=exemption)
    _assert_valid(validator, document)
    assert _texts(document, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == ["S", code]


def test_not_subject_to_vat_states_no_vat_numbers(validator: EInvoiceValidator) -> None:
    """Category O leaves out the VAT numbers and rates, as BR-O-02 and BR-O-05 require."""
    document = _build([line("Membership fee", "1", "500", "0")], exemption=NOT_SUBJECT)
    _assert_valid(validator, document)
    assert _texts(document, ".//cac:PartyTaxScheme/cbc:CompanyID") == []
    assert _texts(document, ".//cac:ClassifiedTaxCategory/cbc:Percent") == []


def test_intra_community_supply_in_a_foreign_currency(validator: EInvoiceValidator) -> None:
    """A SEK invoice to Sweden states its VAT total in DKK too, and a delivery date and country."""
    document = _build([line("Heat pump service", "4", "1200", "0")], customer=SWEDISH,
                      exemption=INTRA_COMMUNITY, exchange_rate=Decimal("0.6812"))
    _assert_valid(validator, document)
    tree = document.tree()
    assert [e.get("currencyID") for e in tree.iterfind("cac:TaxTotal/cbc:TaxAmount", NS)] == [
        "SEK", "DKK"]
    assert _texts(document, "cbc:TaxCurrencyCode") == ["DKK"]
    assert _texts(document, "cac:Delivery/cbc:ActualDeliveryDate") == ["2026-11-30"]
    assert document.receiver == ElectronicAddress("0007", "5560360793")


def test_foreign_currency_vat_total_is_converted(validator: EInvoiceValidator) -> None:
    """With VAT, the accounting-currency total is the VAT total times the rate, rounded."""
    document = _build([line("Service", "1", "1000")], customer=SWEDISH,
                      exchange_rate=Decimal("0.6812"))
    _assert_valid(validator, document)
    assert _texts(document, "cac:TaxTotal/cbc:TaxAmount") == ["250.00", "170.30"]


@pytest.mark.parametrize("exemption", [REVERSE_CHARGE, EXPORT])
def test_reverse_charge_and_export_to_norway(validator: EInvoiceValidator,
                                            exemption: VatExemption) -> None:
    """Reverse charge and export invoices in NOK carry their VATEX code and pass."""
    document = _build([line("Installation", "8", "950", "0")], customer=NORWEGIAN,
                      exemption=exemption, exchange_rate=Decimal("0.64"))
    _assert_valid(validator, document)
    assert _texts(document, ".//cac:TaxCategory/cbc:TaxExemptionReasonCode") == [
        exemption.code]
    assert document.receiver == ElectronicAddress("0192", "974760673")


def test_credit_note_references_the_credited_invoice(validator: EInvoiceValidator) -> None:
    """A booked credit note becomes a valid CreditNote naming the invoice it credits."""
    lines = [line("Service hours", "2", "650"), line("Filter", "1", "129.95")]
    _, invoice = booked_pair(lines, number="1042")
    draft, credit = booked_pair(lines, number="1043", key="cr:inv:w1:r1", credit_for="P-1042")
    document = build_einvoice(draft, credit, company=COMPANY, seller=SELLER, customer=DANISH,
                              credited=invoice)
    _assert_valid(validator, document)
    assert document.kind is DocumentKind.CREDIT_NOTE
    assert etree.QName(document.tree()).localname == "CreditNote"
    assert _texts(document, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == [
        "1042"]
    assert _texts(document, "cac:CreditNoteLine/cbc:CreditedQuantity") == ["2", "1"]


def test_long_texts_are_fitted(validator: EInvoiceValidator) -> None:
    """A long multi-line description gives a short item name and keeps the full description."""
    text = "Annual service of the district heating unit " * 8 + "\nSecond line\x07 with a bell"
    customer = attrs.evolve(DANISH, address=Address(
        "Vestergade 3\nBygning B\n2. sal\nDør 4", "5000", "Odense C", "DK"))
    document = _build([line(text, "1", "2500")], customer=customer)
    _assert_valid(validator, document)
    (name,) = _texts(document, ".//cac:Item/cbc:Name")
    (description,) = _texts(document, ".//cac:Item/cbc:Description")
    assert len(name) <= 100 and name.endswith("…")
    assert description.endswith("Second line with a bell")
    assert _texts(document, ".//cac:AccountingCustomerParty//cac:AddressLine/cbc:Line") == [
        "2. sal, Dør 4"]


def test_payment_to_a_danish_bank_account(validator: EInvoiceValidator) -> None:
    """A Danish account pays by means code 42 with reg.nr. and account (DK-R-006)."""
    document = _build([line("Service", "1", "100")])
    _assert_valid(validator, document)
    assert _texts(document, "cac:PaymentMeans/cbc:PaymentMeansCode") == ["42"]
    assert _texts(document, ".//cac:FinancialInstitutionBranch/cbc:ID") == ["1234"]
    assert _texts(document, "cac:PaymentMeans/cbc:PaymentID") == ["1042"]


def test_payment_to_an_iban(validator: EInvoiceValidator) -> None:
    """An IBAN pays by SEPA credit transfer (58), checked with python-stdnum."""
    seller = attrs.evolve(SELLER, payment=PaymentAccount.from_iban("DK50 0040 0440 1162 43"))
    draft, booked = booked_pair([line("Service", "1", "100")])
    document = build_einvoice(draft, booked, company=COMPANY, seller=seller, customer=DANISH)
    _assert_valid(validator, document)
    assert _texts(document, ".//cac:PayeeFinancialAccount/cbc:ID") == ["DK5000400440116243"]
    with pytest.raises(ValidationError, match="IBAN"):
        PaymentAccount.from_iban("DK50 0040 0440 1162 44")


def test_gln_buyer_endpoint(validator: EInvoiceValidator) -> None:
    """A buyer reached by GLN gets that endpoint instead of one from its CVR number."""
    document = _build([line("Service", "1", "100")],
                      buyer_endpoint=ElectronicAddress.gln("5790000435975"))
    _assert_valid(validator, document)
    assert document.receiver == ElectronicAddress("0088", "5790000435975")


def test_document_id_is_stable_per_number_and_key() -> None:
    """Building the same invoice twice gives the same document id; another key gives another."""
    first = _build([line("Service", "1", "100")])
    assert _build([line("Service", "1", "100")]).document_id == first.document_id
    draft, booked = booked_pair([line("Service", "1", "100")], key="inv:w2:r1")
    other = build_einvoice(draft, booked, company=COMPANY, seller=SELLER, customer=DANISH)
    assert other.document_id != first.document_id


@pytest.mark.parametrize(("change", "field"), [
    ({"customer": attrs.evolve(DANISH, registration_number=None)},
     "customer.registration_number"),
    ({"customer": attrs.evolve(DANISH, address=Address("", "5000", "Odense", "DK"))},
     "customer.address.street"),
    ({"customer": attrs.evolve(DANISH, address=Address("Vej 1", "5000", "", "DK"))},
     "customer.address.city"),
    ({"lines": [line("Free sample", "1", "10", "0")]}, "lines[0].vat_rate"),
    ({"customer": SWEDISH}, "exchange_rate"),
    ({"lines": [line("Fee", "1", "10", "0"), line("Work", "1", "10")],
      "exemption": NOT_SUBJECT}, "exemption"),
    ({"customer": attrs.evolve(DANISH, registration_number=None), "exemption": REVERSE_CHARGE,
      "lines": [line("Work", "1", "10", "0")],
      "buyer_endpoint": ElectronicAddress.gln("5790000435975")},
     "customer.registration_number"),
])
def test_data_that_cannot_make_a_valid_document_is_refused(change: dict[str, Any],
                                                          field: str) -> None:
    """Missing or contradictory data raises a ValidationError naming the field."""
    customer = change.pop("customer", DANISH)
    lines = change.pop("lines", [line("Service", "1", "100")])
    with pytest.raises(ValidationError) as caught:
        _build(lines, customer=customer, **change)
    assert caught.value.field == field


def test_unbooked_and_mismatched_invoices_are_refused() -> None:
    """An invoice without a number, or whose total is not its lines', is not e-invoiced."""
    draft, booked = booked_pair([line("Service", "1", "100")])
    options = {"company": COMPANY, "seller": SELLER, "customer": DANISH}
    with pytest.raises(ValidationError) as caught:
        build_einvoice(draft, attrs.evolve(booked, number=None), **options)  # type: ignore[arg-type]
    assert caught.value.field == "number"
    with pytest.raises(ValidationError) as caught:
        build_einvoice(draft, attrs.evolve(booked, total=Decimal("1")), **options)  # type: ignore[arg-type]
    assert caught.value.field == "total"
    with pytest.raises(ValidationError) as caught:
        build_einvoice(draft, attrs.evolve(booked, credit_for="P-1"), **options)  # type: ignore[arg-type]
    assert caught.value.field == "credited"


def test_exemptions_state_a_reason() -> None:
    """Exempt lines need a reason, zero-rated lines must not have one, fixed codes must match."""
    with pytest.raises(ValidationError, match="exemption reason"):
        VatExemption(EXPORT.category)
    with pytest.raises(ValidationError, match="BR-Z-10"):
        VatExemption(ZERO_RATED.category, reason="because")
    with pytest.raises(ValidationError, match="VATEX-EU-AE"):
        VatExemption(REVERSE_CHARGE.category, "VATEX-EU-IC")
