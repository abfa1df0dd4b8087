"""Scheduled jobs run end to end against the sandbox book: once per slot, items once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from ledgerlink.errors import ProviderError, ValidationError
from ledgerlink.plugins import get_plugin_manager, hookimpl
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.scheduling.model import InvoiceStatusToCreate, JobFilters, Project, ScheduledJob
from ledgerlink.scheduling.runs import Workspace
from ledgerlink.store import Store, facts
from tests.ledgerlink.scheduling.support import DAILY, Books, fee, job, projects
from tests.ledgerlink.store.support import journal, order

# 31 October 2026 is a Saturday and the last day of the month; Copenhagen is on
# CET (UTC+1) since the 25th, so the 22:00 run is 21:00 UTC.
OCT_RUN = datetime(2026, 10, 31, 21, 0, tzinfo=UTC)
AFTER_OCT_RUN = OCT_RUN + timedelta(minutes=30)
NOV_RUN = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
CREATED = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def books(tmp_path: Path) -> Books:
    return Books(tmp_path)


def _save(books: Books, new: ScheduledJob, **kwargs: object) -> ScheduledJob:
    return books.scheduler(**kwargs).save(new, now=CREATED)


def test_a_due_job_runs_once_and_bills_each_project_within_its_limit(books: Books) -> None:
    """A due job runs once for its slot, bills items up to the cutoff and each project's limit."""
    saved = _save(books, job())
    scheduler = books.scheduler()

    assert scheduler.run_due(now=OCT_RUN - timedelta(seconds=1)) == []
    runs = scheduler.run_due(now=AFTER_OCT_RUN)

    assert [(r.run.job_id, r.run.scheduled_for, r.run.state) for r in runs] == [
        (saved.id, date(2026, 10, 31), "done")]
    # P1: the September and October fees (November's is after the cutoff);
    # P2: both support days; P3: only its first day fits its 2,000 limit.
    assert sorted(books.invoices()) == [
        ("Fjord A/S", "Rollout", Decimal("1625.00")),
        ("Nordlys ApS", "Licences", Decimal("250.00")),
        ("Nordlys ApS", "Support", Decimal("3250.00")),
    ]
    assert books.scheduler().run_due(now=AFTER_OCT_RUN) == []
    assert books.scheduler().run_due(now=AFTER_OCT_RUN + timedelta(hours=5)) == []
    assert len(books.invoices()) == 3


def test_the_transfer_log_names_each_invoice_and_what_was_held(books: Books) -> None:
    """The run's transfer log names each invoice with its amount and the work held back."""
    _save(books, job())
    [run] = books.scheduler().run_due(now=AFTER_OCT_RUN)
    entries = books.scheduler().jobs.log(run_id=run.run.run_id)

    invoices = sorted((e.customer_id, e.projects, str(e.amount), e.currency) for e in entries
                      if e.kind == "invoice")
    assert invoices == [("c1", "P1", "250.00", "DKK"), ("c1", "P2", "3250.00", "DKK"),
                        ("c2", "P3", "1625.00", "DKK")]
    assert all(e.provider_id and e.number and e.creator == "ann"
               for e in entries if e.kind == "invoice")
    [held] = [e for e in entries if e.kind == "notice"]
    assert held.projects == "P3" and "2 items held back" in held.message
    assert books.scheduler().jobs.log(job_id=run.run.job_id) == entries


def test_items_are_never_billed_again_by_later_or_other_runs(books: Books) -> None:
    """Items billed by one job are not billed again by its later runs or by another job."""
    monthly = _save(books, job())
    books.scheduler().run_due(now=AFTER_OCT_RUN)
    other = _save(books, job("Everything, daily", recurrence=DAILY))

    # 00:30 on 1 November in Copenhagen: the run day is the 1st, so November's
    # fee is within the cutoff; it is all that is new. P3 is still capped.
    again = books.scheduler().run_now(other.id, now=AFTER_OCT_RUN + timedelta(hours=2))
    assert again.run.state == "done" and again.run.scheduled_for == date(2026, 11, 1)
    assert [inv.project_ids for inv in again.preview.invoices] == [("P1",)]
    november = books.scheduler().run_due(now=NOV_RUN + timedelta(minutes=1))
    assert {r.run.job_id for r in november} == {monthly.id, other.id}
    assert all(r.preview is not None and not r.preview.invoices for r in november)
    assert len(books.invoices()) == 4


