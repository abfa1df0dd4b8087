"""JobStore runs and item claims: slots taken once, leases, takeovers, races, billed items."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledgerlink.errors import ConflictError, NotFoundError, ValidationError
from ledgerlink.scheduling.jobstore import JobStore
from ledgerlink.scheduling.model import Frequency, InvoiceGeneration, Recurrence, ScheduledJob
from ledgerlink.store import Store
from ledgerlink.store import schema as t
from ledgerlink.store.schedules import ScheduleRun

NOW = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
DAY = date(2026, 11, 30)
LEASE = timedelta(minutes=5)
WORKER = Path(__file__).with_name("claim_worker.py")


@pytest.fixture
def schedules(tmp_path: Path) -> JobStore:
    return JobStore(Store(tmp_path / "j.db"))


def _job(schedules: JobStore, name: str = "Monthly") -> str:
    job = ScheduledJob("acme", name, Recurrence(Frequency.DAILY), InvoiceGeneration("ann"),
                       created_by="ann")
    return schedules.save(job, now=NOW).id


def _claim(schedules: JobStore, job_id: str, *, day: date | None = DAY,
           trigger: str = "due", worker: str = "w1", now: datetime = NOW) -> ScheduleRun | None:
    return schedules.claim_run(job_id, day, trigger=trigger, job_version=1, worker=worker,
                               now=now, lease=LEASE)


def test_a_due_slot_is_taken_once(schedules: JobStore) -> None:
    """A due slot is claimed by one worker; once finished it is never claimed again."""
    job_id = _job(schedules)
    run = _claim(schedules, job_id)
    assert run is not None and not run.resumed
    assert (run.slot, run.scheduled_for, run.state, run.trigger) == ("2026-11-30", DAY,
                                                                     "running", "due")
    assert _claim(schedules, job_id, worker="w2") is None  # running under a live lease
    done = schedules.finish_run(run.run_id, "done", summary={"invoices": 2}, now=NOW)
    assert (done.state, done.summary, done.finished_at) == (
        "done", {"invoices": 2}, "2026-11-30T21:00:00.000000+00:00")
    assert _claim(schedules, job_id, now=NOW + timedelta(days=1)) is None  # done stays done
    assert schedules.run(run.run_id) == done
    assert schedules.last_days() == {job_id: DAY}


def test_a_failed_slot_is_not_retried_and_keeps_its_error(schedules: JobStore) -> None:
    """A slot whose run failed is not claimed again and its run keeps the error."""
    job_id = _job(schedules)
    run = _claim(schedules, job_id)
    assert run is not None
    schedules.finish_run(run.run_id, "failed", summary={}, error="provider down", now=NOW)
    assert _claim(schedules, job_id, now=NOW + timedelta(hours=1)) is None
    assert schedules.run(run.run_id).error == "provider down"


def test_an_expired_lease_is_resumed_under_the_same_run_id(schedules: JobStore) -> None:
    """A run whose lease expired is resumed by another worker under the same run id."""
    job_id = _job(schedules)
    first = _claim(schedules, job_id, worker="dead")
    assert first is not None
    later = NOW + LEASE + timedelta(seconds=1)
    assert schedules.stale_runs(now=NOW) == []
    assert [r.run_id for r in schedules.stale_runs(now=later)] == [first.run_id]
    resumed = _claim(schedules, job_id, worker="w2", now=later)
    assert resumed is not None and resumed.resumed
    assert (resumed.run_id, resumed.worker, resumed.claimed_at) == (
        first.run_id, "w2", first.claimed_at)
    assert resumed.lease_until == (later + LEASE).isoformat(timespec="microseconds")
    assert _claim(schedules, job_id, worker="w3", now=later) is None  # w2's lease is live
    with pytest.raises(ConflictError, match="dead"):
        schedules.finish_run(first.run_id, "done", summary={}, now=later, worker="dead")
    assert schedules.finish_run(first.run_id, "done", summary={}, now=later,
                                worker="w2").state == "done"


def test_a_held_lease_can_be_renewed_only_by_its_worker(schedules: JobStore) -> None:
    """Only the worker holding a run's lease can renew it, keeping others out."""
    job_id = _job(schedules)
    run = _claim(schedules, job_id)
    assert run is not None
    assert not schedules.renew_lease(run.run_id, worker="other", now=NOW, lease=LEASE)
    assert schedules.renew_lease(run.run_id, worker="w1", now=NOW + LEASE, lease=LEASE)
    assert _claim(schedules, job_id, worker="w2", now=NOW + LEASE + timedelta(minutes=1)) is None


