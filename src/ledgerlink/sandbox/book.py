"""Internal: the sandbox's storage: one SQLite file holding a whole accounting book.

This module knows the connection, transactions, rows and the sandbox's error
codes; the statements are in :mod:`ledgerlink.sandbox.sql` and the business
rules (what may be booked, sent, credited) in :mod:`ledgerlink.sandbox.rules`.
SQLite is used directly through the standard library rather than through
SQLAlchemy: the book stands in for a remote accounting system and sits on the
hot path of every benchmark, so a call must cost tens of microseconds.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from ledgerlink.domain import InvoiceLine, RemoteInvoice
from ledgerlink.errors import (
    ConflictError,
    InvoiceStateError,
    NotFoundError,
    ProviderError,
    ValidationError,
)
from ledgerlink.sandbox.sql import (
    INVOICE_COLUMNS,
    SCHEMA,
    SCHEMA_VERSION,
    UPGRADES,
    statements,
)

__all__ = [
    "KILL_AFTER_WRITES_ENV",
    "PROVIDER",
    "Book",
    "SentEmail",
    "decode_lines",
    "encode_lines",
    "format_id",
    "invoice_url",
    "join_keys",
    "kill_after_from_env",
    "load_invoice",
    "parse_id",
    "remote_from_row",
    "sandbox_error",
    "split_keys",
]

#: The provider name every sandbox error carries.
PROVIDER = "sandbox"
#: Environment variable read when ``kill_after_writes`` is not given.
KILL_AFTER_WRITES_ENV = "LEDGERLINK_SANDBOX_KILL_AFTER_WRITES"
#: Seconds a writer waits for another process's write lock before giving up.
BUSY_TIMEOUT = 30.0
#: Python's per-connection statement cache; every statement the sandbox uses fits.
STATEMENT_CACHE = 256
#: Smaller pages than SQLite's 4096 make each commit write fewer WAL bytes; an
#: invoice row is a few hundred bytes, so little is lost to fragmentation.
PAGE_SIZE = 1024
#: WAL pages between automatic checkpoints (SQLite's default is 1000).
CHECKPOINT_PAGES = 10_000
#: Separates line keys in the denormalised ``invoices.line_keys`` column.
KEY_SEPARATOR = "\x1f"

# --- errors ---------------------------------------------------------------------

# The sandbox's error codes, as a remote API would document them: code → error
# class and the HTTP status such an API would answer with.
_ERRORS: dict[str, tuple[type[ProviderError], int]] = {
    "customer_not_found": (NotFoundError, 404),
    "product_not_found": (NotFoundError, 404),
    "invoice_not_found": (NotFoundError, 404),
    "duplicate_customer": (ConflictError, 409),
    "duplicate_product": (ConflictError, 409),
    "duplicate_key": (ConflictError, 409),
    "currency_mismatch": (ConflictError, 409),
    "no_recipient": (ConflictError, 409),
    "invoice_not_draft": (InvoiceStateError, 409),
    "invoice_not_booked": (InvoiceStateError, 409),
    "invoice_voided": (InvoiceStateError, 409),
    "invoice_deleted": (InvoiceStateError, 409),
    "invoice_empty": (InvoiceStateError, 409),
    "already_credited": (InvoiceStateError, 409),
    "schema_too_new": (ProviderError, 500),
    "book_closed": (ProviderError, 503),
}


def sandbox_error(code: str, message: str) -> ProviderError:
    """The ledgerlink error for sandbox error ``code``: the one place codes are mapped."""
    cls, status = _ERRORS[code]
    return cls(message, provider=PROVIDER, status=status, code=code)


# --- ids, keys and lines --------------------------------------------------------


def format_id(prefix: str, rowid: int) -> str:
    """The provider-style id of row ``rowid``: ``format_id("INV-", 7) == "INV-00007"``."""
    return f"{prefix}{rowid:05d}"


def parse_id(prefix: str, provider_id: str, code: str, what: str) -> int:
    """The row id inside ``provider_id``; an id the sandbox never issues is not found."""
    digits = provider_id[len(prefix) :]
    if not provider_id.startswith(prefix) or not digits.isascii() or not digits.isdigit():
        raise sandbox_error(code, f"{what} {provider_id!r} not found")
    return int(digits)


def invoice_url(account: str, provider_id: str) -> str:
    """Where an invoice "opens" in the sandbox's imaginary web app."""
    return f"sandbox://{account}/invoices/{provider_id}"


