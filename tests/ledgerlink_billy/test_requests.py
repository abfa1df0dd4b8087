"""What the connector sends, and how often: exactly-once after ambiguous failures, the cost of
customer look-ups, 1-based paging, the list-compared change feed and lines that block."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerlink.domain import Address, Customer, PartyKind, Product
from ledgerlink.errors import ValidationError
from ledgerlink.status import InvoiceStatus
from ledgerlink.testing.factories import make_customer, make_invoice_draft, make_invoice_line
from ledgerlink_billy import BillyConnector
from ledgerlink_billy.emulator import BillyEmulator
from tests.ledgerlink_billy.support import (
    Cutting,
    RecordingTransport,
    add_twelve_percent,
    approved_invoice,
    build_connector,
)


def _creates(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.path == "/v2/invoices"


@pytest.mark.parametrize("before", [False, True])
def test_an_ambiguous_create_is_looked_up_by_key_before_it_is_sent_again(
        emulator: BillyEmulator, tmp_path: Path, before: bool) -> None:
    """A create whose answer is lost is looked up by externalId; done at Billy, it is taken
    as it is, not done, it is sent once more: one invoice either way."""
    cutting = Cutting(emulator.transport(), _creates, before=before)
    billy = build_connector(emulator, tmp_path, transport=cutting)
    with billy:
        customer = make_customer(email="a@example.com")
        ref = billy.create_customer(customer)
        draft = make_invoice_draft(customer=customer)
        created = billy.create_invoice(draft, ref, {})
    org_id = billy.organization_id
    invoices = [i for i in emulator.invoices(org_id) if i["externalId"] == draft.key]
    assert [i["id"] for i in invoices] == [created.provider_id]
    after_cut = cutting.seen[[r.url.path for r in cutting.seen].index("/v2/invoices"):]
    assert [r.method for r in after_cut[:2]] == ["POST", "GET"]
    assert after_cut[1].url.params["externalId"] == draft.key
    assert sum(1 for r in after_cut if _creates(r)) == (2 if before else 1)


def test_a_lost_email_is_not_sent_again(emulator: BillyEmulator, tmp_path: Path) -> None:
    """An e-mail whose answer is lost raises for the run to reconcile; it is not repeated."""
    from ledgerlink.errors import TransientProviderError

    cutting = Cutting(emulator.transport(), lambda r: r.url.path.endswith("/emails"))
    with build_connector(emulator, tmp_path, transport=cutting) as billy:
        made = approved_invoice(billy)
        with pytest.raises(TransientProviderError):
            billy.send(made.provider_id)
        assert len(emulator.emails(billy.organization_id)) == 1


def test_customers_are_found_by_contact_no_then_cvr_then_email(emulator: BillyEmulator,
                                                               tmp_path: Path) -> None:
    """The stored id wins; an untagged contact is taken by CVR digits or by a contact
    person's e-mail; a contact tagged for another customer never; one list read in all."""
    org = emulator.create_organization("Tømrer ApS")
    headers = {"X-Access-Token": org.access_token}
    with httpx.Client(transport=emulator.transport(), base_url="https://x",
                      headers=headers) as client:
        def contact(**fields: Any) -> str:
            body = {"type": "company", "countryId": "DK", "paymentTermsDays": 8, **fields}
            answer = client.post("/v2/contacts", json={"contact": body})
            answer.raise_for_status()
            return str(answer.json()["contacts"][0]["id"])

        by_cvr = contact(name="Gammel ApS", registrationNo="13585628")
        by_mail = contact(name="Mail ApS", contactPersons=[{"name": "Bo",
                                                            "email": "bo@mail.dk"}])
        other = contact(name="Anden ApS", contactNo="someone-else", registrationNo="10150817")
    add_twelve_percent(org)
    with build_connector(emulator, tmp_path, org=org) as billy:
        reads_before = len(emulator.records)
        cvr = Customer("c-cvr", "Gammel ApS", registration_number="DK13585628")
        assert billy.find_customer(cvr) == by_cvr
        assert billy.find_customer(Customer("c-mail", "Mail ApS", email="BO@mail.dk")) == by_mail
        assert billy.find_customer(Customer("c-new", "Ny ApS", email="ny@x.dk")) is None
        assert billy.find_customer(Customer("c-x", "X", registration_number="DK10150817")) \
            is None  # 10150817 is tagged someone-else: not taken
        tagged = billy.create_customer(Customer("c-tag", "Tag ApS"))
        assert billy.find_customer(Customer("c-tag", "Tag ApS")) == tagged
        paths = [r.path for r in emulator.records[reads_before:] if r.method == "GET"]
    assert paths.count("/v2/contacts") == 1
    assert paths.count("/v2/contactPersons") == 1
    assert other not in (by_cvr, by_mail, tagged)


