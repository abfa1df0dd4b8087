"""The worker pool on PostgreSQL: procrastinate workers invoicing registered companies."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Status

from ledgerlink import loading, workers
from ledgerlink.scheduling.files import save_projects
from ledgerlink.scheduling.runs import Scheduler
from ledgerlink.store import Store
from ledgerlink.workers import pool, queue
from tests.ledgerlink.scheduling.support import COMPANY, DAILY, customers, job, projects
from tests.ledgerlink.workers.support import (
    invoiced_work_orders,
    line_keys,
    register,
    start_worker,
)

#: Heartbeat and dead-worker timeout the tests' workers run with, in seconds.
FAST = ("--heartbeat", "0.5", "--stalled-after", "2")


@pytest.fixture
def store(pg_url: str) -> Iterator[Store]:
    """The journal on a fresh PostgreSQL database, with procrastinate's schema."""
    opened = Store(pg_url)
    queue.apply_schema(opened)
    yield opened
    opened.close()


def jobs(store: Store, task: str, *states: str) -> int:
    """How many procrastinate jobs of ``task`` are in one of ``states``."""
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = :task "
            "AND status::text = ANY(:states)"), {"task": f"ledgerlink:{task}",
                                                  "states": list(states)}).scalar_one())


def wait_until(done: object, timeout: float) -> None:
    """Poll ``done()`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not done():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def stop(worker: object) -> None:
    """Stop a worker the way an operator does (SIGTERM) and reap it."""
    worker.send_signal(signal.SIGTERM)  # type: ignore[attr-defined]
    worker.communicate(timeout=30)  # type: ignore[attr-defined]


def test_schema_is_applied_once(store: Store) -> None:
    """Applying procrastinate's schema to a store that has it changes nothing."""
    assert queue.apply_schema(store) is False


def test_enqueue_queues_each_company_once(store: Store, tmp_path: Path) -> None:
    """Queueing every company twice leaves one waiting job per company (queueing lock)."""
    for name in ("acme", "bolt", "cove"):
        register(store, tmp_path, name)
    first = pool.enqueue(store)
    again = pool.enqueue(store)
    assert first == {"acme": True, "bolt": True, "cove": True}
    assert again == {"acme": False, "bolt": False, "cove": False}
    assert jobs(store, "invoice_book", "todo") == 3


def test_nightly_queues_each_due_company_once(store: Store, tmp_path: Path) -> None:
    """The periodic nightly task, run twice for one tick, queues each company whose clock
    reads the nightly hour exactly once, and no other company."""
    register(store, tmp_path, "copenhagen")  # Europe/Copenhagen: 02:00 at 01:00 UTC
    record = register(store, tmp_path, "newyork")
    from ledgerlink.workers import add_company

    add_company(store, "newyork", connector="sandbox", options=dict(record.connector_options),
                source_options=dict(record.source_options), time_zone="America/New_York")
    app = queue.make_app(store.url)
    queue.settings.store = store
    tick = int(datetime(2026, 12, 8, 1, 0, tzinfo=UTC).timestamp())
    with app.open():
        app.tasks["ledgerlink:nightly"].defer(timestamp=tick)
        with pytest.raises(AlreadyEnqueued):
            app.tasks["ledgerlink:nightly"].defer(timestamp=tick)
        context = type("Context", (), {"app": app})()
        queued = [queue.nightly(context, tick) for _ in range(2)]
    assert queued == [1, 0]
    assert jobs(store, "invoice_book", "todo") == 1
    assert jobs(store, "nightly", "todo") == 1, "the periodic job itself waits once"