def test_merging_puts_a_customers_projects_on_one_invoice(books: Books) -> None:
    """With merging, a customer's projects share one invoice."""
    _save(books, job(merge=True))
    books.scheduler().run_due(now=AFTER_OCT_RUN)
    assert sorted(books.invoices()) == [
        ("Fjord A/S", "Rollout", Decimal("1625.00")),
        ("Nordlys ApS", "Licences, Support", Decimal("3500.00")),
    ]


def test_filters_choose_the_projects(books: Books) -> None:
    """A job's manager and department filters choose which projects it bills."""
    _save(books, job(filters=JobFilters(managers={"ann"}, departments={"north"})))
    books.scheduler().run_due(now=AFTER_OCT_RUN)
    assert [ref for _, ref, _ in books.invoices()] == ["Licences"]


def test_draft_status_collects_the_work_on_the_customers_draft(books: Books) -> None:
    """A job creating drafts puts a customer's projects on its one open draft, booking none."""
    _save(books, job(status=InvoiceStatusToCreate.DRAFT))
    [run] = books.scheduler().run_due(now=AFTER_OCT_RUN)
    assert run.result is not None
    assert run.result.summary["drafts_created"] == 2
    assert run.result.summary["booked"] == 0
    # c1's two projects share its one open draft.
    assert sorted(name for name, _, _ in books.invoices()) == ["Fjord A/S", "Nordlys ApS"]


def test_a_missed_stretch_is_caught_up_once(books: Books) -> None:
    """A daily job that missed days runs once, for the latest slot, not once per day."""
    daily = _save(books, job("Daily", recurrence=DAILY, starts_on=date(2026, 10, 20)))
    runs = books.scheduler().run_due(now=AFTER_OCT_RUN + timedelta(days=4))
    assert [(r.run.job_id, r.run.scheduled_for) for r in runs] == [
        (daily.id, date(2026, 11, 4))]
    assert books.scheduler().run_due(now=AFTER_OCT_RUN + timedelta(days=4, hours=1)) == []


def test_a_refused_creator_writes_nothing_and_leaves_the_items_billable(books: Books) -> None:
    """A creator the authorizer refuses aborts the run with its reason; the work stays billable."""
    def authorize(actor: str, _job: ScheduledJob, _company: object) -> str | None:
        return None if actor == "ann" else "only the finance team invoices"

    refused = _save(books, job("Mallory's", creator="mallory"))
    [run] = books.scheduler(authorize=authorize).run_due(now=AFTER_OCT_RUN)

    assert run.run.state == "aborted"
    assert "mallory may not invoice: only the finance team invoices" in run.run.error
    assert books.invoices() == []
    [entry] = [e for e in books.scheduler().jobs.log(job_id=refused.id) if e.kind == "error"]
    assert "only the finance team invoices" in entry.message

    allowed = _save(books, job("Ann's"))
    books.scheduler(authorize=authorize).run_now(allowed.id, now=AFTER_OCT_RUN)
    assert len(books.invoices()) == 3


def test_a_plugin_may_refuse_too(books: Books) -> None:
    """A plugin's authorize hook can refuse the creator, aborting the run before any write."""
    class Policy:
        @hookimpl
        def ledgerlink_authorize_invoicing(self, actor: str, job: ScheduledJob,
                                           company: object) -> str | None:
            return f"{actor} is on leave" if actor == "ann" else None

    host = get_plugin_manager(load_entry_points=False, plugins=[("leave", Policy())])
    saved = _save(books, job())
    run = books.scheduler(plugin_manager=host.pm).run_now(saved.id, now=AFTER_OCT_RUN)
    assert run.run.state == "aborted" and "ann is on leave" in run.run.error
    assert books.invoices() == []


