"""`ledgerlink invoice void|delete|send|pdf|open KEY`: asking, --yes, --json, exit statuses,
and what `ledgerlink status` shows after an action."""

from __future__ import annotations

import json
import webbrowser
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ledgerlink import (
    BillingPolicy,
    Company,
    Customer,
    PolicyOverride,
    Posting,
    WorkLine,
    WorkOrder,
)
from ledgerlink.api import invoice
from ledgerlink.cli import EXIT_BAD_INPUT, EXIT_FAILURES, asking, main
from ledgerlink.domain import WorkStatus
from ledgerlink.sandbox import SandboxConnector

COMPANY = Company("Test ApS", policy=BillingPolicy(Posting.BOOK, send=False))


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SandboxConnector:
    """inv:w0 and inv:w1 booked, draft:c2:1 a draft, in the default sandbox book and journal."""
    monkeypatch.chdir(tmp_path)
    made = SandboxConnector("ledgerlink-sandbox.db")
    people = [Customer(id=f"c{i}", name=f"Customer {i}", email=f"c{i}@example.dk",
                       policy=PolicyOverride(posting=Posting.DRAFT) if i == 2 else None)
              for i in range(3)]
    work = [WorkOrder(id=f"w{i}", customer_id=f"c{i}", status=WorkStatus.COMPLETED,
                      completed_at=datetime.now(UTC) - timedelta(hours=1),
                      lines=[WorkLine("Hours", Decimal(1), Decimal(100))]) for i in range(3)]
    assert invoice(work, people, COMPANY, made, store="ledgerlink.db").ok
    return made


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, ["invoice", *args], input=input)


def statuses() -> dict[str, list[str]]:
    result = CliRunner().invoke(main, ["status", "--json"])
    assert result.exit_code == 0, result.output
    return {i["key"]: i["status"] for i in json.loads(result.output)["invoices"]}


def as_json(*args: str) -> dict[str, Any]:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_void_without_yes_and_without_a_terminal_is_refused(book: SandboxConnector) -> None:
    """Without --yes and nobody to ask, void is refused (exit 2) naming --yes; nothing voided."""
    refused = run("void", "inv:w0")
    assert refused.exit_code == EXIT_BAD_INPUT
    assert "--yes" in refused.stderr and "cannot be undone" in refused.stderr
    in_json = run("void", "inv:w0", "--json")
    assert json.loads(in_json.stdout)["error"]["field"] == "--yes"
    assert not any(i.voided for i in book.invoices())


def test_void_asks_at_a_terminal_and_says_it_cannot_be_undone(
        book: SandboxConnector, monkeypatch: pytest.MonkeyPatch) -> None:
    """At a terminal void asks, saying it cannot be undone: "n" keeps the invoice, "y" voids."""
    monkeypatch.setattr(asking, "can_ask", lambda: True)
    kept = run("void", "inv:w0", input="n\n")
    assert kept.exit_code == 1
    assert "Void invoice inv:w0?" in kept.output and "cannot be undone" in kept.output
    assert statuses()["inv:w0"] == ["open"]
    voided = run("void", "inv:w0", input="y\n")
    assert voided.exit_code == 0, voided.output
    assert "voided" in voided.stdout
    assert statuses()["inv:w0"] == ["void"]


def test_void_twice_with_yes_reports_already_done_in_json(book: SandboxConnector) -> None:
    """--yes --json voids and says done; the second time it says already done, changing
    nothing."""
    first = as_json("void", "inv:w0", "--yes")
    again = as_json("void", "inv:w0", "--yes")
    assert (first["status"], again["status"]) == ("done", "already_done")
    assert first["invoice"]["voided"] and first["key"] == "inv:w0"
    assert sum(i.voided for i in book.invoices()) == 1


def test_delete_with_yes_shows_the_draft_deleted(book: SandboxConnector) -> None:
    """Deleting the draft with --yes prints what happened, and status lists it deleted."""
    result = run("delete", "draft:c2:1", "--yes")
    assert result.exit_code == 0, result.output
    assert "deleted" in result.stdout
    assert statuses()["draft:c2:1"] == ["deleted"]


def test_send_emails_once_and_refuses_a_draft(book: SandboxConnector) -> None:
    """send e-mails a booked invoice once (to --email when given); a draft is refused (exit 2)
    and nothing is e-mailed for it."""
    first = as_json("send", "inv:w1", "--email", "boss@example.dk")
    again = as_json("send", "inv:w1")
    assert (first["status"], again["status"]) == ("done", "already_done")
    assert [e.to for e in book.outbox()] == ["boss@example.dk"]
    draft = run("send", "draft:c2:1", "--json")
    assert draft.exit_code == EXIT_BAD_INPUT
    assert "book it before sending" in json.loads(draft.stdout)["error"]["message"]
    assert len(book.outbox()) == 1


def test_pdf_is_saved_to_the_output_file(book: SandboxConnector, tmp_path: Path) -> None:
    """pdf --output writes the provider's PDF of the invoice, and says where."""
    target = tmp_path / "out" / "w0.pdf"
    target.parent.mkdir()
    result = run("pdf", "inv:w0", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"%PDF") and str(target) in result.stdout
    data = as_json("pdf", "inv:w0", "--output", str(target))
    assert data["bytes"] == target.stat().st_size


def test_open_prints_the_url_and_opens_a_browser_only_when_asked(
        book: SandboxConnector, monkeypatch: pytest.MonkeyPatch) -> None:
    """open prints the web URL; only --browser hands it to a browser."""
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    plain = run("open", "inv:w0")
    assert plain.exit_code == 0 and plain.stdout.startswith("sandbox://") and not opened
    data = as_json("open", "inv:w0", "--browser")
    assert opened == [data["url"]] == [plain.stdout.strip()]


def test_a_missing_book_or_journal_is_bad_input(book: SandboxConnector) -> None:
    """A sandbox book that does not exist is never created, and a missing journal is named."""
    no_book = run("void", "inv:w0", "--yes", "-o", "path=elsewhere.db")
    assert no_book.exit_code == EXIT_BAD_INPUT and "no sandbox book" in no_book.stderr
    assert not Path("elsewhere.db").exists()
    no_journal = run("pdf", "inv:w0", "--output", "x.pdf", "--store", "missing.db")
    assert no_journal.exit_code == EXIT_BAD_INPUT and "journal" in no_journal.stderr


def test_a_provider_refusal_exits_1_with_its_words(book: SandboxConnector) -> None:
    """Deleting a booked invoice the sandbox refuses: exit 1 with the provider's words."""
    result = run("delete", "inv:w0", "--yes", "--json")
    assert result.exit_code == EXIT_FAILURES
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "InvoiceStateError" and "cannot be deleted" in error["message"]
