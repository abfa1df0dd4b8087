"""A no-op run over 1,000 work orders against journals of 1,000 / 100,000 / 1,000,000 work orders.

Target (issue 17): the no-op costs the same, within 25 %, against the
1,000-order and the 1,000,000-order journal: the journal state is read for the
work at hand, not the book's history.

Each journal is made the way a year of nightly runs would leave it, only
faster: the 1,000 work orders of the input (100 customers) are invoiced for
real against the sandbox (create, book, e-mail, each journaled); the rest of
the history is cloned from those rows with bulk SQL inserts in one transaction
through the store's tables: per work order its invoiced_work, invoices,
operations, transfer_log and deliveries rows, half of them for the input's
own customers (their history grows too) and half for 10,000 other customers.
The no-op is ``ll.invoice`` of the same 1,000 work orders (recover, sync
drafts, plan, run: nothing to do), timed as the median of seven after one
untimed run, round by round over the journals (the machine is shared: single
runs are noisy). The target is judged on wall time; CPU time is shown beside it.

With ``--drafts`` the input's customers collect on open drafts (posting=draft):
the first run leaves 100 open drafts of 10 work orders each, and every no-op
starts by syncing them through the sandbox's change feed (it declares
CHANGE_FEED), told only those drafts and read from where the last run's read
ended. The history is then booked invoices of the input's customers and, for
the other customers, drafts a person booked long ago (closed).

Run: python benchmarks/journal_growth.py [--sizes 1000,100000,1000000] [--store URL]
[--drafts] (``--store`` puts every journal in one database, e.g. PostgreSQL, each
size its own book; by default each size gets its own SQLite file.)
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa

import ledgerlink as ll
from ledgerlink.api import invoice
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.store import Store
from ledgerlink.store import schema as t

NOW = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
INPUT_ORDERS = 1_000
INPUT_CUSTOMERS = 100
OTHER_CUSTOMERS = 10_000
#: The no-op against the largest journal may cost this much more than against the smallest.
TARGET_RATIO = 1.25
TIMED_RUNS = 7
#: Rows per executemany while seeding.
SEED_BATCH = 20_000
#: Reading the whole book (as every run did before) is timed up to this many work orders.
WHOLE_BOOK_UP_TO = 100_000
#: The template work order whose rows the history is cloned from.
TEMPLATE = "w000000"


def build(drafts: bool = False) -> tuple[list[ll.WorkOrder], list[ll.Customer]]:
    collecting = ll.PolicyOverride(posting=ll.Posting.DRAFT) if drafts else None
    customers = [ll.Customer(id=f"c{i:03d}", name=f"Customer {i}", email=f"c{i}@example.dk",
                             policy=collecting)
                 for i in range(INPUT_CUSTOMERS)]
    orders = [
        ll.WorkOrder(
            id=f"w{i:06d}", customer_id=f"c{i % INPUT_CUSTOMERS:03d}",
            status=ll.WorkStatus.COMPLETED, completed_at=NOW - timedelta(minutes=i % 600),
            lines=(ll.WorkLine("Hours", Decimal(i % 7 + 1), Decimal("450")),
                   ll.WorkLine("Filter", Decimal(1), Decimal("129.95"))))
        for i in range(INPUT_ORDERS)
    ]
    return orders, customers


def _rows(conn: sa.Connection, table: sa.Table, *where: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(sa.select(table).where(*where))]


def _history_invoice(key: str, order_id: str, customer: str, j: int,
                     drafts: bool) -> tuple[str, dict[str, Any]]:
    """The key of history work order ``j``'s invoice, and how its row differs from the
    template's. With ``drafts`` (the template is an open draft), the input's customers'
    history is booked invoices and the other customers' is drafts a person booked long ago."""
    if not drafts:
        return key.replace(TEMPLATE, order_id), {}
    if j % 2:
        return f"draft:{customer}:{j}", {"closed": True, "booked": True}
    return f"inv:{order_id}", {"target": "book", "booked": True, "send": False, "sent": False}


def _history(templates: dict[str, list[dict[str, Any]]], customer_row: dict[str, Any],
             count: int, drafts: bool) -> Iterator[tuple[sa.Table, dict[str, Any]]]:
    """Rows for ``count`` more journaled work orders, cloned from the template's rows."""
    key = templates["invoiced_work"][0]["invoice_key"]
    for j in range(count):
        order_id = f"h{j:07d}"
        if j % 2:
            customer = f"x{j // 2 % OTHER_CUSTOMERS:05d}"
            if j // 2 < OTHER_CUSTOMERS:
                yield t.customers, {**customer_row, "customer_id": customer,
                                    "remote_id": f"C-X{j}"}
        else:
            customer = f"c{j // 2 % INPUT_CUSTOMERS:03d}"
        new_key, differs = _history_invoice(key, order_id, customer, j, drafts)
        for row in templates["invoiced_work"]:
            yield t.invoiced_work, {**row, "work_order_id": order_id, "invoice_key": new_key}
        for row in templates["invoices"]:
            yield t.invoices, {**row, "key": new_key, "customer_id": customer,
                               "remote_id": f"H-{j}", "number": f"H{j}", **differs}
        for row in templates["operations"]:
            yield t.operations, {**row, "op_key": row["op_key"].replace(key, new_key),
                                 "subject": new_key, "customer_id": customer}
        for row in templates["transfer_log"]:
            yield t.transfer_log, {**row, "subject": new_key, "customer_id": customer}
        for row in templates["deliveries"]:
            yield t.deliveries, {**row, "invoice_key": new_key, "customer_id": customer}