def test_an_inactive_or_deleted_job_is_never_due(books: Books) -> None:
    """A deactivated or deleted job is never due; only the inactive one is still listed."""
    paused = _save(books, job("Paused"))
    gone = _save(books, job("Gone"))
    scheduler = books.scheduler()
    scheduler.deactivate(paused.id, now=CREATED)
    scheduler.delete(gone.id, now=CREATED)
    assert scheduler.run_due(now=AFTER_OCT_RUN) == []
    assert [listed.job.id for listed in scheduler.listing(now=CREATED)] == [paused.id]
    assert scheduler.listing(now=CREATED)[0].next_run is None


def test_listing_shows_the_next_run(books: Books) -> None:
    """A listed job shows its next run in UTC, after a daylight-saving change."""
    saved = _save(books, job())
    [listed] = books.scheduler().listing(now=CREATED)
    assert listed.job.id == saved.id
    # It starts on 1 October: 22:00 on the 31st, after the clocks went back (CET).
    assert listed.next_run == OCT_RUN


def test_preview_writes_nothing(books: Books) -> None:
    """Previewing an unsaved job shows its invoices and writes no invoice and no job."""
    unsaved = job()
    shown = books.scheduler().preview(unsaved, now=CREATED, run_day=date(2026, 10, 31))
    assert sorted(inv.gross for inv in shown.invoices) == [
        Decimal("250.00"), Decimal("1625.00"), Decimal("3250.00")]
    assert books.invoices() == []
    assert books.scheduler().jobs.jobs() == []


# --- real processes ----------------------------------------------------------------------

WORKER = Path(__file__).with_name("scheduler_worker.py")


