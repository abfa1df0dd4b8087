"""The journal state for the work at hand on PostgreSQL: same plans, reads through the indexes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from ledgerlink.store import Store, state_reads
from tests.ledgerlink.store.test_state_reads import journals, plans_agree


def test_planning_from_the_work_at_hands_state_equals_planning_from_the_whole_book(
        pg_url: str) -> None:
    """On PostgreSQL too, for random journals and inputs, planning from the state read for
    the work at hand gives the plan (and uninvoiced list) the whole book's state gives."""
    store = Store(pg_url)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(case=journals())
    def agree(case: Any) -> None:
        plans_agree(store, case)

    agree()
    store.close()


def test_drafts_and_unfinished_invoices_match_their_partial_indexes(pg_url: str) -> None:
    """PostgreSQL can answer the drafts and unfinished-invoices reads from their partial
    indexes: the queries imply the indexes' conditions (with sequential scans off, the
    plans name them)."""
    store = Store(pg_url)
    plans = []
    with store.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        for query in (state_reads._UNFINISHED, state_reads._DRAFTS_OF):
            compiled = query.params(book="b", keys=["c1"]).compile(
                dialect=store.engine.dialect, compile_kwargs={"literal_binds": True})
            sql = str(compiled)
            plans.append(" ".join(r[0] for r in conn.execute(sa.text(f"EXPLAIN {sql}"))))
    store.close()
    assert "ix_invoices_unfinished" in plans[0]
    assert "ix_invoices_drafts" in plans[1]