def _insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (all with the same columns) in one executemany."""
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), rows)
        return
    # SQLite: straight to the driver, in the connection's open transaction;
    # SQLAlchemy's per-row parameter handling would be most of the seeding time.
    columns = list(rows[0])
    quoted = ", ".join(f'"{c}"' for c in columns)
    sql = f"INSERT INTO {table.name} ({quoted}) VALUES ({', '.join('?' for _ in columns)})"
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.executemany(sql, [tuple(row[c] for c in columns) for row in rows])
    cursor.close()


def seed(store: Store, book: str, count: int, drafts: bool = False) -> None:
    """Add ``count`` journaled work orders to ``book`` in one transaction."""
    with store.engine.begin() as conn:
        key = conn.execute(sa.select(t.invoiced_work.c.invoice_key).where(
            t.invoiced_work.c.book == book,
            t.invoiced_work.c.work_order_id == TEMPLATE)).scalar_one()
        templates = {
            "invoiced_work": _rows(conn, t.invoiced_work, t.invoiced_work.c.book == book,
                                   t.invoiced_work.c.work_order_id == TEMPLATE),
            "invoices": _rows(conn, t.invoices, t.invoices.c.book == book,
                              t.invoices.c.key == key),
            "operations": _rows(conn, t.operations, t.operations.c.book == book,
                                t.operations.c.subject == key),
            "transfer_log": [{k: v for k, v in row.items() if k != "id"} for row in _rows(
                conn, t.transfer_log, t.transfer_log.c.book == book,
                t.transfer_log.c.subject == key)],
            "deliveries": _rows(conn, t.deliveries, t.deliveries.c.book == book,
                                t.deliveries.c.invoice_key == key),
        }
        assert templates["invoiced_work"] and templates["invoices"], "template not journaled"
        customer_row = _rows(conn, t.customers, t.customers.c.book == book)[0]
        pending: dict[str, list[dict[str, Any]]] = {}
        tables = {}
        for table, row in _history(templates, customer_row, count, drafts):
            batch = pending.setdefault(table.name, [])
            tables[table.name] = table
            batch.append(row)
            if len(batch) >= SEED_BATCH:
                _insert(conn, table, batch)
                batch.clear()
        for name, batch in pending.items():
            if batch:
                _insert(conn, tables[name], batch)
    if store.engine.dialect.name == "sqlite":
        # Seeding wrote the history through the WAL in one go; a year of nightly runs
        # would have been checkpointed into the database file long since.
        # Outside a transaction (the store's connections begin IMMEDIATE).
        raw = store.engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    elif store.engine.dialect.name == "postgresql":
        # Likewise autovacuum would have analyzed a year of history long since. Without
        # it PostgreSQL's statistics say the book just seeded holds no rows, and it reads
        # a few invoices by key through the book's prefix of the key, the whole book.
        with store.engine.begin() as conn:
            for table in (t.invoices, t.invoiced_work, t.operations, t.deliveries):
                conn.execute(sa.text(f"ANALYZE {table.name}"))


@attrs.define
class Journal:
    """One journal of ``size`` work orders, its sandbox book, and the no-op's timings."""

    size: int
    store: Store
    book: SandboxConnector
    seed_s: float
    wall_s: list[float] = attrs.Factory(list)
    cpu_s: list[float] = attrs.Factory(list)


def make_journal(size: int, target: str | None, tmp: Path, orders: list[ll.WorkOrder],
                 customers: list[ll.Customer], company: ll.Company,
                 drafts: bool = False) -> Journal:
    """Invoice the input for real (on open drafts with ``drafts``), then seed the rest of
    ``size`` work orders' history."""
    store = Store(target or tmp / f"journal-{size}.db")
    book = SandboxConnector(tmp / f"book-{size}.db")
    first = invoice(orders, customers, company, book, now=NOW, store=store)
    made = first.summary["drafts_created" if drafts else "invoices_created"]
    assert first.ok and made == (INPUT_CUSTOMERS if drafts else INPUT_ORDERS), first.summary
    started = time.perf_counter()
    seed(store, book.account, size - INPUT_ORDERS, drafts)
    return Journal(size, store, book, time.perf_counter() - started)


