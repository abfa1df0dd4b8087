"""Results in a notebook: a short repr, an HTML table, and a DataFrame of plain columns."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

import ledgerlink as ll
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.scheduling import JobRun
from ledgerlink.scheduling.model import (
    BillableItem,
    Frequency,
    InvoiceGeneration,
    ItemKind,
    Project,
    Recurrence,
    ScheduledJob,
)
from ledgerlink.scheduling.selection import preview
from ledgerlink.status import InvoiceStatus
from ledgerlink.store.schedule_records import ScheduleRun

NOW = datetime.now(UTC).replace(microsecond=0)
LONG_ID = "customer-" + "x" * 60  # longer than any terminal column


def _work(n: int, *, name: str = "Acme <ApS>") -> tuple[list[ll.WorkOrder], list[ll.Customer],
                                                        ll.Company]:
    customers = [ll.Customer(id=LONG_ID, name=name, email="a@example.dk")]
    orders = [ll.WorkOrder(id=f"w{i}", customer_id=LONG_ID, completed_at=NOW - timedelta(hours=1),
                           lines=[ll.WorkLine("Hours", Decimal(1), Decimal("100.10"))])
              for i in range(n)]
    return orders, customers, ll.Company("R", policy=ll.BillingPolicy(send=True))


@pytest.fixture
def invoiced(tmp_path: Path) -> tuple[SandboxConnector, ll.Store, ll.RunResult]:
    """A sandbox book where two work orders were invoiced, booked and sent."""
    book = ll.connect("sandbox", path=tmp_path / "book.db")
    store = ll.open_store(tmp_path / "journal.db")
    result = ll.invoice(*_work(2), book, store=store)
    assert result.ok
    assert isinstance(book, SandboxConnector)
    return book, store, result


# --- plans ------------------------------------------------------------------------------


def test_a_plan_repr_is_one_line_of_counts_however_long_the_plan() -> None:
    """The repr names the plan and counts its actions; it never lists them."""
    p = ll.plan(*_work(300), now=NOW)
    text = repr(p)
    assert "\n" not in text
    assert text.startswith("<Plan for ")
    assert f"{len(p.actions)} actions" in text
    assert len(text) < 120


def test_a_plan_to_pandas_has_one_row_per_action_and_notice() -> None:
    """Invoice amounts stay Decimal with their currency; due dates are dates."""
    p = ll.plan(*_work(3), now=NOW)
    frame = p.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == len(p.actions) + len(p.notices)
    assert list(frame.columns) == ["customer_id", "row", "kind", "subject", "detail", "amount",
                                   "currency", "due_date"]
    creates = frame[frame["kind"] == "create_invoice"]
    assert len(creates) == 3
    assert set(creates["amount"]) == {Decimal("125.13")}  # 100.10 plus 25 % VAT
    assert set(creates["currency"]) == {"DKK"}
    assert all(isinstance(d, date) for d in creates["due_date"])
    assert set(frame["customer_id"]) == {LONG_ID}


# --- run results, the transfer log and runs ---------------------------------------------


def test_a_run_result_repr_and_frame(invoiced: tuple[SandboxConnector, ll.Store,
                                                     ll.RunResult]) -> None:
    """The repr counts outcomes; the frame has one row per outcome with the invoice's total."""
    _, _, result = invoiced
    text = repr(result)
    assert "\n" not in text
    assert result.run_id in text
    assert f"{len(result.outcomes)} outcomes, 0 failed" in text
    frame = result.to_pandas()
    assert len(frame) == len(result.outcomes) + len(result.recovered)
    assert set(frame["status"]) == {"ok"}
    created = frame[frame["kind"] == "create_invoice"]
    assert list(created["amount"]) == [Decimal("125.13")] * 2
    assert list(created["currency"]) == ["DKK", "DKK"]


def test_the_log_html_shows_amount_currency_and_whole_ids(
        invoiced: tuple[SandboxConnector, ll.Store, ll.RunResult]) -> None:
    """Each created invoice's gross and currency appear; a long customer id is not cut."""
    _, _, result = invoiced
    log = result.log
    html = log._repr_html_()
    assert "125.13 DKK" in html
    assert LONG_ID in html
    assert f"{len(log)} entries" in html
    assert repr(log) == f"<TransferLog: {len(log)} entries, 0 failed>"