def test_two_workers_run_one_book_one_job_at_a_time(store: Store, tmp_path: Path) -> None:
    """Two companies on one book, queued to two workers: the book's lock runs their jobs one
    after the other, so neither run meets the other holding the book."""
    # Queued first (by name), so each worker takes one of them while the other runs.
    for name in ("a-north", "b-south"):
        register(store, tmp_path, name, book="shared", latency=0.05, orders=30, seed=len(name))
    for name in ("c-other", "d-other"):
        register(store, tmp_path, name)
    pool.enqueue(store)
    workers = [start_worker(store.url, *FAST) for _ in range(2)]
    try:
        wait_until(lambda: jobs(store, "invoice_book", "succeeded") == 4
                   or jobs(store, "invoice_book", "failed") > 0, timeout=90)
    finally:
        for worker in workers:
            stop(worker)
    spans = job_spans(store, ["a-north", "b-south"])
    assert len(spans) == 2
    (_, first_end), (second_start, _) = sorted(spans)
    assert first_end <= second_start, "the second job started after the first succeeded"
    assert not [e for e in store.log() if e.outcome == "failed"]


def job_spans(store: Store, names: list[str]) -> list[tuple[datetime, datetime]]:
    """When the jobs of companies ``names`` started and succeeded (procrastinate's events)."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT j.id, min(e.at) FILTER (WHERE e.type = 'started'), "
            "max(e.at) FILTER (WHERE e.type = 'succeeded') FROM procrastinate_jobs j "
            "JOIN procrastinate_events e ON e.job_id = j.id "
            "WHERE j.args->>'company' = ANY(:names) GROUP BY j.id"), {"names": names}).all()
    return [(started, succeeded) for _, started, succeeded in rows]


def test_killed_workers_job_is_finished_by_another(store: Store, tmp_path: Path) -> None:
    """A worker SIGKILLed mid-run: a second worker retries its stalled job, and the book
    ends with every work order invoiced exactly once."""
    record = register(store, tmp_path, "acme", orders=60, customers=30, latency=0.05)
    path = str(record.connector_options["path"])
    pool.enqueue(store)
    first = start_worker(store.url, *FAST)
    wait_until(lambda: sum(invoiced_work_orders(path).values()) >= 5, timeout=60)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=10)
    assert jobs(store, "invoice_book", "doing") == 1, "the dead worker's job is stalled"
    second = start_worker(store.url, *FAST)
    try:
        wait_until(lambda: jobs(store, "invoice_book", "succeeded", "failed") == 1, timeout=90)
    finally:
        stop(second)
    assert jobs(store, "invoice_book", "failed") == 0
    counted = invoiced_work_orders(path)
    journaled = {w for w in store.state(record.book).work}
    assert set(counted) == {w.lower() for w in journaled} or set(counted) == journaled
    assert set(counted.values()) == {1}, "no work order invoiced twice"


def holds_lease(store: Store, pid: int) -> bool:
    """True when a run of process ``pid`` (of this host) holds a book's lease."""
    with store.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM book_leases WHERE holder LIKE :h"),
                            {"h": f"%:{pid}:%"}).scalar_one() > 0


def test_a_dead_workers_job_is_retried_before_the_queue_drains(store: Store,
                                                              tmp_path: Path) -> None:
    """A worker SIGKILLed while its run holds the book (and not yet reaped, as a parent that
    has not waited for it leaves it): the other worker takes its job again before the
    companies still waiting, and takes the dead run's lease over at once, so the job
    finishes while other companies' jobs are still to start."""
    register(store, tmp_path, "a-first", orders=40, customers=20, latency=0.05)
    for index in range(10):
        # slow enough that the queue outlasts the dead worker's stall detection (a few
        # seconds) by a wide margin on a loaded machine
        register(store, tmp_path, f"b-{index:02d}", orders=12, latency=0.2, seed=index)
    pool.enqueue(store)
    dying = start_worker(store.url, *FAST)
    try:
        wait_until(lambda: holds_lease(store, dying.pid), timeout=60)
        dying.send_signal(signal.SIGKILL)
        os.waitid(os.P_PID, dying.pid, os.WEXITED | os.WNOWAIT)  # dead, left unreaped
        second = start_worker(store.url, *FAST)
        try:
            wait_until(lambda: jobs(store, "invoice_book", "succeeded", "failed") == 11,
                       timeout=240)
        finally:
            stop(second)
    finally:
        dying.communicate(timeout=10)
    assert jobs(store, "invoice_book", "failed") == 0
    spans = {company: (starts, succeeded) for company, starts, succeeded in job_events(store)}
    [killed] = [company for company, (starts, _) in spans.items() if len(starts) == 2]
    last_start = max(starts[-1] for company, (starts, _) in spans.items() if company != killed)
    assert spans[killed][1] < last_start, "the dead worker's job finished before the queue drained"
    counted = invoiced_work_orders(str(tmp_path / f"{killed}.db"))
    assert counted and set(counted.values()) == {1}, "no work order invoiced twice"


