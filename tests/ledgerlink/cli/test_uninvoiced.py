"""`ledgerlink uninvoiced`: the table and --json, --only/--customer/--before, unknown ids refused,
--invoice of one, a chosen set and all (counted in the sandbox book), and --posting draft."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ledgerlink.cli import EXIT_BAD_INPUT, main
from ledgerlink.sandbox import SandboxConnector

CUSTOMERS_CSV = """id,name,kind,email,street,postal_code,city,country,registration_number,\
currency,delivery
nordisk,Nordisk Byg A/S,company,bog@nordiskbyg.dk,Havnegade 1,1058,København K,DK,,DKK,
havn,Havnens Kro,company,kro@example.dk,Kajen 2,8000,Aarhus C,DK,,DKK,
fri,Friskolen,company,,Skolevej 3,5000,Odense C,DK,,DKK,
"""
WORK_CSV = """work_order_id,customer_id,status,planned_date,completed_at,project,description,\
line_description,quantity,unit_price,vat_rate,product_id
WO-1,nordisk,completed,,2026-11-19T15:00:00+01:00,,Boiler,Service hours,2,500,25,
WO-2,nordisk,completed,,2026-11-20T10:00:00+01:00,,Boiler,Service hours,1,500,25,
WO-3,havn,completed,,2026-11-20T12:00:00+01:00,,Taps,Service hours,3,500,25,
WO-4,havn,completed,,2026-11-20T16:00:00+01:00,,Taps,Service hours,1,500,25,
WO-5,fri,completed,,2026-11-20T16:00:00+01:00,,Radiator,Service hours,1,500,25,
WO-6,havn,planned,2026-11-25,,,Inspection,Service hours,1,500,25,
"""
POLICY_TOML = """[company]
name = "Fjordvarme ApS"

[policy]
posting = "book"
send = false

[customers.fri]
posting = "none"

