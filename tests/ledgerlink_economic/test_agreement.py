"""The agreement's settings chosen by their rules or refused naming the candidates; lines that
cannot be linked block their invoice; customer updates replace the whole customer."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.domain import Address, Product
from ledgerlink.errors import ConflictError, ValidationError
from ledgerlink.testing.factories import make_customer, make_invoice_draft, make_invoice_line
from ledgerlink_economic import EconomicConnector
from ledgerlink_economic.emulator import Agreement, EconomicEmulator
from tests.ledgerlink_economic.support import build_connector


def test_several_layouts_are_refused_naming_them(emulator: EconomicEmulator,
                                                 agreement: Agreement, tmp_path: Path) -> None:
    """Without the layout option an agreement of three layouts refuses the draft, naming the
    option and every layout; nothing is written."""
    with build_connector(emulator, tmp_path, agreement=agreement, layout=None) as book:
        customer = make_customer()
        ref = book.create_customer(customer)
        with pytest.raises(ValidationError) as caught:
            book.create_invoice(make_invoice_draft(customer=customer), ref, {})
    assert caught.value.field == "layout"
    assert "19 (DK. std. m. bankoplys. 1.5)" in str(caught.value)
    assert "21 (Eng. std. m. bankoplys. 1.5 07.01.14)" in str(caught.value)
    assert emulator.drafts(agreement) == []


def test_a_due_date_no_terms_give_is_refused_naming_the_terms(
        economic: EconomicConnector, emulator: EconomicEmulator, agreement: Agreement) -> None:
    """Net 8, 14 and 30 exist; a draft due in 10 days names the payment terms it could use."""
    customer = make_customer()
    ref = economic.create_customer(customer)
    draft = make_invoice_draft(customer=customer)
    late = make_invoice_draft(customer=customer, issue_date=draft.issue_date,
                              due_date=draft.issue_date + timedelta(days=10))
    with pytest.raises(ValidationError) as caught:
        economic.create_invoice(late, ref, {})
    assert caught.value.field == "payment_terms"
    assert "2 (Netto 14 dage: net 14 days)" in str(caught.value)
    assert emulator.drafts(agreement) == []


def test_terms_of_type_due_date_carry_any_due_date(
        economic: EconomicConnector, emulator: EconomicEmulator, agreement: Agreement) -> None:
    """With terms of type dueDate in the agreement, a due date no net terms give is sent and
    kept."""
    emulator.seed(agreement, "POST", "/payment-terms", {
        "name": "Forfaldsdato", "paymentTermsType": "dueDate", "daysOfCredit": 0})
    customer = make_customer()
    ref = economic.create_customer(customer)
    draft = make_invoice_draft(customer=customer)
    late = make_invoice_draft(customer=customer, issue_date=draft.issue_date,
                              due_date=draft.issue_date + timedelta(days=10))
    created = economic.create_invoice(late, ref, {})
    assert created.due_date == late.due_date


def test_customer_settings_follow_the_country(economic: EconomicConnector,
                                              emulator: EconomicEmulator,
                                              agreement: Agreement) -> None:
    """A Danish customer goes in the Domestic zone, a German one in EU, a Norwegian one in
    Abroad; all in the agreement's one group with net 8 terms."""
    zones = {}
    for country in ("DK", "DE", "NO"):
        customer = make_customer(address=Address("Gade 1", "1000", "By", country),
                                 currency="EUR" if country != "DK" else "DKK")
        zones[country] = int(economic.create_customer(customer))
    with agreement.lock:
        rows = {row["customerNumber"]: row for row in agreement.rows("customers")}
    assert {c: rows[n]["vatZone"]["vatZoneNumber"] for c, n in zones.items()} == {
        "DK": 1, "DE": 2, "NO": 3}
    assert {rows[n]["customerGroup"]["customerGroupNumber"] for n in zones.values()} == {1}
    assert {rows[n]["paymentTerms"]["paymentTermsNumber"] for n in zones.values()} == {1}


def test_several_customer_groups_are_refused_naming_them(
        emulator: EconomicEmulator, agreement: Agreement, tmp_path: Path) -> None:
    """A second customer group makes the group ambiguous: the customer is refused naming the
    customer_group option and both groups; with the option it is made in that group."""
    emulator.seed(agreement, "POST", "/customer-groups", {
        "customerGroupNumber": 2, "name": "Udenlandske kunder",
        "account": {"accountNumber": 5610}})
    with build_connector(emulator, tmp_path, agreement=agreement) as book, \
            pytest.raises(ValidationError) as caught:
        book.create_customer(make_customer())
    assert caught.value.field == "customer_group"
    assert "1 (Indenlandske kunder), 2 (Udenlandske kunder)" in str(caught.value)
    with build_connector(emulator, tmp_path, agreement=agreement, customer_group="2") as book:
        number = int(book.create_customer(make_customer()))
    with agreement.lock:
        row = agreement.tables["customers"][str(number)]
    assert row["customerGroup"]["customerGroupNumber"] == 2


