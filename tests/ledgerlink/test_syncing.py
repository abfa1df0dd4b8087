"""The Python side of sync and links on the sandbox: the report's shapes, the journal the sync
writes (a run, the refs, the transfer log), links refused when they cannot be checked, and
the link a blocked deal asks for."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import ledgerlink as ll
from ledgerlink import api, syncing
from ledgerlink.cli import main
from ledgerlink.deal_invoicing import DealState
from ledgerlink.deal_mapping import DealMapping
from ledgerlink.deals import Deal, DealLine, DealParty, DealStatus, PartyRole
from ledgerlink.store import Store

PEOPLE = [ll.Customer("p-1", "Anna Holm", kind=ll.PartyKind.PERSON, email="anna@example.dk"),
          ll.Customer("c-1", "Carl Byg ApS", email="carl@example.dk")]


@pytest.fixture
def book(tmp_path: Path) -> Any:
    """A fresh sandbox book."""
    made = ll.connect("sandbox", path=tmp_path / "book.db")
    yield made
    made.close()


class Unreadable:
    """A connector passing everything to the sandbox but without ``product_name`` or
    ``customer_name`` (it cannot read one product or customer by id)."""

    name = "blind"

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.account = inner.account


def test_the_default_journal_is_the_apis() -> None:
    """Sync and links use the same journal file as every other call when none is named."""
    assert syncing.DEFAULT_STORE == api.DEFAULT_STORE


def test_the_report_as_table_dataframe_and_json(book: Any, tmp_path: Path) -> None:
    """One row per input customer, in input order, the same in rows, DataFrame and JSON."""
    report = ll.sync_customers(PEOPLE, book, store=tmp_path / "j.db",
                               filter=ll.CustomerFilter(kinds=["person"]))
    frame = report.to_pandas()
    assert list(frame["id"]) == ["p-1", "c-1"]
    assert list(frame["status"]) == ["created", "skipped"]
    assert report.to_json()["counts"]["created"] == 1
    assert "kind is company" in report._repr_html_()
    assert report.ok and repr(report).endswith("1 created, 1 skipped>")


def test_a_sync_is_a_run_in_the_journal(book: Any, tmp_path: Path) -> None:
    """The sync is recorded as a run with its transfer log, and links what it created."""
    journal = Store(tmp_path / "j.db")
    report = ll.sync_products([ll.Product("hours", "Arbejdstimer", unit_price=Decimal(450))],
                              book, store=journal)
    assert report.run_id in [r.run_id for r in journal.runs(book=book.account)]
    entries = [(e.action, e.subject, e.outcome, e.message)
               for e in journal.log(run_id=report.run_id)]
    assert entries == [("ensure_product", "hours", "ok", "created")]
    assert journal.refs(book.account, "products") == {"hours": "P-00001"}


def test_unlinking_makes_the_next_sync_look_again(book: Any, tmp_path: Path) -> None:
    """After `unlink`, a sync finds the product at the provider again (no second one)."""
    journal = tmp_path / "j.db"
    hours = [ll.Product("hours", "Arbejdstimer")]
    ll.sync_products(hours, book, store=journal)
    assert ll.unlink_product(book, "hours", store=journal) == ll.Link(
        "products", "hours", "P-00001")
    again = ll.sync_products(hours, book, store=journal)
    assert [(i.status, i.remote_id, i.reason) for i in again.items] == [
        (ll.SyncStatus.LINKED, "P-00001", "found")]


def test_a_link_that_cannot_be_checked_is_refused_naming_why(book: Any,
                                                             tmp_path: Path) -> None:
    """A connector without a reader, or a bare book name, is refused naming it, unless the
    link is unchecked."""
    journal = tmp_path / "j.db"
    with pytest.raises(ll.ValidationError, match="connector 'blind' cannot read one product"):
        ll.link_product(Unreadable(book), "hours", "P-00001", store=journal)  # type: ignore[arg-type]
    with pytest.raises(ll.ValidationError, match="without its connector"):
        ll.link_product(book.account, "hours", "P-00001", store=journal)
    made = ll.link_product(book.account, "hours", "P-00009", store=journal, check=False)
    assert made.name is None
    assert [(k.kind, k.local_id, k.remote_id) for k in ll.links(book, store=journal)] == [
        ("products", "hours", "P-00009")]


def test_relinking_says_what_it_replaced(book: Any, tmp_path: Path) -> None:
    """Linking a linked product to another remote one replaces the link and says which."""
    journal = tmp_path / "j.db"
    first = book.create_product(ll.Product("a", "Timer"))
    second = book.create_product(ll.Product("b", "Kørsel"))
    ll.link_product(book, "hours", first, store=journal)
    moved = ll.link_product(book, "hours", second, store=journal)
    assert (moved.replaced, moved.name) == (first, "Kørsel")
    messages = [e.message for e in Store(journal).log(book=book.account)]
    assert messages[-1] == f"linked by hand (was {first})"


def test_the_command_a_blocked_deal_names_unblocks_it(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A won deal whose line's product is unlinked is blocked naming `ledgerlink link product`;
    running that command with the provider's product invoices the deal on that product."""
    monkeypatch.chdir(tmp_path)
    book = ll.connect("sandbox", path="ledgerlink-sandbox.db")
    gutters = book.create_product(ll.Product("gutters", "Tagrender"))
    won = datetime(2026, 5, 4, 10, tzinfo=UTC)
    deal = Deal("42", "New gutters", DealStatus.WON, "DKK", Decimal(1000),
                (DealLine("crm-7", "Gutters", "2", "500"),),
                organization=DealParty("5", PartyRole.ORGANIZATION, "Acme ApS"), won_at=won)
    company = ll.Company("Tag & Tæt ApS")
    blocked = ll.invoice_deals([deal], DealMapping(), book, company, store="ledgerlink.db",
                               now=won).report("42")
    assert blocked.state is DealState.BLOCKED
    command = "ledgerlink link product crm-7 REMOTE"
    assert command in blocked.reason
    linked = CliRunner().invoke(main, command.replace("REMOTE", gutters).split()[1:])
    assert linked.exit_code == 0, linked.output
    done = ll.invoice_deals([deal], DealMapping(), book, company, store="ledgerlink.db",
                            now=won).report("42")
    assert done.state is DealState.INVOICED
    invoice_id = Store("ledgerlink.db").invoice_ids(book.account)["inv:deal-42"]
    with sqlite3.connect("ledgerlink-sandbox.db") as db:
        column = db.execute("SELECT lines FROM invoices WHERE id = ?",
                            (int(invoice_id.removeprefix("INV-")),)).fetchone()[0]
    assert [row[5] for row in json.loads(column)] == [gutters]
    book.close()
