"""Sync filters: what a sync takes is exactly what passes its filter (a property over
customers, products and filters), and the policy file's [sync.*] tables read, write and
refuse bad keys naming the file and the key."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ledgerlink as ll
from ledgerlink.loading import PolicyFile, load_policy, save_policy

COUNTRIES = ("DK", "SE", "DE")

customers = st.lists(
    st.builds(
        lambda n, kind, email, country: ll.Customer(
            f"c{n}", f"Customer {n}", kind=kind, email=f"c{n}@example.dk" if email else None,
            address=ll.Address(country=country)),
        st.integers(0, 40), st.sampled_from(ll.PartyKind), st.booleans(),
        st.sampled_from(COUNTRIES)),
    max_size=8, unique_by=lambda c: c.id)
customer_filters = st.builds(
    ll.CustomerFilter,
    kinds=st.none() | st.sets(st.sampled_from(ll.PartyKind), min_size=1),
    has_email=st.none() | st.booleans(),
    countries=st.none() | st.sets(st.sampled_from(COUNTRIES), min_size=1),
    ids=st.none() | st.sets(st.integers(0, 40).map(lambda n: f"c{n}")))
products = st.lists(
    st.builds(lambda n, kind: ll.Product(f"p{n}", f"Product {n}", kind=kind),
              st.integers(0, 40), st.sampled_from(ll.ProductKind)),
    max_size=8, unique_by=lambda p: p.id)
product_filters = st.builds(
    ll.ProductFilter, kinds=st.none() | st.sets(st.sampled_from(ll.ProductKind), min_size=1),
    ids=st.none() | st.sets(st.integers(0, 40).map(lambda n: f"p{n}")))


def takes_customer(f: ll.CustomerFilter, c: ll.Customer) -> bool:
    """The filter's rule, written out independently of its code."""
    return ((f.kinds is None or c.kind in f.kinds)
            and (f.has_email is None or f.has_email == (c.email is not None))
            and (f.countries is None or c.address.country in f.countries)
            and (f.ids is None or c.id in f.ids))


def takes_product(f: ll.ProductFilter, p: ll.Product) -> bool:
    """The product filter's rule, written out independently of its code."""
    return (f.kinds is None or p.kind in f.kinds) and (f.ids is None or p.id in f.ids)


def tagged(book: Path, table: str) -> set[str]:
    """The ledgerlink ids the sandbox book holds rows of in ``table``."""
    with sqlite3.connect(book) as db:
        return {r[0] for r in db.execute(f"SELECT external_ref FROM {table}")}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=customers, chosen=customer_filters)
def test_synced_customers_are_exactly_those_passing_the_filter(
        people: list[ll.Customer], chosen: ll.CustomerFilter) -> None:
    """The provider ends up holding exactly the customers the filter takes; every other one
    is reported skipped with a reason."""
    with tempfile.TemporaryDirectory() as tmp:
        book = ll.connect("sandbox", path=Path(tmp) / "book.db")
        report = ll.sync_customers(people, book, store=Path(tmp) / "j.db", filter=chosen)
        held = tagged(Path(tmp) / "book.db", "customers")
        book.close()
    wanted = {c.id for c in people if takes_customer(chosen, c)}
    assert held == wanted
    assert {i.id for i in report.synced} == wanted
    assert {i.id for i in report.skipped} == {c.id for c in people} - wanted
    assert all(i.reason for i in report.skipped)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=products, chosen=product_filters)
def test_synced_products_are_exactly_those_passing_the_filter(
        items: list[ll.Product], chosen: ll.ProductFilter) -> None:
    """The provider ends up holding exactly the products the filter takes, each linked."""
    with tempfile.TemporaryDirectory() as tmp:
        book = ll.connect("sandbox", path=Path(tmp) / "book.db")
        report = ll.sync_products(items, book, store=Path(tmp) / "j.db", filter=chosen)
        held = tagged(Path(tmp) / "book.db", "products")
        links = ll.links(book, store=Path(tmp) / "j.db")
        book.close()
    wanted = {p.id for p in items if takes_product(chosen, p)}
    assert held == wanted
    assert {k.local_id for k in links} == wanted
    assert {i.id for i in report.skipped} == {p.id for p in items} - wanted


@given(base=customer_filters, given_=customer_filters)
def test_a_criterion_given_replaces_the_files_and_only_that_one(
        base: ll.CustomerFilter, given_: ll.CustomerFilter) -> None:
    """Overriding takes each criterion the command line sets and keeps the file's others."""
    merged = base.overridden(given_)
    for name in ("kinds", "has_email", "countries", "ids"):
        expected = getattr(given_, name) if getattr(given_, name) is not None else getattr(
            base, name)
        assert getattr(merged, name) == expected


def test_the_erp_seed_reads_from_the_policy_file(tmp_path: Path) -> None:
    """[sync.customers] and [sync.products] read as the filters they spell, and write back
    the same."""
    path = tmp_path / "policy.toml"
    path.write_text('[company]\nname = "Byg ApS"\n\n[sync.customers]\nkinds = ["person"]\n'
                    'has_email = true\ncountries = ["dk"]\n\n[sync.products]\nkinds = "service"\n',
                    encoding="utf-8")
    sync = load_policy(path).sync
    assert sync == ll.SyncFilter(
        customers=ll.CustomerFilter(kinds={ll.PartyKind.PERSON}, has_email=True,
                                    countries={"DK"}),
        products=ll.ProductFilter(kinds={ll.ProductKind.SERVICE}))
    again = tmp_path / "again.toml"
    save_policy(PolicyFile(company=ll.Company("Byg ApS"), sync=sync), again)
    assert load_policy(again).sync == sync


@pytest.mark.parametrize(("table", "field", "words"), [
    ("[sync.customers]\nkind = [\"person\"]\n", "sync.customers.kind", "unknown key"),
    ("[sync.customers]\nkinds = [\"robot\"]\n", "sync.customers.kinds", "PartyKind"),
    ("[sync.customers]\nhas_email = \"yes\"\n", "sync.customers.has_email", "true or false"),
    ("[sync.customers]\ncountries = [\"Denmark\"]\n", "sync.customers.countries", "alpha-2"),
    ("[sync.products]\nkinds = [\"service\", 3]\n", "sync.products.kinds", "strings"),
    ("[sync.invoices]\nids = []\n", "sync.invoices", "unknown table"),
    ("sync = 3\n", "sync", "must be a table"),
])
def test_a_bad_sync_table_names_the_file_and_the_key(tmp_path: Path, table: str, field: str,
                                                     words: str) -> None:
    """Each bad [sync.*] setting is a ValidationError naming the file and the key."""
    path = tmp_path / "policy.toml"
    path.write_text(f'{table}\n[company]\nname = "Byg ApS"\n' if table.startswith("sync =")
                    else f'[company]\nname = "Byg ApS"\n\n{table}', encoding="utf-8")
    with pytest.raises(ll.ValidationError) as caught:
        load_policy(path)
    problems = caught.value.problems or (caught.value,)
    assert [(p.source, p.field) for p in problems] == [(str(path), field)]
    assert words in problems[0].message
