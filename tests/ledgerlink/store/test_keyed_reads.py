"""Reading given work orders and given invoices: only their rows, by index, at any book size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ledgerlink.plans import invoice_key
from ledgerlink.store import Store
from tests.ledgerlink.store.support import BOOK, journal, keep_one_connection, order, vm_steps

AT_HAND = [f"w{i:03d}" for i in range(20)]


def _keyed_cost(tmp_path: Path, history: int) -> tuple[int, Any, Any]:
    """(VM steps, work read, invoice keys read) for 20 work orders and their invoices
    against a journal with ``history`` more work orders of the same customers."""
    store = Store(tmp_path / f"j-{history}.db")
    journal(store, BOOK, [order(oid, f"c{i % 4}") for i, oid in enumerate(AT_HAND)]
            + [order(f"h{i:05d}", f"c{i % 4}") for i in range(history)])
    keys = [invoice_key(oid, 0) for oid in AT_HAND]
    with vm_steps(store) as steps:
        work = store.work_of(BOOK, AT_HAND)
        facts = store.invoice_facts(BOOK, keys=keys)
    store.close()
    return steps[0], work, [f.key for f in facts]


def test_given_work_and_invoices_are_read_at_the_same_cost_in_a_book_20_times_larger(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading 20 work orders and their invoices does the same database work against 100
    and 2,000 other journaled work orders, and returns only those rows."""
    keep_one_connection(monkeypatch)
    small_steps, small_work, small_keys = _keyed_cost(tmp_path, 100)
    large_steps, large_work, large_keys = _keyed_cost(tmp_path, 2_000)
    assert large_steps == small_steps
    assert large_work == small_work
    assert set(large_work) == set(AT_HAND)
    assert large_keys == small_keys == sorted(invoice_key(oid, 0) for oid in AT_HAND)


def test_keyed_reads_are_index_searches_on_sqlite(tmp_path: Path) -> None:
    """Work by work order and invoice facts by key are read by index searches, never by
    scanning the book's rows."""
    store = Store(tmp_path / "j.db")
    journal(store, BOOK, [order(f"w{i}", f"c{i % 2}") for i in range(10)])
    executed: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        executed.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", seen)
    assert set(store.work_of(BOOK, ["w1", "w2", "absent"])) == {"w1", "w2"}
    assert [f.key for f in store.invoice_facts(BOOK, keys=[invoice_key("w1", 0), "absent"])] \
        == [invoice_key("w1", 0)]
    sa.event.remove(store.engine, "before_cursor_execute", seen)
    with store.engine.connect() as conn:
        steps = [str(r[-1]) for statement, parameters in executed
                 for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
    assert steps and all(step.startswith(("SEARCH", "USE TEMP B-TREE")) for step in steps), steps
