"""Every table the command line prints reads well at 80 columns.

The commands run through click's CliRunner with an 80-column console (what
CI logs, pipes and the usual terminal give): no line is wider, every id
(customer, work order, invoice key, provider id, job and run ids) appears
whole on one line, and long text is cut with an ellipsis. ``--json`` gives
the same facts in full.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from ledgerlink.cli import main, output
from ledgerlink.cli.output import Col

WIDTH = 80
NOW = "2025-11-30T22:30:00+01:00"
CUSTOMERS_CSV = (
    "id,name,kind,email,street,postal_code,city,country,registration_number,currency,"
    "delivery,posting,timing,send,payment_terms_days\n"
    "c-0001-nordlys-vvs,Nordlys VVS og Varmeteknik ApS,company,"
    "faktura-og-regnskab@nordlys-vvs.dk,Havnegade 1,1058,København K,DK,DK12345674,DKK,,"
    ",,,\n"
    "c-0002-jens-hansen,Jens Hansen,person,jens.hansen@example.dk,Skovvej 3,8000,Aarhus C,DK,"
    ",DKK,,draft,,,\n"
)
WORK_ORDERS_CSV = (
    "work_order_id,customer_id,status,planned_date,completed_at,project,description,"
    "line_description,quantity,unit_price,vat_rate,product_id\n"
    "wo-2025-000001,c-0001-nordlys-vvs,completed,2025-11-20,2025-11-20T14:30:00+01:00,P-7,"
    "Service of the heat pump in the basement and the radiators upstairs,Labour,2.5,650.00,"
    "25,\n"
    "wo-2025-000002,c-0002-jens-hansen,completed,2025-11-21,2025-11-21T11:00:00+01:00,,"
    "Radiator,Labour,1,650.00,25,\n"
    "wo-2025-000003,c-0001-nordlys-vvs,planned,2025-12-10,,P-8,Annual inspection,Inspection,"
    "1,495,25,\n"
)
POLICY_TOML = """\
[company]
name = "Varme & Vand ApS"
time_zone = "Europe/Copenhagen"
currency = "DKK"

