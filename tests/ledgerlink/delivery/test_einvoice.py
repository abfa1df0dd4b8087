"""The e-invoice channel: a valid BIS Billing 3 document, handed once to the file outbox."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from lxml import etree

from ledgerlink.delivery.einvoice import EInvoiceChannel, einvoice_channel
from ledgerlink.delivery.model import DeliveryState
from ledgerlink.delivery.outbox import AccessPointReceipt, FileOutbox
from ledgerlink.einvoice import EInvoiceValidator, ElectronicAddress, Seller
from ledgerlink.errors import DeliveryError, ValidationError
from tests.ledgerlink.delivery.support import make_delivery
from tests.ledgerlink.einvoice.invoices import SELLER

SELLER_OPTIONS = {"name": "Fjordvarme ApS", "street": "Havnegade 12", "postal_code": "8000",
                  "city": "Aarhus C", "country": "DK", "vat_number": "DK13585628",
                  "bank_registration": "1234", "account": "0001234567"}


def test_the_invoice_reaches_the_outbox_as_a_valid_invoice(
        tmp_path: Path, einvoice_validator: EInvoiceValidator) -> None:
    """The outbox holds <document_id>.xml: a UBL Invoice with 0 fatal findings, for the buyer."""
    channel = einvoice_channel(seller=SELLER_OPTIONS, outbox=tmp_path, validator=einvoice_validator)
    delivery = make_delivery("einvoice")

    receipt = channel.deliver(delivery)

    assert receipt.state is DeliveryState.SENT
    [written] = tmp_path.iterdir()
    assert written.name == f"{receipt.reference}.xml"
    document = written.read_bytes()
    assert einvoice_validator.validate(document).is_valid
    root = etree.fromstring(document)
    assert etree.QName(root).localname == "Invoice"
    ns = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
          "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}
    assert root.findtext("cbc:ID", namespaces=ns) == "1042"
    endpoint = root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", ns)
    assert endpoint is not None
    assert (endpoint.get("schemeID"), endpoint.text) == ("0184", "10150817")
    assert "for 0184:10150817" in receipt.message


def test_a_credit_note_becomes_a_credit_note_document(
        tmp_path: Path, einvoice_validator: EInvoiceValidator) -> None:
    """A credit note is written as a valid UBL CreditNote referring to the credited invoice."""
    channel = EInvoiceChannel(FileOutbox(tmp_path), SELLER, validator=einvoice_validator)

    receipt = channel.deliver(make_delivery("einvoice", number="1043", credit=True))

    assert receipt.state is DeliveryState.SENT
    root = etree.parse(str(tmp_path / f"{receipt.reference}.xml")).getroot()
    assert etree.QName(root).localname == "CreditNote"
    assert "1000" in etree.tostring(root).decode()  # the credited invoice's number


def test_a_repeat_document_id_is_not_written_twice(tmp_path: Path) -> None:
    """Delivering the same invoice again writes nothing new and is SENT with the same id."""
    channel = EInvoiceChannel(FileOutbox(tmp_path), SELLER)
    delivery = make_delivery("einvoice")

    first = channel.deliver(delivery)
    before = (tmp_path / f"{first.reference}.xml").stat().st_mtime_ns
    again = channel.deliver(delivery)

    assert again.state is DeliveryState.SENT and again.reference == first.reference
    assert "already" in again.message
    assert len(list(tmp_path.iterdir())) == 1
    assert (tmp_path / f"{first.reference}.xml").stat().st_mtime_ns == before


def test_a_customer_without_an_organisation_number_is_a_validation_error(
        tmp_path: Path) -> None:
    """No organisation number, no electronic address: ValidationError naming the field."""
    channel = EInvoiceChannel(FileOutbox(tmp_path), SELLER)

    with pytest.raises(ValidationError) as err:
        channel.deliver(make_delivery("einvoice", registration_number=None))
    assert err.value.field == "customer.registration_number"
    assert list(tmp_path.iterdir()) == []


class Recording:
    """An access point that records what it is handed and answers as told."""

    def __init__(self, answer: AccessPointReceipt) -> None:
        self.answer = answer
        self.sent: list[tuple[bytes, ElectronicAddress, ElectronicAddress, str]] = []

    def send(self, document_bytes: bytes, sender: ElectronicAddress,
             receiver: ElectronicAddress, document_id: str) -> AccessPointReceipt:
        self.sent.append((document_bytes, sender, receiver, document_id))
        return self.answer


def test_the_access_point_gets_the_envelope_and_its_refusal_fails(tmp_path: Path) -> None:
    """The access point is handed sender, receiver and the stable id; a refusal is FAILED."""
    point = Recording(AccessPointReceipt(False, "receiver unknown to the SMP"))
    channel = EInvoiceChannel(point, SELLER)
    delivery = make_delivery("einvoice")

    receipt = channel.deliver(delivery)
    channel.deliver(delivery)

    assert receipt.state is DeliveryState.FAILED
    assert receipt.message == "receiver unknown to the SMP"
    [(_, sender, receiver, doc_id), (_, _, _, again_id)] = point.sent
    assert (str(sender), str(receiver)) == ("0184:13585628", "0184:10150817")
    assert doc_id == again_id == receipt.reference


def test_a_document_breaking_the_rules_is_not_handed_on(
        einvoice_validator: EInvoiceValidator) -> None:
    """With a validator, a document with fatal findings is FAILED naming the rules; nothing goes."""
    point = Recording(AccessPointReceipt(True, "taken"))
    # The builder takes any four-digit scheme it does not know; PEPPOL's code list
    # of electronic address schemes (EAS) has no 9999.
    seller = attrs.evolve(SELLER, endpoint=ElectronicAddress("9999", "FJORDVARME"))
    channel = EInvoiceChannel(point, seller, validator=einvoice_validator)

    receipt = channel.deliver(make_delivery("einvoice"))

    assert receipt.state is DeliveryState.FAILED, receipt
    assert receipt.message.startswith("not sent: invoice 1042 breaks")
    assert "[BR-CL-25]" in receipt.message and "[PEPPOL-EN16931-CL008]" in receipt.message
    assert point.sent == []


def test_the_factory_refuses_what_it_cannot_use(tmp_path: Path) -> None:
    """No seller, no or two access points, an unknown exemption, missing rules: DeliveryError."""
    with pytest.raises(DeliveryError, match="seller"):
        einvoice_channel(outbox=tmp_path)
    with pytest.raises(DeliveryError, match="access_point= or outbox="):
        einvoice_channel(seller=SELLER_OPTIONS)
    with pytest.raises(DeliveryError, match="vat_number"):
        einvoice_channel(seller={**SELLER_OPTIONS, "vat_number": "DK13585627"}, outbox=tmp_path)
    with pytest.raises(DeliveryError, match="unknown exemption"):
        einvoice_channel(seller=SELLER_OPTIONS, outbox=tmp_path, exemption="vacation")
    with pytest.raises(DeliveryError, match="cannot validate"):
        einvoice_channel(seller=SELLER_OPTIONS, outbox=tmp_path, rules=tmp_path / "none")
    channel = einvoice_channel(seller=SELLER_OPTIONS, outbox=tmp_path,
                               exemption="reverse_charge")
    assert isinstance(channel.seller, Seller) and channel.exemption is not None
    assert channel.seller.electronic_address == ElectronicAddress("0184", "13585628")