def test_a_person_is_a_person_contact_in_its_country(billy: BillyConnector,
                                                     emulator: BillyEmulator) -> None:
    """PartyKind.PERSON becomes type person; the address and currency travel along."""
    customer = Customer("p-1", "Ida Jensen", kind=PartyKind.PERSON, email="ida@x.se",
                        address=Address("Storgatan 1", "11122", "Stockholm", "SE"),
                        currency="SEK")
    ref = billy.create_customer(customer)
    (stored,) = [c for c in emulator.organizations[billy.organization_id].rows("contacts")
                 if c["id"] == ref]
    assert (stored["type"], stored["countryId"], stored["cityText"], stored["currencyId"],
            stored["contactNo"]) == ("person", "SE", "Stockholm", "SEK", "p-1")


def test_unlinked_lines_block_the_invoice_naming_each(billy: BillyConnector,
                                                      emulator: BillyEmulator) -> None:
    """Lines no rule links are named together and nothing is written."""
    customer = make_customer()
    ref = billy.create_customer(customer)
    lines = [make_invoice_line("Kendt"), make_invoice_line("Ukendt", product_id="nope"),
             make_invoice_line("Sær moms", vat_rate=5)]
    with pytest.raises(ValidationError) as caught:
        billy.create_invoice(make_invoice_draft(customer=customer, lines=lines), ref, {})
    message = str(caught.value)
    assert "line 2 ('Ukendt') names product 'nope'" in message
    assert "line 3 ('Sær moms') names no product and rate_products has none for 5 %" in message
    assert "line 1" not in message
    assert emulator.invoices(billy.organization_id) == []


def test_a_vat_rate_billy_would_not_charge_is_refused_naming_both(
        billy: BillyConnector, emulator: BillyEmulator) -> None:
    """A 0 % line on the 25 % product (explicit map), and a 25 % line for a customer in
    another EU country (Billy charges 0 % there), are refused before any write."""
    product = billy.create_product(Product("std", "Standard"))  # 25 % ruleset
    billy.products.product_map["std"] = product
    home = make_customer()
    ref = billy.create_customer(home)
    zero = make_invoice_line("Momsfri?", vat_rate=0, product_id="std")
    with pytest.raises(ValidationError, match=r"VAT 0 % but Billy charges 25 %"):
        billy.create_invoice(make_invoice_draft(customer=home, lines=[zero]), ref, {})
    abroad = make_customer(address=Address("Hauptstr. 1", "10115", "Berlin", "DE"),
                           registration_number="DE136695976")
    abroad_ref = billy.create_customer(abroad)
    full = make_invoice_line("Arbejde", vat_rate=25, product_id="std")
    with pytest.raises(ValidationError, match=r"VAT 25 % but Billy charges 0 % .* in DE"):
        billy.create_invoice(make_invoice_draft(customer=abroad, lines=[full]), abroad_ref, {})
    assert emulator.invoices(billy.organization_id) == []


def test_list_invoices_pages_from_one_and_keeps_the_range(emulator: BillyEmulator,
                                                          tmp_path: Path) -> None:
    """A contact's invoices in a date range: 1-based pages of the page size asked for,
    filtered by contact and entry date, sorted by date."""
    recorder = RecordingTransport(emulator.transport())
    billy = build_connector(emulator, tmp_path, transport=recorder)
    customer = make_customer()
    ref = billy.create_customer(customer)
    other = billy.create_customer(make_customer())
    start = date(2026, 10, 1)
    for day in (0, 3, 5, 9, 40):
        billy.create_invoice(make_invoice_draft(customer=customer,
                                                issue_date=start + timedelta(days=day)), ref, {})
    billy.create_invoice(make_invoice_draft(customer=make_customer(), issue_date=start),
                         other, {})
    billy.api.page_size = 2
    before = len(recorder.requests)
    found = list(billy.list_invoices(ref, start, start + timedelta(days=30)))
    billy.close()
    assert [i.issue_date for i in found] == [start + timedelta(days=d) for d in (0, 3, 5, 9)]
    pages = [r.url.params for r in recorder.requests[before:]
             if r.method == "GET" and r.url.path == "/v2/invoices"]
    assert [(p["page"], p["pageSize"]) for p in pages] == [("1", "2"), ("2", "2")]
    assert {(p["contactId"], p["minEntryDate"], p["maxEntryDate"]) for p in pages} == {
        (ref, "2026-10-01", "2026-10-31")}


