"""The ``ledgerlink`` command line, driven through click's CliRunner in a temporary directory.

Every test works on small input files written into ``tmp_path`` in the formats
``docs/reference/inputs.md`` describes, against the built-in sandbox book, and checks the
book and the journal directly as well as what the command printed.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from rich.console import Console

from ledgerlink.api import open_store
from ledgerlink.cli import main, output
from ledgerlink.domain import RemoteInvoice
from ledgerlink.sandbox import CAPABILITIES, SandboxConnector

#: The instant every planned or run command in these tests is made for.
NOW = "2024-05-02T10:00:00+02:00"
#: Where the CLI keeps the journal and the sandbox book when not told otherwise.
JOURNAL = Path("ledgerlink.db")
BOOK = Path("ledgerlink-sandbox.db")

CUSTOMERS_CSV = """\
id,name,kind,email,street,postal_code,city,country,registration_number,currency,delivery,posting,timing,send,payment_terms_days
c-1,Acme ApS,company,billing@acme.dk,Havnegade 1,1058,København K,DK,DK12345674,DKK,,,,,
c-2,Jens Hansen,person,jens@example.dk,Skovvej 3,8000,Aarhus C,DK,,DKK,,draft,,,
c-3,Bo Berg,person,bo@example.dk,Strandvej 9,2100,København Ø,DK,,DKK,,,,,
"""

# Row 1 is the header, so wo-1's second line (the gasket) is row 3.
WORK_ORDERS_CSV = """\
work_order_id,customer_id,status,planned_date,completed_at,project,description,line_description,quantity,unit_price,vat_rate,product_id
wo-1,c-1,completed,2024-05-01,2024-05-01T14:30:00+02:00,P-7,Service,Labour,2.5,650.00,25,
wo-1,c-1,completed,2024-05-01,2024-05-01T14:30:00+02:00,P-7,Service,Gasket,1,89.95,25,
wo-2,c-1,completed,2024-05-01,2024-05-01T16:00:00+02:00,P-7,Pump check,Call-out fee,1,395,25,
wo-3,c-2,completed,2024-05-01,2024-05-01T11:00:00+02:00,,Radiator,Labour,1,650.00,25,
wo-4,c-3,completed,2024-05-01,2024-05-01T12:00:00+02:00,,Inspection,Inspection,1,495,25,
wo-5,c-1,planned,2024-05-10,,P-8,Annual inspection,Inspection,1,495,25,
"""

POLICY_TOML = """\
[company]
name = "Varme & Vand ApS"
time_zone = "Europe/Copenhagen"
currency = "DKK"

[policy]
posting = "book"
timing = "on_completion"
send = true
payment_terms_days = 8

[customers."c-3"]
posting = "none"
"""

FILES = ("--work-orders", "work-orders.csv", "--customers", "customers.csv",
         "--policy", "policy.toml")

SUMMARY_KEYS = {
    "invoices_created", "booked", "emailed", "delivered", "delivery_unknown", "not_emailed",
    "collected_on_drafts", "drafts_created",
    "credited", "customers_linked", "customers_updated", "skipped_by_policy", "not_due",
    "blocked", "failed", "already_done", "recovered", "already_invoiced",
}


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Print as a wide terminal would, so table cells and notes are not cut or wrapped."""
    monkeypatch.setattr(output, "console", Console(width=250))
    monkeypatch.setattr(output, "stderr", Console(width=250, stderr=True))


