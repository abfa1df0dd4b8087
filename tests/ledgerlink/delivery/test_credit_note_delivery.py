"""Credit notes go the way their invoices went: a run that credits an invoice ledgerlink
delivered delivers the credit note by the same channel (a letter, a BIS Billing 3
CreditNote built from the lines the invoice was delivered with), once, also when the run
that credited it died before delivering it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
from lxml import etree

import ledgerlink as ll
from ledgerlink.delivery import DeliveryChannels, einvoice_channel, letter_folder_channel
from ledgerlink.domain import Address, DeliveryChannel
from ledgerlink.einvoice import EInvoiceValidator
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.store import Store

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ADDRESS = {"street": "Havnegade 12", "postal_code": "8000", "city": "Aarhus C",
           "country": "DK"}
SELLER = {"name": "Fjordvarme ApS", **ADDRESS, "vat_number": "DK13585628",
          "bank_registration": "1234", "account": "0001234567"}
COMPANY = ll.Company("Fjordvarme ApS", allow_credits=True,
                     policy=ll.BillingPolicy(ll.Posting.BOOK, send=True))
CUSTOMERS = [ll.Customer(id=cid, name=f"Kunde {cid}", delivery=channel,
                         registration_number="DK10150817",
                         address=Address("Vestergade 3", "5000", "Odense C", "DK"))
             for cid, channel in (("post", DeliveryChannel.LETTER),
                                  ("peppol", DeliveryChannel.EINVOICE))]


def work(hours: str) -> list[ll.WorkOrder]:
    return [ll.WorkOrder(id=f"w-{c.id}", customer_id=c.id,
                         completed_at=NOW - timedelta(hours=1),
                         lines=[ll.WorkLine("Service", Decimal(hours), Decimal("650"),
                                            Decimal(25))])
            for c in CUSTOMERS]


def channels(tmp: Path) -> DeliveryChannels:
    return DeliveryChannels(
        letter=letter_folder_channel(folder=tmp / "letters", sender={"name": "F", **ADDRESS}),
        einvoice=einvoice_channel(outbox=tmp / "outbox", seller=SELLER))


def run(tmp: Path, hours: str, delivery: DeliveryChannels | None) -> ll.RunResult:
    with SandboxConnector(tmp / "book.db") as book:
        return ll.invoice(work(hours), CUSTOMERS, COMPANY, book, now=NOW,
                          store=Store(tmp / "journal.db"), delivery=delivery)


def documents(tmp: Path) -> list[str]:
    """The root element of each e-invoice in the outbox."""
    return sorted(etree.parse(path).getroot().tag.split("}")[1]
                  for path in (tmp / "outbox").glob("*.xml"))


def test_a_credited_invoice_gets_its_credit_note_by_the_same_channel(
        tmp_path: Path, einvoice_validator: EInvoiceValidator) -> None:
    """Work changed after booking: the credit note goes out as a letter and as a valid
    CreditNote of the lines first delivered, then the new invoice; nothing twice."""
    first = run(tmp_path, "2", channels(tmp_path))
    assert first.ok and first.summary["delivered"] == 2
    changed = run(tmp_path, "3", channels(tmp_path))
    assert changed.ok, changed.failed
    assert changed.summary["credited"] == 2 and changed.summary["delivered"] == 4
    assert len(list((tmp_path / "letters").glob("*.pdf"))) == 3
    assert documents(tmp_path) == ["CreditNote", "Invoice", "Invoice"]
    credit_note = next(p for p in (tmp_path / "outbox").glob("*.xml")
                       if b"<CreditNote" in p.read_bytes())
    report = einvoice_validator.validate(credit_note.read_bytes())
    assert report.is_valid, report.fatal
    assert b"1300.00" in credit_note.read_bytes(), "the credit note credits what was billed"
    again = run(tmp_path, "3", channels(tmp_path))
    assert again.summary["delivered"] == 0 and len(documents(tmp_path)) == 3


def test_a_credit_note_not_delivered_by_its_run_is_delivered_by_the_next(
        tmp_path: Path) -> None:
    """A run that credits without its channels fails the credit note's delivery; the next
    run delivers it, once."""
    run(tmp_path, "2", channels(tmp_path))
    bare = run(tmp_path, "3", None)
    credit_notes = [o for o in bare.failed if o.kind == "deliver"
                    and o.action.subject.startswith("credit:")]
    assert len(credit_notes) == 2
    later = run(tmp_path, "3", channels(tmp_path))
    assert later.ok and later.summary["delivered"] == 4
    assert documents(tmp_path) == ["CreditNote", "Invoice", "Invoice"]
    records = Store(tmp_path / "journal.db").deliveries(
        SandboxConnector(tmp_path / "book.db").account)
    assert {k: (r.channel, r.state) for k, r in records.items()
            if k.startswith("credit:")} == {"credit:inv:w-post": ("letter", "sent"),
                                            "credit:inv:w-peppol": ("einvoice", "sent")}
    assert attrs.asdict(records["inv:w-peppol"])["document"] is not None
