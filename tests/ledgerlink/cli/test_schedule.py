"""``ledgerlink schedule ...`` driven through click's CliRunner against the sandbox book.

Each test works in a fresh directory holding a small company's files; the
journal is the default ``ledgerlink.db`` and the book ``book.db``. What the
commands print is checked together with the book and the store themselves.
"""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from rich.console import Console

from ledgerlink.cli import main, output
from ledgerlink.domain import RemoteInvoice
from ledgerlink.sandbox import SandboxConnector
from tests.smtp_servers import EphemeralController

CUSTOMERS_CSV = """\
id,name,kind,email,street,postal_code,city,country,registration_number,currency,delivery,posting,timing,send,payment_terms_days
c-1,Acme ApS,company,billing@acme.dk,Havnegade 1,1058,København K,DK,DK12345674,DKK,,,,,
c-2,Jens Hansen,person,jens@example.dk,Skovvej 3,8000,Aarhus C,DK,,DKK,,,,,
"""
# P-1 bills 495 + 2.5 x 850 = 2620.00 net, 3275.00 with VAT. P-2's limit of 1000
# takes its 300 fee and holds the 900 expense back (300.00 net, 375.00 gross).
# P-3's hours are dated after November's cutoff.
PROJECTS_CSV = """\
project_id,project_name,customer_id,manager,department,customer_group,keywords,billing_limit,item_id,item_date,item_kind,description,quantity,unit_price,vat_rate,product_id
P-1,Website,c-1,Ann,Web,Key,licence;support,,P-1-fee,2025-11-01,fee,Licence November 2025,1,495,25,
P-1,Website,c-1,Ann,Web,Key,licence;support,,P-1-h1,2025-11-10,hours,Design,2.5,850,25,
P-2,Hosting,c-2,Bo,Ops,Small,hosting,1000,P-2-fee,2025-11-01,fee,Hosting November 2025,1,300,25,
P-2,Hosting,c-2,Bo,Ops,Small,hosting,1000,P-2-e1,2025-11-12,expense,Server,1,900,25,
P-3,Later,c-2,Bo,Ops,Small,,,P-3-h1,2025-12-03,hours,Support,1,850,25,
"""
POLICY_TOML = """\
[company]
name = "Varme & Vand ApS"
time_zone = "Europe/Copenhagen"
currency = "DKK"
"""
COMPANY = "Varme & Vand ApS"
#: A moment in the creation day, and two moments after November's last-day run (22:00 local).
CREATED = "2025-11-02T10:00:00+01:00"
AFTER_RUN = "2025-11-30T22:30:00+01:00"
LATER = "2025-11-30T23:55:00+01:00"
DATA = ("--projects", "projects.csv", "--customers", "customers.csv", "--policy", "policy.toml",
        "-o", "path=book.db")
MONTHLY = ("--name", "Monthly licences", "--every", "monthly:last-day",
           "--include-up-to", "last-day-of-this-month", "--status", "booked",
           "--policy", "policy.toml", "--created-by", "ann")


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A company's files in a fresh working directory; a terminal wide enough for tables."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEDGERLINK_SMTP_HOST", raising=False)
    monkeypatch.setattr(output, "console", Console(width=250))
    monkeypatch.setattr(output, "stderr", Console(width=250, stderr=True))
    for name, content in (("customers.csv", CUSTOMERS_CSV), ("projects.csv", PROJECTS_CSV),
                          ("policy.toml", POLICY_TOML)):
        (tmp_path / name).write_text(content, encoding="utf-8")
    return tmp_path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, ["schedule", *args], catch_exceptions=False)


def invoke_json(*args: str, exit_code: int = 0) -> Any:
    result = invoke(*args, "--json")
    assert result.exit_code == exit_code, result.output
    return json.loads(result.stdout)


def book_invoices() -> list[RemoteInvoice]:
    if not Path("book.db").exists():
        return []
    with SandboxConnector("book.db") as book:
        return book.invoices()


def create_monthly(*extra: str) -> str:
    created = invoke_json("create", *MONTHLY, "--now", CREATED, *extra)
    return str(created["id"])