def test_the_log_to_pandas_keeps_decimal_amounts_and_datetimes(
        invoiced: tuple[SandboxConnector, ll.Store, ll.RunResult]) -> None:
    """One row per entry; the amount is Decimal (exact), ``at`` a timezone-aware instant."""
    _, _, result = invoiced
    log = result.log
    frame = log.to_pandas()
    assert len(frame) == len(log)
    assert "amount" in frame.columns
    assert "currency" in frame.columns
    amounts = [a for a in frame["amount"] if a is not None]
    assert amounts and all(isinstance(a, Decimal) for a in amounts)
    assert pd.api.types.is_datetime64_any_dtype(frame["at"])
    assert frame["at"].dt.tz is not None
    assert list(frame["id"]) == [e.id for e in log]


def test_runs_render_and_become_a_frame(
        invoiced: tuple[SandboxConnector, ll.Store, ll.RunResult]) -> None:
    """``store.runs()`` is a list with a one-line repr, an HTML table and a frame."""
    _, store, result = invoiced
    runs = store.runs()
    assert isinstance(runs, list)
    assert repr(runs) == f"<RunList: {len(runs)} runs>"
    assert result.run_id in runs._repr_html_()
    frame = runs.to_pandas()
    assert list(frame["run_id"]) == [r.run_id for r in runs]
    assert frame.loc[0, "invoices_created"] == 2
    assert pd.api.types.is_datetime64_any_dtype(frame["started_at"])


# --- statuses in one call ---------------------------------------------------------------


def test_statuses_refresh_and_return_one_row_per_invoice(
        invoiced: tuple[SandboxConnector, ll.Store, ll.RunResult]) -> None:
    """One call asks the provider and gives each invoice's status; a payment shows up."""
    book, store, _ = invoiced
    made = {i.key: i for i in book.invoices()}
    paid = made["inv:w0"]
    book.register_payment(paid.provider_id, paid.total, paid.issue_date)
    report = ll.statuses(book, store=store)
    assert isinstance(report, ll.StatusReport)
    assert report.refreshed is not None and report.refreshed.ok
    by_key = {row.key: row for row in report}
    assert by_key["inv:w0"].status == InvoiceStatus.PAID
    assert by_key["inv:w1"].status == InvoiceStatus.OPEN
    assert by_key["inv:w1"].balance == Decimal("125.13")
    assert report.counts() == {"open": 1, "paid": 1}
    assert [row.key for row in report.with_status(InvoiceStatus.OPEN)] == ["inv:w1"]
    assert repr(report) == (f"<StatusReport {book.account} on {date.today()}: 2 invoices "
                            "(1 open, 1 paid)>")


def test_statuses_without_refresh_read_only_the_journal(
        invoiced: tuple[SandboxConnector, ll.Store, ll.RunResult]) -> None:
    """``refresh=False`` makes no provider call: a payment made since is not seen."""
    book, store, _ = invoiced
    ll.statuses(book, store=store)
    made = {i.key: i for i in book.invoices()}
    book.register_payment(made["inv:w0"].provider_id, made["inv:w0"].total,
                          made["inv:w0"].issue_date)
    stale = ll.statuses(book, store=store, refresh=False)
    assert stale.refreshed is None
    assert {row.key: row.status for row in stale}["inv:w0"] == InvoiceStatus.OPEN


def test_statuses_judge_overdue_on_the_day_given(
        invoiced: tuple[SandboxConnector, ll.Store, ll.RunResult]) -> None:
    """Past the due date the open invoices are overdue, in the rows and the HTML."""
    book, store, _ = invoiced
    late = date.today() + timedelta(days=400)
    report = ll.statuses(book, store=store, today=late)
    assert all(row.status == InvoiceStatus.OPEN | InvoiceStatus.OVERDUE for row in report)
    html = report._repr_html_()
    assert "open, overdue" in html
    assert "125.13" in html and "DKK" in html
    assert f"on {late}" in html


def test_statuses_to_pandas_has_plain_columns(
        invoiced: tuple[SandboxConnector, ll.Store, ll.RunResult]) -> None:
    """Totals and balances stay Decimal, due dates are dates, status is its label."""
    book, store, _ = invoiced
    frame = ll.statuses(book, store=store).to_pandas()
    assert len(frame) == 2
    assert list(frame["key"]) == ["inv:w0", "inv:w1"]
    assert list(frame["status"]) == ["open", "open"]
    assert all(isinstance(t, Decimal) for t in frame["total"])
    assert all(isinstance(d, date) for d in frame["due_date"])
    assert set(frame["currency"]) == {"DKK"}