def join_keys(keys: Iterable[str | None]) -> str:
    """Distinct non-empty keys in first-seen order, joined for the ``line_keys`` column."""
    return KEY_SEPARATOR.join(dict.fromkeys(k for k in keys if k))


def split_keys(joined: str) -> tuple[str, ...]:
    """The inverse of :func:`join_keys`."""
    return tuple(joined.split(KEY_SEPARATOR)) if joined else ()


# One encoder for every call: json.dumps with options builds a new one each time.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def encode_lines(
    lines: Sequence[InvoiceLine], nets: Sequence[Decimal], refs: Sequence[str | None]
) -> str:
    """The ``lines`` column: one JSON array per line, amounts as decimal strings."""
    return _ENCODER.encode([
        [ln.description, str(ln.quantity), str(ln.unit_price), str(ln.vat_rate), str(net), ref,
         ln.source_key]
        for ln, net, ref in zip(lines, nets, refs, strict=True)
    ])  # fmt: skip


def decode_lines(column: str) -> tuple[list[InvoiceLine], list[str | None]]:
    """The invoice lines and their product refs from the ``lines`` column."""
    rows = json.loads(column)
    lines = [
        InvoiceLine(d, Decimal(q), Decimal(p), Decimal(v), None, key)
        for d, q, p, v, _net, _ref, key in rows
    ]
    return lines, [row[5] for row in rows]


# --- records --------------------------------------------------------------------


@attrs.frozen
class SentEmail:
    """An email the sandbox "sent", kept in its outbox instead of being delivered.

    Attributes:
        invoice_id: provider id of the invoice that was sent.
        number: the invoice number.
        to: recipient address.
        subject: subject line.
        body: plain-text body.
        sent_at: when it was sent (UTC).
    """

    invoice_id: str
    number: str
    to: str
    subject: str
    body: str
    sent_at: datetime


def remote_from_row(row: Sequence[Any], account: str) -> RemoteInvoice:
    """A :class:`RemoteInvoice` from a row selected with :data:`INVOICE_COLUMNS`."""
    (rowid, key, customer_id, currency, total, balance, issue, due, number,
     booked, voided, deleted, sent, line_keys, credit_for) = row  # fmt: skip
    provider_id = f"INV-{rowid:05d}"
    return RemoteInvoice(
        provider_id=provider_id,
        key=key,
        customer_ref=f"C-{customer_id:05d}",
        currency=currency,
        total=Decimal(total),
        balance=Decimal(balance),
        issue_date=date.fromisoformat(issue),
        due_date=date.fromisoformat(due),
        number=None if number is None else str(number),
        booked=booked == 1,
        voided=voided == 1,
        deleted=deleted == 1,
        sent=sent == 1,
        web_url=invoice_url(account, provider_id),
        line_keys=split_keys(line_keys),
        credit_for=None if credit_for is None else f"INV-{credit_for:05d}",
    )


def load_invoice(
    conn: sqlite3.Connection, account: str, invoice_id: int, provider_id: str
) -> RemoteInvoice:
    """Invoice ``invoice_id`` read on ``conn`` (inside a transaction); NotFoundError if none."""
    row = conn.execute(f"SELECT {INVOICE_COLUMNS} FROM invoices WHERE id = ?", (invoice_id,))
    found = row.fetchone()
    if found is None:
        raise sandbox_error("invoice_not_found", f"invoice {provider_id!r} not found")
    return remote_from_row(found, account)


# --- the book -------------------------------------------------------------------


def kill_after_from_env() -> int | None:
    """The write count after which to SIGKILL this process, from the environment."""
    raw = os.environ.get(KILL_AFTER_WRITES_ENV, "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise ValidationError(
            "must be a positive whole number of writes", field=KILL_AFTER_WRITES_ENV, value=raw
        )
    return int(raw)


