"""The journal store: SQLite by default, any SQLAlchemy URL (PostgreSQL) alike.

The runner writes through :class:`Transaction` objects: each one collects rows
and commits them together, so a batch of intents is one durable commit.
SQLite runs in WAL mode with ``synchronous=NORMAL``: a commit survives the
process being killed (the crash the journal protects against); pass
``durable="full"`` to also survive power loss at some cost in speed.
"""

from __future__ import annotations

import json
import operator
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ledgerlink.domain import RemoteInvoice
from ledgerlink.plans import InvoiceRecord, JournalState, WorkRecord
from ledgerlink.store import facts
from ledgerlink.store import schema as t

__all__ = ["LogEntry", "OpRecord", "RunRecord", "Store", "Transaction", "TransferLog", "utcnow"]


#: SQLite page cache for the journal, in KiB.
CACHE_KIB = 65536
#: WAL pages written before SQLite checkpoints into the main file.
CHECKPOINT_PAGES = 10000


def utcnow() -> str:
    """Now as an ISO 8601 UTC timestamp (what the store keeps)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


@attrs.frozen
class OpRecord:
    """One journal row.

    Attributes:
        op_key: the operation's key (``create:inv:wo-1``).
        kind: action kind.
        state: ``intent``, ``done``, ``failed`` or ``ambiguous``.
        customer_id: the customer lane.
        subject: the invoice or customer the operation is about.
        run_id: the run that wrote it last.
        message: the last error or note.
    """

    op_key: str
    kind: str
    state: str
    customer_id: str
    subject: str
    run_id: str
    message: str


@attrs.frozen
class LogEntry:
    """One line of the transfer log.

    Attributes:
        id: sequence number.
        run_id: the run.
        book: the connector account.
        at: ISO timestamp.
        customer_id: local customer id.
        action: action kind.
        subject: invoice key or customer id.
        outcome: ``ok``, ``failed``, ``recovered``, ``ambiguous``, ``skipped``.
        remote_id: provider id of what was written.
        number: invoice number, once booked.
        amount: gross amount, as a decimal string.
        currency: currency of ``amount``.
        message: the provider's error text or a note.
    """

    id: int
    run_id: str
    book: str
    at: str
    customer_id: str
    action: str
    subject: str
    outcome: str
    remote_id: str | None
    number: str | None
    amount: str | None
    currency: str | None
    message: str


class TransferLog(list[LogEntry]):
    """Transfer-log entries (a list) that render as a table in notebooks."""

    def _repr_html_(self) -> str:
        from ledgerlink.render import log_html

        return log_html(self)

    @property
    def failures(self) -> TransferLog:
        """Only the entries that failed."""
        return TransferLog(e for e in self if e.outcome == "failed")


@attrs.frozen
class RunRecord:
    """One run: when, against which book, and its summary counts."""

    run_id: str
    book: str
    connector: str
    started_at: str
    finished_at: str | None
    summary: dict[str, int]


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
        kwargs: dict[str, Any] = {}
        if self._is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False}
            if url == "sqlite://":
                kwargs["poolclass"] = sa.pool.StaticPool
        self.engine: Engine = sa.create_engine(url, **kwargs)
        if self._is_sqlite:
            sa.event.listen(self.engine, "connect", _sqlite_pragmas(durable))
            sa.event.listen(self.engine, "begin", _sqlite_begin)
        self._lock = threading.Lock()
        self._sql = _Statements(self.engine.dialect)
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

    def write(self, tx: Transaction) -> None:
        """Commit everything ``tx`` collected as one database transaction."""
        if tx.empty:
            return
        with self._lock, self.engine.begin() as conn:
            tx.flush(conn, self._sql)

    # --- reading ------------------------------------------------------------------

    def state(self, book: str) -> JournalState:
        """The journal state the planner needs for ``book``."""
        with self.engine.connect() as conn:
            work = {
                r.work_order_id: WorkRecord(r.work_order_id, r.fingerprint, r.invoice_key,
                                            r.revision, bool(r.credited))
                # Ordered by revision: the newest revision of each work order wins.
                for r in conn.execute(sa.select(t.invoiced_work).where(
                    t.invoiced_work.c.book == book).order_by(t.invoiced_work.c.revision))
            }
            invoices: dict[str, InvoiceRecord] = {}
            drafts: dict[str, int] = {}
            for r in conn.execute(sa.select(t.invoices).where(t.invoices.c.book == book)):
                invoices[r.key] = InvoiceRecord(
                    r.key, r.customer_id, r.target, bool(r.send), r.remote_id, bool(r.booked),
                    None if r.sent is None else bool(r.sent), bool(r.closed), bool(r.credited))
                if r.key.startswith("draft:"):
                    number = int(r.key.rsplit(":", 1)[1])
                    drafts[r.customer_id] = max(drafts.get(r.customer_id, 0), number)
            details = {r.customer_id: r.details for r in conn.execute(
                sa.select(t.customers.c.customer_id, t.customers.c.details)
                .where(t.customers.c.book == book))}
        return JournalState(work, invoices, frozenset(details), drafts, details)

    def ops(self, book: str, keys: Iterable[str]) -> dict[str, OpRecord]:
        """Journal rows for ``keys`` (missing keys are absent from the result)."""
        wanted = list(keys)
        found: dict[str, OpRecord] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                query = sa.select(t.operations).where(
                    t.operations.c.book == book, t.operations.c.op_key.in_(chunk))
                for r in conn.execute(query):
                    found[r.op_key] = OpRecord(r.op_key, r.kind, r.state, r.customer_id,
                                               r.subject, r.run_id, r.message)
        return found

    def unresolved(self, book: str) -> list[OpRecord]:
        """Operations left in ``intent`` by a run that crashed."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.operations).where(
                t.operations.c.book == book, t.operations.c.state == "intent"
            ).order_by(t.operations.c.updated_at))
            return [OpRecord(r.op_key, r.kind, r.state, r.customer_id, r.subject, r.run_id,
                             r.message) for r in rows]

    def refs(self, book: str, kind: Literal["customers", "products"]) -> dict[str, str]:
        """Local id → remote id for customers or products of ``book``."""
        table = t.customers if kind == "customers" else t.products
        column = table.c.customer_id if kind == "customers" else table.c.product_id
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(column, table.c.remote_id).where(table.c.book == book))
            return {local: remote for local, remote in rows}

    def invoice_ids(self, book: str) -> dict[str, str]:
        """Invoice key → provider id for every created invoice of ``book``."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.invoices.c.key, t.invoices.c.remote_id).where(
                t.invoices.c.book == book, t.invoices.c.remote_id.is_not(None)))
            return {key: remote for key, remote in rows}

    def open_drafts(self, book: str) -> dict[str, str]:
        """Invoice key → provider id of drafts ledgerlink believes are still open."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.invoices.c.key, t.invoices.c.remote_id).where(
                t.invoices.c.book == book, t.invoices.c.target == "draft",
                t.invoices.c.closed.is_(False), t.invoices.c.remote_id.is_not(None)))
            return {key: remote for key, remote in rows}

    def invoice_facts(self, book: str,
                      remote_ids: Iterable[str] | None = None) -> list[facts.InvoiceFacts]:
        """Created invoices of ``book`` (only ``remote_ids`` when given) with their status facts."""
        wanted = None if remote_ids is None else set(remote_ids)
        with self.engine.connect() as conn:
            return facts.read_facts(conn, book, wanted)

    def books(self) -> list[str]:
        """Every book the journal holds invoices for."""
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(t.invoices.c.book).distinct()
                                     .order_by(t.invoices.c.book)).scalars())

    def feed_watermark(self, book: str) -> datetime | None:
        """Where ``book``'s change feed was last read up to (provider's clock), or None."""
        with self.engine.connect() as conn:
            return facts.read_watermark(conn, book)

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

    def runs(self, *, book: str | None = None, limit: int = 20) -> list[RunRecord]:
        """The newest runs, newest first."""
        query = sa.select(t.runs).order_by(t.runs.c.started_at.desc()).limit(limit)
        if book is not None:
            query = query.where(t.runs.c.book == book)
        with self.engine.connect() as conn:
            return [RunRecord(r.run_id, r.book, r.connector, r.started_at, r.finished_at,
                              json.loads(r.summary)) for r in conn.execute(query)]

    # --- OAuth2 tokens (ledgerlink.http.oauth.TokenStore) ---------------------------

    def load_token(self, key: str) -> dict[str, Any] | None:
        """The token document saved under ``key`` (``provider:account``), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.tokens.c.token).where(t.tokens.c.key == key)).first()
        return None if row is None else dict(json.loads(row.token))

    def save_token(self, key: str, token: Mapping[str, Any]) -> None:
        """Replace the token document under ``key`` in one committed transaction."""
        document = json.dumps(dict(token), sort_keys=True)
        with self._lock, self.engine.begin() as conn:
            conn.execute(sa.delete(t.tokens).where(t.tokens.c.key == key))
            conn.execute(sa.insert(t.tokens).values(key=key, token=document, updated_at=utcnow()))

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


class Transaction:
    """Writes for one book, collected and committed as one database transaction."""

    def __init__(self, book: str) -> None:
        self.book = book
        self._now = utcnow()
        self._ops: list[dict[str, Any]] = []
        self._resolved: list[dict[str, Any]] = []
        self._invoices: list[dict[str, Any]] = []
        self._invoice_updates: list[dict[str, Any]] = []
        self._invoice_deletes: list[str] = []
        self._work: list[dict[str, Any]] = []
        self._work_updates: list[dict[str, Any]] = []
        self._work_deletes: list[dict[str, str]] = []
        self._work_releases: list[str] = []
        self._refs: dict[str, list[dict[str, Any]]] = {"customers": [], "products": []}
        self._log: list[dict[str, Any]] = []
        self._feed: tuple[str, str | None] | None = None

    @property
    def empty(self) -> bool:
        """True when nothing was written."""
        return not (self._ops or self._resolved or self._invoices or self._invoice_updates
                    or self._work or self._work_updates or self._work_deletes
                    or self._invoice_deletes or self._work_releases
                    or self._refs["customers"] or self._refs["products"] or self._log
                    or self._feed)

    def record_facts(self, key: str, invoice: RemoteInvoice, **also: Any) -> None:
        """Keep what the provider says of the invoice now (status facts, number, total),
        with other columns ``also`` in the same update."""
        self.update_invoice(key, **facts.facts_values(invoice, self._now), **also)

    def record_deleted(self, key: str) -> None:
        """Keep that the provider deleted (or forgot) the invoice."""
        self.update_invoice(key, deleted=True, refreshed_at=self._now)

    def advance_feed(self, until: datetime, expected: datetime | None) -> None:
        """Record the change feed as read up to ``until``, committed with the facts it gave.

        ``expected`` is the watermark the feed was read from: if another refresh
        moved it meanwhile, the commit fails (StoreError) and nothing is recorded.
        """
        self._feed = (facts.stamp(until), None if expected is None else facts.stamp(expected))

    def resolve(self, op_key: str, state: str, run_id: str, message: str = "") -> None:
        """Move an existing journal row (an intent) to ``state``."""
        self._resolved.append(dict(_key=op_key, state=state, run_id=run_id, message=message,
                                   updated_at=self._now))

    def op(self, op_key: str, kind: str, state: str, customer_id: str, subject: str,
           run_id: str, message: str = "") -> None:
        """Upsert a journal row (an intent, possibly replacing an older failed one)."""
        self._ops.append(dict(book=self.book, op_key=op_key, kind=kind, state=state,
                              customer_id=customer_id, subject=subject, run_id=run_id,
                              message=message, updated_at=self._now))

    def invoice(self, key: str, customer_id: str, target: str, send: bool, currency: str,
                *, pending: bool, remote_id: str | None = None, booked: bool = False) -> None:
        """Upsert an invoice row (``pending`` until its create is confirmed)."""
        self._invoices.append(dict(
            book=self.book, key=key, customer_id=customer_id, target=target, send=send,
            pending=pending, remote_id=remote_id, number=None, booked=booked, sent=False,
            closed=False, credited=False, currency=currency, total=None,
            updated_at=self._now))

    def update_invoice(self, key: str, **values: Any) -> None:
        """Change some columns of an invoice row."""
        self._invoice_updates.append({"_key": key, **values, "updated_at": self._now})

    def forget_invoice(self, key: str) -> None:
        """Remove an invoice whose create never reached the provider, and the work rows
        its intent wrote (older, credited revisions of that work stay)."""
        self._invoice_deletes.append(key)

    def work(self, work_order_id: str, fingerprint: str, invoice_key: str,
             revision: int) -> None:
        """Upsert which invoice bills a work order at ``revision``."""
        self._work.append(dict(book=self.book, work_order_id=work_order_id,
                               revision=revision, fingerprint=fingerprint,
                               invoice_key=invoice_key, credited=False))

    def update_work(self, invoice_key: str, **values: Any) -> None:
        """Change columns of every work row billed on ``invoice_key``."""
        self._work_updates.append({"_key": invoice_key, **values})

    def release_work(self, invoice_key: str) -> None:
        """Make all work billed on ``invoice_key`` billable again (its draft was deleted)."""
        self._work_releases.append(invoice_key)

    def forget_work(self, work_order_id: str, invoice_key: str) -> None:
        """Remove a work order's row on ``invoice_key`` (its lines left that draft)."""
        self._work_deletes.append({"_key": work_order_id, "invoice_key": invoice_key})

    def ref(self, kind: Literal["customers", "products"], local_id: str, remote_id: str,
            details: str | None = None) -> None:
        """Link a local customer/product id to the provider's id (for a customer, with the
        fingerprint of the details written, see ``Customer.details_fingerprint``)."""
        if kind == "customers":
            self._refs[kind].append({"book": self.book, "customer_id": local_id,
                                     "remote_id": remote_id, "details": details})
        else:
            self._refs[kind].append({"book": self.book, "product_id": local_id,
                                     "remote_id": remote_id})

    def log(self, run_id: str, customer_id: str, action: str, subject: str, outcome: str,
            *, remote_id: str | None = None, number: str | None = None,
            amount: str | None = None, currency: str | None = None, message: str = "") -> None:
        """Append a transfer-log line."""
        self._log.append(dict(run_id=run_id, book=self.book, at=self._now,
                              customer_id=customer_id, action=action, subject=subject,
                              outcome=outcome, remote_id=remote_id, number=number,
                              amount=amount, currency=currency, message=message))

    def flush(self, conn: Connection, sql: _Statements) -> None:
        """Execute everything collected, in dependency order, on ``conn``."""
        book_is: sa.BindParameter[str] = sa.bindparam("_book")
        sql.upsert(conn, t.operations, ("book", "op_key"), self._ops)
        sql.update(conn, t.operations, "op_key", self.book, self._resolved)
        sql.upsert(conn, t.invoices, ("book", "key"), self._invoices)
        sql.update(conn, t.invoices, "key", self.book, self._invoice_updates)
        if self._invoice_deletes:
            conn.execute(sa.delete(t.invoices).where(
                t.invoices.c.book == book_is, t.invoices.c.key.in_(self._invoice_deletes)),
                {"_book": self.book})
            # Work that was to be billed on an invoice that never came into being
            # is billable again.
            conn.execute(sa.delete(t.invoiced_work).where(
                t.invoiced_work.c.book == book_is,
                t.invoiced_work.c.invoice_key.in_(self._invoice_deletes)), {"_book": self.book})
        sql.upsert(conn, t.invoiced_work, ("book", "work_order_id", "revision"), self._work)
        sql.update(conn, t.invoiced_work, "invoice_key", self.book, self._work_updates)
        for row in self._work_deletes:
            conn.execute(sa.delete(t.invoiced_work).where(
                t.invoiced_work.c.book == self.book,
                t.invoiced_work.c.work_order_id == row["_key"],
                t.invoiced_work.c.invoice_key == row["invoice_key"]))
        if self._work_releases:
            conn.execute(sa.delete(t.invoiced_work).where(
                t.invoiced_work.c.book == book_is,
                t.invoiced_work.c.invoice_key.in_(self._work_releases)), {"_book": self.book})
        sql.upsert(conn, t.customers, ("book", "customer_id"), self._refs["customers"])
        sql.upsert(conn, t.products, ("book", "product_id"), self._refs["products"])
        sql.insert(conn, t.transfer_log, self._log)
        if self._feed is not None:
            facts.write_watermark(conn, self.book, *self._feed, now=self._now)