def test_a_job_from_creation_to_deletion(workdir: Path) -> None:
    """A job's whole life on the command line bills each customer once and keeps its log."""
    result = invoke("create", *MONTHLY, "--now", CREATED)
    assert result.exit_code == 0, result.output
    job_id = invoke_json("list", "--now", CREATED)[0]["id"]
    assert job_id in result.stdout
    assert "2025-11-30T22:00:00+01:00" in result.stdout  # its next run, local time

    listed = invoke("list", "--now", CREATED)
    assert listed.exit_code == 0, listed.output
    for shown in (job_id, "Monthly licences", COMPANY, "monthly:last-day",
                  "2025-11-30 22:00 CET", "2025-11-30 21:00"):
        assert shown in listed.stdout

    preview = invoke_json("preview", job_id, *DATA, "--now", CREATED)
    assert preview["cutoff"] == "2025-11-30"
    assert [(p["id"], [i["id"] for i in p["items"]], p["held"], p["net"])
            for p in preview["projects"]] == [
        ("P-1", ["P-1-fee", "P-1-h1"], [], "2620.00"),
        ("P-2", ["P-2-fee"], ["P-2-e1"], "300.00"),
    ]
    assert [(i["customer_id"], i["gross"]) for i in preview["invoices"]] == [
        ("c-1", "3275.00"), ("c-2", "375.00")]
    assert preview["totals"] == [{"currency": "DKK", "invoices": 2, "net": "2920.00",
                                  "vat": "730.00", "gross": "3650.00"}]
    shown = invoke("preview", job_id, *DATA, "--now", CREATED)
    assert shown.exit_code == 0, shown.output
    for text in ("P-1", "P-2-e1", "3275.00 DKK", "Total DKK: 2 invoices"):
        assert text in shown.stdout
    assert book_invoices() == [] and invoke_json("runs") == []  # a preview writes nothing

    runs = invoke_json("run-due", *DATA, "--now", AFTER_RUN)
    assert [(r["job_id"], r["trigger"], r["scheduled_for"], r["state"]) for r in runs] == [
        (job_id, "due", "2025-11-30", "done")]
    assert sorted((i.total, i.booked) for i in book_invoices()) == [
        (Decimal("375.00"), True), (Decimal("3275.00"), True)]

    again = invoke("run-due", *DATA, "--now", LATER)
    assert again.exit_code == 0, again.output
    assert "No job is due" in again.stdout
    assert len(book_invoices()) == 2

    invoices = invoke_json("log", "--job", job_id, "--kind", "invoice")
    by_provider = {i.provider_id: i for i in book_invoices()}
    assert sorted((e["customer_id"], e["amount"], e["currency"]) for e in invoices) == [
        ("c-1", "3275.00", "DKK"), ("c-2", "375.00", "DKK")]
    for entry in invoices:
        remote = by_provider[entry["provider_id"]]
        assert entry["number"] == remote.number and entry["number"]
        assert entry["run_id"] == runs[0]["run_id"]
    text_log = invoke("log", "--run", runs[0]["run_id"])
    for entry in invoices:
        assert entry["provider_id"] in text_log.stdout and entry["number"] in text_log.stdout

    assert invoke("deactivate", job_id).exit_code == 0
    assert invoke_json("list") == []
    [inactive] = invoke_json("list", "--all")
    assert inactive["active"] is False and inactive["next_run_utc"] is None

    assert invoke("delete", job_id, "--yes").exit_code == 0
    assert invoke_json("list", "--all") == []
    assert invoke_json("log", "--job", job_id, "--kind", "invoice") == invoices
    assert [r["run_id"] for r in invoke_json("runs", "--job", job_id)] == [runs[0]["run_id"]]


def test_bad_options_are_refused_naming_each_option(workdir: Path) -> None:
    """Bad create options exit with status 2, name each bad option and save no job."""
    result = invoke("create", "--name", "Bad", "--every", "monthly:32", "--invoice-date",
                    "end-of-month", "--notify", "not an address", "--created-by", "ann")
    assert result.exit_code == 2
    for option in ("--every", "--invoice-date", "--notify"):
        assert f"field '{option}'" in result.stderr
    assert "monthly:last-weekday" in result.stderr  # the forms it accepts
    hour = invoke("create", "--name", "Bad", "--every", "daily", "--hour", "24",
                  "--created-by", "ann")
    assert hour.exit_code == 2
    assert "field '--hour'" in hour.stderr
    missing = invoke("create", "--every", "daily", "--created-by", "ann")
    assert missing.exit_code == 2
    assert "field '--name'" in missing.stderr
    assert not Path("ledgerlink.db").exists() or invoke_json("list", "--all") == []