def test_the_change_feed_reads_the_list_once_and_reports_what_changed(
        billy: BillyConnector, emulator: BillyEmulator) -> None:
    """The first read is the whole list, ⌈N / page⌉ requests, and reports all; the next
    reads the open and the newly approved invoices and each invoice that left the open
    set, and reports only what changed (approved, paid, deleted, new)."""
    customer = make_customer()
    ref = billy.create_customer(customer)
    made = [billy.create_invoice(make_invoice_draft(customer=customer), ref, {})
            for _ in range(7)]
    billy.api.page_size = 3
    before = len(emulator.records)
    first = billy.changes(datetime.now(UTC) - timedelta(days=1))
    reads = [r for r in emulator.records[before:] if r.path == "/v2/invoices"]
    count = len(emulator.invoices(billy.organization_id))
    assert len(reads) == math.ceil(count / 3)
    assert {i.provider_id for i in first.invoices} >= {m.provider_id for m in made}
    billy.book(made[0].provider_id)
    billy.book(made[1].provider_id)
    billy.register_payment(made[1].provider_id, made[1].total, date.today())
    billy.delete(made[2].provider_id)
    new = billy.create_invoice(make_invoice_draft(customer=customer), ref, {})
    before = len(emulator.records)
    second = billy.changes(first.until)
    paths = [r.path for r in emulator.records[before:]]
    # 6 open (5 drafts, 1 approved unpaid): 2 pages; 2 approved since (the paid one among
    # them): 1 page; the deleted draft left the open set unseen: read once (404).
    assert sorted(paths) == sorted(["/v2/invoices"] * 3 + [
        f"/v2/invoices/{made[2].provider_id}"])
    reported = {i.provider_id: i.status(date.today()) for i in second.invoices}
    assert reported == {made[0].provider_id: InvoiceStatus.OPEN,
                        made[1].provider_id: InvoiceStatus.PAID,
                        new.provider_id: InvoiceStatus.DRAFT}
    assert second.deleted == (made[2].provider_id,)
    assert billy.changes(second.until).invoices == ()


def test_a_part_payment_leaves_the_invoice_partly_paid(billy: BillyConnector) -> None:
    """A bank payment of part of the gross: open and partially paid; the rest: paid."""
    customer = make_customer()
    ref = billy.create_customer(customer)
    made = billy.create_invoice(make_invoice_draft(customer=customer), ref, {})
    booked = billy.book(made.provider_id)
    part = billy.register_payment(made.provider_id, Decimal(50), date.today())
    assert part.balance == booked.total - 50
    assert part.status(date.today()) == InvoiceStatus.OPEN | InvoiceStatus.PARTIALLY_PAID
    rest = billy.register_payment(made.provider_id, part.balance, date.today())
    assert rest.status(date.today()) == InvoiceStatus.PAID


def test_a_payment_on_an_old_invoice_is_seen_by_reading_what_left_the_open_set(
        tmp_path: Path) -> None:
    """An invoice approved days ago and paid since is in neither filtered list: it left
    the open set, so it is read once and reported paid; nothing else is read singly."""
    emulator = BillyEmulator(clock=lambda: datetime.now(UTC) - timedelta(days=3))
    with build_connector(emulator, tmp_path) as billy:
        customer = make_customer()
        ref = billy.create_customer(customer)
        old = [billy.book(billy.create_invoice(make_invoice_draft(customer=customer), ref,
                                               {}).provider_id) for _ in range(3)]
        first = billy.changes(datetime.now(UTC) - timedelta(days=5))
        billy.register_payment(old[0].provider_id, old[0].total, date.today())
        before = len(emulator.records)
        second = billy.changes(first.until)
        singles = [r.path for r in emulator.records[before:] if r.path != "/v2/invoices"]
    assert singles == [f"/v2/invoices/{old[0].provider_id}"]
    assert [(i.provider_id, i.status(date.today())) for i in second.invoices] == [
        (old[0].provider_id, InvoiceStatus.PAID)]
