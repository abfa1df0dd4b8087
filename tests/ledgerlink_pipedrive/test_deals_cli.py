"""`ledgerlink deals invoice --source pipedrive`: won deals read over 127.0.0.1 from the
Pipedrive emulator, invoiced once each in the sandbox book."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledgerlink.cli import main
from ledgerlink.domain import Product
from ledgerlink.sandbox import SandboxConnector
from ledgerlink_pipedrive.emulator import PipedriveEmulator


def test_deals_from_the_pipedrive_source_are_invoiced_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The won deal is invoiced, the open one is not read, and a second run makes nothing."""
    monkeypatch.chdir(tmp_path)
    crm = PipedriveEmulator()
    seller = crm.create_company("Sælg ApS")
    org = crm.seed_organization(seller, "Acme ApS", address={
        "route": "Havnegade", "street_number": "1", "postal_code": "8000",
        "locality": "Aarhus", "country": "Denmark"})
    roof = crm.seed_product(seller, "Roof inspection", price=500)
    won = crm.seed_deal(seller, "New roof", org_id=org["id"], currency="DKK",
                        products=[(roof["id"], 500, 2)])
    crm.seed_deal(seller, "Still talking", status="open", org_id=org["id"], currency="DKK")
    book = SandboxConnector("ledgerlink-sandbox.db")
    book.create_product(Product(id=str(roof["id"]), name="Roof inspection"))
    Path("deals.toml").write_text("[deals]\ndue_days = 10\n", encoding="utf-8")
    with crm.serve() as server:
        args = ["deals", "invoice", "--mapping", "deals.toml", "--source", "pipedrive",
                "--source-option", f"api_token={seller.api_token}",
                "--source-option", f"base_url={server.base_url}", "--json"]
        first = CliRunner().invoke(main, args)
        again = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert [(d["deal"], d["state"]) for d in json.loads(first.output)["deals"]] == [
        (str(won["id"]), "invoiced")]
    assert json.loads(again.output)["summary"]["already_invoiced"] == 1
    (invoice,) = book.invoices()
    assert invoice.key == f"inv:deal-{won['id']}"
    assert (invoice.due_date - invoice.issue_date).days == 10
