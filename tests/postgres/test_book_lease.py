"""The book lease and its fence on PostgreSQL: tests/ledgerlink/store/test_book_lease.py
collected again with the journal on a real PostgreSQL server (READ COMMITTED, row locks,
ON CONFLICT)."""

from __future__ import annotations

import pytest

from ledgerlink.store import Store
from tests.ledgerlink.store.test_book_lease import (  # noqa: F401 - collected again, on PostgreSQL
    test_a_dead_local_process_lease_is_taken_over_before_it_runs_out,
    test_a_held_book_is_busy_for_a_second_holder,
    test_a_live_local_process_keeps_its_lease,
    test_a_run_on_a_held_book_is_refused_and_touches_nothing,
    test_a_run_releases_its_book_when_it_ends,
    test_a_run_that_loses_its_lease_stops_before_another_intent,
    test_a_second_runner_waits_for_the_first_and_finds_nothing_left,
    test_an_expired_lease_is_taken_over,
    test_other_books_are_not_held_by_a_lease,
    test_release_frees_the_book_and_wait_takes_it_when_freed,
    test_the_fence_refuses_a_commit_after_the_lease_was_taken_over,
    test_the_fence_renews_the_lease,
    test_the_lease_is_renewed_while_a_slow_call_is_in_flight,
    test_work_kept_off_invoices_by_policy_is_logged_once,
)


@pytest.fixture
def store(pg_url: str) -> Store:
    return Store(pg_url)
