"""Internal: reading the journal state the planner needs: a whole book's, or the work at hand's.

A nightly run plans its input (say 1,000 work orders) against a journal that
may hold millions. :func:`read_state_for` reads only the rows that input
reaches, so what a run costs follows its input, not the book's history. Each
step is an indexed look-up, its keys sent :data:`CHUNK` to a statement:

1. every revision of each given work order (``invoiced_work``'s key), the newest wins;
2. the invoices billing them (``invoices``' key); every draft of the given
   customers (:data:`~ledgerlink.store.schema.DRAFT_ROWS`, a partial index); every
   invoice a run may still finish or whose credit note may still be delivered
   (:data:`~ledgerlink.store.schema.UNFINISHED_ROWS`, a partial index);
3. all the work billed on those invoices (``ix_invoiced_work_invoice``), then every
   revision of that work, so each invoice's work is complete as the planner sees it;
4. the deliveries of those invoices and of their credit notes (``deliveries``' key);
5. the customer links of the given customers and of those invoices' customers.

The planner reads nothing else: a plan made from this state equals one made
from :func:`read_state` (the whole book), which a property test checks. Both
put rows in the same order (invoices by key, work by revision then id), as
the planner's output follows the order it meets them in.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledgerlink.journal_state import DeliveryRecord, InvoiceRecord, JournalState, WorkRecord
from ledgerlink.store import schema as t

__all__ = ["CHUNK", "in_chunks", "read_deliveries", "read_state", "read_state_for", "read_work"]

#: Keys per IN list: well under SQLite's bound-parameter limit, and few round trips.
CHUNK = 500
#: What a credit note's key starts with (as ``ledgerlink.plans.CREDIT_PREFIX``).
_CREDIT_PREFIX = "credit:"
_DRAFT_PREFIX = "draft:"

_WORK_BY_ORDER = sa.select(t.invoiced_work).where(
    t.invoiced_work.c.book == sa.bindparam("book"),
    t.invoiced_work.c.work_order_id.in_(sa.bindparam("keys", expanding=True)))
_WORK_ON_INVOICE = sa.select(t.invoiced_work.c.work_order_id).where(
    t.invoiced_work.c.book == sa.bindparam("book"),
    t.invoiced_work.c.invoice_key.in_(sa.bindparam("keys", expanding=True)))
_INVOICES_BY_KEY = sa.select(t.invoices).where(
    t.invoices.c.book == sa.bindparam("book"),
    t.invoices.c.key.in_(sa.bindparam("keys", expanding=True)))
_DRAFTS_OF = t.using_partial_index(sa.select(t.invoices).where(
    t.invoices.c.book == sa.bindparam("book"), sa.text(t.DRAFT_ROWS),
    t.invoices.c.customer_id.in_(sa.bindparam("keys", expanding=True))),
    t.invoices, "ix_invoices_drafts")
_UNFINISHED = t.using_partial_index(sa.select(t.invoices).where(
    t.invoices.c.book == sa.bindparam("book"), sa.text(t.UNFINISHED_ROWS)),
    t.invoices, "ix_invoices_unfinished")
_CUSTOMERS_BY_ID = sa.select(t.customers.c.customer_id, t.customers.c.details).where(
    t.customers.c.book == sa.bindparam("book"),
    t.customers.c.customer_id.in_(sa.bindparam("keys", expanding=True)))
_DELIVERIES_BY_KEY = sa.select(t.deliveries).where(
    t.deliveries.c.book == sa.bindparam("book"),
    t.deliveries.c.invoice_key.in_(sa.bindparam("keys", expanding=True)))


def in_chunks(conn: Connection, query: sa.Select[Any], book: str,
              keys: Iterable[str]) -> Iterator[Any]:
    """The rows ``query`` finds for ``keys`` (its expanding ``keys`` parameter), CHUNK at a time.

    One statement with an expanding parameter, not the keys as literals: SQLAlchemy
    would coerce each key one by one, and each chunk would be a new statement.
    """
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), CHUNK):
        yield from conn.execute(query, {"book": book, "keys": wanted[start:start + CHUNK]})


def _delivery(r: Any) -> DeliveryRecord:
    return DeliveryRecord(r.invoice_key, r.customer_id, r.channel, r.state, r.attempt,
                          r.message, r.reference, r.document)


def _invoice(r: Any) -> InvoiceRecord:
    return InvoiceRecord(r.key, r.customer_id, r.target, bool(r.send), r.remote_id,
                         bool(r.booked), None if r.sent is None else bool(r.sent),
                         bool(r.closed), bool(r.credited))


def read_deliveries(conn: Connection, book: str) -> dict[str, DeliveryRecord]:
    """Every delivery row of ``book``, by invoice key."""
    query = sa.select(t.deliveries).where(t.deliveries.c.book == book)
    return {r.invoice_key: _delivery(r) for r in conn.execute(query)}


def _state(work_rows: Iterable[Any], invoice_rows: Iterable[Any],
           customer_rows: Iterable[Any], deliveries: dict[str, DeliveryRecord],
           draft_customers: Collection[str] | None) -> JournalState:
    """The state from rows already in the planner's order (work by revision, then id:
    the newest revision of each work order wins; invoices by key)."""
    work = {r.work_order_id: WorkRecord(r.work_order_id, r.fingerprint, r.invoice_key,
                                        r.revision, bool(r.credited)) for r in work_rows}
    invoices: dict[str, InvoiceRecord] = {}
    drafts: dict[str, int] = {}
    for r in invoice_rows:
        invoices[r.key] = _invoice(r)
        if r.key.startswith(_DRAFT_PREFIX) and (
                draft_customers is None or r.customer_id in draft_customers):
            number = int(r.key.rsplit(":", 1)[1])
            drafts[r.customer_id] = max(drafts.get(r.customer_id, 0), number)
    details = {r.customer_id: r.details for r in customer_rows}
    return JournalState(work, invoices, frozenset(details), drafts, details, deliveries)


def _work_order(rows: Iterable[Any]) -> list[Any]:
    # Sorted here, not by the database: PostgreSQL's collation may order text otherwise.
    return sorted(rows, key=lambda r: (r.revision, r.work_order_id))


def _invoice_order(rows: Iterable[Any]) -> list[Any]:
    return sorted(rows, key=lambda r: r.key)


def read_state(conn: Connection, book: str) -> JournalState:
    """Everything of ``book`` the planner may read: every work, invoice, customer and delivery."""
    work_rows = conn.execute(sa.select(t.invoiced_work).where(t.invoiced_work.c.book == book))
    invoice_rows = conn.execute(sa.select(t.invoices).where(t.invoices.c.book == book))
    customer_rows = conn.execute(sa.select(t.customers.c.customer_id, t.customers.c.details)
                                 .where(t.customers.c.book == book))
    return _state(_work_order(work_rows), _invoice_order(invoice_rows), customer_rows,
                  read_deliveries(conn, book), None)


def read_work(conn: Connection, book: str, work_order_ids: Iterable[str]) -> dict[str, WorkRecord]:
    """The newest journaled revision of each given work order (absent when never journaled)."""
    newest: dict[str, Any] = {}
    for r in sorted(in_chunks(conn, _WORK_BY_ORDER, book, work_order_ids),
                    key=lambda r: r.revision):
        newest[r.work_order_id] = r
    return {r.work_order_id: WorkRecord(r.work_order_id, r.fingerprint, r.invoice_key,
                                        r.revision, bool(r.credited)) for r in newest.values()}


def read_state_for(conn: Connection, book: str, work_order_ids: Iterable[str],
                   customer_ids: Iterable[str], invoice_keys: Iterable[str] = ()) -> JournalState:
    """What the planner reads of ``book`` to plan the given work orders of the given customers.

    ``customer_ids`` are the customers of those work orders (their drafts are read);
    ``invoice_keys`` name invoices (or credit notes) read besides, with their deliveries
    (``ledgerlink deliver`` sending them again); see the module docstring for what else
    is read and why.
    """
    customers = set(customer_ids)
    named = set(invoice_keys)
    work_rows: dict[tuple[str, int], Any] = {}
    for r in in_chunks(conn, _WORK_BY_ORDER, book, work_order_ids):
        work_rows[r.work_order_id, r.revision] = r
    newest: dict[str, Any] = {}
    for r in sorted(work_rows.values(), key=lambda r: r.revision):
        newest[r.work_order_id] = r
    invoice_rows = {r.key: r for r in in_chunks(
        conn, _INVOICES_BY_KEY, book, {r.invoice_key for r in newest.values()})}
    invoice_rows.update((r.key, r) for r in in_chunks(conn, _DRAFTS_OF, book, customers))
    invoice_rows.update((r.key, r) for r in conn.execute(_UNFINISHED, {"book": book}))
    invoice_rows.update((r.key, r) for r in in_chunks(conn, _INVOICES_BY_KEY, book, {
        key.removeprefix(_CREDIT_PREFIX) for key in named}))
    # Every work order on those invoices, with all its revisions (the newest may be
    # on another invoice): the planner reads an invoice's work as a whole.
    billed = {r.work_order_id for r in in_chunks(conn, _WORK_ON_INVOICE, book, invoice_rows)}
    others = billed - {wo for wo, _ in work_rows}
    for r in in_chunks(conn, _WORK_BY_ORDER, book, others):
        work_rows[r.work_order_id, r.revision] = r
    keys = set(invoice_rows)
    deliveries = {r.invoice_key: _delivery(r) for r in in_chunks(
        conn, _DELIVERIES_BY_KEY, book,
        keys | {_CREDIT_PREFIX + key for key in keys} | named)}
    customer_rows = list(in_chunks(conn, _CUSTOMERS_BY_ID, book, customers | {
        r.customer_id for r in invoice_rows.values()}))
    return _state(_work_order(work_rows.values()), _invoice_order(invoice_rows.values()),
                  customer_rows, deliveries, customers)
