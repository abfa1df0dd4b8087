"""A registered company's book run from what the store holds: nightly run and due jobs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ledgerlink import loading, workers
from ledgerlink.scheduling.files import save_projects
from ledgerlink.scheduling.runs import Scheduler
from ledgerlink.store import Store
from tests.ledgerlink.scheduling.support import COMPANY, customers, job, projects
from tests.ledgerlink.workers.support import invoiced_work_orders, register


def test_a_registered_company_is_invoiced_once(tmp_path: Path) -> None:
    """Invoicing a registered company twice bills each of its due work orders once."""
    store = Store(tmp_path / "journal.db")
    record = register(store, tmp_path, "acme")
    first = workers.invoice_company(store, "acme")
    again = workers.invoice_company(store, "acme")
    billed = invoiced_work_orders(str(record.connector_options["path"]))
    assert first.summary["invoices_created"] > 0 and again.summary["invoices_created"] == 0
    assert billed and set(billed.values()) == {1}


def test_due_scheduled_jobs_run_once_from_the_registered_files(tmp_path: Path) -> None:
    """The company's projects file and its 22:00 job: run when due, once per day."""
    store = Store(tmp_path / "journal.db")
    loading.save_customers(customers(), tmp_path / "customers.csv")
    save_projects(projects(), tmp_path / "projects.json")
    workers.add_company(store, COMPANY, connector="sandbox",
                        options={"path": str(tmp_path / "book.db")},
                        source_options={"customers": str(tmp_path / "customers.csv")},
                        projects=tmp_path / "projects.json", time_zone="Europe/Copenhagen")
    saved = Scheduler(store, lambda company: None).save(job())  # type: ignore[arg-type,return-value]
    night = datetime(2026, 10, 31, 22, 30, tzinfo=ZoneInfo("Europe/Copenhagen"))
    runs = workers.run_due_jobs(store, COMPANY, now=night)
    again = workers.run_due_jobs(store, COMPANY, now=night)
    assert [r.run.job_id for r in runs] == [saved.id]
    assert runs[0].run.state == "done" and again == []


def test_a_registered_oauth_company_keeps_its_tokens_in_the_jobs_store(tmp_path: Path) -> None:
    """A job's connector reads its tokens from the job's open store and opens none of its own."""
    from ledgerlink.workers.books import open_connector

    store = Store(tmp_path / "journal.db")
    record = workers.add_company(
        store, "oauth-co", connector="dinero",
        options={"organisation_id": "4711", "client_id": "app", "base_url": "http://127.0.0.1:9"},
        secrets={"client_secret": "s3cret"},
        source_options={"customers": str(tmp_path / "c.csv")}, time_zone="Europe/Copenhagen")
    connector = open_connector(record, store)
    try:
        connection = connector.connection  # type: ignore[attr-defined]
        assert connection.own_store is None
        assert connection.http.client.auth.store is store
    finally:
        connector.close()  # type: ignore[attr-defined]