[policy]
send = true
"""
PROJECTS_CSV = (
    "project_id,project_name,customer_id,manager,department,customer_group,keywords,"
    "billing_limit,item_id,item_date,item_kind,description,quantity,unit_price,vat_rate,"
    "product_id\n"
    "P-2025-website,Website for the heat pump campaign,c-0001-nordlys-vvs,Ann,Web,Key,,,"
    "P-2025-website-fee,2025-11-01,fee,Licence November 2025,1,495,25,\n"
    "P-2025-hosting,Hosting,c-0002-jens-hansen,Bo,Ops,Small,,1000,P-2025-hosting-fee,"
    "2025-11-01,fee,Hosting November 2025,1,300,25,\n"
    "P-2025-hosting,Hosting,c-0002-jens-hansen,Bo,Ops,Small,,1000,P-2025-hosting-e1,"
    "2025-11-12,expense,Server,1,900,25,\n"
)
INPUTS = ("--work-orders", "work-orders.csv", "--customers", "customers.csv",
          "--policy", "policy.toml", "--now", NOW)
SCHEDULE_DATA = ("--projects", "projects.csv", "--customers", "customers.csv",
                 "--policy", "policy.toml", "-o", "path=book.db")


@pytest.fixture(autouse=True)
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A company's files in a fresh directory, and 80-column consoles."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEDGERLINK_SMTP_HOST", raising=False)
    monkeypatch.setattr(output, "console", Console(width=WIDTH))
    monkeypatch.setattr(output, "stderr", Console(width=WIDTH, stderr=True))
    for name, content in (("customers.csv", CUSTOMERS_CSV), ("work-orders.csv", WORK_ORDERS_CSV),
                          ("policy.toml", POLICY_TOML), ("projects.csv", PROJECTS_CSV)):
        (tmp_path / name).write_text(content, encoding="utf-8")
    return tmp_path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def invoke_json(*args: str) -> Any:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def fits(text: str, ids: Iterable[str | None] = ()) -> list[str]:
    """Assert no line of ``text`` is wider than 80 and each id sits whole on a line."""
    lines = text.splitlines()
    assert lines
    assert max(len(line) for line in lines) <= WIDTH, text
    for shown in ids:
        if shown:
            assert any(re.search(rf"(^|\s){re.escape(shown)}(,|\s|$)", line) for line in lines), (
                shown, text)
    return lines


# --- the shared helper -----------------------------------------------------------------


def _render(built: Any, width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    output.print_table(console, built)
    return console.export_text()


def test_a_table_keeps_ids_whole_cuts_text_and_names_the_columns_it_left_out() -> None:
    """Ids stay whole, a long message ends in "…", and dropped columns are named."""
    job = "03f687dcca5846f7903150a880990214"
    run = "917e20b664d1497aad9ae6bbd7caf4ff"
    built = output.table(
        [Col("run"), Col("job"), Col("kind", drop=2), Col("message", fit="cut", drop=1)],
        [(run, job, "error", "the provider refused the invoice because " * 3)],
        width=WIDTH, title="Runs")
    text = _render(built, WIDTH)
    lines = fits(text, [run, job])
    row = next(line for line in lines if line.startswith(run))
    assert row.rstrip().endswith("…")
    assert "left out at 80 columns: kind" in text


def test_an_id_wider_than_the_terminal_is_still_never_cut() -> None:
    """Where even the ids cannot fit, the table runs past the edge rather than cut one."""
    key = "inv:" + "x" * 50
    built = output.table([Col("subject"), Col("message", fit="cut", drop=1)],
                         [(key, "a long message " * 5)], width=40)
    lines = _render(built, 40).splitlines()
    assert any(line.startswith(key) for line in lines)
    assert "left out at 40 columns: message" in " ".join(" ".join(lines).split())


def test_an_empty_droppable_column_is_left_out_silently() -> None:
    """A droppable column with nothing in it is not shown, and not named as left out."""
    built = output.table([Col("id"), Col("number", drop=1)], [("a", ""), ("b", None)],
                         width=WIDTH)
    text = _render(built, WIDTH)
    assert "number" not in text


def test_counts_and_amounts_line_up_on_the_right() -> None:
    """A right-justified column ends every value in the same column, as numbers are read."""
    built = output.table([Col("outcome"), Col("count", justify="right")],
                         [("Invoices created", "178"), ("Drafts opened", "4")], width=WIDTH)
    rows = _render(built, WIDTH).splitlines()[2:4]
    assert [row.rstrip()[-3:] for row in rows] == ["178", "  4"]
    assert len({len(row.rstrip()) for row in rows}) == 1


ids = st.text(alphabet="abcdef0123456789-:", min_size=1, max_size=32)
#: Provider messages: words, punctuation, and line breaks a table must not show.
messages = st.text(alphabet=st.sampled_from("abcxyz ABC.,:;'()-\n\t0123456789"), max_size=120)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(ids, ids, messages,
                               st.sampled_from(["ok", "failed", "ambiguous"])),
                     min_size=1, max_size=6),
       width=st.integers(min_value=72, max_value=140))
def test_any_rows_fit_any_width_with_their_ids_whole(
        rows: list[tuple[str, str, str, str]], width: int) -> None:
    """Whatever the rows and width, lines fit, ids appear whole and cut text ends in "…"."""
    columns = [Col("customer"), Col("subject"), Col("message", fit="cut", drop=1),
               Col("outcome", drop=2)]
    built = output.table(columns, rows, width=width)
    text = _render(built, width)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    body = lines[2:]  # the header and its rule first
    for (customer, subject, message, _), line in zip(rows, body, strict=False):
        assert line.startswith(customer)
        assert f" {subject} " in f" {line} "
        shown = " ".join(message.split())
        if "message" in lines[0]:
            assert shown in line or "…" in line


# --- the commands ----------------------------------------------------------------------


def test_plan_run_log_and_status_fit_80_columns() -> None:
    """plan, run, log and status tables fit 80 columns with every id whole."""
    customers = ("c-0001-nordlys-vvs", "c-0002-jens-hansen")
    plan = invoke("plan", *INPUTS)
    assert plan.exit_code == 0, plan.output
    fits(plan.stdout, [*customers, "wo-2025-000003"])

    run = invoke("run", *INPUTS)
    assert run.exit_code == 0, run.output
    fits(run.stdout, customers)

    log = invoke("log")
    entries = invoke_json("log")
    lines = fits(log.stdout, [e["subject"] for e in entries] + [e["customer_id"]
                                                             for e in entries])
    # Ids this long leave no room for the time, amount and message: the caption says so.
    caption = " ".join(log.stdout.split())
    assert re.search(r"left out at 80 columns: time \(UTC\), .*message \(a wider terminal "
                     r"or --json shows them\)", caption)
    wide = Console(width=120)
    output.console = wide  # undone by the fixture's monkeypatch
    lines = invoke("log").stdout.splitlines()
    emailed = [line for line in lines if " send " in line]
    assert emailed and all(line.rstrip().endswith("…") for line in emailed)
    # The entries' time with its date, in UTC (the store's clock, not --now).
    assert "time (UTC)" in lines[1]
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d  ", line) for line in lines[3:-1])
    output.console = Console(width=WIDTH)

    status = invoke("status")
    facts = invoke_json("status")["invoices"]
    fits(status.stdout, [f["key"] for f in facts] + [f["customer"] for f in facts])


def test_policy_explain_and_connectors_fit_80_columns() -> None:
    """policy explain and connectors fit 80 columns; capability lists wrap between words."""
    explain = invoke("policy", "explain", "--policy", "policy.toml", "--customers",
                     "customers.csv")
    assert explain.exit_code == 0, explain.output
    fits(explain.stdout, ["c-0001-nordlys-vvs", "c-0002-jens-hansen"])
    connectors = invoke("connectors")
    fits(connectors.stdout, ["sandbox", "quickbooks", "dinero", "credit_notes"])


def test_schedule_tables_fit_80_columns_with_job_and_run_ids_whole() -> None:
    """schedule list, preview, run, runs and log fit 80 columns; 32-character ids stay whole."""
    created = invoke("schedule", "create", "--name", "Monthly licences for the web shop",
                     "--every", "monthly:last-day", "--include-up-to",
                     "last-day-of-this-month", "--policy", "policy.toml", "--created-by", "ann",
                     "--now", "2025-11-02T10:00:00+01:00")
    assert created.exit_code == 0, created.output
    [job] = invoke_json("schedule", "list")
    fits(invoke("schedule", "list").stdout, [job["id"]])
    preview = invoke("schedule", "preview", job["id"], *SCHEDULE_DATA, "--now", NOW)
    assert preview.exit_code == 0, preview.output
    fits(preview.stdout, ["P-2025-website", "P-2025-hosting", "c-0001-nordlys-vvs",
                          "P-2025-hosting-fee"])

    due = invoke("schedule", "run-due", *SCHEDULE_DATA, "--now", NOW)
    assert due.exit_code == 0, due.output
    [run] = invoke_json("schedule", "runs")
    entries = invoke_json("schedule", "log")
    ids = [job["id"], run["run_id"], *(e["provider_id"] for e in entries)]
    fits(due.stdout, ids)
    fits(invoke("schedule", "runs").stdout, [job["id"], run["run_id"]])
    lines = fits(invoke("schedule", "log").stdout, ids)
    assert any(line.split() == ["provider"] for line in lines)  # the header wraps whole words
    held = next(line for line in lines if line.startswith("notice "))
    assert held.rstrip().endswith("…")  # "1 items held back by the billing limit 1000"
    manual = invoke("schedule", "run", job["id"][:6], *SCHEDULE_DATA, "--now", NOW)
    assert manual.exit_code == 0, manual.output
    fits(manual.stdout, [job["id"]])
