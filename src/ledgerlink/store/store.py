"""Internal: the journal store: SQLite by default, any SQLAlchemy URL (PostgreSQL) alike.

The runner writes through :class:`Transaction` objects: each one collects rows
and commits them together, so a batch of intents is one durable commit.
SQLite runs in WAL mode with ``synchronous=NORMAL``: a commit survives the
process being killed (the crash the journal protects against); pass
``durable="full"`` to also survive power loss at some cost in speed.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ledgerlink.errors import BookBusyError
from ledgerlink.journal_state import DeliveryRecord, JournalState, WorkRecord
from ledgerlink.store import facts, leases
from ledgerlink.store import schema as t
from ledgerlink.store.records import LogEntry, OpRecord, RunList, RunRecord, TransferLog
from ledgerlink.store.state_reads import (
    in_chunks,
    read_deliveries,
    read_state,
    read_state_for,
    read_work,
)
from ledgerlink.store.transaction import Statements, Transaction, utcnow

__all__ = ["LogEntry", "OpRecord", "RunRecord", "Store", "Transaction", "TransferLog", "utcnow"]


#: First and longest pause between tries while waiting for a busy book, in seconds.
BUSY_POLL_FIRST = 0.05
BUSY_POLL_MAX = 1.0
#: SQLite page cache for the journal, in KiB.
CACHE_KIB = 65536
#: WAL pages written before SQLite checkpoints into the main file.
CHECKPOINT_PAGES = 10000


def _sqlite_pragmas(durable: str) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's transaction handling own BEGIN (pysqlite's legacy mode
        # would otherwise defer it and break SAVEPOINT/isolation semantics).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={'FULL' if durable == 'full' else 'NORMAL'}")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Keep the journal's indexes in memory and checkpoint the WAL less often:
        # a run writes many small batches, and each checkpoint rewrites pages.
        cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        cursor.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_PAGES}")
        cursor.close()

    return on_connect


def _sqlite_begin(conn: Connection) -> None:
    # IMMEDIATE takes the write lock up front, so two processes never deadlock
    # upgrading read locks; busy_timeout then makes the second one wait.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class Store:
    """The journal, id maps, runs and transfer log of one or more books.

    Args:
        target: a file path (SQLite) or an SQLAlchemy URL (``postgresql+psycopg://...``).
        durable: ``"normal"`` survives process crashes; ``"full"`` also power loss.
    """

    def __init__(
        self, target: str | Path = "ledgerlink.db", *, durable: Literal["normal", "full"] = "normal"
    ) -> None:
        url = str(target)
        if "://" not in url:
            path = Path(url).expanduser()
            if url != ":memory:":
                path.parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{path}" if url != ":memory:" else "sqlite://"
        self.url = url
        self._is_sqlite = url.startswith("sqlite")
        # Statement parameters hold OAuth tokens (the tokens table) and customer
        # details: keep them out of SQLAlchemy's logs and error messages.
        kwargs: dict[str, Any] = {"hide_parameters": True}
        if self._is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False}
            if url == "sqlite://":
                kwargs["poolclass"] = sa.pool.StaticPool
        self.engine: Engine = sa.create_engine(url, **kwargs)
        if self._is_sqlite:
            sa.event.listen(self.engine, "connect", _sqlite_pragmas(durable))
            sa.event.listen(self.engine, "begin", _sqlite_begin)
            self.engine.dialect.statement_compiler = t.HintingSQLiteCompiler
        self._lock = threading.Lock()
        self._sql = Statements(self.engine.dialect)
        self.migrate()

    # --- schema -------------------------------------------------------------------

    def migrate(self) -> None:
        """Bring the schema to :data:`schema.SCHEMA_REVISION` with Alembic."""
        from ledgerlink.store.migrate import current_revision, upgrade

        with self.engine.connect() as conn:
            revision = current_revision(conn)
        if revision == t.SCHEMA_REVISION:
            return
        upgrade(self.engine)

    def close(self) -> None:
        """Dispose of the connection pool."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing ------------------------------------------------------------------

    @contextmanager
    def transaction(self, book: str) -> Iterator[Transaction]:
        """Collect writes for ``book`` and commit them together on exit."""
        tx = Transaction(book)
        yield tx
        self.write(tx)

    def write(self, tx: Transaction, fence: leases.Fence | None = None) -> None:
        """Commit everything ``tx`` collected as one database transaction.

        With ``fence``, the book's lease is renewed in the same transaction, and
        nothing is committed (LeaseLost) when another run has taken the book over.
        """
        if tx.empty and fence is None:
            return
        with self._lock, self.engine.begin() as conn:
            if fence is not None:
                fence.renew(conn)
            tx.flush(conn, self._sql)

    # --- one run per book -----------------------------------------------------------

    def acquire_book(self, book: str, holder: str, run_id: str, lease: timedelta,
                     *, wait: timedelta = timedelta(0)) -> leases.Holding:
        """Take ``book``'s lease, waiting up to ``wait`` for a live holder to finish.

        BookBusyError when it is still held after ``wait``; a lease that ran out
        (its runner died) is taken over at once.
        """
        deadline = time.monotonic() + wait.total_seconds()
        pause = BUSY_POLL_FIRST
        while True:
            try:
                with self._lock:
                    return leases.acquire(self.engine, book, holder, run_id, lease)
            except BookBusyError:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise
                time.sleep(min(pause, left))
                pause = min(pause * 2, BUSY_POLL_MAX)

    def release_book(self, holding: leases.Holding) -> None:
        """Give ``holding``'s lease back."""
        with self._lock:
            leases.release(self.engine, holding)

    # --- reading ------------------------------------------------------------------

    def state(self, book: str) -> JournalState:
        """Everything of ``book``'s journal the planner may read (the whole book)."""
        with self.engine.connect() as conn:
            return read_state(conn, book)

    def state_for(self, book: str, work_order_ids: Iterable[str],
                  customer_ids: Iterable[str]) -> JournalState:
        """The journal state for planning the given work orders (of the given customers).

        Only the rows that work reaches are read (its invoices, its customers'
        drafts and links, what runs left unfinished), so the cost follows the
        input, not the book's history; planning from it gives the plan that
        :meth:`state` would (see :mod:`ledgerlink.store.state_reads`).
        """
        with self.engine.connect() as conn:
            return read_state_for(conn, book, work_order_ids, customer_ids)

    def state_to_deliver(self, book: str, resend: Iterable[str] = ()) -> JournalState:
        """The journal state for planning ``ledgerlink deliver``: the invoices a run left
        to book or send, credited ones, and those named in ``resend``, with their work,
        deliveries and customers (not the book's history)."""
        with self.engine.connect() as conn:
            return read_state_for(conn, book, (), (), resend)

    def work_of(self, book: str, work_order_ids: Iterable[str]) -> dict[str, WorkRecord]:
        """Work order id → its newest journaled revision, for the given work orders only
        (an indexed look-up by key; those never journaled are absent)."""
        with self.engine.connect() as conn:
            return read_work(conn, book, work_order_ids)

    def deliveries(self, book: str) -> dict[str, DeliveryRecord]:
        """Invoice key → how ledgerlink's own delivery of it stands, for ``book``."""
        with self.engine.connect() as conn:
            return read_deliveries(conn, book)

    def ops(self, book: str, keys: Iterable[str]) -> dict[str, OpRecord]:
        """Journal rows for ``keys`` (missing keys are absent from the result)."""
        wanted = list(keys)
        found: dict[str, OpRecord] = {}
        # One statement with an expanding parameter, not one per chunk with the keys
        # as literals: SQLAlchemy would coerce each of a run's keys one by one.
        query = sa.select(t.operations).where(
            t.operations.c.book == book,
            t.operations.c.op_key.in_(sa.bindparam("keys", expanding=True)))
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                for r in conn.execute(query, {"keys": wanted[start:start + 500]}):
                    found[r.op_key] = OpRecord(r.op_key, r.kind, r.state, r.customer_id,
                                               r.subject, r.run_id, r.message)
        return found

    def policy_skips(self, book: str, work_order_ids: Iterable[str]) -> set[str]:
        """Which of ``work_order_ids`` were already logged as kept off invoices by policy."""
        wanted = list(work_order_ids)
        found: set[str] = set()
        query = sa.select(t.policy_skips.c.work_order_id).where(
            t.policy_skips.c.book == book,
            t.policy_skips.c.work_order_id.in_(sa.bindparam("ids", expanding=True)))
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                found.update(conn.execute(query, {"ids": wanted[start:start + 500]}).scalars())
        return found

    def unresolved(self, book: str) -> list[OpRecord]:
        """Operations left in ``intent`` by a run that crashed."""
        with self.engine.connect() as conn:
            rows = conn.execute(t.using_partial_index(
                sa.select(t.operations).where(t.operations.c.book == book,
                                              sa.text(t.INTENT_ROWS))
                .order_by(t.operations.c.updated_at), t.operations, "ix_operations_intent"))
            return [OpRecord(r.op_key, r.kind, r.state, r.customer_id, r.subject, r.run_id,
                             r.message) for r in rows]

    def refs(self, book: str, kind: Literal["customers", "products"],
             ids: Iterable[str] | None = None) -> dict[str, str]:
        """Local id → remote id for customers or products of ``book`` (only ``ids`` when given)."""
        table = t.customers if kind == "customers" else t.products
        column = table.c.customer_id if kind == "customers" else table.c.product_id
        query = sa.select(column, table.c.remote_id).where(table.c.book == sa.bindparam("book"))
        with self.engine.connect() as conn:
            if ids is None:
                return {local: remote for local, remote in conn.execute(query, {"book": book})}
            wanted = query.where(column.in_(sa.bindparam("keys", expanding=True)))
            return {r[0]: r[1] for r in in_chunks(conn, wanted, book, ids)}

    def invoice_ids(self, book: str, keys: Iterable[str] | None = None) -> dict[str, str]:
        """Invoice key → provider id for every created invoice of ``book`` (only ``keys``
        when given)."""
        query = sa.select(t.invoices.c.key, t.invoices.c.remote_id).where(
            t.invoices.c.book == sa.bindparam("book"), t.invoices.c.remote_id.is_not(None))
        with self.engine.connect() as conn:
            if keys is None:
                return {key: remote for key, remote in conn.execute(query, {"book": book})}
            wanted = query.where(t.invoices.c.key.in_(sa.bindparam("keys", expanding=True)))
            return {r[0]: r[1] for r in in_chunks(conn, wanted, book, keys)}

    def open_drafts(self, book: str) -> dict[str, str]:
        """Invoice key → provider id of drafts ledgerlink believes are still open (read
        through an index of the open ones: the closed drafts of the history are not read)."""
        with self.engine.connect() as conn:
            rows = conn.execute(t.using_partial_index(
                sa.select(t.invoices.c.key, t.invoices.c.remote_id).where(
                    t.invoices.c.book == book, sa.text(t.OPEN_DRAFT_ROWS),
                    t.invoices.c.remote_id.is_not(None)),
                t.invoices, "ix_invoices_open_drafts"))
            return {key: remote for key, remote in rows}

    def invoices_written_since(self, book: str, since: datetime) -> dict[str, str | None]:
        """Invoice key → provider id (None while pending) of ``book``'s invoices whose
        journal row was written at or after ``since``."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.invoices.c.key, t.invoices.c.remote_id).where(
                t.invoices.c.book == book, t.invoices.c.updated_at >= facts.stamp(since)))
            return {key: remote for key, remote in rows}

    def invoice_facts(self, book: str, remote_ids: Iterable[str] | None = None, *,
                      keys: Iterable[str] | None = None) -> list[facts.InvoiceFacts]:
        """Created invoices of ``book`` (only ``remote_ids`` and ``keys`` when given) with
        their status facts; by ``keys`` only those invoices' rows are read."""
        wanted = None if remote_ids is None else set(remote_ids)
        with self.engine.connect() as conn:
            return facts.read_facts(conn, book, wanted, None if keys is None else set(keys))

    def books(self) -> list[str]:
        """Every book the journal holds invoices for."""
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(t.invoices.c.book).distinct()
                                     .order_by(t.invoices.c.book)).scalars())

    def feed_watermark(self, book: str) -> datetime | None:
        """Where ``book``'s change feed was last read up to (provider's clock), or None."""
        with self.engine.connect() as conn:
            return facts.read_watermark(conn, book)

    def drafts_watermark(self, book: str) -> datetime | None:
        """Where syncing ``book``'s open drafts last read the change feed up to (provider's
        clock), or None (never, or no draft was open at the last sync)."""
        with self.engine.connect() as conn:
            return facts.read_watermark(conn, book, t.draft_feeds)

    def log(
        self, *, book: str | None = None, run_id: str | None = None, limit: int | None = None,
        outcome: str | None = None,
    ) -> TransferLog:
        """Transfer-log entries, oldest first (the newest ``limit`` when given)."""
        query = sa.select(t.transfer_log)
        if book is not None:
            query = query.where(t.transfer_log.c.book == book)
        if run_id is not None:
            query = query.where(t.transfer_log.c.run_id == run_id)
        if outcome is not None:
            query = query.where(t.transfer_log.c.outcome == outcome)
        query = query.order_by(t.transfer_log.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            rows = list(conn.execute(query))
        return TransferLog(LogEntry(**r._mapping) for r in reversed(rows))

    def runs(self, *, book: str | None = None, limit: int = 20) -> RunList:
        """The newest runs, newest first."""
        query = sa.select(t.runs).order_by(t.runs.c.started_at.desc()).limit(limit)
        if book is not None:
            query = query.where(t.runs.c.book == book)
        with self.engine.connect() as conn:
            return RunList(RunRecord(r.run_id, r.book, r.connector, r.started_at,
                                     r.finished_at, json.loads(r.summary))
                           for r in conn.execute(query))

    # --- OAuth2 tokens (ledgerlink.http.oauth.TokenStore) ---------------------------

    def load_token(self, key: str) -> dict[str, Any] | None:
        """The token document saved under ``key`` (``provider:account``), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.tokens.c.token).where(t.tokens.c.key == key)).first()
        return None if row is None else dict(json.loads(row.token))

    def save_token(self, key: str, token: Mapping[str, Any]) -> None:
        """Replace the token document under ``key`` in one committed transaction."""
        document = json.dumps(dict(token), sort_keys=True)
        # An upsert, not delete-then-insert: under PostgreSQL's READ COMMITTED two
        # workers saving at once would both find nothing to delete and collide on insert.
        with self._lock, self.engine.begin() as conn:
            self._sql.upsert(conn, t.tokens, ("key",),
                             [{"key": key, "token": document, "updated_at": utcnow()}])

    def start_run(self, run_id: str, book: str, connector: str) -> None:
        """Record that a run started."""
        with self._lock, self.engine.begin() as conn:
            conn.execute(sa.insert(t.runs).values(
                run_id=run_id, book=book, connector=connector, started_at=utcnow(),
                finished_at=None, summary="{}"))

    def finish_run(self, run_id: str, summary: Mapping[str, int]) -> None:
        """Record a run's end and its summary counts."""
        with self._lock, self.engine.begin() as conn:
            conn.execute(sa.update(t.runs).where(t.runs.c.run_id == run_id).values(
                finished_at=utcnow(), summary=json.dumps(dict(summary), sort_keys=True)))
