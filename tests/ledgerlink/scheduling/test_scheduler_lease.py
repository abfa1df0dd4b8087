"""A long run keeps its lease; a run whose lease another worker took stops like a crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledgerlink.sandbox.connector import SandboxConnector
from tests.ledgerlink.scheduling.support import Books, job

RUN = datetime(2026, 10, 31, 21, 30, tzinfo=UTC)
CREATED = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
EXPECTED = [("Fjord A/S", "Rollout", Decimal("1625.00")),
            ("Nordlys ApS", "Licences", Decimal("250.00")),
            ("Nordlys ApS", "Support", Decimal("3250.00"))]


def test_a_run_longer_than_a_third_of_its_lease_renews_it(tmp_path: Path) -> None:
    """A run outlasting a third of its lease renews it past the first claim's end."""
    books = Books(tmp_path)
    books.connector = SandboxConnector(tmp_path / "book.db", latency=0.05)
    books.scheduler().save(job(), now=CREATED)
    lease = timedelta(seconds=0.09)

    [run] = books.scheduler(lease=lease, worker="w1").run_due(now=RUN)

    assert run.run.state == "done"
    claimed = datetime.fromisoformat(run.run.claimed_at)
    # Claimed until RUN + 0.09 s; each renewal moves it to RUN + elapsed + 0.09 s.
    assert datetime.fromisoformat(run.run.lease_until) > claimed + lease


class RivalTakesOver(SandboxConnector):
    """At its second invoice, another worker finds the run's lease expired and takes it."""

    def __init__(self, path: Path, books: Books) -> None:
        super().__init__(path, latency=0.02)
        self.books = books
        self.creates = 0

    def create_invoice(self, *args: Any) -> Any:
        self.creates += 1
        if self.creates == 2:
            rival = self.books.scheduler(worker="rival")
            [stale] = rival.jobs.stale_runs(now=RUN + timedelta(hours=1))
            taken = rival.jobs.claim_run(stale.job_id, stale.scheduled_for, trigger="due",
                                         job_version=1, worker="rival",
                                         now=RUN + timedelta(hours=1), lease=timedelta(hours=1))
            assert taken is not None and taken.resumed
        return super().create_invoice(*args)


def test_a_worker_whose_lease_was_taken_stops_and_the_taker_finishes(tmp_path: Path) -> None:
    """A worker whose lease was taken stops without logging; the taker finishes the run."""
    books = Books(tmp_path)
    books.connector = RivalTakesOver(tmp_path / "book.db", books)
    books.scheduler().save(job(), now=CREATED)

    [stopped] = books.scheduler(lease=timedelta(seconds=0.03), worker="w1").run_due(now=RUN)

    # The first worker neither finished the run nor logged nor notified it.
    assert (stopped.run.state, stopped.run.worker, stopped.notified) == (
        "running", "rival", "none")
    assert books.scheduler().jobs.log(run_id=stopped.run.run_id) == []

    books.connector = SandboxConnector(tmp_path / "book.db")
    [finished] = books.scheduler(worker="rival").run_due(now=RUN + timedelta(hours=2))
    assert finished.run.run_id == stopped.run.run_id and finished.run.state == "done"
    assert sorted(books.invoices()) == EXPECTED