def test_manual_runs_take_a_fresh_slot_each_on_the_local_day(schedules: JobStore) -> None:
    """Each manual run gets its own slot on the local day and leaves the calendar alone."""
    job_id = _job(schedules)
    late = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 1 December in Copenhagen
    one = _claim(schedules, job_id, day=None, trigger="manual", now=late)
    two = _claim(schedules, job_id, day=None, trigger="manual", now=late)
    assert one is not None and two is not None and one.run_id != two.run_id
    assert one.slot == f"manual-{one.run_id}" and one.scheduled_for == date(2026, 12, 1)
    assert schedules.last_days() == {}  # manual runs do not move the calendar
    assert [r.run_id for r in schedules.runs(job_id=job_id)] == sorted(
        [one.run_id, two.run_id], reverse=True)


def test_claims_refuse_bad_input_by_field(schedules: JobStore) -> None:
    """Claiming or finishing a run refuses a bad trigger, day, time, state or id by field."""
    job_id = _job(schedules)
    with pytest.raises(ValidationError) as caught:
        _claim(schedules, job_id, trigger="sometimes")
    assert caught.value.field == "trigger"
    with pytest.raises(ValidationError) as caught:
        _claim(schedules, job_id, day=None)
    assert caught.value.field == "day"
    with pytest.raises(ValidationError) as caught:
        _claim(schedules, job_id, now=datetime(2026, 11, 30, 21))
    assert caught.value.field == "now"
    with pytest.raises(NotFoundError, match="ghost"):
        _claim(schedules, "ghost")
    run = _claim(schedules, job_id)
    assert run is not None
    with pytest.raises(ValidationError) as caught:
        schedules.finish_run(run.run_id, "running", summary={}, now=NOW)
    assert caught.value.field == "state"
    with pytest.raises(NotFoundError):
        schedules.finish_run("ghost", "done", summary={}, now=NOW)