def test_unlinked_lines_block_their_invoice(economic: EconomicConnector,
                                            emulator: EconomicEmulator,
                                            agreement: Agreement) -> None:
    """A line naming a product e-conomic lacks, and one at a rate no product bills, block the
    invoice; the error names both; nothing is written."""
    customer = make_customer()
    ref = economic.create_customer(customer)
    lines = (make_invoice_line(product_id="nope"), make_invoice_line(vat_rate="6"))
    with pytest.raises(ValidationError) as caught:
        economic.create_invoice(make_invoice_draft(customer=customer, lines=lines), ref, {})
    text = str(caught.value)
    assert "product 'nope' is not in e-conomic" in text and "no product bills 6 %" in text
    assert emulator.drafts(agreement) == []


def test_a_product_in_a_group_of_another_rate_is_refused(
        economic: EconomicConnector, emulator: EconomicEmulator, agreement: Agreement) -> None:
    """A 0 % line linked to a product of the 25 % group is refused before anything is sent."""
    product = Product("svc", "Service", vat_rate=Decimal(25))
    number = economic.create_product(product)
    customer = make_customer()
    ref = economic.create_customer(customer)
    line = make_invoice_line(vat_rate="0", product_id="svc")
    with pytest.raises(ValidationError, match="product group 1, which bills 25 %"):
        economic.create_invoice(make_invoice_draft(customer=customer, lines=(line,)), ref,
                                {"svc": number})
    assert emulator.drafts(agreement) == []


def test_a_customer_in_another_currency_is_a_conflict(economic: EconomicConnector) -> None:
    """An invoice in EUR for a DKK customer is refused with ConflictError."""
    customer = make_customer(currency="DKK")
    ref = economic.create_customer(customer)
    with pytest.raises(ConflictError):
        economic.create_invoice(make_invoice_draft(customer=customer, currency="EUR"), ref, {})


def test_an_update_replaces_the_whole_customer_keeping_the_rest(
        economic: EconomicConnector, emulator: EconomicEmulator, agreement: Agreement) -> None:
    """An update PUTs the whole customer: the new address and e-mail, the group, terms, zone
    and fields ledgerlink does not know kept; a field now empty is left out, never null;
    a second update with the same details sends nothing."""
    customer = make_customer(registration_number="DK13585628")
    ref = economic.create_customer(customer)
    with agreement.lock:
        agreement.tables["customers"][ref]["mobilePhone"] = "12345678"
    moved = make_customer(id=customer.id, email=None, registration_number="DK13585628",
                          address=Address("Nørregade 2", "1165", "København K", "DK"))
    assert economic.update_customer(ref, moved)
    with agreement.lock:
        row = dict(agreement.tables["customers"][ref])
    assert (row["address"], row["city"], row["mobilePhone"]) == (
        "Nørregade 2", "København K", "12345678")
    assert "email" not in row and None not in row.values()
    writes = sum(1 for r in emulator.records if r.method == "PUT")
    assert not economic.update_customer(ref, moved)
    assert sum(1 for r in emulator.records if r.method == "PUT") == writes


def test_send_by_ean_books_through_economics_e_invoicing(
        emulator: EconomicEmulator, agreement: Agreement, tmp_path: Path) -> None:
    """With send_by=EAN a customer holding an EAN in e-conomic is sent its invoice by
    e-conomic's own e-invoicing on booking, and the invoice reads sent."""
    customer = make_customer()
    with build_connector(emulator, tmp_path, agreement=agreement) as book:
        ref = book.create_customer(customer)
    with agreement.lock:  # the EAN is entered in e-conomic (ledgerlink's customers have none)
        agreement.tables["customers"][ref]["ean"] = "5790000123456"
    with build_connector(emulator, tmp_path, agreement=agreement, send_by="EAN") as book:
        created = book.create_invoice(make_invoice_draft(customer=customer), ref, {})
        booked = book.book(created.provider_id)
    assert booked.sent is True
    with agreement.lock:
        sent = agreement.rows("invoices/sent")
    assert [row["recipient"]["ean"] for row in sent] == ["5790000123456"]


def test_send_by_takes_economics_values_only(emulator: EconomicEmulator,
                                             agreement: Agreement, tmp_path: Path) -> None:
    """send_by is EAN, Email or none, in e-conomic's casing."""
    with pytest.raises(ValidationError):
        build_connector(emulator, tmp_path, agreement=agreement, send_by="ean")
