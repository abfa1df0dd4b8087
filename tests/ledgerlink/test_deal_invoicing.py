"""Invoicing won deals on the sandbox: once, due dates, refusals, links, contact invoices."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

import ledgerlink as ll
from ledgerlink.deal_invoicing import DealState
from ledgerlink.deal_mapping import DealMapping
from ledgerlink.deals import Deal, DealLine, DealParty, DealStatus, PartyRole
from ledgerlink.domain import Address, Company, Product
from ledgerlink.errors import ValidationError
from ledgerlink.policy import BillingPolicy, Posting
from ledgerlink.sandbox import SandboxConnector
from ledgerlink.store import Store
from ledgerlink.testing.factories import make_customer
from tests.ledgerlink.store.support import journal, keep_one_connection, order, vm_steps

WON = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
NOW = datetime(2026, 5, 5, 9, 0, tzinfo=UTC)
ORG = DealParty("5", PartyRole.ORGANIZATION, "Acme ApS",
                address=Address("Havnegade 1", "8000", "Aarhus", "DK"),
                fields={"CVR number": "DK12345674"})
MAPPING = DealMapping(fields={"registration_number": "organization:CVR number"}, due_days=14)
COMPANY = Company("Tag & Tæt ApS")


def won_deal(deal_id: str = "42", *, currency: str = "DKK", product: str = "101",
             organization: DealParty = ORG) -> Deal:
    """A deal won with one 2 x 500 line of ``product``."""
    return Deal(deal_id, "New roof", DealStatus.WON, currency, Decimal(1000),
                (DealLine(product, "Roof inspection", "2", "500"),),
                organization=organization, won_at=WON)


@pytest.fixture
def book(tmp_path: Path) -> SandboxConnector:
    """A sandbox book with product 101 tagged with its CRM id."""
    connector = SandboxConnector(tmp_path / "book.db")
    connector.create_product(Product(id="101", name="Roof inspection"))
    return connector


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """An empty journal."""
    return Store(tmp_path / "journal.db")


def test_a_deal_invoiced_twice_makes_one_invoice(book: SandboxConnector, store: Store) -> None:
    """Handing the same won deal over twice invoices it once; the second time says so."""
    first = ll.invoice_deals([won_deal()], MAPPING, book, COMPANY, store=store, now=NOW)
    again = ll.invoice_deals([won_deal()], MAPPING, book, COMPANY, store=store,
                             now=NOW + timedelta(days=1))
    assert first.report("42").state is DealState.INVOICED
    assert again.report("42").state is DealState.ALREADY_INVOICED
    assert [i.key for i in book.invoices()] == ["inv:deal-42"]
    assert again.report("42").provider_id == book.invoices()[0].provider_id


def test_the_due_date_is_the_issue_date_plus_the_mapped_days(book: SandboxConnector,
                                                            store: Store) -> None:
    """The invoice is dated by the run day and due the mapping's 14 days later."""
    ll.invoice_deals([won_deal()], MAPPING, book, COMPANY, store=store, now=NOW)
    (invoice,) = book.invoices()
    assert invoice.issue_date == date(2026, 5, 5)
    assert invoice.due_date == invoice.issue_date + timedelta(days=14)
    assert invoice.total == Decimal("1250.00")


def test_a_currency_mismatch_is_refused_naming_both(book: SandboxConnector,
                                                   store: Store) -> None:
    """A EUR deal for a customer invoiced in DKK is blocked naming both; nothing is written."""
    ll.invoice_deals([won_deal("1")], MAPPING, book, COMPANY, store=store, now=NOW)
    result = ll.invoice_deals([won_deal("2", currency="EUR")], MAPPING, book, COMPANY,
                              store=store, now=NOW)
    report = result.report("2")
    assert report.state is DealState.BLOCKED
    assert "EUR" in report.reason and "DKK" in report.reason
    assert [i.key for i in book.invoices()] == ["inv:deal-1"]
    assert result.runs == ()


def test_a_customer_found_in_another_currency_is_refused(book: SandboxConnector,
                                                        store: Store) -> None:
    """A customer the connector finds (not yet linked) in SEK blocks a DKK deal."""
    book.create_customer(make_customer(id="organization-5", name="Acme ApS", currency="SEK"))
    report = ll.invoice_deals([won_deal()], MAPPING, book, COMPANY, store=store,
                              now=NOW).report("42")
    assert report.state is DealState.BLOCKED
    assert "SEK" in report.reason and "DKK" in report.reason
    assert book.invoices() == []


def test_an_unlinked_product_blocks_the_deal_naming_the_line(book: SandboxConnector,
                                                            store: Store) -> None:
    """A line whose product is in no link is named with the command; no invoice, no customer."""
    result = ll.invoice_deals([won_deal(product="999")], MAPPING, book, COMPANY, store=store,
                              now=NOW)
    report = result.report("42")
    assert report.state is DealState.BLOCKED
    assert [(u.deal_id, u.line, u.product_id) for u in report.unlinked] == [("42", 1, "999")]
    assert "ledgerlink link product 999 REMOTE" in report.reason
    assert book.invoices() == []
    assert store.refs(book.account, "customers") == {}