def test_threads_on_separate_connections_race_for_one_slot_and_one_wins(tmp_path: Path) -> None:
    """Six threads with their own connections race for one slot and exactly one claims it."""
    path = tmp_path / "j.db"
    job_id = _job(JobStore(Store(path)))
    racers = [JobStore(Store(path)) for _ in range(6)]
    start = threading.Barrier(len(racers))
    results: list[ScheduleRun | None] = []

    def race(schedules: JobStore, n: int) -> None:
        start.wait()
        results.append(_claim(schedules, job_id, worker=f"t{n}"))

    threads = [threading.Thread(target=race, args=(s, n)) for n, s in enumerate(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [r for r in results if r is not None]
    assert len(results) == 6 and len(winners) == 1
    assert [r.run_id for r in racers[0].runs()] == [winners[0].run_id]


def _race_processes(path: Path, job_id: str, tmp_path: Path, now: datetime) -> list[object]:
    go = tmp_path / "go"
    procs = [subprocess.Popen(
        [sys.executable, str(WORKER), str(path), job_id, DAY.isoformat(), now.isoformat(),
         str(go), f"p{n}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE) for n in range(4)]
    go.touch()
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
        outputs.append(json.loads(out))
    return outputs


@pytest.mark.slow
def test_processes_race_for_one_slot_on_one_sqlite_file_and_one_wins(tmp_path: Path) -> None:
    """Processes racing for one slot in one SQLite file leave exactly one run."""
    path = tmp_path / "j.db"
    schedules = JobStore(Store(path))
    job_id = _job(schedules)
    outputs = _race_processes(path, job_id, tmp_path, NOW)
    winners = [o for o in outputs if o is not None]
    assert len(winners) == 1
    (run,) = schedules.runs()
    assert winners == [{"run_id": run.run_id, "resumed": False}]


@pytest.mark.slow
def test_processes_race_to_resume_a_dead_run_and_one_wins(tmp_path: Path) -> None:
    """Processes racing to resume a run whose lease expired: one resumes it."""
    path = tmp_path / "j.db"
    schedules = JobStore(Store(path))
    job_id = _job(schedules)
    dead = _claim(schedules, job_id, worker="dead")
    assert dead is not None
    outputs = _race_processes(path, job_id, tmp_path, NOW + 2 * LEASE)
    assert [o for o in outputs if o is not None] == [{"run_id": dead.run_id, "resumed": True}]
    assert schedules.run(dead.run_id).worker.startswith("p")


# --- item claims ------------------------------------------------------------------------


def _invoiced(schedules: JobStore, book: str, work_order_id: str, revision: int) -> None:
    """What the journal writes once the work order is on an invoice."""
    with schedules.store.engine.begin() as conn:
        conn.execute(sa.insert(t.invoiced_work).values(
            book=book, work_order_id=work_order_id, revision=revision, fingerprint="f",
            invoice_key=f"inv:{work_order_id}", credited=revision > 0))


def _runs(schedules: JobStore) -> tuple[str, ScheduleRun, ScheduleRun]:
    job_id = _job(schedules)
    first = _claim(schedules, job_id, day=date(2026, 11, 29), worker="a")
    second = _claim(schedules, job_id, worker="b")
    assert first is not None and second is not None
    return job_id, first, second


def test_items_are_claimed_once_and_a_rerun_of_the_same_run_keeps_them(
        schedules: JobStore) -> None:
    """Items are claimed by one run; a rerun of that run keeps them, another run is refused."""
    job_id, first, second = _runs(schedules)
    claims = {"i1": "wo-1", "i2": "wo-1"}
    assert schedules.claim_items("b", claims, job_id=job_id, run_id=first.run_id, now=NOW) == {}
    assert schedules.claim_items("b", claims, job_id=job_id, run_id=first.run_id, now=NOW) == {}
    refused = schedules.claim_items("b", {"i1": "wo-9", "i3": "wo-9"}, job_id=job_id,
                                    run_id=second.run_id, now=NOW)
    assert list(refused) == ["i1"]  # first still runs under its lease
    assert (refused["i1"].run_id, refused["i1"].work_order_id) == (first.run_id, "wo-1")
    assert schedules.billed("b", ["i1", "i2", "i3", "i4"], now=NOW) == {"i1", "i2", "i3"}
    assert schedules.billed("b", ["i1", "i2", "i3"], now=NOW,
                            except_run=first.run_id) == {"i3"}
    assert schedules.billed("other-book", ["i1"], now=NOW) == set()


def test_a_rerun_moves_its_own_claim_to_the_work_order_that_bills_it(
        schedules: JobStore) -> None:
    """A run claiming an item again moves it to the new work order, which bills it."""
    job_id, first, _ = _runs(schedules)
    schedules.claim_items("b", {"i1": "wo-1"}, job_id=job_id, run_id=first.run_id, now=NOW)
    schedules.claim_items("b", {"i1": "wo-2"}, job_id=job_id, run_id=first.run_id, now=NOW)
    schedules.finish_run(first.run_id, "done", summary={}, now=NOW)
    _invoiced(schedules, "b", "wo-2", 0)
    assert schedules.billed("b", ["i1"], now=NOW) == {"i1"}


def test_a_claim_whose_run_ended_without_an_invoice_is_taken_over(
        schedules: JobStore) -> None:
    """A claim from a failed run whose work order was never invoiced is free for another run."""
    job_id, first, second = _runs(schedules)
    schedules.claim_items("b", {"i1": "wo-1", "i2": "wo-2"}, job_id=job_id,
                          run_id=first.run_id, now=NOW)
    schedules.finish_run(first.run_id, "failed", summary={}, error="boom", now=NOW)
    _invoiced(schedules, "b", "wo-2", 1)  # any revision counts: wo-2 was invoiced
    assert schedules.billed("b", ["i1", "i2"], now=NOW) == {"i2"}
    refused = schedules.claim_items("b", {"i1": "wo-7", "i2": "wo-7"}, job_id=job_id,
                                    run_id=second.run_id, now=NOW)
    assert list(refused) == ["i2"]
    assert schedules.billed("b", ["i1"], now=NOW, except_run=second.run_id) == set()
    assert schedules.billed("b", ["i1"], now=NOW) == {"i1"}  # now second's, running


def test_a_claim_of_a_crashed_run_dies_with_its_lease(schedules: JobStore) -> None:
    """A crashed run's item claims lapse with its lease and pass to the next run."""
    job_id, first, second = _runs(schedules)
    schedules.claim_items("b", {"i1": "wo-1"}, job_id=job_id, run_id=first.run_id, now=NOW)
    later = NOW + LEASE + timedelta(seconds=1)  # first's worker never came back
    assert schedules.billed("b", ["i1"], now=NOW) == {"i1"}
    assert schedules.billed("b", ["i1"], now=later) == set()
    assert schedules.renew_lease(second.run_id, worker="b", now=later, lease=LEASE)
    assert schedules.claim_items("b", {"i1": "wo-2"}, job_id=job_id, run_id=second.run_id,
                                 now=later) == {}
    assert schedules.claim_items("b", {"i1": "wo-1"}, job_id=job_id, run_id=first.run_id,
                                 now=later)["i1"].run_id == second.run_id


def test_thousands_of_items_are_claimed_and_checked_in_chunks(schedules: JobStore) -> None:
    """Three thousand items are claimed and checked as billed, past SQL parameter limits."""
    job_id, first, second = _runs(schedules)
    claims = {f"i{n}": f"wo-{n % 7}" for n in range(3_000)}
    assert schedules.claim_items("b", claims, job_id=job_id, run_id=first.run_id,
                                 now=NOW) == {}
    schedules.finish_run(first.run_id, "done", summary={}, now=NOW)
    _invoiced(schedules, "b", "wo-3", 0)
    billed = schedules.billed("b", [*claims, "unknown"], now=NOW)
    assert billed == {item for item, order in claims.items() if order == "wo-3"}
    refused = schedules.claim_items("b", claims, job_id=job_id, run_id=second.run_id, now=NOW)
    assert set(refused) == billed


def test_an_aborted_slot_is_taken_again_under_the_same_run_id(
        schedules: JobStore) -> None:
    """A run that ended aborted (nothing written) leaves its day open: the next claim takes
    the same run back, running again with its error and summary cleared."""
    job_id = _job(schedules)
    first = _claim(schedules, job_id, worker="w1")
    assert first is not None
    schedules.finish_run(first.run_id, "aborted", summary={}, error="projects.csv: bad",
                         now=NOW, worker="w1")
    assert schedules.last_days() == {}
    later = NOW + timedelta(minutes=15)
    again = _claim(schedules, job_id, worker="w2", now=later)
    assert again is not None and not again.resumed
    assert (again.run_id, again.state, again.worker, again.error, again.finished_at) == (
        first.run_id, "running", "w2", "", None)
    assert again.claimed_at == later.isoformat(timespec="microseconds")
    assert _claim(schedules, job_id, worker="w3", now=later) is None  # w2 holds it now
    schedules.finish_run(again.run_id, "done", summary={"invoices": 1}, now=later, worker="w2")
    assert schedules.last_days() == {job_id: DAY}
    assert [r.run_id for r in schedules.runs()] == [first.run_id]


def test_finishing_in_an_unknown_state_names_the_states(schedules: JobStore) -> None:
    """finish_run takes done, failed or aborted, and says so for anything else."""
    run = _claim(schedules, _job(schedules))
    assert run is not None
    with pytest.raises(ValidationError, match="done, failed, aborted"):
        schedules.finish_run(run.run_id, "skipped", summary={}, now=NOW)


@pytest.mark.slow
def test_processes_race_to_retry_an_aborted_run_and_one_wins(tmp_path: Path) -> None:
    """Four processes claiming an aborted slot at once: exactly one gets it back."""
    path = tmp_path / "j.db"
    schedules = JobStore(Store(path))
    job_id = _job(schedules)
    aborted = _claim(schedules, job_id, worker="first")
    assert aborted is not None
    schedules.finish_run(aborted.run_id, "aborted", summary={}, error="bad input", now=NOW)
    outputs = _race_processes(path, job_id, tmp_path, NOW + timedelta(minutes=1))
    assert [o for o in outputs if o is not None] == [{"run_id": aborted.run_id,
                                                      "resumed": False}]
    assert schedules.run(aborted.run_id).worker.startswith("p")