def job_events(store: Store) -> list[tuple[str, list[datetime], datetime]]:
    """Each invoice_book job's company, the times it started, and when it succeeded."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT j.args->>'company', array_agg(e.at ORDER BY e.at) FILTER (WHERE e.type = "
            "'started'), max(e.at) FILTER (WHERE e.type = 'succeeded') FROM procrastinate_jobs "
            "j JOIN procrastinate_events e ON e.job_id = j.id WHERE j.task_name = "
            "'ledgerlink:invoice_book' GROUP BY j.id")).all()
    return [(company, list(starts), succeeded) for company, starts, succeeded in rows]


def finished_jobs(store: Store, outcomes: list[tuple[Status, float]]) -> list[int]:
    """Jobs of this queue that a worker took and finished with each ``(status, days ago)``,
    through procrastinate's own job manager, their events moved back that many days."""

    async def finish() -> list[int]:
        app = queue.make_app(store.url)
        async with app.open_async():
            manager = app.job_manager
            worker = await manager.register_worker()
            ids = []
            for status, _ in outcomes:
                await app.tasks["ledgerlink:run_jobs"].defer_async(company="acme")
                job = await manager.fetch_job([queue.QUEUE], worker)
                assert job is not None and job.id is not None
                await manager.finish_job(job, status, delete_job=False)
                ids.append(job.id)
            await manager.unregister_worker(worker)
            return ids

    ids = asyncio.run(finish())
    with store.engine.begin() as conn:
        for job_id, (_, days) in zip(ids, outcomes, strict=True):
            conn.execute(sa.text("UPDATE procrastinate_events SET at = at - make_interval("
                                 "secs => :seconds) WHERE job_id = :id"),
                         {"seconds": days * 86400, "id": job_id})
    return ids