def _worker(root: Path, now: datetime, *kill: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(WORKER), str(root), now.isoformat(),
                             *map(str, kill)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


@pytest.mark.slow
def test_two_processes_running_due_at_once_run_each_job_once(books: Books) -> None:
    """Two processes running due jobs at once run each job once and bill each project once."""
    first = _save(books, job("First"))
    second = _save(books, job("Second", merge=True, filters=JobFilters(projects={"P1"})))
    workers = [_worker(books.root, AFTER_OCT_RUN) for _ in range(2)]
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
        outputs.extend(json.loads(out))

    assert sorted(job_id for job_id, _, _ in outputs) == sorted([first.id, second.id])
    # Each project's items went on exactly one invoice, whichever job got them.
    references = sorted(ref for _, ref, _ in books.invoices())
    assert references == ["Licences", "Rollout", "Support"]


@pytest.mark.slow
def test_a_worker_killed_mid_run_is_resumed_once_its_lease_expires(books: Books) -> None:
    """A run whose worker was killed is resumed after its lease expires and logs every invoice."""
    _save(books, job())
    # Writes: customer c1, invoice, book, ... the kill lands after the third.
    killed = _worker(books.root, AFTER_OCT_RUN, 3)
    killed.communicate(timeout=60)
    assert killed.returncode == -signal.SIGKILL
    assert 0 < len(books.invoices()) < 3

    # Within the lease nobody touches the run; after it, the next worker resumes it.
    assert books.scheduler().run_due(now=AFTER_OCT_RUN + timedelta(minutes=5)) == []
    [resumed] = books.scheduler().run_due(now=AFTER_OCT_RUN + timedelta(minutes=11))
    assert resumed.run.state == "done"
    assert sorted(books.invoices()) == [
        ("Fjord A/S", "Rollout", Decimal("1625.00")),
        ("Nordlys ApS", "Licences", Decimal("250.00")),
        ("Nordlys ApS", "Support", Decimal("3250.00")),
    ]
    assert books.scheduler().run_due(now=AFTER_OCT_RUN + timedelta(hours=2)) == []
    # The run's log names every invoice, those the dead worker made included.
    logged = books.scheduler().jobs.log(run_id=resumed.run.run_id, kind="invoice")
    assert sorted((e.projects, e.amount) for e in logged) == [
        ("P1", Decimal("250.00")), ("P2", Decimal("3250.00")), ("P3", Decimal("1625.00"))]
    assert all(e.provider_id for e in logged)
    assert any(e.message == "made by an earlier attempt of this run" for e in logged)


def test_a_resumed_runs_report_reads_only_its_work_not_the_books_history(
        books: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    """The report of a resumed run, in a book whose journal holds 2,000 other work orders,
    reads the earlier attempt's work and invoices by key, never the whole book."""
    padded = Store(books.root / "ledgerlink.db")
    journal(padded, books.connector.account,
            [order(f"h{i}", f"x{i % 50}") for i in range(2_000)])
    padded.close()
    _save(books, job())
    killed = _worker(books.root, AFTER_OCT_RUN, 3)
    killed.communicate(timeout=60)
    assert killed.returncode == -signal.SIGKILL

    whole_book_reads: list[str] = []
    state, read_facts = Store.state, facts.read_facts

    def whole_state(store: Store, book: str) -> Any:
        whole_book_reads.append("state")
        return state(store, book)

    def some_facts(conn: Any, book: str, remote_ids: Any = None, keys: Any = None) -> Any:
        if remote_ids is None and keys is None:
            whole_book_reads.append("invoice facts")
        return read_facts(conn, book, remote_ids, keys)

    monkeypatch.setattr(Store, "state", whole_state)
    monkeypatch.setattr(facts, "read_facts", some_facts)
    [resumed] = books.scheduler().run_due(now=AFTER_OCT_RUN + timedelta(minutes=11))
    assert resumed.run.state == "done"
    logged = books.scheduler().jobs.log(run_id=resumed.run.run_id, kind="invoice")
    earlier = [e for e in logged if e.message == "made by an earlier attempt of this run"]
    assert earlier and all(e.provider_id and e.amount for e in earlier)
    assert whole_book_reads == []


def test_a_run_reports_its_progress_up_to_every_step_done(books: Books) -> None:
    """run_now and run_due tell progress (done, total) as the run commits, ending all done."""
    saved = _save(books, job())
    steps: list[tuple[int, int]] = []
    run = books.scheduler().run_now(saved.id, now=AFTER_OCT_RUN,
                                    progress=lambda done, total: steps.append((done, total)))
    assert run.run.state == "done" and len(books.invoices()) == 3
    assert steps and steps[-1][0] == steps[-1][1] > 0
    assert [done for done, _ in steps] == sorted(done for done, _ in steps)
    daily = _save(books, job("Everything, daily", recurrence=DAILY))
    later: list[tuple[int, int]] = []
    books.scheduler().run_due(now=NOV_RUN + timedelta(minutes=1),
                              progress=lambda done, total: later.append((done, total)))
    assert daily.id and later and later[-1][0] == later[-1][1]


def test_one_item_id_on_two_projects_fails_the_run_before_anything_is_written(
        tmp_path: Path) -> None:
    """One item id on two projects aborts the run naming both, before any write."""
    clash = [*projects(), Project("P4", "Copy", "c2", items=(fee("P1-oct", date(2026, 10, 1)),))]
    books = Books(tmp_path, clash)
    saved = _save(books, job())
    run = books.scheduler().run_now(saved.id, now=AFTER_OCT_RUN)
    assert run.run.state == "aborted"
    assert "'P1-oct' in P1, P4" in run.run.error
    assert books.invoices() == []


def test_run_due_can_be_limited_to_one_company(books: Books) -> None:
    """run_due for one company runs only its jobs and leaves the other company's slots."""
    ours = _save(books, job())
    theirs = _save(books, attrs.evolve(job("Elsewhere"), company="other"))
    runs = books.scheduler().run_due(now=AFTER_OCT_RUN, company="acme")
    assert [r.run.job_id for r in runs] == [ours.id]
    # The other company's slot is untouched, due for whoever holds its data.
    assert theirs.id not in books.scheduler().jobs.last_days()


def test_a_run_for_a_future_instant_finishes_after_it_started(books: Books) -> None:
    """A run for a far future instant records a finish time no earlier than its claim."""
    future = datetime(2031, 1, 31, 21, 30, tzinfo=UTC)
    saved = _save(books, job(notify=["Ann <ann@example.com>"]))
    run = books.scheduler().run_now(saved.id, now=future)
    assert run.run.state == "done" and run.notified == "none"  # no notifier configured
    assert run.run.finished_at is not None and run.run.finished_at >= run.run.claimed_at


# --- runs that stop before writing anything --------------------------------------------


def test_a_run_stopped_by_bad_input_is_retried_once_the_input_is_fixed(
        books: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    """A due run whose files do not load ends aborted without using up its day: the next
    run_due the same day takes the same slot (same run id) and invoices; then nothing is due."""
    saved = _save(books, job())
    good = books.workspace
    broken = ValidationError("not a number", field="quantity", value="2,5",
                             source="projects.csv", row=3)

    def unreadable(company: str) -> Workspace:
        raise broken

    monkeypatch.setattr(books, "workspace", unreadable)
    [first] = books.scheduler().run_due(now=AFTER_OCT_RUN)
    assert (first.run.state, first.error) == ("aborted", broken)
    assert "projects.csv, row 3, field 'quantity'" in first.run.error
    assert "the next run-due runs it again" in first.run.error
    assert books.invoices() == []
    assert books.scheduler().jobs.last_days() == {}

    monkeypatch.setattr(books, "workspace", good)
    [retried] = books.scheduler().run_due(now=AFTER_OCT_RUN + timedelta(hours=1))
    assert (retried.run.run_id, retried.run.slot, retried.run.state, retried.run.error) == (
        first.run.run_id, first.run.slot, "done", "")
    assert retried.run.claimed_at > first.run.claimed_at
    assert len(books.invoices()) == 3
    assert books.scheduler().run_due(now=AFTER_OCT_RUN + timedelta(hours=2)) == []
    kinds = [e.kind for e in books.scheduler().jobs.log(job_id=saved.id)]
    assert kinds.count("error") == 1 and kinds.count("invoice") == 3


def test_a_refused_run_is_retried_when_the_creator_may_invoice(books: Books) -> None:
    """Authorisation refused before any write: the slot stays open, and once the check
    allows the creator the next run_due invoices the same day's work."""
    allowed: set[str] = set()

    def authorize(actor: str, _job: ScheduledJob, _company: object) -> str | None:
        return None if actor in allowed else "not on the finance team yet"

    _save(books, job())
    [refused] = books.scheduler(authorize=authorize).run_due(now=AFTER_OCT_RUN)
    assert refused.run.state == "aborted" and books.invoices() == []
    allowed.add("ann")
    [retried] = books.scheduler(authorize=authorize).run_due(
        now=AFTER_OCT_RUN + timedelta(minutes=15))
    assert (retried.run.run_id, retried.run.state) == (refused.run.run_id, "done")
    assert len(books.invoices()) == 3


def test_an_aborted_day_superseded_by_a_later_one_runs_once_for_the_latest(
        books: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    """A daily job aborted on one day and fixed only days later runs once, for the latest
    day, as any missed stretch does; the aborted day stays aborted."""
    daily = _save(books, job("Daily", recurrence=DAILY, starts_on=date(2026, 10, 20)))
    good = books.workspace

    def unreadable(company: str) -> Workspace:
        raise ValidationError("file not found", source="projects.csv")

    monkeypatch.setattr(books, "workspace", unreadable)
    [aborted] = books.scheduler().run_due(now=AFTER_OCT_RUN)
    monkeypatch.setattr(books, "workspace", good)
    runs = books.scheduler().run_due(now=AFTER_OCT_RUN + timedelta(days=3))
    assert [(r.run.job_id, r.run.scheduled_for, r.run.state) for r in runs] == [
        (daily.id, date(2026, 11, 3), "done")]
    assert books.scheduler().jobs.run(aborted.run.run_id).state == "aborted"


class _Refusing(SandboxConnector):
    """A sandbox book that refuses every invoice the way a provider does."""

    def create_invoice(self, draft: Any, customer_ref: str, products: Any) -> Any:
        raise ProviderError("Duplicate document number", provider=self.name, status=400)

    def create_invoices(self, items: Any, products: Any) -> Any:
        raise ProviderError("Duplicate document number", provider=self.name, status=400)


def test_a_run_that_started_invoicing_keeps_its_day_even_when_it_failed(
        books: Books) -> None:
    """Once invoicing started (customers were written) a failed run is failed, not aborted:
    the next run_due does not run the day again."""
    _save(books, job())
    books.connector = _Refusing(books.root / "book.db")
    [run] = books.scheduler().run_due(now=AFTER_OCT_RUN)
    assert run.run.state == "failed" and run.run.summary["failed"] > 0
    assert "Duplicate document number" in " ".join(
        e.message for e in books.scheduler().jobs.log(run_id=run.run.run_id))
    assert books.scheduler().run_due(now=AFTER_OCT_RUN + timedelta(hours=1)) == []


def test_without_a_notifier_no_notification_line_is_logged(books: Books) -> None:
    """A job naming people, run with no notifier or plugin to deliver, logs no
    "notified ... via none" line."""
    saved = _save(books, job(notify=["Ann <ann@example.com>"]))
    [run] = books.scheduler().run_due(now=AFTER_OCT_RUN)
    assert run.run.state == "done" and run.notified == "none"
    entries = books.scheduler().jobs.log(job_id=saved.id)
    assert [e for e in entries if e.kind == "notification" or "via" in e.message] == []


def test_a_job_delivers_by_the_workspaces_channels(books: Books, tmp_path: Path) -> None:
    """A job that sends, on a workspace with a letter channel, writes one letter per invoice
    of its letter customer, once however often run-due is called."""
    from ledgerlink.delivery import DeliveryChannels, letter_folder_channel
    from ledgerlink.domain import Address, Company, Customer, DeliveryChannel

    letters = tmp_path / "letters"
    channels = DeliveryChannels(letter=letter_folder_channel(folder=letters, sender={
        "name": "Acme", "street": "Havnegade 1", "postal_code": "8000", "city": "Aarhus C",
        "country": "DK"}))
    people = [Customer("c1", "Nordlys ApS", delivery=DeliveryChannel.LETTER,
                       address=Address("Vej 1", "5000", "Odense C", "DK")),
              Customer("c2", "Fjord A/S", email="ap@fjord.dk")]

    def workspace(company: str) -> Workspace:
        return Workspace(Company("Acme"), books.projects, people, books.connector, channels)

    sending = job()
    sending = attrs.evolve(sending, generation=attrs.evolve(sending.generation, send=True))
    scheduler = books.scheduler()
    scheduler.workspaces = workspace
    scheduler.save(sending, now=CREATED)
    [ran] = scheduler.run_due(now=AFTER_OCT_RUN)
    assert ran.result is not None and ran.result.summary["delivered"] == 2
    assert len(list(letters.glob("*.pdf"))) == 2
    assert scheduler.run_due(now=AFTER_OCT_RUN + timedelta(hours=1)) == []
    assert len(list(letters.glob("*.pdf"))) == 2