def test_edit_changes_only_the_options_given(workdir: Path) -> None:
    """Editing a job changes the options given, keeps the rest and bumps its version."""
    job_id = create_monthly("--manager", "Ann", "--notify", "Ann Berg <ann@example.com>")
    edited = invoke_json("edit", job_id, "--every", "weekly:friday", "--hour", "7",
                         "--now", CREATED)
    assert edited["every"] == "weekly:friday" and edited["run_hour"] == 7
    assert edited["next_run_local"] == "2025-11-07T07:00:00+01:00"
    assert edited["filters"]["managers"] == ["Ann"]
    assert edited["generation"]["notify"] == [{"address": "ann@example.com",
                                               "name": "Ann Berg"}]
    assert edited["generation"]["status"] == "booked" and edited["version"] == 2
    cleared = invoke_json("edit", job_id, "--manager", "", "--no-merge", "--now", CREATED)
    assert cleared["filters"]["managers"] == [] and cleared["every"] == "weekly:friday"


def test_preview_of_an_unsaved_job_writes_nothing(workdir: Path) -> None:
    """A job document previewed with --from picks its projects and creates no file."""
    Path("job.json").write_text(json.dumps({
        "name": "Hosting only", "created_by": "ann",
        "recurrence": {"frequency": "monthly", "monthly": "last_day"},
        "include_up_to": "last_day_of_this_month",
        "filters": {"keywords": ["hosting"]},
    }), encoding="utf-8")
    preview = invoke_json("preview", "--from", "job.json", *DATA, "--run-day", "2025-11-30")
    assert preview["job"]["company"] == COMPANY
    assert [p["id"] for p in preview["projects"]] == ["P-2"]
    assert not Path("ledgerlink.db").exists() and not Path("book.db").exists()


def test_a_job_of_another_company_is_refused_and_the_run_fails(workdir: Path) -> None:
    """A job of another company than the policy's aborts its run and records why."""
    job_id = create_monthly("--company", "Someone else")
    result = invoke("run", job_id, *DATA, "--now", AFTER_RUN)
    assert result.exit_code == 1
    assert "Someone else" in result.stdout and COMPANY in result.stdout
    assert book_invoices() == []
    [run] = invoke_json("runs", "--job", job_id)
    assert run["state"] == "aborted" and "Someone else" in run["error"]


def test_run_now_invoices_at_once_and_bills_each_item_once(workdir: Path) -> None:
    """`schedule run` invoices at once as a manual run; running again bills nothing twice."""
    job_id = create_monthly()
    first = invoke_json("run", job_id, *DATA, "--now", AFTER_RUN)
    assert [r["trigger"] for r in first] == ["manual"]
    assert sorted(e["amount"] for e in first[0]["log"] if e["kind"] == "invoice") == [
        "3275.00", "375.00"]
    second = invoke_json("run", job_id, *DATA, "--now", LATER)
    assert [e for e in second[0]["log"] if e["kind"] == "invoice"] == []
    assert len(book_invoices()) == 2


def test_create_from_a_job_document_with_options_over_it(workdir: Path) -> None:
    """Options override a job document's fields, and a bad document is refused by field."""
    Path("job.json").write_text(json.dumps({
        "name": "From a file", "created_by": "bo", "run_hour": 6,
        "recurrence": {"frequency": "daily", "weekdays_only": True},
        "generation": {"creator": "bo", "merge_projects": True},
    }), encoding="utf-8")
    job = invoke_json("create", "--from", "job.json", "--policy", "policy.toml",
                      "--name", "Renamed", "--now", CREATED)
    assert (job["name"], job["company"], job["every"], job["run_hour"]) == (
        "Renamed", COMPANY, "weekdays", 6)
    assert job["generation"]["merge_projects"] is True
    assert job["next_run_local"] == "2025-11-03T06:00:00+01:00"
    Path("job.json").write_text(json.dumps({"name": "Bad", "created_by": "bo",
                                            "recurrence": {"frequency": "weekly"},
                                            "generation": {"creator": "bo"}}))
    bad = invoke("create", "--from", "job.json")
    assert bad.exit_code == 2
    assert "job.json" in bad.stderr and "recurrence.weekday" in bad.stderr


