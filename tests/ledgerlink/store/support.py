"""Journals of any size for tests of what the store reads, and a count of the work it does."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

import ledgerlink as ll
from ledgerlink.plans import draft_key, invoice_key
from ledgerlink.store import Store
from ledgerlink.store import schema as t

NOW = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
BOOK = "book"


def order(order_id: str, customer_id: str, hours: int = 1) -> ll.WorkOrder:
    return ll.WorkOrder(id=order_id, customer_id=customer_id, status=ll.WorkStatus.COMPLETED,
                        completed_at=NOW - timedelta(hours=1),
                        lines=(ll.WorkLine("Hours", Decimal(hours), Decimal("450")),))


def journal(store: Store, book: str, orders: list[ll.WorkOrder], *, draft: bool = False,
            closed: bool = False) -> None:
    """Journal ``orders`` as a run leaves them: booked invoices e-mailed and their customers
    linked (or, with ``draft``, collected on one draft per customer, open unless ``closed``:
    a person booked it)."""
    rows: dict[sa.Table, list[dict[str, Any]]] = {t.invoiced_work: [], t.invoices: [],
                                                  t.deliveries: [], t.customers: []}
    common = {"book": book, "pending": False, "currency": "DKK",
              "updated_at": NOW.isoformat()}
    for order in orders:
        key = draft_key(order.customer_id, 1) if draft else invoice_key(order.id, 0)
        rows[t.invoiced_work].append({"book": book, "work_order_id": order.id, "revision": 0,
                                      "fingerprint": order.fingerprint(), "invoice_key": key,
                                      "credited": False})
        rows[t.invoices].append({**common, "key": key, "customer_id": order.customer_id,
                                 "target": "draft" if draft else "book", "send": not draft,
                                 "remote_id": f"R-{key}", "booked": not draft,
                                 "sent": not draft, "closed": closed, "credited": False})
        if not draft:
            rows[t.deliveries].append({"book": book, "invoice_key": key,
                                       "customer_id": order.customer_id,
                                       "channel": "provider_email", "state": "sent",
                                       "attempt": 0, "message": "", "updated_at": "x"})
    for customer_id in sorted({o.customer_id for o in orders} if not draft else ()):
        rows[t.customers].append({"book": book, "customer_id": customer_id,
                                  "remote_id": f"C-{customer_id}", "details": None})
    unique = {table: list({_key(table, r): r for r in batch}.values())
              for table, batch in rows.items()}
    with store.engine.begin() as conn:
        for table, batch in unique.items():
            if batch:
                conn.execute(table.insert(), batch)


def _key(table: sa.Table, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in table.primary_key.columns)


@contextmanager
def vm_steps(store: Store, every: int = 1000) -> Iterator[list[int]]:
    """Count the SQLite virtual-machine instructions run meanwhile (by ``every``): the work
    the database does, whatever the machine's speed. SQLite counts within each statement,
    so a statement shorter than ``every`` counts nothing."""
    counted = [0]

    def tick() -> int:
        counted[0] += 1
        return 0

    with store.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert isinstance(raw, sqlite3.Connection)
        raw.set_progress_handler(tick, every)
        try:
            yield counted
        finally:
            raw.set_progress_handler(None, 0)


def keep_one_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stores made after this keep one SQLite connection (a StaticPool), so counting on it
    counts every statement."""
    original = sa.create_engine

    def create_engine(url: Any, **kwargs: Any) -> sa.Engine:
        if str(url).startswith("sqlite"):
            kwargs["poolclass"] = sa.pool.StaticPool
        return original(url, **kwargs)

    monkeypatch.setattr(sa, "create_engine", create_engine)