def test_a_refresh_result_renders_its_changes(
        invoiced: tuple[SandboxConnector, ll.Store, ll.RunResult]) -> None:
    """The repr counts what the refresh did; the HTML lists each change by key."""
    book, store, _ = invoiced
    made = {i.key: i for i in book.invoices()}
    book.void(made["inv:w1"].provider_id)
    result = ll.refresh(book, store=store)
    assert "\n" not in repr(result)
    assert repr(result).startswith(f"<RefreshResult {book.account}: ")
    html = result._repr_html_()
    assert "inv:w1" in html
    assert "void" in html


def test_invoice_facts_render_as_a_field_table(
        invoiced: tuple[SandboxConnector, ll.Store, ll.RunResult]) -> None:
    """One journaled invoice shows its facts, amount and currency included."""
    book, store, _ = invoiced
    facts = store.invoice_facts(book.account)[0]
    html = facts._repr_html_()
    assert f"Invoice {facts.key}" in html
    assert "125.13" in html and "DKK" in html


# --- other results ----------------------------------------------------------------------


def test_an_effective_policy_shows_where_each_value_came_from() -> None:
    """Each field with its value and source; a conflict rule's note is listed."""
    company = ll.BillingPolicy(ll.Posting.BOOK, ll.Timing.ON_COMPLETION, True, 8)
    effective = ll.resolve(company, ll.PolicyOverride(payment_terms_days=30))
    html = effective._repr_html_()
    assert "<td>payment_terms_days</td><td>30</td><td>customer</td>" in html
    assert "<td>send</td><td>True</td><td>company</td>" in html


def test_html_escapes_text_from_the_data() -> None:
    """A customer name with markup appears escaped in the plan's HTML."""
    html = ll.plan(*_work(1, name="<script>x</script>"), now=NOW)._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_to_pandas_without_pandas_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where pandas is not installed the error says which extra brings it."""
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"ledgerlink\[pandas\]"):
        ll.plan(*_work(1), now=NOW).to_pandas()


def test_importing_ledgerlink_does_not_import_pandas() -> None:
    """The core never loads pandas by itself."""
    import subprocess

    code = ("import sys, ledgerlink, ledgerlink.api, ledgerlink.store, ledgerlink.cli.app; "
            "print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_a_job_preview_and_its_run_render() -> None:
    """The reprs count; the HTML has each invoice's customer, gross and currency, totals,
    and a failed run's error, escaped."""
    day = date(2026, 11, 30)
    job = ScheduledJob(company="acme", name="Month end", recurrence=Recurrence(Frequency.DAILY),
                       generation=InvoiceGeneration(creator="ann"), created_by="ann",
                       id="job1")
    hours = BillableItem("i1", day, ItemKind.HOURS, "Support", Decimal(1), Decimal("100"),
                         Decimal("25"))
    customers = {"c1": ll.Customer(id="c1", name="Acme & Co", currency="EUR")}
    shown = preview(job, [Project("p1", "Project p1", "c1", items=(hours,))], customers,
                    run_day=day, cutoff=day, invoice_date=day, registration_date=day,
                    billed=frozenset(), slot="2026-11-30",
                    completed_at=datetime(2026, 11, 30, 21, tzinfo=UTC))
    assert repr(shown) == "<JobPreview job1 on 2026-11-30: 1 invoices, 1 projects, 0 problems>"
    html = shown._repr_html_()
    assert "Acme &amp; Co" in html
    assert "<td>125.00</td><td>EUR</td>" in html
    assert "Totals" in html

    row = ScheduleRun("r1", "job1", "2026-11-30", day, "due", 1, "failed", "host:1",
                      "2026-11-30T21:00:00+00:00", "2026-11-30T21:02:00+00:00",
                      "2026-11-30T21:01:00+00:00", {"invoices": 0}, "book <closed>")
    done = JobRun(row, preview=shown, notified="smtp")
    assert repr(done) == "<JobRun job1 2026-11-30: failed, 1 invoices, notified smtp>"
    html = done._repr_html_()
    assert "book &lt;closed&gt;" in html
    assert "<td>125.00</td><td>EUR</td>" in html
