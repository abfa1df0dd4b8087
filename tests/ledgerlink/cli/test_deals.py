"""`ledgerlink deals invoice|invoices|link|unlink` on the sandbox, deals from a JSON file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ledgerlink.cli import main
from ledgerlink.domain import Product
from ledgerlink.sandbox import SandboxConnector

ORG = {"id": "5", "role": "organization", "name": "Acme ApS",
       "address": {"street": "Havnegade 1", "postal_code": "8000", "city": "Aarhus",
                   "country": "DK"},
       "fields": {"CVR number": "DK12345674"}}


def deal(deal_id: str, product: str = "101") -> dict[str, Any]:
    """A won deal as the JSON deals file holds it."""
    return {"id": deal_id, "title": "New roof", "status": "won", "currency": "DKK",
            "value": "1000", "won_at": "2026-05-04T10:00:00+00:00", "organization": ORG,
            "lines": [{"product_id": product, "name": "Roof inspection", "quantity": "2",
                       "unit_price": "500", "discount": "10"}]}


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A sandbox book with product 101, a mapping file and a deals file, in the cwd."""
    monkeypatch.chdir(tmp_path)
    SandboxConnector("ledgerlink-sandbox.db").create_product(Product("101", "Roof inspection"))
    (tmp_path / "deals.toml").write_text(
        '[deals]\ndue_days = 14\n[deals.fields]\n'
        'registration_number = "organization:CVR number"\n', encoding="utf-8")
    (tmp_path / "deals.json").write_text(json.dumps([deal("1"), deal("2", product="999")]),
                                         encoding="utf-8")
    return tmp_path


def run(*args: str) -> Result:
    """``ledgerlink deals ...``."""
    return CliRunner().invoke(main, ["deals", *args])


def test_invoice_reports_each_deal_and_exits_1_on_a_blocked_one(files: Path) -> None:
    """Deal 1 is invoiced; deal 2 is blocked naming its unlinked product; exit status 1."""
    result = run("invoice", "--mapping", "deals.toml", "--deals", "deals.json", "--json",
                 "--now", "2026-05-05T09:00:00+00:00")
    assert result.exit_code == 1, result.output
    answer = json.loads(result.output)
    states = {d["deal"]: d["state"] for d in answer["deals"]}
    assert states == {"1": "invoiced", "2": "blocked"}
    assert answer["deals"][1]["unlinked"] == [{"line": 1, "product": "999",
                                               "name": "Roof inspection"}]
    keys = [i.key for i in SandboxConnector("ledgerlink-sandbox.db").invoices()]
    assert keys == ["inv:deal-1"]


def test_invoices_link_and_unlink(files: Path) -> None:
    """The deal's invoice is listed; another invoice is linked, listed and unlinked."""
    run("invoice", "--mapping", "deals.toml", "--deals", "deals.json")
    assert "inv:deal-1" in run("invoices", "1").output
    other = json.loads(run("invoices", "1", "--json").output)["invoices"][0]["provider_id"]
    linked = run("link", "7", other, "--json")
    assert json.loads(linked.output)["linked"] is True
    listed = json.loads(run("invoices", "7", "--json").output)["invoices"]
    assert [(i["key"], i["status"]) for i in listed] == [("inv:deal-1", ["open"])]
    assert "unlinked from deal 7" in run("unlink", "7", other).output
    assert "No invoices for deal 7" in run("invoices", "7").output


def test_contact_invoices_need_the_mapping(files: Path) -> None:
    """--contact lists the contact's invoices in a time frame; it needs --mapping."""
    run("invoice", "--mapping", "deals.toml", "--deals", "deals.json")
    listed = run("invoices", "1", "--contact", "--mapping", "deals.toml", "--deals",
                 "deals.json", "--from", "2020-01-01", "--to", "2100-01-01", "--json")
    assert [i["key"] for i in json.loads(listed.output)["invoices"]] == ["inv:deal-1"]
    refused = run("invoices", "1", "--contact", "--deals", "deals.json")
    assert refused.exit_code != 0 and "--mapping" in refused.output


def test_deals_come_from_one_place(files: Path) -> None:
    """Neither --source nor --deals (or both) is refused, naming the options."""
    result = run("invoice", "--mapping", "deals.toml")
    assert result.exit_code != 0 and "--source NAME or --deals FILE" in result.output
