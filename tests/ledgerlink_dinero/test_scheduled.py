"""A scheduled job run end to end against the Dinero emulator: booked once, billed once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from ledgerlink.domain import Company, Customer
from ledgerlink.scheduling import (
    BillableItem,
    Frequency,
    InvoiceGeneration,
    InvoiceStatusToCreate,
    ItemKind,
    MonthlyDay,
    Project,
    Recurrence,
    ScheduledJob,
    Scheduler,
    Workspace,
)
from ledgerlink.store import Store
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import DineroEmulator

# Monday 30 November 2026 is the month's last weekday; 22:00 CET is 21:00 UTC.
RUN = datetime(2026, 11, 30, 21, 5, tzinfo=UTC)
CUSTOMERS = [Customer("c1", "Nordlys ApS", email="bill@nordlys.dk"),
             Customer("c2", "Fjord A/S", email="ap@fjord.dk")]


def _projects() -> list[Project]:
    fees = tuple(BillableItem(f"lic-{m}", date(2026, m, 1), ItemKind.FEE, "Licence", 1,
                              Decimal("499")) for m in (10, 11, 12))
    hours = (BillableItem("h-1", date(2026, 11, 12), ItemKind.HOURS, "Support",
                          Decimal("1.5"), Decimal("650")),)
    return [Project("P1", "Licences", "c1", items=fees),
            Project("P2", "Support", "c1", items=hours),
            Project("P3", "Hosting", "c2", items=(BillableItem(
                "host-11", date(2026, 11, 1), ItemKind.FEE, "Hosting", 1, Decimal("120")),))]


def test_a_month_end_job_books_and_emails_merged_invoices_once(
        dinero: DineroConnector, emulator: DineroEmulator, tmp_path: Path) -> None:
    """A month-end job books and emails merged invoices with Dinero's totals, once."""
    workspace = Workspace(Company("Acme"), _projects(), CUSTOMERS, dinero)
    scheduler = Scheduler(Store(tmp_path / "journal.db"), lambda _company: workspace)
    job = scheduler.save(ScheduledJob(
        "acme", "Month end", Recurrence(Frequency.MONTHLY, monthly=MonthlyDay.LAST_WEEKDAY),
        InvoiceGeneration("ann", status=InvoiceStatusToCreate.BOOKED, merge_projects=True,
                          send=True),
        created_by="ann", starts_on=date(2026, 11, 1)), now=RUN - timedelta(days=20))

    [run] = scheduler.run_due(now=RUN)

    assert run.run.state == "done", scheduler.jobs.log(run_id=run.run.run_id)
    org = emulator.organisations[dinero.organisation_id]
    invoices = list(org.invoices.values())
    assert len(invoices) == 2 and all(r.data.get("Number") for r in invoices)  # booked
    assert len(org.mails) == 2
    # c1: October and November licences and the support hours on one invoice,
    # c2: November's hosting; December's licence is after the cutoff. The
    # amounts are Dinero's own totals, as it answered.
    logged = [e for e in scheduler.jobs.log(run_id=run.run.run_id) if e.kind == "invoice"]
    assert sorted((e.customer_id, e.projects, e.amount) for e in logged) == [
        ("c1", "P1, P2", Decimal("2466.25")), ("c2", "P3", Decimal("150.00"))]
    assert all(e.number for e in logged)

    # Nothing is billed twice: not by the next call, nor by running the job now.
    assert scheduler.run_due(now=RUN + timedelta(minutes=10)) == []
    again = scheduler.run_now(job.id, now=RUN + timedelta(minutes=20))
    assert again.run.state == "done" and again.preview is not None
    assert again.preview.invoices == ()
    assert len(org.invoices) == 2 and len(org.mails) == 2