def kept_jobs(store: Store, ids: list[int]) -> list[int]:
    """Which of the jobs ``ids`` are still in procrastinate's tables, with their events."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT j.id, count(e.id) FROM procrastinate_jobs j LEFT JOIN procrastinate_events"
            " e ON e.job_id = j.id WHERE j.id = ANY(:ids) GROUP BY j.id ORDER BY j.id"),
            {"ids": ids}).all()
        orphans = conn.execute(sa.text("SELECT count(*) FROM procrastinate_events "
                                       "WHERE job_id = ANY(:ids)"), {"ids": ids}).scalar_one()
    assert all(events > 0 for _, events in rows)
    assert orphans == sum(events for _, events in rows), "events go with their job"
    return [job_id for job_id, _ in rows]


@pytest.mark.parametrize(("retention", "expected_kept"), [
    ((), ["recent", "failed-old", "failed-older"]),
    (("--keep-failed-jobs", "3"), ["recent", "failed-old"]),
])
def test_a_worker_removes_old_finished_jobs(store: Store, retention: tuple[str, ...],
                                           expected_kept: list[str]) -> None:
    """A worker kept for a day (--keep-jobs 1) removes the jobs that finished more than a day
    ago with their events, keeps recent ones, and keeps failed ones for good unless
    --keep-failed-jobs says how long."""
    named = {"old": (Status.SUCCEEDED, 2.0), "recent": (Status.SUCCEEDED, 0.5),
             "aborted-old": (Status.ABORTED, 2.0), "failed-old": (Status.FAILED, 2.0),
             "failed-older": (Status.FAILED, 5.0)}
    ids = dict(zip(named, finished_jobs(store, list(named.values())), strict=True))
    worker = start_worker(store.url, *FAST, "--keep-jobs", "1", *retention)
    try:
        # A worker that starts defers the cleanup's last tick (every five minutes) at once.
        wait_until(lambda: jobs(store, "clean_jobs", "succeeded", "failed") == 1, timeout=60)
    finally:
        stop(worker)
    assert jobs(store, "clean_jobs", "failed") == 0
    kept = kept_jobs(store, list(ids.values()))
    assert sorted(kept) == sorted(ids[name] for name in expected_kept)


def scheduled_company(store: Store, root: Path) -> str:
    """Register company COMPANY with its projects file and a daily job due now (it runs from
    00:00 local time, and started a month ago); the path of its sandbox book."""
    loading.save_customers(customers(), root / "customers.csv")
    save_projects(projects(), root / "projects.json")
    book = str(root / "book.db")
    workers.add_company(store, COMPANY, connector="sandbox", options={"path": book},
                        source_options={"customers": str(root / "customers.csv")},
                        projects=root / "projects.json", time_zone="Europe/Copenhagen")
    due = attrs.evolve(job(recurrence=DAILY, starts_on=date.today() - timedelta(days=30)),
                       run_hour=0)
    Scheduler(store, lambda company: None).save(due)  # type: ignore[arg-type,return-value]
    return book


def billed_projects(book_path: str) -> Counter[str]:
    """How many invoice lines of the sandbox book bill each project (the scheduled run's
    line key ends with the project id)."""
    return Counter(key.rpartition(":")[2] for key in line_keys(book_path))


def run_jobs_settled(store: Store) -> bool:
    """The periodic ``scheduled`` job ran, and no ``run_jobs`` job waits or runs."""
    return (jobs(store, "scheduled", "succeeded", "failed") >= 1
            and jobs(store, "run_jobs", "succeeded", "failed") >= 1
            and jobs(store, "run_jobs", "todo", "doing") == 0)


def test_the_periodic_task_runs_a_due_scheduled_job_once(store: Store, tmp_path: Path) -> None:
    """Two workers started together: the periodic ``scheduled`` task queues the company's
    ``run_jobs`` under its book's lock once, a worker runs its due job, and the sandbox book
    bills each project once."""
    book = scheduled_company(store, tmp_path)
    started = [start_worker(store.url, *FAST) for _ in range(2)]
    try:
        wait_until(lambda: run_jobs_settled(store), timeout=90)
    finally:
        for worker in started:
            stop(worker)
    assert jobs(store, "run_jobs", "failed") == 0 and jobs(store, "scheduled", "failed") == 0
    with store.engine.connect() as conn:
        queued = conn.execute(sa.text(
            "SELECT DISTINCT lock, queueing_lock FROM procrastinate_jobs "
            "WHERE task_name = 'ledgerlink:run_jobs'")).all()
    record = workers.companies(store)[0]
    assert queued == [(f"book:{record.book}", f"jobs:{COMPANY}")], "queued by the periodic task"
    assert billed_projects(book) == {"P1": 1, "P2": 1, "P3": 1}


def test_two_workers_running_a_company_s_jobs_at_once_bill_them_once(
        store: Store, tmp_path: Path) -> None:
    """``run_jobs`` queued three more times without the book's lock, so both workers run it
    at the same moment: the due job runs once, each project billed once in the book."""
    book = scheduled_company(store, tmp_path)
    app = queue.make_app(store.url)
    with app.open():
        for _ in range(3):
            app.tasks["ledgerlink:run_jobs"].defer(company=COMPANY)
    started = [start_worker(store.url, *FAST) for _ in range(2)]
    try:
        wait_until(lambda: run_jobs_settled(store)
                   and jobs(store, "run_jobs", "succeeded", "failed") >= 4, timeout=90)
    finally:
        for worker in started:
            stop(worker)
    assert jobs(store, "run_jobs", "failed") == 0
    assert billed_projects(book) == {"P1": 1, "P2": 1, "P3": 1}
