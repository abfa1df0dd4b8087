"""Runs deliver booked invoices by each customer's channel, once: letters in a folder,
e-invoices in an outbox, e-mails to an SMTP server on 127.0.0.1, the sandbox's own
e-mail. Every count comes from what the other side holds (files, the SMTP server's
inbox, the sandbox book), never from the journal alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

import ledgerlink as ll
from ledgerlink.connector import Capability
from ledgerlink.delivery import (
    DeliveryChannels,
    einvoice_channel,
    email_channel,
    letter_folder_channel,
)
from ledgerlink.domain import Address, DeliveryChannel
from ledgerlink.errors import DeliveryError, ValidationError
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.store import Store
from tests.smtp_servers import Inbox, ScriptedServer, plain_servers

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ADDRESS = {"street": "Havnegade 12", "postal_code": "8000", "city": "Aarhus C",
           "country": "DK"}
SENDER = {"name": "Fjordvarme ApS", **ADDRESS}
SELLER = {**SENDER, "vat_number": "DK13585628", "bank_registration": "1234",
          "account": "0001234567"}
COMPANY = ll.Company("Fjordvarme ApS", policy=ll.BillingPolicy(ll.Posting.BOOK, send=True))


def who(cid: str, delivery: DeliveryChannel | None, *, email: str | None = "x",
        cvr: str | None = "DK10150817") -> ll.Customer:
    return ll.Customer(id=cid, name=f"Kunde {cid}", delivery=delivery,
                       email=f"{cid}@kunde.dk" if email == "x" else email,
                       registration_number=cvr,
                       address=Address("Vestergade 3", "5000", "Odense C", "DK"))


def work(customers: list[ll.Customer], per_customer: int = 2) -> list[ll.WorkOrder]:
    return [ll.WorkOrder(id=f"w-{c.id}-{n}", customer_id=c.id,
                         completed_at=NOW - timedelta(hours=1),
                         lines=[ll.WorkLine("Service", Decimal(n + 1), Decimal("650"),
                                            Decimal(25))])
            for c in customers for n in range(per_customer)]


@attrs.define
class Setup:
    """A sandbox book, its journal, and the three channels' far sides."""

    tmp: Path
    inbox: Inbox
    smtp_port: int

    @property
    def letters(self) -> list[Path]:
        folder = self.tmp / "letters"
        return sorted(folder.glob("*.pdf")) if folder.exists() else []

    @property
    def einvoices(self) -> list[Path]:
        folder = self.tmp / "outbox"
        return sorted(folder.glob("*.xml")) if folder.exists() else []

    def mails_to(self, address: str) -> int:
        return sum(1 for _, to, _ in self.inbox.received if address in to)

    def channels(self, **replace: Any) -> DeliveryChannels:
        made = dict(
            email=email_channel(host="127.0.0.1", port=self.smtp_port,
                                sender="Fjordvarme ApS <faktura@fjordvarme.dk>"),
            letter=letter_folder_channel(folder=self.tmp / "letters", sender=SENDER),
            einvoice=einvoice_channel(outbox=self.tmp / "outbox", seller=SELLER))
        made.update(replace)
        return DeliveryChannels(**made)

    def book(self, **options: Any) -> SandboxConnector:
        return SandboxConnector(self.tmp / "book.db", **options)

    @property
    def store(self) -> Store:
        return Store(self.tmp / "journal.db")

    def run(self, customers: list[ll.Customer], *, delivery: DeliveryChannels | None,
            company: ll.Company = COMPANY, book: ll.Connector | None = None,
            orders: list[ll.WorkOrder] | None = None) -> ll.RunResult:
        connector = book or self.book()
        try:
            return ll.invoice(orders if orders is not None else work(customers), customers,
                              company, connector, now=NOW, store=self.store,
                              delivery=delivery)
        finally:
            if book is None:
                connector.close()

    def provider_emails(self) -> int:
        with self.book() as book:
            return len(book.outbox())


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    with plain_servers() as start:
        inbox, port = start()
        yield Setup(tmp_path, inbox, port)