class Book:
    """One SQLite connection to a sandbox book, shared by threads under a lock.

    Attributes:
        account: the book's stable account id, created with the book.
        lock: serialises every use of the connection.
        writes: writes committed through this book object.
    """

    def __init__(self, path: str | os.PathLike[str], *, kill_after_writes: int | None) -> None:
        if kill_after_writes is not None and kill_after_writes < 1:
            raise ValidationError(
                "must be a positive number of writes",
                field="kill_after_writes",
                value=kill_after_writes,
            )
        self.lock = threading.Lock()
        self.writes = 0
        self._kill_after: int | None = None  # armed once the book is set up
        self._conn: sqlite3.Connection | None = sqlite3.connect(
            os.fspath(path),
            timeout=BUSY_TIMEOUT,
            isolation_level=None,  # autocommit; multi-statement writes say BEGIN themselves
            check_same_thread=False,  # the runner calls from a thread pool; the lock guards
            cached_statements=STATEMENT_CACHE,
        )
        self._conn.execute(f"PRAGMA page_size={PAGE_SIZE}")  # only affects a new file
        self._use_wal(self._conn)
        # WAL + NORMAL syncs only at checkpoints: a committed write survives a
        # process crash (what the fault injection simulates), not a power cut.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        # Checkpoint less often: a page written by several commits (an invoice is
        # created, booked and sent) is then copied back once, not three times.
        self._conn.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_PAGES}")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self.account = self._initialise()
        self._kill_after = kill_after_writes

    @staticmethod
    def _use_wal(conn: sqlite3.Connection) -> None:
        """Switch the file to WAL (an in-memory book keeps its own mode). SQLite does not
        wait for the lock this takes, so two processes opening one new book at once would
        fail "database is locked": retry, for as long as the busy timeout."""
        deadline = time.monotonic() + BUSY_TIMEOUT
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    @property
    def conn(self) -> sqlite3.Connection:
        """The open connection; a closed book is refused like a dropped session."""
        if self._conn is None:
            raise sandbox_error("book_closed", "the sandbox book is closed")
        return self._conn

    def _initialise(self) -> str:
        with self.transaction() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sandbox_error(
                    "schema_too_new",
                    f"this sandbox book has schema {version}; this ledgerlink "
                    f"understands up to {SCHEMA_VERSION}",
                )
            # Version 0 is a new, empty file: SCHEMA creates it whole.
            for step in range(version or SCHEMA_VERSION, SCHEMA_VERSION):
                for statement in UPGRADES[step]:
                    conn.execute(statement)
            for statement in statements(SCHEMA):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            conn.execute(
                "INSERT OR IGNORE INTO meta (name, value) VALUES ('account', ?)",
                (f"sandbox-{uuid.uuid4().hex[:12]}",),
            )
            row = conn.execute("SELECT value FROM meta WHERE name = 'account'").fetchone()
        # Creating the book is set-up, not one of the writes a crash test counts.
        self.writes = 0
        return str(row[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction under the lock: every change commits, or none does.

        A transaction that changed rows counts as a committed write for the
        fault injection, which kills the process right after the commit.
        """
        with self.lock:
            conn = self.conn
            before = conn.total_changes
            # IMMEDIATE takes the write lock up front, so a read-then-write
            # cannot interleave with another process's writes.
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            if conn.total_changes != before:
                self._committed()

    def write(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Run one write statement as its own transaction; its RETURNING rows.

        A single statement is atomic in SQLite (triggers included), and saves
        the BEGIN and COMMIT round trips on the hot paths.
        """
        with self.lock:
            conn = self.conn
            before = conn.total_changes
            # fetchall() steps the statement to its end, which is when it commits.
            rows = conn.execute(sql, params).fetchall()
            if conn.total_changes != before:
                self._committed()
            return rows

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one single-row INSERT as its own transaction; the new row's id.

        ``lastrowid`` read under the lock is this statement's row, and skips the
        ephemeral table SQLite builds for a RETURNING clause (~10% of an insert).
        """
        with self.lock:
            conn = self.conn
            cursor = conn.execute(sql, params)
            self._committed()
            assert cursor.lastrowid is not None  # an INSERT that did not raise added a row
            return cursor.lastrowid

    def _committed(self) -> None:
        self.writes += 1
        if self._kill_after is not None and self.writes >= self._kill_after:
            # Simulates a crash after the provider committed a write but before
            # the caller's journal could record it: the case exactly-once must survive.
            os.kill(os.getpid(), signal.SIGKILL)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first row of a read-only query, or None."""
        with self.lock:
            return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Every row of a read-only query."""
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        with self.lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
