"""``ledgerlink plan`` and ``run`` on input at the edges: amounts past their bounds, hostile
JSON and TOML, work below zero and files without work orders.

Built on the helpers and input files of ``test_cli``; every refusal is checked for its exit
status, for naming the file, row and field, and for leaving the journal and the book as they
were.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledgerlink.api import open_store
from tests.ledgerlink.cli.test_commands import (  # noqa: F401 - company and wide_terminal are fixtures used here
    BOOK,
    FILES,
    JOURNAL,
    NOW,
    WORK_ORDERS_CSV,
    book_invoices,
    company,
    edit,
    invoke,
    invoke_json,
    journal_snapshot,
    wide_terminal,
)

#: Every test works in the small company's directory that test_cli's fixture writes.
pytestmark = pytest.mark.usefixtures("company")

#: The work-orders file in JSON, for the cases only JSON can hold.
JSON_FILES = ("--work-orders", "work-orders.json", *FILES[2:])


def _json_work(quantity: str) -> None:
    """A work-orders JSON file of one work order whose quantity is ``quantity``, verbatim."""
    Path("work-orders.json").write_text(
        '[{"id": "wo-9", "customer_id": "c-1", "completed_at": "2024-05-01T14:30:00+02:00",'
        f' "lines": [{{"description": "Labour", "quantity": {quantity},'
        ' "unit_price": "650.00"}]}]', encoding="utf-8")


def _runs() -> int:
    store = open_store(JOURNAL)
    try:
        return len(store.runs(limit=1000))
    finally:
        store.close()


@pytest.mark.parametrize("command", ["plan", "run"])
@pytest.mark.parametrize(("old", "new", "field", "words"), [
    ("Gasket,1,89.95", "Gasket,1,123456789012345678901234567890", "unit_price",
     "at most 12 digits"),
    ("Gasket,1,89.95", "Gasket,1,1e400", "unit_price", "exponent notation"),
    ("Gasket,1,89.95", "Gasket,1E+3,89.95", "quantity", "exponent notation"),
    ("Gasket,1,89.95", "Gasket,1" + "0" * 400 + ",89.95", "quantity", "at most 10 digits"),
    ("Gasket,1,89.95,25", "Gasket,1,89.95,NaN", "vat_rate", "finite"),
], ids=["30-digit price", "1e400", "1E+3", "10^400 quantity", "NaN VAT"])
def test_amounts_past_the_rules_exit_2_naming_file_row_and_field_writing_nothing(
        command: str, old: str, new: str, field: str, words: str) -> None:
    """Overflowing and exponent amounts are refused before anything is opened: exit 2,
    the file, row 3 and the column named, no journal and no book."""
    edit("work-orders.csv", old, new)
    result = invoke(command, *FILES, "--now", NOW)
    assert result.exit_code == 2, result.output
    assert f"work-orders.csv, row 3, field '{field}'" in result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.output
    assert not JOURNAL.exists()
    assert not BOOK.exists()


@pytest.mark.parametrize("command", ["plan", "run"])
@pytest.mark.parametrize(("quantity", "where"), [
    ("1e400", "row 0, field 'lines[0].quantity'"),
    ("1" + "0" * 5000, "row 0, field 'lines[0].quantity'"),
    ('"2E+1"', "row 0, field 'lines[0].quantity'"),
    ("[" * 100_000 + "]" * 100_000, "row 0: nested more than"),
], ids=["1e400", "5000 digits", "exponent string", "deeply nested"])
def test_hostile_json_after_a_run_exits_2_leaving_journal_and_book_alone(
        command: str, quantity: str, where: str) -> None:
    """After a good run, a JSON work-orders file with an infinite, 5,000-digit, exponent or
    100,000-deep quantity exits 2 naming file and row; journal and book are unchanged."""
    invoke_json("run", *FILES, "--now", NOW)
    journal, invoices = journal_snapshot(), book_invoices()
    _json_work(quantity)
    result = invoke(command, *JSON_FILES, "--now", NOW)
    assert result.exit_code == 2, result.output
    assert f"work-orders.json, {where}" in result.stderr
    assert journal_snapshot() == journal
    assert book_invoices() == invoices


@pytest.mark.parametrize("command", ["plan", "run"])
def test_a_policy_number_of_5000_digits_exits_2_naming_the_policy_file(
        command: str) -> None:
    """A 5,000-digit number in the policy TOML exits 2 naming the file; nothing is written."""
    edit("policy.toml", "payment_terms_days = 8", "payment_terms_days = 8" + "0" * 5000)
    result = invoke(command, *FILES, "--now", NOW)
    assert result.exit_code == 2, result.output
    assert "policy.toml: not valid TOML: a number has too many digits" in result.stderr
    assert not JOURNAL.exists()
    assert not BOOK.exists()


def test_run_books_no_invoice_for_work_below_zero_and_says_which() -> None:
    """Work whose only line is -1 call-out is not booked; the run counts it as blocked and
    the plan's notice names the work order; the other work is invoiced."""
    edit("work-orders.csv", "Call-out fee,1,395", "Call-out fee,-1,395")
    plan = invoke_json("plan", *FILES, "--now", NOW)
    notices = {n["subject"]: n for n in plan["notices"]}
    assert notices["wo-2"]["kind"] == "blocked"
    assert "below zero" in notices["wo-2"]["reason"]

    run = invoke_json("run", *FILES, "--now", NOW)
    assert run["summary"]["blocked"] == 1
    keys = {i.key for i in book_invoices()}
    assert "inv:wo-1" in keys
    assert "inv:wo-2" not in keys


@pytest.mark.parametrize("command", ["plan", "run"])
@pytest.mark.parametrize("json_flag", [(), ("--json",)], ids=["table", "json"])
def test_a_file_without_work_orders_says_so_and_records_nothing(
        command: str, json_flag: tuple[str, ...]) -> None:
    """A work-orders file with a header and no rows prints 'no work orders in FILE', exits 0
    and opens neither journal nor book."""
    Path("work-orders.csv").write_text(WORK_ORDERS_CSV.splitlines()[0] + "\n",
                                       encoding="utf-8")
    result = invoke(command, *FILES, "--now", NOW, *json_flag)
    assert result.exit_code == 0, result.output
    assert "no work orders in work-orders.csv" in result.stderr
    assert result.stdout == ""
    assert not JOURNAL.exists()
    assert not BOOK.exists()


def test_an_empty_file_after_a_run_records_no_run() -> None:
    """After a run, a run on an empty JSON list adds no run to the journal's list of runs."""
    invoke_json("run", *FILES, "--now", NOW)
    before, journal = _runs(), journal_snapshot()
    Path("work-orders.json").write_text(json.dumps([]), encoding="utf-8")
    result = invoke("run", *JSON_FILES, "--now", NOW)
    assert result.exit_code == 0, result.output
    assert "no work orders in work-orders.json" in result.stderr
    assert _runs() == before == 1
    assert journal_snapshot() == journal
