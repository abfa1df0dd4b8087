"""Every connector with every channel: an invoice booked through the sandbox, QuickBooks,
Dinero, Billy or e-conomic (each on its in-process emulator) reaches its customer as a letter, an
e-invoice and an e-mail, carrying the connector's own PDF."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from lxml import etree
from pypdf import PdfReader

import ledgerlink
from ledgerlink.connector import Connector
from ledgerlink.delivery import Delivery, open_channel
from ledgerlink.delivery.model import DeliveryState
from ledgerlink.domain import Address, Company, Customer, InvoiceDraft, InvoiceLine, RemoteInvoice
from ledgerlink.einvoice import EInvoiceValidator
from ledgerlink.testing.factories import make_customer, make_invoice_draft
from ledgerlink_billy.emulator import BillyEmulator
from ledgerlink_dinero.emulator import DineroEmulator
from ledgerlink_economic.emulator import EconomicEmulator
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from tests.ledgerlink.einvoice.conftest import RULES
from tests.ledgerlink_billy.support import build_connector as billy_connector
from tests.ledgerlink_dinero.support import build_connector as dinero_connector
from tests.ledgerlink_economic.support import build_connector as economic_connector
from tests.ledgerlink_quickbooks.support import build_connector as quickbooks_connector
from tests.smtp_servers import plain_servers

COMPANY = Company("Fjordvarme ApS")
SENDER_MAIL = "Fjordvarme ApS <faktura@fjordvarme.dk>"
SENDER_ADDRESS = {"name": "Fjordvarme ApS", "street": "Havnegade 12", "postal_code": "8000",
                  "city": "Aarhus C", "country": "DK"}
SELLER = {**SENDER_ADDRESS, "vat_number": "DK13585628", "bank_registration": "1234",
          "account": "0001234567"}

#: Each connector on a fresh account of its emulator (the sandbox: a book in a file).
CONNECTORS: dict[str, Callable[[Path], Connector]] = {
    "sandbox": lambda tmp: ledgerlink.connect("sandbox", path=tmp / "book.db"),
    "quickbooks": lambda tmp: quickbooks_connector(QuickBooksEmulator(), tmp),
    "dinero": lambda tmp: dinero_connector(DineroEmulator(), tmp),
    "billy": lambda tmp: billy_connector(BillyEmulator(), tmp),
    # e-conomic cannot e-mail: its PDF goes out through these channels.
    "economic": lambda tmp: economic_connector(EconomicEmulator(), tmp),
}


@attrs.frozen
class Booked:
    """An invoice booked through a connector, and the PDF the connector gives for it."""

    connector: str
    customer: Customer
    draft: InvoiceDraft
    invoice: RemoteInvoice
    pdf: bytes

    def delivery(self, channel: str) -> Delivery:
        """The booked invoice on its way to its customer by ``channel``."""
        return Delivery.for_invoice(channel, company=COMPANY, customer=self.customer,
                                    draft=self.draft, invoice=self.invoice, pdf=self.pdf)


@pytest.fixture(autouse=True)
def _no_retry_waits(ledgerlink_no_retry_waits: None) -> None:
    """Retries run at once (the ledgerlink pytest plugin's fixture)."""


@pytest.fixture(params=list(CONNECTORS))
def booked(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Booked]:
    """One invoice to a Danish company customer, booked through the connector named by the
    parameter, with its PDF from that connector."""
    home = tmp_path / "connector"  # the book's or the tokens' files, apart from the outputs
    home.mkdir()
    connector = CONNECTORS[request.param](home)
    try:
        customer = make_customer(name="Nordisk Byg A/S", email="bogholderi@nordiskbyg.dk",
                                 registration_number="DK10150817",
                                 address=Address("Vestergade 3", "5000", "Odense C", "DK"))
        ref = connector.find_customer(customer) or connector.create_customer(customer)
        draft = make_invoice_draft(customer=customer, reference="Work order 7", lines=[
            InvoiceLine("Service hours", Decimal("3.5"), Decimal("650"))])
        made = connector.create_invoice(draft, ref, {})
        invoice = made if made.booked else connector.book(made.provider_id)
        assert invoice.booked and invoice.key == draft.key
        pdf = connector.pdf(invoice.provider_id)
        assert str(invoice.number) in page_texts(pdf)[0], "the PDF is of the booked invoice"
        yield Booked(request.param, customer, draft, invoice, pdf)
    finally:
        connector.close()


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page of ``pdf``."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_letter_holds_a_cover_page_and_the_connectors_pages(booked: Booked,
                                                                 tmp_path: Path) -> None:
    """The letter-folder channel writes one print-ready PDF: a cover page, then the pages of
    the connector's own PDF unchanged in text."""
    folder = tmp_path / "letters"
    channel = open_channel("letter-folder", folder=folder, sender=SENDER_ADDRESS)

    receipt = channel.deliver(booked.delivery("letter-folder"))

    assert receipt.state is DeliveryState.SENT, receipt.message
    [letter] = [path for path in folder.iterdir() if not path.name.startswith(".")]
    assert letter.suffix == ".pdf"
    original, printed = page_texts(booked.pdf), page_texts(letter.read_bytes())
    assert len(printed) == len(original) + 1, "one cover page in front of the invoice"
    assert printed[1:] == original
    assert "Nordisk Byg A/S" in printed[0] and "Odense C" in printed[0]


def test_the_einvoice_is_a_bis3_document_for_the_customers_cvr(
        booked: Booked, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The einvoice channel writes a BIS3 Invoice with the booked number to the file outbox,
    addressed to the customer's CVR, with 0 fatal findings against the official rules."""
    outbox = tmp_path / "outbox"
    channel = open_channel("einvoice", seller=SELLER, outbox=outbox)

    receipt = channel.deliver(booked.delivery("einvoice"))

    assert receipt.state is DeliveryState.SENT, receipt.message
    [written] = [path for path in outbox.iterdir() if not path.name.startswith(".")]
    assert written.name == f"{receipt.reference}.xml"
    document = written.read_bytes()
    root = etree.fromstring(document)
    ns = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
          "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}
    assert etree.QName(root).localname == "Invoice"
    assert root.findtext("cbc:ID", namespaces=ns) == booked.invoice.number
    endpoint = root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", ns)
    assert endpoint is not None
    assert (endpoint.get("schemeID"), endpoint.text) == ("0184", "10150817")
    if not (RULES / "peppol-bis-billing-3" / "sch").is_dir():
        pytest.skip(f"the official e-invoice rules are not at {RULES}")
    validator: EInvoiceValidator = request.getfixturevalue("einvoice_validator")
    report = validator.validate(document)
    assert not report.fatal, [str(finding) for finding in report.fatal]


def test_the_email_carries_the_connectors_pdf(booked: Booked) -> None:
    """The email channel sends the customer one mail whose attachment is the connector's PDF,
    byte for byte, named by the booked number."""
    with plain_servers() as start:
        inbox, port = start()
        channel = open_channel("email", host="127.0.0.1", port=port, sender=SENDER_MAIL,
                               timeout=5)
        receipt = channel.deliver(booked.delivery("email"))

    assert receipt.state is DeliveryState.SENT, receipt.message
    [(_, recipients, message)] = inbox.received
    assert recipients == ["bogholderi@nordiskbyg.dk"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"invoice-{booked.invoice.number}.pdf"
    assert attachment.get_content() == booked.pdf