def test_each_customer_gets_each_invoice_once_by_their_channel(setup: Setup) -> None:
    """Letters, e-invoices, ledgerlink's e-mails and the provider's e-mails each reach
    their customers once per invoice; a second run delivers nothing more."""
    people = [who("post", DeliveryChannel.LETTER), who("peppol", DeliveryChannel.EINVOICE),
              who("mail", DeliveryChannel.EMAIL), who("prov", None)]
    first = setup.run(people, delivery=setup.channels())
    assert first.ok, first.failed
    assert first.summary["delivered"] == 6 and first.summary["emailed"] == 2
    assert len(setup.letters) == 2 and len(setup.einvoices) == 2
    assert setup.mails_to("mail@kunde.dk") == 2 and setup.provider_emails() == 2
    again = setup.run(people, delivery=setup.channels())
    assert again.ok and again.summary["delivered"] == again.summary["emailed"] == 0
    assert len(setup.letters) == 2 and len(setup.einvoices) == 2
    assert setup.mails_to("mail@kunde.dk") == 2 and setup.provider_emails() == 2


def test_the_journal_and_status_show_each_invoices_delivery(setup: Setup) -> None:
    """Each delivered invoice has its channel, state and the channel's words on record, in
    the transfer log and in the statuses."""
    setup.run([who("post", DeliveryChannel.LETTER), who("prov", None)],
              delivery=setup.channels())
    report = ll.statuses(setup.book(), store=setup.store, refresh=False)
    shown = {row.key: (row.delivery_channel, row.delivery_state) for row in report}
    assert shown == {"inv:w-post-0": ("letter", "sent"), "inv:w-post-1": ("letter", "sent"),
                     "inv:w-prov-0": ("provider_email", "sent"),
                     "inv:w-prov-1": ("provider_email", "sent")}
    letters = [e for e in setup.store.log() if e.action == "deliver"]
    assert len(letters) == 2
    assert all(e.outcome == "ok" and "letter written to" in e.message for e in letters)


def test_auto_picks_einvoice_for_receivers_email_else_letter(setup: Setup) -> None:
    """auto: the customer PEPPOL knows gets an e-invoice, the one with an e-mail the
    provider's e-mail, the one with neither a letter."""
    receivers = {"DK10150817"}
    channels = setup.channels(can_receive=lambda c: c.registration_number in receivers)
    company = attrs.evolve(COMPANY, delivery=DeliveryChannel.AUTO)
    people = [who("peppol", None), who("mail", None, cvr="DK13585628"),
              who("post", None, email=None, cvr=None)]
    result = setup.run(people, delivery=channels, company=company)
    assert result.ok, result.failed
    assert len(setup.einvoices) == 2 and len(setup.letters) == 2
    assert setup.provider_emails() == 2 and not setup.inbox.received


def test_auto_emails_through_ledgerlink_when_the_provider_cannot(setup: Setup) -> None:
    """On a connector without the email capability, auto's e-mail is ledgerlink's own."""
    book = setup.book()
    book.capabilities = frozenset(book.capabilities - {Capability.EMAIL})  # type: ignore[misc]
    company = attrs.evolve(COMPANY, delivery=DeliveryChannel.AUTO)
    result = setup.run([who("mail", None, cvr=None)], delivery=setup.channels(),
                       company=company, book=book)
    book.close()
    assert result.ok, result.failed
    assert setup.mails_to("mail@kunde.dk") == 2 and setup.provider_emails() == 0


def test_without_channels_the_delivery_fails_and_the_next_run_delivers(setup: Setup) -> None:
    """A run without channels reports the deliveries failed, naming the table to add, and
    invoices everything else; the next run with channels delivers each invoice once."""
    people = [who("post", DeliveryChannel.LETTER)]
    bare = setup.run(people, delivery=None)
    assert bare.summary["invoices_created"] == 2 and bare.summary["failed"] == 2
    assert all("[channels.*]" in o.message for o in bare.failed)
    only_mail = setup.run(people, delivery=setup.channels(letter=None))
    assert all("[channels.letter]" in o.message for o in only_mail.failed)
    assert not setup.letters
    fixed = setup.run(people, delivery=setup.channels())
    assert fixed.ok and fixed.summary["delivered"] == 2 and len(setup.letters) == 2