class _Statements:
    """The journal's hot statements, compiled once per dialect and run with executemany.

    SQLAlchemy's per-row parameter processing costs more than SQLite's own work
    for these small rows, so rows go straight to the DBAPI's executemany. The SQL
    is still compiled by SQLAlchemy for the engine's dialect (SQLite, PostgreSQL).
    Bind parameters are named ``p_<column>`` (values), ``v_<column>`` (SET) and
    ``w_<column>`` (WHERE); rows are keyed by the bare column name.
    """

    def __init__(self, dialect: sa.Dialect) -> None:
        self.dialect = dialect
        self._cache: dict[tuple[Any, ...], tuple[str, tuple[str, ...], bool]] = {}

    def _run(self, conn: Connection, key: tuple[Any, ...], build: Any,
             rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        entry = self._cache.get(key)
        if entry is None:
            compiled = build().compile(dialect=self.dialect)
            names = tuple(compiled.positiontup) if compiled.positional else tuple(compiled.params)
            entry = self._cache[key] = (str(compiled), names, bool(compiled.positional))
        sql, names, positional = entry
        columns = [name[2:] for name in names]
        if positional:
            pick = operator.itemgetter(*columns)
            params: list[Any] = [pick(row) for row in rows] if len(columns) > 1 else [
                (pick(row),) for row in rows]
        else:
            params = [{n: row[c] for n, c in zip(names, columns, strict=True)} for row in rows]
        conn.exec_driver_sql(sql, params)

    def insert(self, conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
        """INSERT rows (every row has the same keys)."""
        if not rows:
            return
        columns = tuple(rows[0])
        self._run(conn, ("insert", table.name, columns),
                  lambda: sa.insert(table).values({c: sa.bindparam(f"p_{c}") for c in columns}),
                  rows)

    def upsert(self, conn: Connection, table: sa.Table, keys: Sequence[str],
               rows: Sequence[dict[str, Any]]) -> None:
        """INSERT rows, replacing the non-key columns of rows that exist."""
        if not rows:
            return
        columns = tuple(rows[0])

        def build() -> Any:
            from sqlalchemy.dialects import postgresql, sqlite

            module: Any = sqlite if self.dialect.name == "sqlite" else postgresql
            stmt = module.insert(table).values({c: sa.bindparam(f"p_{c}") for c in columns})
            updates = {c: stmt.excluded[c] for c in columns if c not in keys}
            return stmt.on_conflict_do_update(index_elements=list(keys), set_=updates)

        self._run(conn, ("upsert", table.name, columns), build, rows)

    def update(self, conn: Connection, table: sa.Table, key: str, book: str,
               rows: Sequence[dict[str, Any]]) -> None:
        """UPDATE by (book, key); rows carry ``_key`` first, then the columns to set."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            # Call sites build rows with the same keys in the same order, so the
            # key order itself identifies the statement.
            columns = tuple(row)[1:]
            row["book"] = book
            row[key] = row["_key"]
            groups.setdefault(columns, []).append(row)
        for columns, batch in groups.items():
            def build(columns: tuple[str, ...] = columns) -> Any:
                return sa.update(table).where(
                    table.c.book == sa.bindparam("w_book"),
                    table.c[key] == sa.bindparam(f"w_{key}"),
                ).values({c: sa.bindparam(f"v_{c}") for c in columns})

            self._run(conn, ("update", table.name, key, columns), build, batch)
