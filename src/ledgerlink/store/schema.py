"""Internal: the journal store's tables (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Every table is keyed by ``book``: the connector's account id, so one store can
serve several accounting books. The schema is created and evolved only by the
Alembic migrations in ``ledgerlink/store/migrations``; :data:`SCHEMA_REVISION`
names the newest one (a test checks it matches Alembic's head).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler

__all__ = [
    "DRAFT_ROWS",
    "INTENT_ROWS",
    "OPEN_DRAFT_ROWS",
    "SCHEMA_REVISION",
    "UNFINISHED_ROWS",
    "HintingSQLiteCompiler",
    "billed_items",
    "book_leases",
    "change_feeds",
    "companies",
    "customers",
    "deal_invoices",
    "deliveries",
    "draft_feeds",
    "invoiced_work",
    "invoices",
    "metadata",
    "operations",
    "policy_skips",
    "products",
    "rate_accounts",
    "rate_requests",
    "runs",
    "schedule_job_versions",
    "schedule_jobs",
    "schedule_log",
    "schedule_runs",
    "tokens",
    "transfer_log",
    "using_partial_index",
]


def using_partial_index(query: sa.Select[Any], table: Table, index: str) -> sa.Select[Any]:
    """``query`` told to read ``table`` through the partial index ``index`` on SQLite.

    SQLite's planner, without statistics (no ANALYZE), rates a partial index on
    ``book`` no better than the primary key's ``book`` prefix and reads the whole
    book. The query must hold the index's condition as written (a bound parameter
    does not match it), else SQLite refuses the hint. PostgreSQL plans with
    statistics and ignores the hint. The store's SQLite engine renders it with
    :class:`HintingSQLiteCompiler`.
    """
    return query.with_hint(table, f"INDEXED BY {index}", "sqlite")


class HintingSQLiteCompiler(SQLiteCompiler):
    """SQLite's compiler, rendering a table hint (``INDEXED BY``) after the table's name.

    SQLAlchemy's own SQLite compiler drops table hints.
    """

    def get_from_hint_text(self, table: Any, text: str | None) -> str | None:
        return text


#: The Alembic revision this code expects the store to be at.
SCHEMA_REVISION = "0012"

#: Journal rows a crashed run left unresolved: the partial index ``ix_operations_intent``.
INTENT_ROWS = "state = 'intent'"
#: Invoice rows that are drafts (SQL, the same on SQLite and PostgreSQL): the
#: partial index ``ix_invoices_drafts`` holds only these.
DRAFT_ROWS = "target = 'draft'"
#: Drafts still open (the planner's view): the partial index ``ix_invoices_open_drafts``
#: holds only these, so syncing drafts never reads the closed drafts of a book's history.
OPEN_DRAFT_ROWS = "target = 'draft' AND NOT closed"
#: Invoice rows a run may still have to finish (created but not booked, or booked
#: and still to send) or whose credit note may still be delivered: the partial index
#: ``ix_invoices_unfinished`` holds only these, so a run finds them without reading
#: the book's finished invoices.
UNFINISHED_ROWS = ("((target = 'book' AND NOT closed AND NOT credited AND remote_id IS NOT NULL"
                   " AND (NOT booked OR (send AND NOT sent))) OR credited)")

metadata = MetaData()

#: The journal proper: one row per remote write, written as ``intent`` before
#: the write and moved to ``done``/``failed``/``ambiguous`` after it.
operations = Table(
    "operations",
    metadata,
    Column("book", String(200), primary_key=True),
    Column("op_key", String(400), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("state", String(20), nullable=False),
    Column("customer_id", String(200), nullable=False),
    Column("subject", String(400), nullable=False),
    Column("run_id", String(40), nullable=False),
    Column("message", Text, nullable=False, default=""),
    Column("updated_at", String(40), nullable=False),
    # Only unresolved intents are ever looked up by state: a partial index keeps
    # done rows (almost all of them) out of it.
    Index("ix_operations_intent", "book", sqlite_where=sa.text(INTENT_ROWS),
          postgresql_where=sa.text(INTENT_ROWS)),
    sqlite_with_rowid=False,
)

#: Invoices ledgerlink made (or is about to make, while ``pending``). ``booked``,
#: ``sent``, ``closed`` and ``credited`` are the planner's view; ``remote_booked``
#: to ``refreshed_at`` are the provider's status facts as of the last refresh
#: (NULL until then). The status itself is derived when read, as "overdue"
#: depends on the day it is judged on.
invoices = Table(
    "invoices",
    metadata,
    Column("book", String(200), primary_key=True),
    Column("key", String(400), primary_key=True),
    Column("customer_id", String(200), nullable=False),
    Column("target", String(10), nullable=False),
    Column("send", Boolean, nullable=False),
    Column("pending", Boolean, nullable=False),
    Column("remote_id", String(200)),
    Column("number", String(100)),
    Column("booked", Boolean, nullable=False, default=False),
    Column("sent", Boolean),
    Column("closed", Boolean, nullable=False, default=False),
    Column("credited", Boolean, nullable=False, default=False),
    Column("currency", String(3), nullable=False),
    Column("total", String(40)),
    Column("updated_at", String(40), nullable=False),
    Column("remote_booked", Boolean),
    Column("voided", Boolean),
    Column("deleted", Boolean),
    Column("balance", String(40)),
    Column("due_date", String(10)),
    Column("refreshed_at", String(40)),
    Column("remote_version", String(100)),
    Index("ix_invoices_customer", "book", "customer_id"),
    Index("ix_invoices_drafts", "book", "customer_id", sqlite_where=sa.text(DRAFT_ROWS),
          postgresql_where=sa.text(DRAFT_ROWS)),
    Index("ix_invoices_unfinished", "book", sqlite_where=sa.text(UNFINISHED_ROWS),
          postgresql_where=sa.text(UNFINISHED_ROWS)),
    Index("ix_invoices_open_drafts", "book", sqlite_where=sa.text(OPEN_DRAFT_ROWS),
          postgresql_where=sa.text(OPEN_DRAFT_ROWS)),
    sqlite_with_rowid=False,
)

#: Which invoice bills each work order at each revision, and what it billed (the
#: fingerprint). Revision r+1 exists once revision r was credited; the newest wins,
#: and the older rows stay so a failed re-invoice never loses the credit.
invoiced_work = Table(
    "invoiced_work",
    metadata,
    Column("book", String(200), primary_key=True),
    Column("work_order_id", String(200), primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("fingerprint", String(40), nullable=False),
    Column("invoice_key", String(400), nullable=False),
    Column("credited", Boolean, nullable=False, default=False),
    Index("ix_invoiced_work_invoice", "book", "invoice_key"),
    sqlite_with_rowid=False,
)

#: Local customer id → the provider's customer id.
customers = Table(
    "customers",
    metadata,
    Column("book", String(200), primary_key=True),
    Column("customer_id", String(200), primary_key=True),
    Column("remote_id", String(200), nullable=False),
    # Fingerprint of the details last written to the provider (None: not known).
    Column("details", String(40)),
)

#: Local product id → the provider's product id.
products = Table(
    "products",
    metadata,
    Column("book", String(200), primary_key=True),
    Column("product_id", String(200), primary_key=True),
    Column("remote_id", String(200), nullable=False),
)

#: One row per run of the runner.
runs = Table(
    "runs",
    metadata,
    Column("run_id", String(40), primary_key=True),
    Column("book", String(200), nullable=False),
    Column("connector", String(100), nullable=False),
    Column("started_at", String(40), nullable=False),
    Column("finished_at", String(40)),
    Column("summary", Text, nullable=False, default="{}"),
)

#: The transfer log: every outcome of every run, with the provider's text.
transfer_log = Table(
    "transfer_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(40), nullable=False),
    Column("book", String(200), nullable=False),
    Column("at", String(40), nullable=False),
    Column("customer_id", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("subject", String(400), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("remote_id", String(200)),
    Column("number", String(100)),
    Column("amount", String(40)),
    Column("currency", String(3)),
    Column("message", Text, nullable=False, default=""),
    Index("ix_transfer_log_run", "run_id"),
    Index("ix_transfer_log_book", "book", "id"),
)

#: OAuth2 tokens per provider account (``quickbooks:<realm>``...), as the JSON
#: document :class:`ledgerlink.http.oauth.Token` writes. One row per key, replaced
#: in one transaction, so a rotated refresh token is never half written.
tokens = Table(
    "tokens",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("token", Text, nullable=False),
    Column("updated_at", String(40), nullable=False),
)

#: Per book, where the provider's change feed was last read up to (its ``until``,
#: on the provider's clock): the next refresh asks for changes since then.
change_feeds = Table(
    "change_feeds",
    metadata,
    Column("book", String(200), primary_key=True),
    Column("until", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
)

#: Per book, where syncing drafts last read the change feed up to (provider's clock):
#: every draft open then has its changes up to here recorded. Apart from
#: ``change_feeds``, which speaks for every invoice a refresh follows; no row while
#: the book has no open draft.
draft_feeds = Table(
    "draft_feeds",
    metadata,
    Column("book", String(200), primary_key=True),
    Column("until", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
)


# --- scheduled invoicing jobs (ledgerlink.store.schedules) ---------------------------

#: Scheduled jobs, one row each; ``definition`` is the job as
#: ledgerlink.scheduling.codec JSON. Deleting sets ``deleted_at`` (the runs and
#: log of a deleted job stay readable). A name is unique per company among the
#: jobs not deleted: a partial unique index on both SQLite and PostgreSQL.
schedule_jobs = Table(
    "schedule_jobs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("company", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("definition", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("deleted_at", String(40)),
    Index("ux_schedule_jobs_name", "company", "name", unique=True,
          sqlite_where=sa.text("deleted_at IS NULL"),
          postgresql_where=sa.text("deleted_at IS NULL")),
)

#: Every saved version of every job (its edit history), as codec JSON.
schedule_job_versions = Table(
    "schedule_job_versions",
    metadata,
    Column("job_id", String(40), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("definition", Text, nullable=False),
    Column("saved_at", String(40), nullable=False),
)

#: One row per run of a job. ``slot`` is the run day (ISO) of a due run, so a
#: day runs once however many schedulers race for it, or ``manual-<run_id>`` for
#: a run started by hand. A ``running`` row whose ``lease_until`` has passed was
#: left by a worker that died; the next claim resumes it under the same run_id.
schedule_runs = Table(
    "schedule_runs",
    metadata,
    Column("run_id", String(40), primary_key=True),
    Column("job_id", String(40), nullable=False),
    Column("slot", String(60), nullable=False),
    Column("scheduled_for", String(10), nullable=False),
    Column("trigger", String(10), nullable=False),
    Column("job_version", Integer, nullable=False),
    Column("state", String(10), nullable=False),
    Column("worker", String(200), nullable=False),
    Column("claimed_at", String(40), nullable=False),
    Column("lease_until", String(40), nullable=False),
    Column("finished_at", String(40)),
    Column("summary", Text, nullable=False, default="{}"),
    Column("error", Text, nullable=False, default=""),
    UniqueConstraint("job_id", "slot", name="uq_schedule_runs_slot"),
    Index("ix_schedule_runs_claimed", "claimed_at"),
)

#: What each job run did: invoices made, errors, notices and notifications sent.
schedule_log = Table(
    "schedule_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(40), nullable=False),
    Column("job_id", String(40), nullable=False),
    Column("at", String(40), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("customer_id", String(200)),
    Column("projects", Text),  # the project ids, comma-joined ("p1, p2")
    Column("invoice_key", String(400)),
    Column("provider_id", String(200)),
    Column("number", String(100)),
    Column("amount", String(40)),
    Column("currency", String(3)),
    Column("creator", String(200)),
    Column("message", Text, nullable=False, default=""),
    Index("ix_schedule_log_job", "job_id", "id"),
    Index("ix_schedule_log_run", "run_id", "id"),
)

#: Which run claimed each billable item of a book, for which work order. A claim
#: is live while its work order is in invoiced_work or its run still runs under
#: a live lease; a dead claim (the invoice never came to be) may be taken over.
billed_items = Table(
    "billed_items",
    metadata,
    Column("book", String(200), primary_key=True),
    Column("item_id", String(200), primary_key=True),
    Column("job_id", String(40), nullable=False),
    Column("run_id", String(40), nullable=False),
    Column("work_order_id", String(200), nullable=False),
    Column("claimed_at", String(40), nullable=False),
    Index("ix_billed_items_run", "run_id"),
    sqlite_with_rowid=False,
)

#: Which runner holds each book. One run at a time per book: a run takes the
#: lease before it recovers or plans, renews it with every journal commit, and
#: gives it back when it ends. A lease past ``lease_until`` was left by a runner
#: that died; the next run takes it over, and with it the dead run's intents.
book_leases = Table(
    "book_leases",
    metadata,
    Column("book", String(200), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("run_id", String(40), nullable=False),
    Column("acquired_at", String(40), nullable=False),
    Column("lease_until", String(40), nullable=False),
)

#: Work orders the billing policy keeps off invoices (posting ``none``), each
#: logged once in the transfer log, not again every night.
policy_skips = Table(
    "policy_skips",
    metadata,
    Column("book", String(200), primary_key=True),
    Column("work_order_id", String(200), primary_key=True),
    Column("run_id", String(40), nullable=False),
    Column("at", String(40), nullable=False),
)

#: How each booked invoice was delivered to its customer by ledgerlink's own
#: channels (e-mail, letter, e-invoice; the provider's e-mail as ``auto``'s
#: fallback). One row per invoice: written ``pending`` with the intent, then
#: ``sent``, ``failed`` (may be retried by hand) or ``unknown`` (may have gone
#: out: never retried by itself). ``attempt`` counts deliberate resends;
#: ``document`` keeps an e-invoiced invoice's lines (its draft as JSON).
deliveries = Table(
    "deliveries",
    metadata,
    Column("book", String(200), primary_key=True),
    Column("invoice_key", String(400), primary_key=True),
    Column("customer_id", String(200), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("state", String(20), nullable=False),
    Column("attempt", Integer, nullable=False, default=0),
    Column("message", Text, nullable=False, default=""),
    Column("reference", String(400)),
    Column("document", Text),
    Column("updated_at", String(40), nullable=False),
)

#: The invoices linked to a deal: ``how`` is ``invoiced`` (ledgerlink invoiced the
#: deal) or ``linked`` (a person linked it); ``invoice_key`` is the ledgerlink key
#: when ledgerlink made the invoice.
deal_invoices = Table(
    "deal_invoices",
    metadata,
    Column("book", String(200), primary_key=True),
    Column("deal_id", String(200), primary_key=True),
    Column("provider_id", String(200), primary_key=True),
    Column("invoice_key", String(400)),
    Column("how", String(20), nullable=False),
    Column("linked_at", String(40), nullable=False),
)


# --- the worker pool (ledgerlink.workers) and shared rate limits ---------------------

#: Companies whose books the worker pool invoices: the connector and its options
#: (``secrets`` as JSON, kept in the store like the tokens table's, never printed),
#: the work source and its options, the policy and projects files, the time zone.
#: ``book`` is the connector's account: the queue's lock, one runner per book.
companies = Table(
    "companies",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("book", String(200), nullable=False),
    Column("connector", String(100), nullable=False),
    Column("connector_options", Text, nullable=False),
    Column("secrets", Text, nullable=False),
    Column("source", String(100), nullable=False),
    Column("source_options", Text, nullable=False),
    Column("policy", Text),
    Column("projects", Text),
    Column("time_zone", String(60), nullable=False),
    Column("updated_at", String(40), nullable=False),
)

#: One row per provider account whose limits are shared through the store: the row
#: every process locks (FOR UPDATE) while it counts and takes a request slot.
rate_accounts = Table(
    "rate_accounts",
    metadata,
    Column("account", String(200), primary_key=True),
)

#: The requests of every process counted against an account's named limits:
#: running while ``answered_at`` is NULL (until ``held_until``, after which the
#: process is taken for dead), then in the window until ``answered_at`` + window.
#: Instants are wall-clock seconds (hosts sharing a store keep clocks in step).
rate_requests = Table(
    "rate_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(200), nullable=False),
    Column("limit_name", String(40), nullable=False),
    Column("holder", String(200), nullable=False),
    Column("started_at", Float, nullable=False),
    Column("answered_at", Float),
    Column("held_until", Float, nullable=False),
    Index("ix_rate_requests_account", "account", "limit_name"),
)
