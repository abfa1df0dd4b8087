"""JobStore on PostgreSQL: the SQLite suite's behaviour tests, plus real races.

The behaviour tests are the ones of tests/ledgerlink/store, collected here again with
the ``schedules`` fixture below (a fresh PostgreSQL database) in place of theirs.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

from ledgerlink.scheduling.jobstore import JobStore
from ledgerlink.store import Store
from tests.ledgerlink.store.test_schedule_claims import (  # noqa: F401 - collected again, on PostgreSQL
    LEASE,
    NOW,
    ScheduleRun,
    _claim,
    _job,
    _race_processes,
    test_a_claim_of_a_crashed_run_dies_with_its_lease,
    test_a_claim_whose_run_ended_without_an_invoice_is_taken_over,
    test_a_due_slot_is_taken_once,
    test_a_failed_slot_is_not_retried_and_keeps_its_error,
    test_a_held_lease_can_be_renewed_only_by_its_worker,
    test_a_rerun_moves_its_own_claim_to_the_work_order_that_bills_it,
    test_an_aborted_slot_is_taken_again_under_the_same_run_id,
    test_an_expired_lease_is_resumed_under_the_same_run_id,
    test_claims_refuse_bad_input_by_field,
    test_finishing_in_an_unknown_state_names_the_states,
    test_items_are_claimed_once_and_a_rerun_of_the_same_run_keeps_them,
    test_manual_runs_take_a_fresh_slot_each_on_the_local_day,
    test_thousands_of_items_are_claimed_and_checked_in_chunks,
)
from tests.ledgerlink.store.test_schedules import (  # noqa: F401 - collected again, on PostgreSQL
    test_a_bad_log_line_is_refused_by_field,
    test_a_deleted_job_is_gone_from_listings_but_its_history_stays,
    test_a_name_is_unique_per_company_among_jobs_not_deleted,
    test_a_new_job_gets_an_id_version_one_and_starts_on_its_local_day,
    test_an_edit_bumps_the_version_and_keeps_the_history,
    test_any_job_is_read_back_as_saved,
    test_listing_filters_by_company_and_activity,
    test_saving_an_edit_of_an_old_version_is_a_conflict_naming_both,
    test_the_database_refuses_a_duplicate_name_even_past_the_check,
    test_the_log_keeps_lines_in_order_with_decimal_amounts,
)


@pytest.fixture
def schedules(pg_url: str) -> JobStore:
    return JobStore(Store(pg_url))


def _thread_race(racers: list[JobStore], attempt: object) -> list[object]:
    """Run ``attempt(schedules, n)`` on every racer at once; their results."""
    start = threading.Barrier(len(racers))
    results: list[object] = []

    def race(schedules: JobStore, n: int) -> None:
        start.wait()
        results.append(attempt(schedules, n))  # type: ignore[operator]

    threads = [threading.Thread(target=race, args=(s, n), daemon=True)
               for n, s in enumerate(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == len(racers), "a racer did not finish"
    return results


def test_connections_racing_for_one_slot_leave_one_winner(pg_url: str) -> None:
    """Eight PostgreSQL connections racing for one slot leave one claimed run."""
    job_id = _job(JobStore(Store(pg_url)))
    racers = [JobStore(Store(pg_url)) for _ in range(8)]
    results = _thread_race(racers, lambda s, n: _claim(s, job_id, worker=f"t{n}"))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert isinstance(winners[0], ScheduleRun)
    assert [r.run_id for r in racers[0].runs()] == [winners[0].run_id]


def test_connections_racing_to_take_over_a_dead_run_leave_one_winner(pg_url: str) -> None:
    """Eight connections racing to take over an expired run: one resumes it."""
    schedules = JobStore(Store(pg_url))
    job_id = _job(schedules)
    dead = _claim(schedules, job_id, worker="dead")
    assert dead is not None
    racers = [JobStore(Store(pg_url)) for _ in range(8)]
    later = NOW + LEASE + timedelta(seconds=1)
    results = _thread_race(racers, lambda s, n: _claim(s, job_id, worker=f"t{n}", now=later))
    winners = [r for r in results if isinstance(r, ScheduleRun)]
    assert [(w.run_id, w.resumed) for w in winners] == [(dead.run_id, True)]
    assert schedules.run(dead.run_id).worker == winners[0].worker


def test_runs_racing_to_claim_the_same_items_split_them_without_overlap(pg_url: str) -> None:
    """Each item ends up claimed by exactly one of the racing runs."""
    schedules = JobStore(Store(pg_url))
    job_id = _job(schedules)
    runs = [_claim(schedules, job_id, day=None, trigger="manual", worker=f"w{n}")
            for n in range(6)]
    items = {f"i{n}": f"wo-{n}" for n in range(200)}
    racers = [JobStore(Store(pg_url)) for _ in runs]
    refusals = _thread_race(racers, lambda s, n: s.claim_items(
        "b", items, job_id=job_id, run_id=runs[n].run_id, now=NOW))  # type: ignore[union-attr]
    got = [set(items) - set(refused) for refused in refusals]  # type: ignore[arg-type]
    assert sorted(len(g) for g in got) == [0] * (len(runs) - 1) + [len(items)]
    assert schedules.billed("b", items, now=NOW) == set(items)


def test_connections_racing_to_retry_an_aborted_run_leave_one_winner(pg_url: str) -> None:
    """Eight connections claiming an aborted slot at once: one takes the run back."""
    schedules = JobStore(Store(pg_url))
    job_id = _job(schedules)
    aborted = _claim(schedules, job_id, worker="first")
    assert aborted is not None
    schedules.finish_run(aborted.run_id, "aborted", summary={}, error="bad input", now=NOW)
    racers = [JobStore(Store(pg_url)) for _ in range(8)]
    later = NOW + timedelta(minutes=1)
    results = _thread_race(racers, lambda s, n: _claim(s, job_id, worker=f"t{n}", now=later))
    winners = [r for r in results if isinstance(r, ScheduleRun)]
    assert [(w.run_id, w.state) for w in winners] == [(aborted.run_id, "running")]
    assert schedules.run(aborted.run_id).worker == winners[0].worker


@pytest.mark.slow
def test_processes_race_for_one_slot_on_one_database_and_one_wins(
        pg_url: str, tmp_path: Path) -> None:
    """Processes racing for one slot in one PostgreSQL database leave one run."""
    schedules = JobStore(Store(pg_url))
    job_id = _job(schedules)
    outputs = _race_processes(pg_url, job_id, tmp_path, NOW)  # type: ignore[arg-type]
    winners = [o for o in outputs if o is not None]
    (run,) = schedules.runs()
    assert winners == [{"run_id": run.run_id, "resumed": False}]


@pytest.mark.slow
def test_processes_race_to_resume_a_dead_run_and_one_wins(pg_url: str, tmp_path: Path) -> None:
    """Processes racing to resume an expired run on PostgreSQL: one resumes it."""
    schedules = JobStore(Store(pg_url))
    job_id = _job(schedules)
    dead = _claim(schedules, job_id, worker="dead")
    assert dead is not None
    outputs = _race_processes(pg_url, job_id, tmp_path, NOW + 2 * LEASE)  # type: ignore[arg-type]
    assert [o for o in outputs if o is not None] == [{"run_id": dead.run_id, "resumed": True}]
    assert schedules.run(dead.run_id).worker.startswith("p")
