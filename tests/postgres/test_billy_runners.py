"""Several runners on one Billy company with the journal on PostgreSQL:
tests/ledgerlink_billy/test_many_runners.py collected again with a PostgreSQL journal."""

from __future__ import annotations

import pytest

from tests.ledgerlink_billy.test_many_runners import (  # noqa: F401 - collected again, on PostgreSQL
    served,
    test_a_billy_runner_killed_mid_run_is_taken_over_after_its_lease,
    test_four_runners_on_one_billy_company_bill_each_order_once,
)


@pytest.fixture
def journal_target(pg_url: str) -> str:
    """Where the runners keep their journal: a fresh PostgreSQL database."""
    return pg_url
