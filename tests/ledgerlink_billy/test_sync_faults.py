"""Customer and product sync on Billy under injected faults (5xx, 429, answers cut after the
write committed), then a clean sync: each chosen contact and product made once, counted from
the emulator's state."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

import ledgerlink as ll
from ledgerlink.store import Store
from ledgerlink_billy.emulator import BillyEmulator, Limits
from tests.ledgerlink_billy.support import build_connector

CUSTOMERS = [ll.Customer(f"c{i}", f"Kunde {i}", kind=ll.PartyKind.PERSON,
                         email=f"c{i}@example.dk" if i % 4 else None) for i in range(24)]
PRODUCTS = [ll.Product(f"p{i}", f"Ydelse {i}", unit_price=Decimal(100 + i),
                       kind=ll.ProductKind.GOODS if i % 5 == 4 else ll.ProductKind.SERVICE)
            for i in range(15)]
PERSONS = ll.CustomerFilter(kinds=["person"], has_email=True)
SERVICES = ll.ProductFilter(kinds=["service"])


@pytest.fixture(autouse=True)
def _no_retry_waits(ledgerlink_no_retry_waits: None) -> None:
    """Retries run at once (the ledgerlink pytest plugin's fixture)."""


@pytest.mark.parametrize("seed", [1, 2])
def test_a_faulty_sync_then_a_clean_one_make_each_once(tmp_path: Path, seed: int) -> None:
    """Under a harsh share of faults some items fail with the provider's words; the clean sync
    after it finishes: each person with an e-mail and each service exists once at Billy, and
    the journal's links are exactly those."""
    emulator = BillyEmulator(limits=Limits(per_minute=None))
    journal = tmp_path / "journal.db"
    with build_connector(emulator, tmp_path) as billy:
        org = emulator.organizations[billy.organization_id]
        made_before = Counter(row["name"] for row in org.rows("products"))
        emulator.faults.randomly(errors=0.3, throttles=0.1, drops=0.3, seed=seed)
        ll.sync_customers(CUSTOMERS, billy, store=journal, filter=PERSONS)
        ll.sync_products(PRODUCTS, billy, store=journal, filter=SERVICES)
        injected = emulator.faults.injected
        emulator.faults.clear()
        customers = ll.sync_customers(CUSTOMERS, billy, store=journal, filter=PERSONS)
        products = ll.sync_products(PRODUCTS, billy, store=journal, filter=SERVICES)
        account = billy.account
    assert all(injected[kind] > 0 for kind in ("5xx", "429", "drop")), injected
    assert customers.ok and products.ok, (customers.failed, products.failed)
    chosen = [c for c in CUSTOMERS if PERSONS.passes(c)]
    assert Counter(row["contactNo"] for row in org.rows("contacts")) == Counter(
        c.id for c in chosen)
    made = Counter(row["name"] for row in org.rows("products")) - made_before
    assert made == Counter(p.name for p in PRODUCTS if SERVICES.passes(p))
    with Store(journal) as store:
        assert not store.unresolved(account)
        assert set(store.refs(account, "customers")) == {c.id for c in chosen}
