"""Delivery with injected faults: a bulk run against Billy served on 127.0.0.1 with the
emulator kit's faults on (5xx and 429 answers, connections cut after a write) and an SMTP
server refusing a recipient, then a clean run and a retry of the failed deliveries: every
invoice reaches its customer once, by letter, e-invoice or e-mail. Counts come from the
letter folder, the outbox, the SMTP server's inbox and the emulator."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

import ledgerlink as ll
from ledgerlink.delivery import (
    DeliveryChannels,
    einvoice_channel,
    email_channel,
    letter_folder_channel,
)
from ledgerlink.domain import Address, DeliveryChannel
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.store import Store
from ledgerlink_billy import BillyConnector
from ledgerlink_billy.emulator import BillyEmulator, Limits
from tests.ledgerlink_billy.support import served_company
from tests.smtp_servers import Inbox, plain_servers

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ADDRESS = {"street": "Havnegade 12", "postal_code": "8000", "city": "Aarhus C",
           "country": "DK"}
SELLER = {"name": "Vinduespudser ApS", **ADDRESS, "vat_number": "DK13585628",
          "bank_registration": "1234", "account": "0001234567"}
KINDS = {"post": DeliveryChannel.LETTER, "mail": DeliveryChannel.EMAIL,
         "peppol": DeliveryChannel.EINVOICE}
CUSTOMERS = [ll.Customer(id=f"{kind}{n}", name=f"Kunde {kind} {n}",
                         email=f"{kind}{n}@kunde.dk", delivery=channel,
                         registration_number="DK10150817",
                         address=Address("Vestergade 3", "5000", "Odense C", "DK"))
             for kind, channel in KINDS.items() for n in range(2)]
WORK = [ll.WorkOrder(id=f"WO-{i}", customer_id=CUSTOMERS[i % len(CUSTOMERS)].id,
                     completed_at=NOW - timedelta(hours=1),
                     lines=[ll.WorkLine("Vinduespudsning", Decimal(i % 3 + 1), Decimal("400"),
                                        Decimal(25))])
        for i in range(24)]
COMPANY = ll.Company("Vinduespudser ApS", currency="DKK", time_zone="Europe/Copenhagen",
                     policy=ll.BillingPolicy(ll.Posting.BOOK, send=True))


@pytest.fixture(autouse=True)
def _no_retry_waits(ledgerlink_no_retry_waits: None) -> None:
    """Retries run at once (the ledgerlink pytest plugin's fixture)."""


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with plain_servers() as start:
        yield start()


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_a_faulty_run_a_clean_one_and_a_retry_deliver_each_invoice_once(
        tmp_path: Path, inbox: tuple[Inbox, int], seed: int) -> None:
    """Faults at the provider (PDF reads and writes) and a refused recipient: the faulty
    run delivers what it can, the clean run what was never handed over, the retry what
    the server refused; each invoice is delivered once and nothing is left open."""
    smtp, port = inbox
    emulator = BillyEmulator(limits=Limits(per_minute=None))
    journal = tmp_path / "journal.db"
    channels = DeliveryChannels(
        email=email_channel(host="127.0.0.1", port=port, sender="faktura@vp.dk"),
        letter=letter_folder_channel(folder=tmp_path / "letters",
                                     sender={"name": "Vinduespudser ApS", **ADDRESS}),
        einvoice=einvoice_channel(outbox=tmp_path / "outbox", seller=SELLER))
    with served_company(emulator, journal) as (org, base_url, products):
        store = Store(journal)

        def book() -> BillyConnector:
            return BillyConnector(organization_id=org.id, token_store=store,
                                  base_url=base_url, limiters=LimiterRegistry(),
                                  requests_per_minute=100_000, rate_products=products)

        def run() -> ll.RunResult:
            with book() as connector:
                return ll.invoice(WORK, CUSTOMERS, COMPANY, connector, now=NOW, store=store,
                                  delivery=channels)

        smtp.refuse_recipients["mail1@kunde.dk"] = "450 4.2.1 mailbox busy, try later"
        emulator.faults.randomly(errors=0.15, throttles=0.1, drops=0.15, seed=seed)
        faulty = run()
        injected = emulator.faults.injected
        emulator.faults.clear()
        clean = run()
        assert sum(injected.values()) > 0, injected
        assert clean.ok or all(o.kind == "deliver" for o in clean.failed), clean.failed
        smtp.refuse_recipients.clear()
        with book() as connector:
            retried = ll.deliver(CUSTOMERS, COMPANY, connector, delivery=channels,
                                 work_orders=WORK, retry_failed=True, store=store, now=NOW)
        assert retried.ok, retried.failed
        account = f"billy-{org.id}"
        records = store.deliveries(account)
        assert not store.unresolved(account)
        invoices = emulator.invoices(org.id)
    assert Counter(str(i["externalId"]) for i in invoices) == Counter(
        {f"inv:{w.id}": 1 for w in WORK})
    assert len(records) == 24
    assert len(list((tmp_path / "letters").glob("*.pdf"))) == 8
    assert len(list((tmp_path / "outbox").glob("*.xml"))) == 8
    mailed = Counter(to[0] for _, to, _ in smtp.received)
    unknown = [k for k, r in records.items() if r.state == "unknown"]
    assert all(r.state == "sent" for k, r in records.items() if k not in unknown)
    assert all(records[k].channel == "email" for k in unknown), "only e-mails can be unknown"
    assert sum(mailed.values()) <= 8 and sum(mailed.values()) >= 8 - len(unknown)
    assert mailed["mail1@kunde.dk"] <= 4 and faulty.summary["failed"] > 0
    assert not emulator.emails(org.id), "the provider was never asked to e-mail"
