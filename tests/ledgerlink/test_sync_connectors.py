"""Customer and product sync, and explicit product links, on the sandbox and on the QuickBooks,
Dinero, Billy and e-conomic emulators (in process): counts come from the provider's own
state."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

import ledgerlink as ll
from ledgerlink.connector import Connector
from ledgerlink.store import Store
from ledgerlink_billy.emulator import BillyEmulator, Limits
from ledgerlink_dinero.emulator import DineroEmulator
from ledgerlink_economic.emulator import EconomicEmulator
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from tests.ledgerlink_billy.support import build_connector as billy_connector
from tests.ledgerlink_dinero.support import build_connector as dinero_connector
from tests.ledgerlink_economic.support import build_connector as economic_connector
from tests.ledgerlink_economic.support import prepare_agreement
from tests.ledgerlink_quickbooks.support import build_connector as quickbooks_connector

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


@attrs.frozen
class Provider:
    """A connector on a fresh account and what its provider holds, read from its own state:
    customers and products by name, and the product id on each line of an invoice."""

    connector: Connector
    currency: str
    customers: Callable[[], Counter[str]]
    products: Callable[[], Counter[str]]
    line_products: Callable[[str], list[str | None]]  # provider invoice id → line product ids
    faults: Any = None  # the emulator kit's fault switch (None: the sandbox)


def _sandbox(tmp: Path) -> Provider:
    path = tmp / "book.db"
    book = ll.connect("sandbox", path=path)

    def names(table: str) -> Counter[str]:
        with sqlite3.connect(path) as db:
            return Counter(r[0] for r in db.execute(f"SELECT name FROM {table}"))

    def lines(invoice_id: str) -> list[str | None]:
        with sqlite3.connect(path) as db:
            column = db.execute("SELECT lines FROM invoices WHERE id = ?",
                                (int(invoice_id.removeprefix("INV-")),)).fetchone()[0]
        return [row[5] for row in json.loads(column)]

    return Provider(book, "DKK", lambda: names("customers"), lambda: names("products"), lines)


def _quickbooks(tmp: Path) -> Provider:
    emulator = QuickBooksEmulator()
    book = quickbooks_connector(emulator, tmp)
    realm = emulator.realms[book.realm_id]

    def names(entity: str, field: str) -> Counter[str]:
        with realm.lock:
            return Counter(row[field] for row in realm.entities[entity].values())

    def lines(invoice_id: str) -> list[str | None]:
        with realm.lock:
            invoice = realm.entities["Invoice"][invoice_id]
        return [line["SalesItemLineDetail"]["ItemRef"]["value"] for line in invoice["Line"]
                if line.get("DetailType") == "SalesItemLineDetail"]

    return Provider(book, "USD", lambda: names("Customer", "DisplayName"),
                    lambda: names("Item", "Name"), lines, emulator.faults)


def _dinero(tmp: Path) -> Provider:
    emulator = DineroEmulator()
    book = dinero_connector(emulator, tmp)
    org = emulator.organisations[book.organisation_id]

    def names(records: dict[str, Any]) -> Counter[str]:
        with org.lock:
            return Counter(r.data["Name"] for r in records.values() if r.deleted_at is None)

    def lines(invoice_id: str) -> list[str | None]:
        with org.lock:
            return [line.get("ProductGuid") for line in
                    org.invoices[invoice_id].data["ProductLines"]]

    return Provider(book, "DKK", lambda: names(org.contacts), lambda: names(org.products),
                    lines, emulator.faults)


def _billy(tmp: Path) -> Provider:
    # No rate limit: 429s are injected below, and the limit's waits are not under test.
    emulator = BillyEmulator(limits=Limits(per_minute=None))
    book = billy_connector(emulator, tmp)
    org = emulator.organizations[book.organization_id]

    def names(resource: str) -> Counter[str]:
        with org.lock:
            return Counter(row["name"] for row in org.rows(resource))

    def lines(invoice_id: str) -> list[str | None]:
        with org.lock:
            return [row["productId"] for row in org.rows("invoiceLines")
                    if row["invoiceId"] == invoice_id]

    return Provider(book, "DKK", lambda: names("contacts"), lambda: names("products"), lines,
                    emulator.faults)


def _economic(tmp: Path) -> Provider:
    emulator = EconomicEmulator()
    agreement = prepare_agreement(emulator)
    book = economic_connector(emulator, tmp, agreement=agreement)

    def names(table: str) -> Counter[str]:
        with agreement.lock:
            return Counter(row["name"] for row in agreement.rows(table))

    def lines(invoice_id: str) -> list[str | None]:
        # The connector's provider id of an invoice is its key, kept in references.other.
        invoice = next(row for row in emulator.invoices(agreement)
                       if str(row["references"]["other"]) == invoice_id)
        return [line["product"]["productNumber"] for line in invoice["lines"]]

    return Provider(book, "DKK", lambda: names("customers"), lambda: names("products"), lines,
                    emulator.faults)


PROVIDERS: dict[str, Callable[[Path], Provider]] = {
    "sandbox": _sandbox, "quickbooks": _quickbooks, "dinero": _dinero, "billy": _billy,
    "economic": _economic}


@pytest.fixture(params=list(PROVIDERS))
def provider(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Provider]:
    """Each provider in turn, on a fresh account."""
    made = PROVIDERS[request.param](tmp_path)
    yield made
    made.connector.close()


@pytest.fixture(autouse=True)
def _no_retry_waits(ledgerlink_no_retry_waits: None) -> None:
    """Retries run at once (the ledgerlink pytest plugin's fixture)."""


def people(currency: str) -> list[ll.Customer]:
    return [
        ll.Customer("p-1", "Anna Holm", kind=ll.PartyKind.PERSON, email="anna@example.dk",
                    currency=currency),
        ll.Customer("p-2", "Bent Lund", kind=ll.PartyKind.PERSON, currency=currency),
        ll.Customer("c-1", "Carl Byg ApS", email="carl@example.dk", currency=currency),
    ]


PRODUCTS = [
    ll.Product("hours", "Arbejdstimer", unit_price=Decimal(450)),
    ll.Product("callout", "Udkørsel", unit_price=Decimal(300)),
    ll.Product("pipe", "Kobberrør", kind=ll.ProductKind.GOODS, unit_price=Decimal(80)),
]


def test_syncing_twice_creates_each_customer_and_product_once(provider: Provider,
                                                             tmp_path: Path) -> None:
    """The ERP seed's filters (persons with an e-mail, services) synced twice: the provider
    holds each chosen customer and product once, and nothing the filters left out."""
    journal = tmp_path / "journal.db"
    book = provider.connector
    persons = ll.CustomerFilter(kinds=["person"], has_email=True)
    services = ll.ProductFilter(kinds=["service"])
    before_customers, before_products = provider.customers(), provider.products()
    first = ll.sync_customers(people(provider.currency), book, store=journal, filter=persons)
    goods = ll.sync_products(PRODUCTS, book, store=journal, filter=services)
    again = ll.sync_customers(people(provider.currency), book, store=journal, filter=persons)
    ll.sync_products(PRODUCTS, book, store=journal, filter=services)
    assert [i.id for i in first.synced] == ["p-1"]
    assert {i.id: i.reason for i in first.skipped} == {
        "p-2": "has no e-mail; the filter takes customers with one",
        "c-1": "kind is company; the filter takes person"}
    assert [i.id for i in goods.synced] == ["hours", "callout"]
    assert [(i.id, i.status) for i in again.items if i.id == "p-1"] == [
        ("p-1", ll.SyncStatus.LINKED)]
    assert provider.customers() - before_customers == Counter({"Anna Holm": 1})
    assert provider.products() - before_products == Counter({"Arbejdstimer": 1, "Udkørsel": 1})
    refs = Store(journal).refs(book.account, "products")
    assert refs == {i.id: i.remote_id for i in goods.synced}


def test_a_dry_run_writes_nothing_anywhere(provider: Provider, tmp_path: Path) -> None:
    """--dry-run reports what it would create, and neither the provider nor a journal
    gains anything."""
    journal = tmp_path / "journal.db"
    before = provider.products()
    report = ll.sync_products(PRODUCTS, provider.connector, store=journal, dry_run=True)
    assert report.counts["would_create"] == 3 and report.dry_run
    assert provider.products() == before
    assert not journal.exists()


def test_a_linked_product_is_on_the_invoice_line(provider: Provider, tmp_path: Path) -> None:
    """`link product` to a product made by hand at the provider: the next invoice's line of
    that product names it (the provider's own invoice says so)."""
    journal = tmp_path / "journal.db"
    book = provider.connector
    by_hand = book.create_product(ll.Product("made-by-hand", "Serviceaftale",
                                             unit_price=Decimal(900)))
    link = ll.link_product(book, "svc", by_hand, store=journal)
    assert link.remote_id == by_hand and link.name == "Serviceaftale"
    customer = people(provider.currency)[0]
    order = ll.WorkOrder("wo-1", customer.id, status=ll.WorkStatus.COMPLETED,
                         completed_at=NOW - timedelta(days=1), lines=[
                             ll.WorkLine("Serviceaftale", Decimal(1), Decimal(900),
                                         product_id="svc")])
    result = ll.invoice([order], [customer], ll.Company("Byg ApS", currency=provider.currency),
                        book, now=NOW, store=journal)
    assert result.ok, result.failed
    invoice_id = Store(journal).invoice_ids(book.account)["inv:wo-1"]
    assert provider.line_products(invoice_id) == [by_hand]


def test_a_product_the_provider_lacks_is_refused_by_name(provider: Provider,
                                                         tmp_path: Path) -> None:
    """Linking to a remote id the provider does not have is refused naming it, and nothing
    is linked."""
    journal = tmp_path / "journal.db"
    missing = {"dinero": "3f2504e0-4f89-11d3-9a0c-0305e82c3301"}.get(
        provider.connector.name, "999999")
    with pytest.raises(ll.ValidationError, match=missing):
        ll.link_product(provider.connector, "svc", missing, store=journal)
    assert Store(journal).refs(provider.connector.account, "products") == {}


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("name", [name for name in PROVIDERS if name != "sandbox"])
def test_a_faulty_sync_then_a_clean_one_make_each_once(name: str, tmp_path: Path,
                                                       seed: int) -> None:
    """5xx answers and answers cut after the write committed, during a sync of customers and
    products on an emulator (few: the connectors' own rate limits are not under test), then a
    clean sync: the emulator holds each once,
    and nothing is left unresolved in the journal."""
    provider = PROVIDERS[name](tmp_path)
    journal = tmp_path / "journal.db"
    book = provider.connector
    many = [ll.Customer(f"k{i}", f"Kunde {i}", kind=ll.PartyKind.PERSON,
                        email=f"k{i}@example.dk", currency=provider.currency) for i in range(6)]
    items = [ll.Product(f"y{i}", f"Ydelse {i}", unit_price=Decimal(100 + i)) for i in range(6)]
    before_customers, before_products = provider.customers(), provider.products()
    provider.faults.randomly(errors=0.3, drops=0.3, seed=seed)
    # Which calls a share hits depends on the threads' order; three cut writes always happen.
    provider.faults.drop_after_commit(3)
    ll.sync_customers(many, book, store=journal)
    ll.sync_products(items, book, store=journal)
    injected = provider.faults.injected
    provider.faults.clear()
    customers = ll.sync_customers(many, book, store=journal)
    products = ll.sync_products(items, book, store=journal)
    book.close()
    assert injected["5xx"] > 0 and injected["drop"] >= 3, injected
    assert customers.ok and products.ok, (customers.failed, products.failed)
    assert provider.customers() - before_customers == Counter(c.name for c in many)
    assert provider.products() - before_products == Counter(p.name for p in items)
    assert not Store(journal).unresolved(book.account)