def noop(journal: Journal, orders: list[ll.WorkOrder], customers: list[ll.Customer],
         company: ll.Company) -> tuple[float, float]:
    """Wall and CPU seconds of one ``ll.invoice`` that finds nothing to do."""
    wall, cpu = time.perf_counter(), time.process_time()
    again = invoice(orders, customers, company, journal.book, now=NOW, store=journal.store)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert again.ok and not again.plan.actions, again.summary
    assert again.summary["already_invoiced"] == INPUT_ORDERS, again.summary
    return wall, cpu


def figures_of(journal: Journal, orders: list[ll.WorkOrder]) -> dict[str, Any]:
    """The journal's figures; reads the whole book's state once (up to WHOLE_BOOK_UP_TO)."""
    book = journal.book.account
    narrowed = journal.store.state_for(book, {o.id for o in orders},
                                       {o.customer_id for o in orders})
    whole_s = facts_s = None
    if journal.size <= WHOLE_BOOK_UP_TO:
        started = time.perf_counter()
        whole = journal.store.state(book)
        whole_s = round(time.perf_counter() - started, 4)
        assert len(whole.work) == journal.size, len(whole.work)
        # What syncing open drafts through a change feed read on every run before.
        started = time.perf_counter()
        journal.store.invoice_facts(book)
        facts_s = round(time.perf_counter() - started, 4)
    return {"journal_work_orders": journal.size, "seed_s": round(journal.seed_s, 1),
            "open_drafts": len(journal.store.open_drafts(book)),
            "noop_s": round(statistics.median(journal.wall_s), 4),
            "noop_cpu_s": round(statistics.median(journal.cpu_s), 4),
            "noop_runs_s": [round(s, 4) for s in journal.wall_s],
            "state_work_rows": len(narrowed.work), "state_invoice_rows": len(narrowed.invoices),
            "whole_book_state_s": whole_s, "whole_book_facts_s": facts_s,
            "invoices_in_provider": len(journal.book.invoices())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000,1000000",
                        help="journal sizes in work orders, comma-separated (>= 1000)")
    parser.add_argument("--store", default=None,
                        help="one SQLAlchemy URL for every journal (default: SQLite files)")
    parser.add_argument("--drafts", action="store_true",
                        help="the input's customers collect on open drafts (posting=draft), "
                             "so every no-op syncs 100 open drafts through the sandbox's "
                             "change feed; the history then holds closed drafts too")
    args = parser.parse_args()
    if args.drafts:
        # The sandbox declares CHANGE_FEED: syncing drafts reads its feed, not each draft.
        assert ll.Capability.CHANGE_FEED in SandboxConnector.capabilities
    sizes = [int(size) for size in args.sizes.split(",")]
    if min(sizes) < INPUT_ORDERS:
        parser.error(f"every size must be at least {INPUT_ORDERS:,} (the input is journaled)")
    orders, customers = build(drafts=args.drafts)
    company = ll.Company("Bench ApS", policy=ll.BillingPolicy(ll.Posting.BOOK, send=True))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        journals = [make_journal(size, args.store, Path(tmp), orders, customers, company,
                                 args.drafts)
                    for size in sizes]
        for journal in journals:
            noop(journal, orders, customers, company)  # warm-up, not timed
        # Round by round over the journals, so a busy moment of the machine (it is
        # shared) falls on every size alike.
        for _ in range(TIMED_RUNS):
            for journal in journals:
                wall, cpu = noop(journal, orders, customers, company)
                journal.wall_s.append(wall)
                journal.cpu_s.append(cpu)
        for journal in journals:
            figures = figures_of(journal, orders)
            results.append(figures)
            journal.book.close()
            journal.store.close()
            whole = figures["whole_book_state_s"]
            print(f"journal of {journal.size:>9,} work orders (seeded in {figures['seed_s']} s): "
                  f"no-op over {INPUT_ORDERS:,} work orders {figures['noop_s']:.4f} s "
                  f"(CPU {figures['noop_cpu_s']:.4f} s; runs {figures['noop_runs_s']}); "
                  f"state read: {figures['state_work_rows']:,} work, "
                  f"{figures['state_invoice_rows']:,} invoice rows"
                  + (f"; the whole book's state: {whole} s" if whole is not None else ""),
                  file=sys.stderr)
    smallest, largest = results[0], results[-1]
    ratio = largest["noop_s"] / smallest["noop_s"]
    cpu_ratio = largest["noop_cpu_s"] / smallest["noop_cpu_s"]
    summary = {
        "input_work_orders": INPUT_ORDERS,
        "open_drafts": INPUT_CUSTOMERS if args.drafts else 0,
        "store": "sqlite" if args.store is None else sa.make_url(args.store).get_backend_name(),
        "journals": results,
        "ratio_largest_to_smallest": round(ratio, 3),
        "cpu_ratio_largest_to_smallest": round(cpu_ratio, 3),
        "target_ratio": TARGET_RATIO,
        "target_met": ratio <= TARGET_RATIO,
    }
    print(f"no-op against {largest['journal_work_orders']:,} vs "
          f"{smallest['journal_work_orders']:,} work orders: x{ratio:.2f} "
          f"(target <= x{TARGET_RATIO})", file=sys.stderr)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
