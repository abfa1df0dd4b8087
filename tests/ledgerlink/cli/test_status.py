"""`ledgerlink status`: the invoices ledgerlink made, their statuses, refreshed on request."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rich.console import Console

from ledgerlink import BillingPolicy, Company, Customer, Posting, Timing, WorkLine, WorkOrder, cli
from ledgerlink.api import invoice
from ledgerlink.cli import EXIT_BAD_INPUT, main
from ledgerlink.domain import WorkStatus
from ledgerlink.sandbox import SandboxConnector

COMPANY = Company("Test ApS", policy=BillingPolicy(Posting.BOOK, Timing.ON_COMPLETION, False, 8))


@pytest.fixture
def invoiced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SandboxConnector:
    """Two invoices made by ledgerlink in the default sandbox book and journal, in a tmp dir."""
    monkeypatch.chdir(tmp_path)
    book = SandboxConnector("ledgerlink-sandbox.db")
    people = [Customer(id=f"c{i}", name=f"Customer {i}", email=f"c{i}@example.dk")
              for i in range(2)]
    work = [WorkOrder(id=f"w{i}", customer_id=f"c{i}", status=WorkStatus.COMPLETED,
                      completed_at=datetime.now(UTC) - timedelta(hours=1),
                      lines=[WorkLine("Hours", Decimal(1), Decimal(100))]) for i in range(2)]
    assert invoice(work, people, COMPANY, book, store="ledgerlink.db").ok
    return book


def status(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["status", *args])
    return result.exit_code, result.output


def as_json(*args: str) -> dict[str, Any]:
    code, output = status(*args, "--json")
    assert code == 0, output
    data: dict[str, Any] = json.loads(output)
    return data


def test_without_refresh_the_statuses_are_those_recorded_by_the_run(
        invoiced: SandboxConnector) -> None:
    """Listing asks nothing of the provider: the statuses are what the run recorded when
    it created the invoices."""
    data = as_json()
    assert data["refresh"] is None
    assert [(i["key"], i["status"]) for i in data["invoices"]] == [
        ("inv:w0", ["open"]), ("inv:w1", ["open"])]
    assert all(i["book"] == invoiced.account for i in data["invoices"])
    code, output = status()
    assert code == 0 and "open" in output and "inv:w1" in output


def test_refresh_reads_the_change_feed_and_lists_statuses(invoiced: SandboxConnector) -> None:
    """--refresh makes one change-feed call; a paid invoice shows paid, the other open."""
    paid = invoiced.find_invoice("inv:w0")
    assert paid is not None
    invoiced.register_payment(paid.provider_id, paid.total, paid.issue_date)
    data = as_json("--refresh", "--today", paid.issue_date.isoformat())
    refresh = data["refresh"]
    assert (refresh["mode"], refresh["calls"], refresh["checked"]) == ("change_feed", 1, 2)
    assert {c["key"]: c["after"] for c in refresh["changes"]} == {"inv:w0": ["paid"]}
    assert {i["key"]: i["status"] for i in data["invoices"]} == {
        "inv:w0": ["paid"], "inv:w1": ["open"]}
    assert {i["key"]: i["balance"] for i in data["invoices"]} == {
        "inv:w0": "0.00", "inv:w1": "125.00"}


def test_overdue_follows_the_day_asked(invoiced: SandboxConnector) -> None:
    """After a refresh, --today past the due date shows the open invoice overdue."""
    due = invoiced.find_invoice("inv:w1")
    assert due is not None
    as_json("--refresh")
    late = (due.due_date + timedelta(days=1)).isoformat()
    statuses = {i["key"]: i["status"] for i in as_json("--today", late)["invoices"]}
    assert statuses["inv:w1"] == ["open", "overdue"]
    code, output = status("--today", late)
    assert code == 0 and "open, overdue" in output


def test_the_table_says_how_the_refresh_asked(invoiced: SandboxConnector) -> None:
    """Without --json the refresh is summarised above the table."""
    code, output = status("--refresh")
    assert code == 0, output
    assert "one change-feed call" in output and "2 invoices reported" in output


def test_a_missing_journal_is_not_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pointing at a journal that does not exist is bad input, and no file appears."""
    monkeypatch.chdir(tmp_path)
    code, output = status("--store", "nowhere.db")
    assert code == EXIT_BAD_INPUT and "no journal store" in output
    assert not (tmp_path / "nowhere.db").exists()


def test_a_bad_day_is_bad_input(invoiced: SandboxConnector) -> None:
    """--today must be an ISO date."""
    code, output = status("--today", "22/11/2026")
    assert code == EXIT_BAD_INPUT and "--today" in output


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SandboxConnector:
    """Invoices made in a sandbox book under books/, not at the default path; a wide terminal."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "errors", Console(width=250, stderr=True))
    Path("books").mkdir()
    book = SandboxConnector("books/acme.db")
    people = [Customer(id="c0", name="Customer 0", email="c0@example.dk")]
    work = [WorkOrder(id="w0", customer_id="c0", status=WorkStatus.COMPLETED,
                      completed_at=datetime.now(UTC) - timedelta(hours=1),
                      lines=[WorkLine("Hours", Decimal(1), Decimal(100))])]
    assert invoice(work, people, COMPANY, book, store="ledgerlink.db").ok
    return book


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_refresh_without_a_book_creates_none_and_says_how_to_name_it(
        elsewhere: SandboxConnector, tmp_path: Path) -> None:
    """--refresh with no sandbox book at the default path is bad input naming -o path= and
    the journal's book; no empty book appears in the working directory."""
    before = _files(tmp_path)
    result = CliRunner().invoke(main, ["status", "--refresh"], catch_exceptions=False)
    assert result.exit_code == EXIT_BAD_INPUT
    assert "-o path=" in result.stderr and elsewhere.account in result.stderr
    assert "ledgerlink-sandbox.db" in result.stderr
    assert _files(tmp_path) == before

    code, output = status("--refresh", "-o", "path=books/acme.db")
    assert code == 0 and "inv:w0" in output and "1 invoices reported" in output


def test_refresh_of_a_missing_named_book_creates_none(elsewhere: SandboxConnector,
                                                      tmp_path: Path) -> None:
    """-o path= naming a file that does not exist is refused the same way, in JSON too."""
    before = _files(tmp_path)
    result = CliRunner().invoke(main, ["status", "--refresh", "-o", "path=typo.db", "--json"],
                                catch_exceptions=False)
    assert result.exit_code == EXIT_BAD_INPUT and result.stderr == ""
    error = json.loads(result.stdout)["error"]
    assert (error["field"], error["value"]) == ("-o path", "typo.db")
    assert elsewhere.account in error["message"]
    assert _files(tmp_path) == before


def test_refresh_of_a_book_the_journal_does_not_know_is_refused(
        elsewhere: SandboxConnector, tmp_path: Path) -> None:
    """An existing book with nothing in the journal is refused instead of showing no
    invoices; the message names that book and the ones the journal holds."""
    stranger = SandboxConnector("stranger.db")
    stranger.close()
    result = CliRunner().invoke(main, ["status", "--refresh", "-o", "path=stranger.db"],
                                catch_exceptions=False)
    assert result.exit_code == EXIT_BAD_INPUT
    assert stranger.account in result.stderr and elsewhere.account in result.stderr
    assert "no invoices or runs" in result.stderr