[customers.havn]
timing = "before_work"
"""
NOW = "2026-11-20T18:00+01:00"
INPUTS = ["--work-orders", "work.csv", "--customers", "customers.csv", "--policy", "policy.toml",
          "--now", NOW]
BOOK = ["-o", "path=book.db"]
#: Makes the sandbox SIGKILL its process right after that many writes.
KILL_ENV = "LEDGERLINK_SANDBOX_KILL_AFTER_WRITES"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory with the day's bookings, their customers and a policy that books."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "customers.csv").write_text(CUSTOMERS_CSV, encoding="utf-8")
    (tmp_path / "work.csv").write_text(WORK_CSV, encoding="utf-8")
    (tmp_path / "policy.toml").write_text(POLICY_TOML, encoding="utf-8")
    return tmp_path


def uninvoiced(*args: str) -> Result:
    return CliRunner().invoke(main, ["uninvoiced", *INPUTS, *BOOK, *args])


def listed(*args: str) -> dict[str, Any]:
    result = uninvoiced("--json", *args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def ids(*args: str) -> list[str]:
    return [row["work_order_id"] for row in listed(*args)["work"]]


def billed() -> Counter[str]:
    """Work order id → invoices in the sandbox book billing it."""
    counts: Counter[str] = Counter()
    for invoice in SandboxConnector("book.db").invoices():
        counts.update(k.removeprefix("wo:") for k in set(invoice.line_keys))
    return counts


def test_the_table_lists_the_billable_work_and_writes_nothing(workdir: Path) -> None:
    """The table names each billable work order with its amount and why; work kept off by
    policy and planned work are not in it; no journal or book is created."""
    result = uninvoiced()
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "4 billable (4375.00 DKK billable)" in lines[0]
    for order in ("WO-1", "WO-2", "WO-3", "WO-4"):
        assert any(line.startswith(order) for line in lines), order
    assert "WO-5" not in result.stdout and "WO-6" not in result.stdout
    # At 80 columns the reason wraps onto the lines below its row: read it as words.
    assert "inv:WO-1 completed 2026-11-19 15:00 WO-2" in " ".join(result.stdout.split())
    assert not (workdir / "ledgerlink.db").exists() and not (workdir / "book.db").exists()


def test_json_has_every_field_of_every_row(workdir: Path) -> None:
    """--json: now, book, counts, totals, and per work order every field, amounts as exact
    strings and instants in ISO 8601."""
    data = listed("--upcoming")
    assert set(data) == {"now", "book", "counts", "totals", "work"}
    assert data["counts"] == {"billable": 4, "upcoming": 1}
    assert data["totals"] == {"DKK": "4375.00"}
    first = data["work"][0]
    assert first == {
        "work_order_id": "WO-3", "customer_id": "havn", "customer_name": "Havnens Kro",
        "project": None, "state": "billable", "billable_from": "2026-11-20T12:00:00+01:00",
        "reason": "completed 2026-11-20 12:00", "amount": "1875.00", "currency": "DKK",
        "completed_at": "2026-11-20T12:00:00+01:00", "planned_date": None,
        "posting": "book", "invoice_key": "inv:WO-3"}


def test_only_customer_and_before_filter_the_list(workdir: Path) -> None:
    """--only, --customer and --before (completed before that day) each keep what they select,
    and together what all of them select."""
    assert ids("--only", "WO-1,WO-4") == ["WO-4", "WO-1"]
    assert ids("--only", "WO-1", "--only", "WO-2") == ["WO-1", "WO-2"]
    assert ids("--customer", "havn") == ["WO-3", "WO-4"]
    assert ids("--before", "2026-11-20") == ["WO-1"]
    assert ids("--customer", "nordisk,havn", "--before", "2026-11-21", "--only", "WO-2") == [
        "WO-2"]


def test_unknown_only_ids_are_refused_by_name_and_nothing_is_written(workdir: Path) -> None:
    """--only naming work orders the file lacks exits 2 naming them, in JSON too; with
    --invoice nothing is created or invoiced."""
    refused = uninvoiced("--only", "WO-1,WO-77,WO-9", "--invoice")
    assert refused.exit_code == EXIT_BAD_INPUT
    assert "unknown work orders: WO-77, WO-9" in refused.stderr
    in_json = uninvoiced("--only", "WO-77", "--json")
    assert in_json.exit_code == EXIT_BAD_INPUT
    assert json.loads(in_json.stdout)["error"]["value"] == ["WO-77"]
    assert uninvoiced("--customer", "nobody").exit_code == EXIT_BAD_INPUT
    assert not (workdir / "ledgerlink.db").exists() and not (workdir / "book.db").exists()


def test_invoicing_one_then_a_chosen_set_then_all_bills_each_once(workdir: Path) -> None:
    """--invoice with --only WO-1, then --only WO-2,WO-4, then no selection bills each of the
    four billable work orders once, counted in the sandbox book; the list is empty after."""
    for chosen, expected in ((["--only", "WO-1"], {"WO-1"}),
                             (["--only", "WO-2,WO-4"], {"WO-1", "WO-2", "WO-4"}),
                             ([], {"WO-1", "WO-2", "WO-3", "WO-4"})):
        result = uninvoiced("--invoice", *chosen)
        assert result.exit_code == 0, result.output
        assert billed() == dict.fromkeys(expected, 1)
    again = uninvoiced("--invoice", "--json")
    assert json.loads(again.stdout)["summary"]["invoices_created"] == 0
    assert billed() == dict.fromkeys(["WO-1", "WO-2", "WO-3", "WO-4"], 1)
    assert listed()["work"] == []


def test_posting_draft_makes_drafts_this_run_while_the_policy_books(workdir: Path) -> None:
    """--invoice --posting draft puts the chosen customer's work on one draft; the next run
    without it books, as policy.toml says."""
    drafted = uninvoiced("--invoice", "--customer", "havn", "--posting", "draft", "--json")
    assert drafted.exit_code == 0, drafted.output
    assert json.loads(drafted.stdout)["summary"]["drafts_created"] == 1
    booked = uninvoiced("--invoice")
    assert booked.exit_code == 0, booked.output
    made = {i.key: i.booked for i in SandboxConnector("book.db").invoices()}
    assert made == {"draft:havn:1": False, "inv:WO-1": True, "inv:WO-2": True}
    assert billed() == dict.fromkeys(["WO-1", "WO-2", "WO-3", "WO-4"], 1)


def test_posting_without_invoice_is_a_usage_error(workdir: Path) -> None:
    """--posting (or --send) without --invoice exits 2 saying they go together."""
    result = uninvoiced("--posting", "draft")
    assert result.exit_code == EXIT_BAD_INPUT
    assert "go with --invoice" in result.output


def program(*args: str, kill_after_writes: int | None = None
            ) -> subprocess.CompletedProcess[str]:
    """The installed `ledgerlink uninvoiced` with the day's inputs, as a real process."""
    found = shutil.which("ledgerlink") or str(Path(sys.executable).parent / "ledgerlink")
    environ = {**os.environ, "COLUMNS": "200"}
    environ.pop(KILL_ENV, None)
    if kill_after_writes is not None:
        environ[KILL_ENV] = str(kill_after_writes)
    return subprocess.run([found, "uninvoiced", *INPUTS, *BOOK, *args], capture_output=True,
                          text=True, timeout=120, env=environ, check=False)


def test_the_installed_program_invoices_a_selection(workdir: Path) -> None:
    """A real `ledgerlink uninvoiced --invoice --only WO-3` process invoices WO-3 alone; the
    next listing no longer shows it."""
    done = program("--invoice", "--only", "WO-3", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["invoices_created"] == 1
    assert billed() == {"WO-3": 1}
    assert ids() == ["WO-4", "WO-1", "WO-2"]


def test_a_selection_killed_mid_run_is_finished_once_by_the_next(workdir: Path) -> None:
    """Drafts for a chosen set, the process SIGKILLed right after a write to the book, again
    and again: the next selected run recovers, and each work order is billed once."""
    outcomes = [program("--invoice", "--customer", "havn,nordisk", "--posting", "draft",
                        kill_after_writes=writes).returncode for writes in (1, 2, 2, 3)]
    assert outcomes[0] == -signal.SIGKILL and set(outcomes) <= {0, -signal.SIGKILL}
    finished = program("--invoice", "--only", "WO-1,WO-2,WO-3,WO-4", "--posting", "draft")
    assert finished.returncode == 0, finished.stderr
    assert billed() == dict.fromkeys(["WO-1", "WO-2", "WO-3", "WO-4"], 1)
    assert not any(i.booked for i in SandboxConnector("book.db").invoices())