def test_a_refused_address_waits_for_retry_failed(setup: Setup) -> None:
    """A recipient the server refuses is a failed delivery: the next run leaves it, the
    customer's other invoices go on, and retry_failed sends it once the server takes it."""
    setup.inbox.refuse_recipients["mail@kunde.dk"] = "550 5.1.1 mailbox unavailable"
    people = [who("mail", DeliveryChannel.EMAIL)]
    first = setup.run(people, delivery=setup.channels())
    assert first.summary["invoices_created"] == 2 and first.summary["failed"] == 2
    assert all("550 5.1.1 mailbox unavailable" in o.message for o in first.failed)
    setup.inbox.refuse_recipients.clear()
    assert setup.run(people, delivery=setup.channels()).summary["delivered"] == 0
    assert setup.mails_to("mail@kunde.dk") == 0
    with setup.book() as book:
        retried = ll.deliver(people, COMPANY, book, delivery=setup.channels(),
                             retry_failed=True, store=setup.store, now=NOW)
    assert retried.ok and retried.summary["delivered"] == 2
    assert setup.mails_to("mail@kunde.dk") == 2


def test_an_unknown_email_is_never_sent_again_unless_resent(setup: Setup) -> None:
    """An e-mail whose server hung up after the message is unknown: reported, not sent by
    the next run nor by retry_failed; resend sends it once more."""
    people = [who("mail", DeliveryChannel.EMAIL)]
    one = work(people, per_customer=1)
    with ScriptedServer(per_session=1, drop_after_data=True) as dropping:
        dropped = setup.channels(email=email_channel(host="127.0.0.1", port=dropping.port,
                                                     sender="f@fjordvarme.dk"))
        first = setup.run(people, delivery=dropped, orders=one)
        assert first.summary["delivery_unknown"] == 1 and first.ok
        assert [o.status for o in first.outcomes if o.kind == "deliver"] == ["ambiguous"]
        setup.run(people, delivery=dropped, orders=one)
        with setup.book() as book:
            ll.deliver(people, COMPANY, book, delivery=dropped, retry_failed=True,
                       store=setup.store, now=NOW)
        assert len(dropping.messages) == 1
    with setup.book() as book:
        again = ll.deliver(people, COMPANY, book, delivery=setup.channels(),
                           resend=["inv:w-mail-0"], store=setup.store, now=NOW)
    assert again.summary["delivered"] == 1 and setup.mails_to("mail@kunde.dk") == 1
    record = setup.store.deliveries(setup.book().account)["inv:w-mail-0"]
    assert (record.state, record.attempt) == ("sent", 1)


def test_an_einvoice_without_its_lines_fails_naming_why(setup: Setup) -> None:
    """Delivering an e-invoice of an invoice whose work is not in the input fails, saying
    the lines are missing; with the work given it goes out."""
    people = [who("peppol", DeliveryChannel.EINVOICE)]
    setup.run(people, delivery=None)
    with setup.book() as book:
        blind = ll.deliver(people, COMPANY, book, delivery=setup.channels(),
                           retry_failed=True, store=setup.store, now=NOW)
    assert blind.summary["failed"] == 2 and not setup.einvoices
    assert all("give the work orders it bills" in o.message for o in blind.failed)
    with setup.book() as book:
        seen = ll.deliver(people, COMPANY, book, delivery=setup.channels(),
                          work_orders=work(people), retry_failed=True, store=setup.store,
                          now=NOW)
    assert seen.ok and len(setup.einvoices) == 2


def test_a_bad_channels_table_names_the_table_and_the_option(tmp_path: Path) -> None:
    """Channel settings that cannot be opened are a DeliveryError naming where."""
    with pytest.raises(DeliveryError, match=r"policy.toml: channels.letter: .*colour"):
        DeliveryChannels.from_settings({"letter": {"use": "letter-folder", "colour": "red",
                                                   "folder": str(tmp_path)}},
                                       source="policy.toml: channels")
    with pytest.raises(DeliveryError, match=r"channels\.fax: no such kind"):
        DeliveryChannels.from_settings({"fax": {}})


def test_an_unknown_resend_key_is_refused(setup: Setup) -> None:
    """Resending an invoice ledgerlink never delivered is a ValidationError naming it."""
    with setup.book() as book, pytest.raises(ValidationError, match="inv:none"):
        ll.deliver([], COMPANY, book, delivery=None, resend=["inv:none"], store=setup.store,
                   now=NOW)
