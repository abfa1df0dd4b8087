"""`ledgerlink sync customers|products`, `link|unlink product|customer` and `links` through
CliRunner against the sandbox: the policy file's filters, command-line overrides, --dry-run,
--json, exit statuses, and what the book holds afterwards."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from rich.console import Console

from ledgerlink.cli import EXIT_BAD_INPUT, EXIT_FAILURES, main, output
from ledgerlink.cli import sync as sync_cli
from ledgerlink.errors import ProviderError

CUSTOMERS = """\
id,name,kind,email,street,postal_code,city,country,registration_number,currency,delivery
p-1,Anna Holm,person,anna@example.dk,,,,DK,,DKK,
p-2,Bent Lund,person,,,,,DK,,DKK,
p-3,Sara Berg,person,sara@example.se,,,,SE,,DKK,
c-1,Carl Byg ApS,company,carl@example.dk,,,,DK,,DKK,
"""
PRODUCTS = """\
id,name,kind,unit_price,vat_rate
hours,Arbejdstimer,service,450,25
pipe,Kobberrør,goods,80,25
"""
POLICY = """\
[company]
name = "Byg ApS"

[sync.customers]
kinds = ["person"]
has_email = true

[sync.products]
kinds = ["service"]
"""
CUSTOMER_FILES = ("--customers", "customers.csv", "--policy", "policy.toml")
PRODUCT_FILES = ("--products", "products.csv", "--policy", "policy.toml")


@pytest.fixture(autouse=True)
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ERP seed's inputs in a fresh directory, printed to a wide terminal."""
    monkeypatch.chdir(tmp_path)
    Path("customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    Path("products.csv").write_text(PRODUCTS, encoding="utf-8")
    Path("policy.toml").write_text(POLICY, encoding="utf-8")
    monkeypatch.setattr(output, "console", Console(width=200))


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def as_json(*args: str, code: int = 0) -> Any:
    result = run(*args, "--json")
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def held(table: str) -> Counter[str]:
    """The sandbox book's rows of ``table`` per ledgerlink id."""
    with sqlite3.connect("ledgerlink-sandbox.db") as db:
        return Counter(r[0] for r in db.execute(f"SELECT external_ref FROM {table}"))


def test_sync_customers_takes_the_policy_files_filter() -> None:
    """Persons with an e-mail are created, the rest reported skipped with the reason; a second
    sync creates nothing more."""
    first = as_json("sync", "customers", *CUSTOMER_FILES)
    statuses = {i["id"]: (i["status"], i["reason"]) for i in first["items"]}
    assert statuses == {
        "p-1": ("created", "created"), "p-3": ("created", "created"),
        "p-2": ("skipped", "has no e-mail; the filter takes customers with one"),
        "c-1": ("skipped", "kind is company; the filter takes person")}
    again = as_json("sync", "customers", *CUSTOMER_FILES)
    assert again["counts"]["linked"] == 2 and again["counts"]["created"] == 0
    assert held("customers") == Counter({"p-1": 1, "p-3": 1})


def test_command_line_criteria_replace_the_files() -> None:
    """--country replaces nothing but the countries: persons with an e-mail in Sweden only;
    --kind company with --no-email takes the others' place."""
    report = as_json("sync", "customers", *CUSTOMER_FILES, "--country", "SE")
    assert [i["id"] for i in report["items"] if i["status"] == "created"] == ["p-3"]
    report = as_json("sync", "customers", *CUSTOMER_FILES, "--only", "c-1,p-2",
                     "--kind", "company", "--kind", "person", "--no-email")
    assert [i["id"] for i in report["items"] if i["status"] == "created"] == ["p-2"]
    assert held("customers") == Counter({"p-3": 1, "p-2": 1})


def test_dry_run_shows_what_would_happen_and_writes_nothing() -> None:
    """--dry-run names what would be created and creates neither the journal nor the sandbox
    book; on a book with a linked product it says so and adds nothing."""
    result = run("sync", "products", *PRODUCT_FILES, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run: nothing written" in result.stdout
    assert "would_create" in result.stdout and "kind is goods" in result.stdout
    assert not Path("ledgerlink.db").exists() and not Path("ledgerlink-sandbox.db").exists()
    run("sync", "products", *PRODUCT_FILES, "--only", "hours")
    report = as_json("sync", "products", *PRODUCT_FILES, "--kind", "service", "--kind", "goods",
                     "--dry-run")
    assert [i["status"] for i in report["items"]] == ["linked", "would_create"]
    assert held("products") == Counter({"hours": 1})


def test_sync_products_links_services_for_invoices() -> None:
    """Services are created and listed by `ledgerlink links`; goods stay out."""
    result = run("sync", "products", *PRODUCT_FILES)
    assert result.exit_code == 0, result.output
    assert "1 created, 1 skipped" in result.stdout
    links = as_json("links")
    assert links == [{"kind": "product", "local_id": "hours", "remote_id": "P-00001"}]


def test_a_bad_sync_table_is_bad_input() -> None:
    """A misspelt key in [sync.customers] exits 2 naming the file and the key; nothing is
    created."""
    Path("policy.toml").write_text(POLICY.replace("has_email", "has_mail"), encoding="utf-8")
    error = as_json("sync", "customers", *CUSTOMER_FILES, code=EXIT_BAD_INPUT)["error"]
    assert "policy.toml" in error["message"] and "sync.customers.has_mail" in error["message"]
    assert not Path("ledgerlink-sandbox.db").exists()


class Refusing:
    """A sandbox book that refuses to create customer p-3, as a provider refuses bad data."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def create_customer(self, customer: Any) -> str:
        if customer.id == "p-3":
            raise ProviderError("Sweden is not a country this book invoices", provider="sandbox",
                                status=400, code="country")
        return str(self.inner.create_customer(customer))


def test_a_provider_refusal_is_reported_and_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    """A customer the provider refuses is reported failed with the provider's words, the others
    are synced, and the exit status is 1; once the provider accepts it, a rerun creates it."""
    opened = sync_cli.connect

    def refusing(*args: Any) -> Any:
        return Refusing(opened(*args))

    monkeypatch.setattr(sync_cli, "connect", refusing)
    report = as_json("sync", "customers", *CUSTOMER_FILES, code=EXIT_FAILURES)
    assert {i["id"]: (i["status"], i["reason"]) for i in report["items"]
            if i["status"] != "skipped"} == {
        "p-1": ("created", "created"),
        "p-3": ("failed", "Sweden is not a country this book invoices")}
    monkeypatch.setattr(sync_cli, "connect", opened)
    again = as_json("sync", "customers", *CUSTOMER_FILES)
    assert again["counts"]["created"] == 1 and again["counts"]["linked"] == 1
    assert held("customers") == Counter({"p-1": 1, "p-3": 1})


def test_link_product_checks_the_remote_and_unlink_removes_it() -> None:
    """`link product` names the provider's product; a missing one exits 2 naming it;
    `--unlink` and `unlink product` remove the link."""
    run("sync", "products", *PRODUCT_FILES)
    linked = run("link", "product", "pipe", "P-00001")
    assert linked.exit_code == 0, linked.output
    assert "linked product pipe to P-00001 (Arbejdstimer)" in linked.stdout
    missing = run("link", "product", "pipe", "P-00042")
    assert missing.exit_code == EXIT_BAD_INPUT and "P-00042" in missing.stderr
    assert {k["local_id"] for k in as_json("links")} == {"hours", "pipe"}
    assert as_json("link", "product", "pipe", "--unlink")["action"] == "unlinked"
    assert as_json("unlink", "product", "pipe")["action"] == "not_linked"
    assert [k["local_id"] for k in as_json("links")] == ["hours"]


def test_link_customer_unchecked_needs_no_reader() -> None:
    """`link customer` reads the sandbox's customer; --unchecked links without reading."""
    run("sync", "customers", *CUSTOMER_FILES)
    assert as_json("link", "customer", "c-1", "C-00001")["name"] == "Anna Holm"
    unchecked = as_json("link", "customer", "c-9", "C-00077", "--unchecked")
    assert unchecked["name"] is None
    kinds = Counter(k["kind"] for k in as_json("links"))
    assert kinds == Counter({"customer": 4})


def test_link_needs_a_book_that_exists() -> None:
    """Linking in a sandbox book that does not exist is bad input, and creates nothing."""
    result = run("link", "product", "hours", "P-00001", "-o", "path=nowhere.db")
    assert result.exit_code == EXIT_BAD_INPUT
    assert "nowhere.db" in result.stderr and not Path("nowhere.db").exists()
