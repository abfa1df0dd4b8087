"""Scheduled jobs run end to end with the journal on PostgreSQL (the book is the sandbox).

The single-process tests are those of tests/ledgerlink/scheduling/test_scheduler_runs.py,
collected again with the ``books`` fixture below in place of theirs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from ledgerlink.scheduling.model import JobFilters
from tests.ledgerlink.scheduling.support import job
from tests.ledgerlink.scheduling.test_scheduler_runs import (  # noqa: F401 - collected again, on PostgreSQL
    AFTER_OCT_RUN,
    _save,
    test_a_due_job_runs_once_and_bills_each_project_within_its_limit,
    test_a_missed_stretch_is_caught_up_once,
    test_a_plugin_may_refuse_too,
    test_a_refused_creator_writes_nothing_and_leaves_the_items_billable,
    test_a_refused_run_is_retried_when_the_creator_may_invoice,
    test_a_run_for_a_future_instant_finishes_after_it_started,
    test_a_run_stopped_by_bad_input_is_retried_once_the_input_is_fixed,
    test_a_run_that_started_invoicing_keeps_its_day_even_when_it_failed,
    test_an_aborted_day_superseded_by_a_later_one_runs_once_for_the_latest,
    test_an_inactive_or_deleted_job_is_never_due,
    test_draft_status_collects_the_work_on_the_customers_draft,
    test_filters_choose_the_projects,
    test_items_are_never_billed_again_by_later_or_other_runs,
    test_listing_shows_the_next_run,
    test_merging_puts_a_customers_projects_on_one_invoice,
    test_preview_writes_nothing,
    test_run_due_can_be_limited_to_one_company,
    test_the_transfer_log_names_each_invoice_and_what_was_held,
    test_without_a_notifier_no_notification_line_is_logged,
)
from tests.postgres.scheduler_worker import PgBooks

WORKER = Path(__file__).with_name("scheduler_worker.py")


@pytest.fixture
def books(tmp_path: Path, pg_url: str) -> PgBooks:
    return PgBooks(tmp_path, pg_url)


@pytest.mark.slow
def test_workers_running_due_at_once_on_one_database_run_each_job_once(books: PgBooks) -> None:
    """Two jobs over the same projects, three workers: each slot runs once, items bill once."""
    first = _save(books, job("First"))
    second = _save(books, job("Second", merge=True, filters=JobFilters(projects={"P1"})))
    go = books.root / "go"
    workers = [subprocess.Popen(
        [sys.executable, str(WORKER), books.url, str(books.root), AFTER_OCT_RUN.isoformat(),
         str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)]
    go.touch()
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=90)
        assert worker.returncode == 0, err
        outputs.extend(json.loads(out))

    assert Counter(job_id for job_id, _, _ in outputs) == Counter([first.id, second.id])
    assert {state for _, _, state in outputs} == {"done"}
    # Each project's items went on exactly one invoice, whichever job got them.
    assert sorted(ref for _, ref, _ in books.invoices()) == ["Licences", "Rollout", "Support"]
    assert books.scheduler().run_due(now=AFTER_OCT_RUN) == []