@pytest.fixture
def company(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small company's input files in a fresh working directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "customers.csv").write_text(CUSTOMERS_CSV, encoding="utf-8")
    (tmp_path / "work-orders.csv").write_text(WORK_ORDERS_CSV, encoding="utf-8")
    (tmp_path / "policy.toml").write_text(POLICY_TOML, encoding="utf-8")
    return tmp_path


def invoke(*args: str) -> Result:
    """Run ``ledgerlink ARGS`` in-process; stdout and stderr are kept apart."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def invoke_json(*args: str, exit_code: int = 0) -> Any:
    """Run a ``--json`` command, check its exit status and parse its whole stdout."""
    result = invoke(*args, "--json")
    assert result.exit_code == exit_code, result.output
    return json.loads(result.stdout)


def edit(path: str, old: str, new: str) -> None:
    """Replace ``old`` (which must be there) by ``new`` in a text file."""
    text = Path(path).read_text(encoding="utf-8")
    assert old in text
    Path(path).write_text(text.replace(old, new, 1), encoding="utf-8")


def book_invoices(path: Path = BOOK) -> list[RemoteInvoice]:
    """Every invoice and credit note in a sandbox book; none when it was never created."""
    if not path.exists():
        return []
    with SandboxConnector(path) as book:
        return book.invoices()


def journal_log(path: Path = JOURNAL) -> list[Any]:
    """The whole transfer log of a journal store; empty when it was never created."""
    if not path.exists():
        return []
    store = open_store(path)
    try:
        return store.log()
    finally:
        store.close()


def journal_snapshot(path: Path = JOURNAL) -> tuple[Any, ...]:
    """Everything a run writes to the journal: log, runs and every book's planner state."""
    store = open_store(path)
    try:
        runs = store.runs(limit=1000)
        states = {run.book: store.state(run.book) for run in runs}
        return store.log(), runs, states
    finally:
        store.close()


def by_key(invoices: list[RemoteInvoice]) -> dict[str | None, RemoteInvoice]:
    """Invoices by their ledgerlink key."""
    return {invoice.key: invoice for invoice in invoices}


def kinds(items: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """``(kind, subject-or-key)`` pairs of plan actions or notices from ``--json``."""
    return {(item["kind"], item.get("key") or item["subject"]) for item in items}


# --- demo -------------------------------------------------------------------------------


def test_demo_creates_files_book_and_journal_and_prints_the_summary(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`demo --dir D` writes the sample files, a sandbox book and a journal; prints a summary."""
    monkeypatch.chdir(tmp_path)
    result = invoke("demo", "--dir", "d", "--work-orders", "40", "--customers", "10")
    assert result.exit_code == 0, result.output
    for name in ("customers.csv", "work-orders.csv", "policy.toml", "book.db", "ledgerlink.db"):
        assert (tmp_path / "d" / name).is_file(), name
    assert "Run summary" in result.stdout
    assert "Invoices created" in result.stdout
    created = [e for e in journal_log(tmp_path / "d" / "ledgerlink.db")
               if e.action == "create_invoice" and e.outcome == "ok"]
    assert created
    assert len(book_invoices(tmp_path / "d" / "book.db")) == len(created)


def test_demo_twice_invoices_nothing_new(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second `demo` run reuses the files and creates no invoice, by its summary and the book."""
    monkeypatch.chdir(tmp_path)
    first = invoke_json("demo", "--dir", "d", "--work-orders", "40", "--customers", "10")
    before = book_invoices(tmp_path / "d" / "book.db")
    assert first["summary"]["invoices_created"] > 0
    assert len(before) == first["summary"]["invoices_created"] + first["summary"]["drafts_created"]

    second = invoke_json("demo", "--dir", "d", "--work-orders", "40", "--customers", "10")
    summary = second["summary"]
    for key in ("invoices_created", "drafts_created", "collected_on_drafts", "booked",
                "emailed", "credited", "customers_linked", "failed"):
        assert summary[key] == 0, key
    assert summary["already_invoiced"] > 0
    assert second["book"] == first["book"]
    assert book_invoices(tmp_path / "d" / "book.db") == before


def test_demo_json_prints_one_json_document_with_the_summary(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`demo --json` prints valid JSON only (no progress bar), with the run's summary keys."""
    monkeypatch.chdir(tmp_path)
    data = invoke_json("demo", "--dir", "d", "--work-orders", "20", "--customers", "5")
    assert {"run_id", "book", "summary", "failures"} <= data.keys()
    assert set(data["summary"]) == SUMMARY_KEYS
    assert all(isinstance(v, int) for v in data["summary"].values())
    assert data["failures"] == []


# --- connectors -------------------------------------------------------------------------


def test_connectors_lists_sandbox_with_distribution_and_capabilities(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`connectors` shows the sandbox row with its distribution and every capability."""
    monkeypatch.chdir(tmp_path)
    result = invoke("connectors")
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if line.startswith("sandbox "))
    assert "ledgerlink" in row
    for capability in CAPABILITIES:
        assert capability.value in result.stdout


def test_connectors_json_lists_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`connectors --json` has the sandbox with distribution ledgerlink, its capabilities and
    the options its factory takes."""
    monkeypatch.chdir(tmp_path)
    data = invoke_json("connectors")
    sandbox = next(c for c in data["connectors"] if c["name"] == "sandbox")
    assert sandbox["distribution"] == "ledgerlink"
    assert sandbox["version"]
    assert sandbox["capabilities"] == sorted(c.value for c in CAPABILITIES)
    from ledgerlink.plugins import get_plugin_manager

    options = get_plugin_manager().connectors().get("sandbox").options
    assert sandbox["options"] == {"accepted": list(options.accepted),
                                  "required": list(options.required), "any_other": options.open}
    assert isinstance(data["failed_plugins"], list)


# --- plan and run -----------------------------------------------------------------------


def test_plan_previews_without_invoicing_then_run_invoices_once(company: Path) -> None:
    """`plan` lists actions and notices, invoicing nothing; `run` invoices; a rerun adds nothing."""
    plan = invoke_json("plan", *FILES, "--now", NOW)
    assert {("ensure_customer", "customer:c-1"), ("create_invoice", "create:inv:wo-1"),
            ("book", "book:inv:wo-1"), ("send", "send:inv:wo-1"),
            ("create_invoice", "create:inv:wo-2"), ("create_invoice", "create:draft:c-2:1"),
            } <= kinds(plan["actions"])
    assert {("skipped_by_policy", "wo-4"), ("not_due", "wo-5")} <= kinds(plan["notices"])
    assert not BOOK.exists()
    assert not JOURNAL.exists()

    run = invoke_json("run", *FILES, "--now", NOW)
    assert run["summary"]["invoices_created"] == 2
    assert run["summary"]["drafts_created"] == 1
    invoices = by_key(book_invoices())
    assert set(invoices) == {"inv:wo-1", "inv:wo-2", "draft:c-2:1"}
    assert invoices["inv:wo-1"].booked
    assert not invoices["draft:c-2:1"].booked

    again = invoke_json("run", *FILES, "--now", NOW)
    assert again["summary"]["invoices_created"] == 0
    assert again["summary"]["drafts_created"] == 0
    assert again["summary"]["already_invoiced"] == 3
    assert by_key(book_invoices()) == invoices


def test_plan_after_a_run_changes_neither_journal_nor_book(company: Path) -> None:
    """`plan` with new and changed work plans it, leaving the journal and the book as they were."""
    invoke_json("run", *FILES, "--now", NOW)
    with Path("work-orders.csv").open("a", encoding="utf-8") as handle:
        handle.write("wo-6,c-1,completed,2024-05-01,2024-05-01T17:00:00+02:00,,Leak,"
                     "Labour,1,650.00,25,\n")
    edit("work-orders.csv", "Radiator,Labour,1,", "Radiator,Labour,2,")
    journal, invoices = journal_snapshot(), book_invoices()

    plan = invoke_json("plan", *FILES, "--now", NOW)
    assert ("create_invoice", "create:inv:wo-6") in kinds(plan["actions"])
    assert any(a["kind"] == "replace_lines" for a in plan["actions"])
    assert journal_snapshot() == journal
    assert book_invoices() == invoices


def test_plan_prints_a_table(company: Path) -> None:
    """`plan` without --json prints the actions and notices as a table."""
    result = invoke("plan", *FILES, "--now", NOW)
    assert result.exit_code == 0, result.output
    assert "create_invoice" in result.stdout
    assert "skipped_by_policy" in result.stdout
    assert book_invoices() == []


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["plan", "run"])
def test_bad_decimal_names_file_row_and_field_and_writes_nothing(
        company: Path, command: str) -> None:
    """A bad quantity in CSV row 3 exits 2 naming file, row and field; nothing is written."""
    edit("work-orders.csv", "Gasket,1,89.95", 'Gasket,"1,5",89.95')
    result = invoke(command, *FILES, "--now", NOW)
    assert result.exit_code == 2, result.output
    assert "work-orders.csv" in result.stderr
    assert "row 3" in result.stderr
    assert "quantity" in result.stderr
    assert "1,5" in result.stderr
    assert not JOURNAL.exists()
    assert not BOOK.exists()


@pytest.mark.parametrize("command", ["plan", "run"])
def test_unknown_customer_in_work_orders_exits_2_naming_it(company: Path, command: str) -> None:
    """A work order for a customer id not in the customer file exits 2 naming the id, the
    work-orders file, the work order's row and the customer_id column."""
    edit("work-orders.csv", "wo-2,c-1,", "wo-2,c-404,")
    result = invoke(command, *FILES, "--now", NOW)
    assert result.exit_code == 2, result.output
    assert "c-404" in result.stderr
    assert "work-orders.csv, row 4, field 'customer_id'" in result.stderr
    assert not JOURNAL.exists()
    assert not BOOK.exists()


def test_policy_with_unknown_key_exits_2_naming_the_key(company: Path) -> None:
    """A misspelt key in the policy TOML exits 2 and names the key path, not a default."""
    edit("policy.toml", "send = true", "sned = true")
    result = invoke("run", *FILES, "--now", NOW)
    assert result.exit_code == 2, result.output
    assert "policy.sned" in result.stderr
    assert "policy.toml" in result.stderr
    assert not JOURNAL.exists()
    assert not BOOK.exists()


@pytest.mark.parametrize("command", ["plan", "run"])
def test_now_without_utc_offset_exits_2(company: Path, command: str) -> None:
    """`--now` without a UTC offset exits 2 and says the offset is missing."""
    result = invoke(command, *FILES, "--now", "2024-05-02T10:00")
    assert result.exit_code == 2, result.output
    assert "--now" in result.stderr
    assert "offset" in result.stderr
    assert book_invoices() == []


@pytest.mark.parametrize("command", ["plan", "run"])
def test_now_without_utc_offset_writes_nothing(company: Path, command: str) -> None:
    """A bad `--now` is bad input: it is refused before the book or the journal is touched."""
    result = invoke(command, *FILES, "--now", "2024-05-02T10:00")
    assert result.exit_code == 2, result.output
    assert not BOOK.exists()
    assert not JOURNAL.exists()


# --- log --------------------------------------------------------------------------------


def test_log_shows_the_runs_entries(company: Path) -> None:
    """`log` after a run shows what was created, with invoice keys and outcomes."""
    invoke_json("run", *FILES, "--now", NOW)
    result = invoke("log")
    assert result.exit_code == 0, result.output
    for text in ("ensure_customer", "create_invoice", "inv:wo-1", "inv:wo-2", "draft:c-2:1"):
        assert text in result.stdout, text

    entries = invoke_json("log")
    assert isinstance(entries, list)
    assert {(e["action"], e["subject"], e["outcome"]) for e in entries} >= {
        ("create_invoice", "inv:wo-1", "ok"), ("book", "inv:wo-1", "ok"),
        ("send", "inv:wo-1", "ok"), ("create_invoice", "draft:c-2:1", "ok")}


def test_log_failed_json_lists_only_failures_with_the_providers_words(company: Path) -> None:
    """`log --failed --json` is a list holding the failed write and the provider's message only."""
    invoke_json("run", *FILES, "--now", NOW)
    assert invoke_json("log", "--failed") == []
    # The book knows c-1 as a DKK customer: an EUR invoice for new work must be refused.
    edit("customers.csv", "DK12345674,DKK,", "DK12345674,EUR,")
    with Path("work-orders.csv").open("a", encoding="utf-8") as handle:
        handle.write("wo-6,c-1,completed,2024-05-01,2024-05-01T17:00:00+02:00,,Leak,"
                     "Labour,1,650.00,25,\n")
    run = invoke_json("run", *FILES, "--now", NOW, exit_code=1)
    assert run["summary"]["failed"] == 1

    failed = invoke_json("log", "--failed")
    assert isinstance(failed, list)
    assert [(e["action"], e["subject"], e["outcome"]) for e in failed] == [
        ("create_invoice", "inv:wo-6", "failed")]
    assert "EUR" in failed[0]["message"]
    assert failed[0]["run_id"] == run["run_id"]


# --- policy explain -----------------------------------------------------------------------


def explained(text: str) -> dict[str, dict[str, Any]]:
    """Parse `policy explain` text: title → {field: (value, source)} and its notes."""
    blocks: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] = {}
    for line in text.splitlines():
        if line.startswith("Billing policy"):
            current = blocks.setdefault(line.strip(), {"notes": []})
        elif match := re.fullmatch(r"note\s+(.+?)\s*", line):
            current["notes"].append(match[1].strip())
        elif (match := re.fullmatch(r"(\w+)\s+(\S+)\s+(.+?)\s*", line)) and match[1] != "field":
            current[match[1]] = (match[2], match[3])
    return blocks


def test_policy_explain_shows_each_field_with_its_source_and_notes(company: Path) -> None:
    """`policy explain` shows value and source of every field, and the notes of rules that fired."""
    result = invoke("policy", "explain", "--policy", "policy.toml", "--customers",
                    "customers.csv", "--customer", "c-2", "--customer", "c-3")
    assert result.exit_code == 0, result.output
    blocks = explained(result.stdout)
    assert set(blocks) == {"Billing policy", "Billing policy for c-2", "Billing policy for c-3"}

    # c-2's override is in the customer file: drafts, so send is switched off by rule.
    c2 = blocks["Billing policy for c-2"]
    assert c2["posting"] == ("draft", "customer override")
    assert c2["timing"] == ("on_completion", "company default")
    assert c2["send"] == ("no", "changed by rule")
    assert c2["payment_terms_days"] == ("8", "company default")
    assert any("draft cannot be emailed" in note for note in c2["notes"])

    # c-3's override is in the policy file.
    c3 = blocks["Billing policy for c-3"]
    assert c3["posting"] == ("none", "customer override")
    assert c3["send"] == ("no", "changed by rule")
    assert any("no effect" in note for note in c3["notes"])

    company_block = blocks["Billing policy"]
    assert company_block["send"] == ("yes", "company default")
    assert company_block["notes"] == []


def test_policy_explain_json(company: Path) -> None:
    """`policy explain --json` gives values, per-field sources and notes per customer."""
    data = invoke_json("policy", "explain", "--policy", "policy.toml", "--customers",
                       "customers.csv", "--customer", "c-2")
    assert set(data) == {"(company)", "c-2"}
    c2 = data["c-2"]
    assert (c2["posting"], c2["timing"], c2["send"], c2["payment_terms_days"]) == (
        "draft", "on_completion", False, 8)
    assert c2["sources"] == {"posting": "customer", "timing": "company", "send": "rule",
                             "payment_terms_days": "company"}
    assert len(c2["notes"]) == 1
    assert data["(company)"]["sources"] == dict.fromkeys(
        ("posting", "timing", "send", "payment_terms_days"), "company")


def test_policy_explain_unknown_customer_exits_2(company: Path) -> None:
    """`policy explain --customer` with an id nobody has exits 2 and names it."""
    result = invoke("policy", "explain", "--policy", "policy.toml", "--customers",
                    "customers.csv", "--customer", "c-404")
    assert result.exit_code == 2, result.output
    assert "c-404" in result.stderr


# --- credits ------------------------------------------------------------------------------


@pytest.fixture
def changed_after_booking(company: Path) -> RemoteInvoice:
    """Run once, then change the quantity of booked work order wo-2; yield its invoice."""
    invoke_json("run", *FILES, "--now", NOW)
    original = by_key(book_invoices())["inv:wo-2"]
    assert original.booked
    edit("work-orders.csv", "Call-out fee,1,395", "Call-out fee,3,395")
    return original


def test_changed_booked_work_without_allow_credits_is_reported_not_credited(
        changed_after_booking: RemoteInvoice) -> None:
    """Without --allow-credits, changed booked work is reported as credit_needed, not credited."""
    plan = invoke_json("plan", *FILES, "--now", NOW)
    assert ("credit_needed", "wo-2") in kinds(plan["notices"])
    assert not any(a["kind"] == "credit" for a in plan["actions"])

    run = invoke_json("run", *FILES, "--now", NOW)
    assert run["summary"]["credited"] == 0
    assert run["summary"]["invoices_created"] == 0
    assert run["summary"]["blocked"] == 1
    assert not any(e.action == "credit" for e in journal_log())
    assert not any(i.credit_for for i in book_invoices())


def test_allow_credits_credits_the_booked_invoice_and_invoices_the_work_again(
        changed_after_booking: RemoteInvoice) -> None:
    """With --allow-credits, the transfer log shows a credit note and a new invoice, once."""
    run = invoke_json("run", *FILES, "--now", NOW, "--allow-credits")
    assert run["summary"]["credited"] == 1
    assert run["summary"]["invoices_created"] == 1

    entries = invoke_json("log", "--run", run["run_id"])
    done = {(e["action"], e["subject"]) for e in entries if e["outcome"] == "ok"}
    assert {("credit", "inv:wo-2"), ("create_invoice", "inv:wo-2:r1"),
            ("book", "inv:wo-2:r1")} <= done

    invoices = by_key(book_invoices())
    credit = invoices["credit:inv:wo-2"]
    assert credit.credit_for == changed_after_booking.provider_id
    assert credit.total == -changed_after_booking.total
    assert invoices["inv:wo-2:r1"].total > changed_after_booking.total

    again = invoke_json("run", *FILES, "--now", NOW, "--allow-credits")
    assert again["summary"]["credited"] == 0
    assert again["summary"]["invoices_created"] == 0
    assert len(book_invoices()) == len(invoices)


def test_log_of_a_missing_journal_is_an_error_and_creates_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`log --store typo.db` exits 2 naming the path and does not create a journal there."""
    monkeypatch.chdir(tmp_path)
    result = invoke("log", "--store", "typo.db")
    assert result.exit_code == 2
    assert "typo.db" in result.output + (result.stderr or "")
    assert not (tmp_path / "typo.db").exists()


def test_connectors_that_keep_tokens_get_the_runs_journal(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A connector factory with a `store` option receives the CLI's --store; others do not."""
    from types import SimpleNamespace

    from ledgerlink import api, plugins
    from ledgerlink.cli import connecting
    from ledgerlink.plugins import get_plugin_manager, hookimpl

    seen: dict[str, dict[str, object]] = {}

    def with_store(store: str = "default.db", **options: object) -> object:
        seen["with_store"] = {"store": store, **options}
        return SimpleNamespace()

    def without_store(**options: object) -> object:
        seen["without_store"] = dict(options)
        return SimpleNamespace()

    class Plugin:
        @hookimpl
        def ledgerlink_register_connectors(self, registry: Any) -> None:
            registry.register("with-store", with_store)
            registry.register("without-store", without_store)

    host = get_plugin_manager(load_entry_points=False, plugins=[("fake", Plugin())])
    monkeypatch.setattr(plugins, "get_plugin_manager", lambda: host)
    monkeypatch.setattr(api, "connect",
                        lambda name, **options: host.connectors().create(name, **options))
    connecting.connect("with-store", ["realm_id=1"], "journal.db")
    connecting.connect("without-store", [], "journal.db")
    assert seen["with_store"] == {"store": "journal.db", "realm_id": "1"}
    assert seen["without_store"] == {}


# --- one run at a time per book ---------------------------------------------------

OTHER_RUNNER = "elsewhere:4242:cafe"


def hold_book(minutes: float = 5) -> tuple[str, object]:
    """Hold the working directory's sandbox book as another live run would."""
    account = SandboxConnector(BOOK).account
    store = open_store(JOURNAL)
    return account, store.acquire_book(account, OTHER_RUNNER, "live-run",
                                       timedelta(minutes=minutes))


def test_run_on_a_busy_book_exits_3_and_writes_nothing(company: Path) -> None:
    """A run while another holds the book exits 3 naming the holding run; no invoice made."""
    hold_book()
    result = invoke("run", *FILES, "--now", NOW)
    assert result.exit_code == 3
    assert "is busy" in result.stderr and "live-run" in result.stderr
    assert book_invoices() == []
    assert open_store(JOURNAL).runs() == []


def test_run_on_a_busy_book_with_json_prints_one_error_object(company: Path) -> None:
    """With --json the busy book is one JSON error object on stdout, exit status 3."""
    hold_book()
    result = invoke("run", *FILES, "--now", NOW, "--json")
    assert result.exit_code == 3
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "BookBusyError" and error["exit_status"] == 3
    assert error["run_id"] == "live-run" and error["holder"] == OTHER_RUNNER


def test_run_with_wait_goes_on_once_the_book_is_free(company: Path) -> None:
    """--wait waits for the holding run to finish, then invoices."""
    _, held = hold_book()
    store = open_store(JOURNAL)
    timer = threading.Timer(0.5, store.release_book, (held,))
    timer.start()
    result = invoke("run", *FILES, "--now", NOW, "--wait", "30")
    timer.join()
    assert result.exit_code == 0, result.output
    assert book_invoices()
