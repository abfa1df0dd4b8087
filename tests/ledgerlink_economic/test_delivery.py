"""e-conomic cannot e-mail invoices through its API, so invoices the policy sends go out
through ledgerlink's delivery layer: a run books them in e-conomic and e-mails each with
e-conomic's own PDF by SMTP (a server on 127.0.0.1), once; a customer left to the
provider's e-mail gets a notice naming the capability."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
from pypdf import PdfReader

import ledgerlink as ll
from ledgerlink.delivery import DeliveryChannels, email_channel
from ledgerlink.domain import DeliveryChannel
from ledgerlink.store import Store
from ledgerlink_economic.emulator import EconomicEmulator
from tests.ledgerlink_economic.support import build_connector, prepare_agreement
from tests.smtp_servers import plain_servers

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
COMPANY = ll.Company("Tømrer ApS", currency="DKK", time_zone="Europe/Copenhagen",
                     policy=ll.BillingPolicy(ll.Posting.BOOK, send=True))
CUSTOMERS = [ll.Customer(id=f"c{n}", name=f"Kunde {n} ApS", email=f"c{n}@kunde.dk")
             for n in range(3)]
WORK = [ll.WorkOrder(id=f"WO-{i}", customer_id=f"c{i % 3}",
                     completed_at=NOW - timedelta(hours=1),
                     lines=[ll.WorkLine("Tømrerarbejde", Decimal(i + 1), Decimal("550"),
                                        Decimal(25))])
        for i in range(6)]


def pdf_text(document: bytes) -> str:
    """The text of a PDF's pages."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


def test_send_true_invoices_are_emailed_by_smtp_with_the_economic_pdf(tmp_path: Path) -> None:
    """With deliver_through_ledgerlink every booked invoice is one mail at the SMTP server,
    carrying the PDF e-conomic serves for it; a second run sends nothing more."""
    emulator = EconomicEmulator()
    agreement = prepare_agreement(emulator)
    company = attrs.evolve(COMPANY, deliver_through_ledgerlink=True)
    store = Store(tmp_path / "journal.db")
    with plain_servers() as start:
        inbox, port = start()
        channels = DeliveryChannels(email=email_channel(
            host="127.0.0.1", port=port, sender="Tømrer ApS <faktura@toemrer.dk>",
            subject="Faktura $number fra $company"))
        with channels, build_connector(emulator, tmp_path, agreement=agreement) as book:
            first = ll.invoice(WORK, CUSTOMERS, company, book, now=NOW, store=store,
                               delivery=channels)
            again = ll.invoice(WORK, CUSTOMERS, company, book, now=NOW, store=store,
                               delivery=channels)
            booked = {inv["bookedInvoiceNumber"]: inv for inv in emulator.invoices(agreement)}
            pdfs = {str(n): pdf_text(book.pdf(book.find_invoice(
                        str(inv["references"]["other"])).provider_id))
                    for n, inv in booked.items()}
    assert first.ok, first.failed
    assert first.summary["delivered"] == 6 and again.summary["delivered"] == 0
    assert len(booked) == 6 and len(inbox.received) == 6
    for _, to, message in inbox.received:
        subject = str(message["Subject"])
        number = subject.split()[1]
        [attachment] = list(message.iter_attachments())
        assert subject == f"Faktura {number} fra Tømrer ApS"
        # e-conomic's PDF (its document id and time differ per download, its text not).
        assert pdf_text(attachment.get_content()) == pdfs[number]
        assert number in pdfs[number]
        customer = str(booked[int(number)]["recipient"]["name"])
        assert to == [f"c{customer.split()[1]}@kunde.dk"]


def test_a_provider_email_customer_gets_a_notice_naming_the_capability(
        tmp_path: Path) -> None:
    """Without deliver_through_ledgerlink, a customer left to the provider's e-mail is
    booked, not sent, and the notice names e-conomic's missing 'email' capability; a
    customer whose own channel is email is e-mailed by ledgerlink."""
    emulator = EconomicEmulator()
    mailer = attrs.evolve(CUSTOMERS[0], delivery=DeliveryChannel.EMAIL)
    with plain_servers() as start:
        inbox, port = start()
        channels = DeliveryChannels(email=email_channel(host="127.0.0.1", port=port,
                                                        sender="faktura@toemrer.dk"))
        with channels, build_connector(emulator, tmp_path) as book:
            result = ll.invoice(WORK, [mailer, *CUSTOMERS[1:]], COMPANY, book, now=NOW,
                                store=Store(tmp_path / "journal.db"), delivery=channels)
    notices = [n for n in result.plan.notices if n.kind is ll.NoticeKind.NOT_SENT]
    assert len(notices) == 4 and all("'email' capability" in n.reason for n in notices)
    assert result.summary["booked"] == 6 and result.summary["delivered"] == 2
    assert [to for _, to, _ in inbox.received] == [["c0@kunde.dk"]] * 2