def test_a_product_linked_in_the_journal_is_used(book: SandboxConnector, store: Store) -> None:
    """A journal link from the CRM product id to the provider's product unblocks the line."""
    made = book.create_product(Product(id="other", name="Gutters"))
    with store.transaction(book.account) as tx:
        tx.ref("products", "999", made)
    result = ll.invoice_deals([won_deal(product="999")], MAPPING, book, COMPANY, store=store,
                              now=NOW)
    assert result.report("42").state is DealState.INVOICED


def test_one_blocked_deal_does_not_stop_the_others(book: SandboxConnector,
                                                  store: Store) -> None:
    """Of two deals, the unlinked one is blocked and the other invoiced."""
    result = ll.invoice_deals([won_deal("1", product="999"), won_deal("2")], MAPPING, book,
                              COMPANY, store=store, now=NOW)
    assert result.summary["blocked"] == 1 and result.summary["invoiced"] == 1
    assert [i.key for i in book.invoices()] == ["inv:deal-2"]


def test_deal_invoices_are_linked_and_unlinked(book: SandboxConnector, store: Store) -> None:
    """The deal's invoice is linked when invoiced; another is linked and unlinked by hand."""
    ll.invoice_deals([won_deal("1"), won_deal("2")], MAPPING, book, COMPANY, store=store,
                     now=NOW)
    other = book.invoices()[1].provider_id
    assert [i.key for i in ll.deal_invoices(book, "1", store=store)] == ["inv:deal-1"]
    assert ll.link_deal_invoice(book, "1", other, store=store) is True
    assert ll.link_deal_invoice(book, "1", "inv:deal-2", store=store) is False
    linked = ll.deal_invoices(book, "1", store=store)
    assert sorted(i.key or "" for i in linked) == ["inv:deal-1", "inv:deal-2"]
    assert ll.unlink_deal_invoice(book, "1", other, store=store) is True
    assert ll.unlink_deal_invoice(book, "1", other, store=store) is False
    assert [i.key for i in ll.deal_invoices(book, "1", store=store)] == ["inv:deal-1"]


def test_linking_an_invoice_the_provider_lacks_is_refused(book: SandboxConnector,
                                                         store: Store) -> None:
    """An invoice id the book does not know cannot be linked."""
    with pytest.raises(ValidationError, match="no invoice 'INV-09999'"):
        ll.link_deal_invoice(book, "1", "INV-09999", store=store)


def test_contact_invoices_show_their_status_flags(book: SandboxConnector,
                                                 store: Store) -> None:
    """The contact's invoices in a time frame: paid, partially paid, void, deleted, overdue."""
    deals = [won_deal(str(n)) for n in range(1, 6)]
    ll.invoice_deals(deals[:3] + deals[4:], MAPPING, book, COMPANY, store=store, now=NOW)
    # The sandbox deletes only drafts: deal 4 goes on a draft.
    drafting = Company("Tag & Tæt ApS", policy=BillingPolicy(posting=Posting.DRAFT))
    ll.invoice_deals([deals[3]], MAPPING, book, drafting, store=store, now=NOW)
    ids = {i.key: i.provider_id for i in book.invoices()}
    ids["inv:deal-4"] = ids.pop("draft:organization-5:1")
    book.register_payment(ids["inv:deal-1"], Decimal("1250.00"), date(2026, 5, 6))
    book.register_payment(ids["inv:deal-2"], Decimal("250.00"), date(2026, 5, 6))
    book.void(ids["inv:deal-3"])
    book.delete(ids["inv:deal-4"])
    listed = ll.contact_invoices(deals[0], MAPPING, book, date(2026, 5, 1), date(2026, 5, 31),
                                 store=store, today=date(2026, 6, 30))
    flags = {i.key: i.flags for i in listed}
    assert flags == {"inv:deal-1": ["paid"], "inv:deal-2": ["open", "partially_paid", "overdue"],
                     "inv:deal-3": ["void"], "draft:organization-5:1": ["deleted"],
                     "inv:deal-5": ["open", "overdue"]}
    assert listed.by_id(ids["inv:deal-1"]).deal_id == "1"
    outside = ll.contact_invoices(deals[0], MAPPING, book, date(2026, 6, 1), date(2026, 6, 30),
                                  store=store)
    assert len(outside) == 0


def _deal_run_cost(tmp_path: Path, history: int) -> int:
    """SQLite instructions (by tens) the journal runs to invoice one won deal in a book
    whose journal already holds ``history`` other work orders."""
    connector = SandboxConnector(tmp_path / f"book-{history}.db")
    connector.create_product(Product(id="101", name="Roof inspection"))
    store = Store(tmp_path / f"journal-{history}.db")
    journal(store, connector.account, [order(f"h{i}", f"x{i % 50}") for i in range(history)])
    with vm_steps(store, every=10) as steps:
        result = ll.invoice_deals([won_deal()], MAPPING, connector, COMPANY, store=store,
                                  now=NOW)
    assert result.report("42").state is DealState.INVOICED
    store.close()
    return steps[0]


def test_invoicing_deals_reads_only_their_work_not_the_books_history(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Invoicing a deal costs the journal the same work whether the book has 100 or 2,000
    other journaled work orders: only the deal's work and invoice are read."""
    keep_one_connection(monkeypatch)
    assert _deal_run_cost(tmp_path, 2_000) == _deal_run_cost(tmp_path, 100)