# --- notification by SMTP -------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler keeping each message it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """An SMTP server on 127.0.0.1 the CLI is pointed at through LEDGERLINK_SMTP_*."""
    inbox = Inbox()
    controller = EphemeralController(inbox, hostname="127.0.0.1", port=0)
    controller.start()
    monkeypatch.setenv("LEDGERLINK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LEDGERLINK_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("LEDGERLINK_SMTP_SENDER", "Ledgerlink <noreply@example.com>")
    yield inbox
    controller.stop()


def test_a_run_emails_the_people_the_job_names(workdir: Path, smtp: Inbox) -> None:
    """A due run emails its summary, with the invoiced amounts, to every address the job names."""
    create_monthly("--notify", "Ann Berg <ann@example.com>", "--notify", "bo@example.com")
    [run] = invoke_json("run-due", *DATA, "--now", AFTER_RUN)
    assert run["notified"] == "smtp"
    [(recipients, message)] = smtp.received
    assert sorted(recipients) == ["ann@example.com", "bo@example.com"]
    assert "Monthly licences" in str(message["Subject"])
    body = message.get_body(("plain",))
    assert body is not None
    assert "3,275.00 DKK" in body.get_content()


def test_a_run_due_stopped_by_a_broken_projects_file_runs_once_it_is_fixed(
        workdir: Path) -> None:
    """run-due with a broken projects file exits 2 naming the file, row and field, uses up
    nothing, and after the fix the same day the job invoices; then nothing is due."""
    job_id = create_monthly("--notify", "ann@example.com")
    good = Path("projects.csv").read_text(encoding="utf-8")
    Path("projects.csv").write_text(good.replace(",2.5,850,", ",two and a half,850,"),
                                    encoding="utf-8")
    broken = invoke("run-due", *DATA, "--now", AFTER_RUN)
    assert broken.exit_code == 2, broken.output
    assert "projects.csv" in broken.stdout and "row 3" in broken.stdout
    assert "'quantity'" in broken.stdout and "the next run-due runs it again" in broken.stdout
    [run] = invoke_json("runs", "--job", job_id)
    assert run["state"] == "aborted" and book_invoices() == []

    Path("projects.csv").write_text(good, encoding="utf-8")
    [fixed] = invoke_json("run-due", *DATA, "--now", LATER)
    assert (fixed["run_id"], fixed["state"], fixed["error"]) == (run["run_id"], "done", "")
    assert len(book_invoices()) == 2
    assert invoke("run-due", *DATA, "--now", LATER).stdout.strip() == "No job is due."
    # Nobody delivers notifications here (no SMTP, no plugin): nothing says it was sent.
    assert "via none" not in json.dumps(invoke_json("log", "--job", job_id))


def test_run_due_with_json_reports_the_aborted_run_and_exits_2(workdir: Path) -> None:
    """With --json a run stopped on bad input is reported as a run in state aborted, with
    the error naming the file, and the exit status is 2."""
    create_monthly()
    Path("projects.csv").write_text("project_id\nP-1\n", encoding="utf-8")
    [run] = invoke_json("run-due", *DATA, "--now", AFTER_RUN, exit_code=2)
    assert run["state"] == "aborted" and "projects.csv" in run["error"]


def test_an_aborted_run_is_reported_as_failed_saying_it_runs_again(workdir: Path,
                                                                    smtp: Inbox) -> None:
    """The people a job names learn that its run failed on bad input, wrote nothing, and
    runs again at the next run-due."""
    create_monthly("--notify", "ann@example.com")
    Path("projects.csv").write_text("project_id\nP-1\n", encoding="utf-8")
    [run] = invoke_json("run-due", *DATA, "--now", AFTER_RUN, exit_code=2)
    assert run["notified"] == "smtp"
    [(_, message)] = smtp.received
    assert " failed for 2025-11-30" in str(message["Subject"])
    body = message.get_body(("plain",))
    assert body is not None
    assert "stopped before writing anything; the next run-due runs it again" in (
        body.get_content())
