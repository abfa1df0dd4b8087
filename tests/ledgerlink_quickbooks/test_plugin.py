"""The quickbooks connector is found through its entry point, by the API and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import ledgerlink as ll
from ledgerlink.cli import main
from ledgerlink.errors import ValidationError
from ledgerlink.store import Store
from ledgerlink.testing.factories import make_customer
from ledgerlink_quickbooks import CAPABILITIES, QuickBooksConnector
from ledgerlink_quickbooks.emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    QuickBooksEmulator,
)
from tests.ledgerlink_quickbooks.support import BASE, connect_realm, fresh_realm


def test_connect_finds_quickbooks_through_the_entry_point(tmp_path: Path) -> None:
    """ll.connect("quickbooks", ...) builds the connector, tokens read from the journal store."""
    emulator = QuickBooksEmulator()
    realm = fresh_realm()
    path = tmp_path / "ledgerlink.db"
    connect_realm(emulator, realm, Store(path))
    book = ll.connect("quickbooks", realm_id=realm, client_id=DEFAULT_CLIENT_ID,
                      client_secret=DEFAULT_CLIENT_SECRET, store=str(path), base_url=BASE,
                      transport=emulator.transport())
    try:
        assert isinstance(book, QuickBooksConnector)
        assert book.account == f"quickbooks-{realm}"
        assert book.capabilities == CAPABILITIES
        customer = make_customer()
        ref = book.create_customer(customer)
        assert book.find_customer(customer) == ref
    finally:
        book.close()


def test_string_options_pick_the_environment_and_bad_ones_are_refused(tmp_path: Path) -> None:
    """environment=production selects the production web app; other values are refused."""
    book = QuickBooksConnector(realm_id="42", client_id="id", client_secret="secret",
                               store=str(tmp_path / "x.db"), environment="production")
    assert book.web_url("7") == "https://app.qbo.intuit.com/app/invoice?txnId=7"
    assert "secret" not in repr(book)
    book.close()
    with pytest.raises(ValidationError) as caught:
        QuickBooksConnector(realm_id="42", client_id="id", client_secret="s",
                            store=str(tmp_path / "x.db"), environment="staging")
    assert caught.value.field == "environment"


def test_cli_lists_quickbooks_with_its_capabilities() -> None:
    """`ledgerlink connectors --json` lists quickbooks with exactly the declared capabilities."""
    result = CliRunner().invoke(main, ["connectors", "--json"])
    assert result.exit_code == 0, result.output
    listed = {c["name"]: c for c in json.loads(result.stdout)["connectors"]}
    assert listed["quickbooks"]["capabilities"] == sorted(c.value for c in CAPABILITIES)
    assert listed["quickbooks"]["distribution"] == "ledgerlink"
    assert "drafts" not in listed["quickbooks"]["capabilities"]
