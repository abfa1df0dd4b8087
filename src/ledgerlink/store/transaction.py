"""Internal: writing to the journal: a :class:`Transaction` collects one book's rows and
:class:`Statements` executes them as a few batched statements in one commit."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledgerlink.domain import RemoteInvoice
from ledgerlink.store import facts
from ledgerlink.store import schema as t

__all__ = ["Statements", "Transaction", "utcnow"]


def utcnow() -> str:
    """Now as an ISO 8601 UTC timestamp (what the store keeps)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


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
        self._ref_deletes: dict[str, list[str]] = {"customers": [], "products": []}
        self._log: list[dict[str, Any]] = []
        self._feed: tuple[str, str | None] | None = None
        self._feed_held = False
        self._held_until: str | None = None
        self._drafts_feed: tuple[str, str | None] | None = None
        self._drafts_feed_dropped = False
        self._skips: list[dict[str, Any]] = []
        self._deliveries: list[dict[str, Any]] = []
        self._delivery_deletes: list[str] = []

    @property
    def empty(self) -> bool:
        """True when nothing was written."""
        return not (self._ops or self._resolved or self._invoices or self._invoice_updates
                    or self._work or self._work_updates or self._work_deletes
                    or self._invoice_deletes or self._work_releases
                    or self._refs["customers"] or self._refs["products"] or self._log
                    or self._ref_deletes["customers"] or self._ref_deletes["products"]
                    or self._feed or self._skips or self._deliveries
                    or self._delivery_deletes or self._feed_held or self._drafts_feed
                    or self._drafts_feed_dropped)

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

    def hold_feed(self, expected: datetime | None) -> None:
        """Commit only while the book's refresh watermark still is ``expected`` (else
        StoreError, nothing recorded): facts read from the feed are not to overwrite
        newer ones a status refresh recorded meanwhile. The watermark is not moved."""
        self._feed_held = True
        self._held_until = None if expected is None else facts.stamp(expected)

    def advance_drafts_feed(self, until: datetime, expected: datetime | None) -> None:
        """Record the open drafts' changes as read up to ``until`` (a compare-and-set on
        ``expected``, as :meth:`advance_feed`; the book's refresh watermark is untouched)."""
        self._drafts_feed = (facts.stamp(until),
                             None if expected is None else facts.stamp(expected))

    def forget_drafts_feed(self) -> None:
        """Drop the drafts' watermark: no draft is open, so none is followed from it."""
        self._drafts_feed_dropped = True

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

    def forget_ref(self, kind: Literal["customers", "products"], local_id: str) -> None:
        """Unlink a local customer/product id from the provider's (nothing is removed there)."""
        self._ref_deletes[kind].append(local_id)

    def skip_by_policy(self, work_order_id: str, run_id: str) -> None:
        """Remember that a work order kept off invoices by the policy has been logged."""
        self._skips.append(dict(book=self.book, work_order_id=work_order_id, run_id=run_id,
                                at=self._now))

    def delivery(self, invoice_key: str, customer_id: str, channel: str, state: str, *,
                 attempt: int = 0, message: str = "", reference: str | None = None,
                 document: str | None = None) -> None:
        """Upsert how ledgerlink's delivery of ``invoice_key`` stands (one row per invoice)."""
        self._deliveries.append(dict(book=self.book, invoice_key=invoice_key,
                                     customer_id=customer_id, channel=channel, state=state,
                                     attempt=attempt, message=message, reference=reference,
                                     document=document, updated_at=self._now))

    def forget_delivery(self, invoice_key: str) -> None:
        """Remove a delivery that never went out, so it is planned again."""
        self._delivery_deletes.append(invoice_key)

    def log(self, run_id: str, customer_id: str, action: str, subject: str, outcome: str,
            *, remote_id: str | None = None, number: str | None = None,
            amount: str | None = None, currency: str | None = None, message: str = "") -> None:
        """Append a transfer-log line."""
        self._log.append(dict(run_id=run_id, book=self.book, at=self._now,
                              customer_id=customer_id, action=action, subject=subject,
                              outcome=outcome, remote_id=remote_id, number=number,
                              amount=amount, currency=currency, message=message))

    def flush(self, conn: Connection, sql: Statements) -> None:
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
        for table, column in ((t.customers, "customer_id"), (t.products, "product_id")):
            if self._ref_deletes[table.name]:
                conn.execute(sa.delete(table).where(
                    table.c.book == book_is,
                    table.c[column].in_(self._ref_deletes[table.name])), {"_book": self.book})
        sql.upsert(conn, t.customers, ("book", "customer_id"), self._refs["customers"])
        sql.upsert(conn, t.products, ("book", "product_id"), self._refs["products"])
        sql.insert(conn, t.transfer_log, self._log)
        sql.upsert(conn, t.policy_skips, ("book", "work_order_id"), self._skips)
        if self._delivery_deletes:
            conn.execute(sa.delete(t.deliveries).where(
                t.deliveries.c.book == book_is,
                t.deliveries.c.invoice_key.in_(self._delivery_deletes)), {"_book": self.book})
        sql.upsert(conn, t.deliveries, ("book", "invoice_key"), self._deliveries)
        if self._feed is not None:
            facts.write_watermark(conn, self.book, *self._feed, now=self._now)
        if self._feed_held:
            facts.hold_watermark(conn, self.book, self._held_until)
        if self._drafts_feed is not None:
            facts.write_watermark(conn, self.book, *self._drafts_feed, now=self._now,
                                  table=t.draft_feeds)
        if self._drafts_feed_dropped:
            facts.forget_watermark(conn, self.book, t.draft_feeds)



class Statements:
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
        """UPDATE by (book, key); rows carry ``_key`` first, then the columns to set.

        Rows of one key apply in the order given (an invoice's create and book outcomes
        may share a commit): a key's n-th row goes in the n-th round of statements.
        """
        groups: dict[tuple[int, tuple[str, ...]], list[dict[str, Any]]] = {}
        seen: dict[Any, int] = {}
        for row in rows:
            # Call sites build rows with the same keys in the same order, so the
            # key order itself identifies the statement.
            columns = tuple(row)[1:]
            row["book"] = book
            row[key] = row["_key"]
            seen[row["_key"]] = round_ = seen.get(row["_key"], -1) + 1
            groups.setdefault((round_, columns), []).append(row)
        for (_, columns), batch in sorted(groups.items(), key=lambda group: group[0][0]):
            def build(columns: tuple[str, ...] = columns) -> Any:
                return sa.update(table).where(
                    table.c.book == sa.bindparam("w_book"),
                    table.c[key] == sa.bindparam(f"w_{key}"),
                ).values({c: sa.bindparam(f"v_{c}") for c in columns})

            self._run(conn, ("update", table.name, key, columns), build, batch)
