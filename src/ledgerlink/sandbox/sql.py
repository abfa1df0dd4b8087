"""Internal: every SQL statement the sandbox runs: the schema and the hot-path statements.

Why the schema looks as it does: a commit costs the pages it writes to the
WAL, so an invoice is one row (its lines are a JSON array in that row, as an
invoice document) and the common writes (create, book, send) are single
atomic statements that touch as few pages and indexes as possible. Invoice
numbers come from ``MAX(number) + 1`` over their partial index inside the
booking statement, gapless because SQLite runs one writer at a time.

Money is TEXT decimal strings (never REAL) and dates ISO 8601 strings, so what
goes in is exactly what comes out.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

__all__ = [
    "BOOK",
    "INSERT_CUSTOMER",
    "INSERT_INVOICE",
    "INSERT_REGISTRATION",
    "INVOICE_COLUMNS",
    "NEXT_NUMBER",
    "NOW",
    "SCHEMA",
    "SCHEMA_VERSION",
    "SELECT_BY_KEY",
    "SELECT_INVOICE",
    "SELECT_REGISTRATION",
    "SEND",
    "SEND_FACTS",
    "UPGRADES",
    "statements",
]

#: Bumped whenever the tables change shape; older code refuses newer books.
#: 2 added ``invoices.changed_at`` (the change feed), see :data:`UPGRADES`.
SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS customers (
    id INTEGER PRIMARY KEY,
    external_ref TEXT UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    email TEXT COLLATE NOCASE,
    registration_number TEXT,
    currency TEXT NOT NULL,
    street TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    city TEXT NOT NULL,
    country TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS customers_registration ON customers (registration_number);
CREATE INDEX IF NOT EXISTS customers_email ON customers (email);
CREATE TABLE IF NOT EXISTS products (
    id INTEGER PRIMARY KEY,
    external_ref TEXT UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    unit_price TEXT,
    vat_rate TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS invoices (
    id INTEGER PRIMARY KEY,
    key TEXT UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    currency TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    reference TEXT NOT NULL,
    net TEXT NOT NULL,
    vat TEXT NOT NULL,
    total TEXT NOT NULL,
    balance TEXT NOT NULL,
    number INTEGER,
    booked INTEGER NOT NULL DEFAULT 0,
    voided INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    sent INTEGER NOT NULL DEFAULT 0,
    credit_for INTEGER REFERENCES invoices (id),
    line_count INTEGER NOT NULL,
    line_keys TEXT NOT NULL,
    lines TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    booked_at TEXT,
    changed_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS invoices_number ON invoices (number)
    WHERE number IS NOT NULL;
CREATE INDEX IF NOT EXISTS invoices_customer_date ON invoices (customer_id, issue_date);
CREATE INDEX IF NOT EXISTS invoices_credit_for ON invoices (credit_for)
    WHERE credit_for IS NOT NULL;
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    invoice_id INTEGER NOT NULL REFERENCES invoices (id),
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
-- The hot writes (create, book, send, replace lines) stamp changed_at themselves:
-- this stamps every other change to what an invoice reports, and costs nothing
-- more than its WHEN test where the statement stamped already.
CREATE TRIGGER IF NOT EXISTS invoices_stamp_changes AFTER UPDATE OF
    number, booked, voided, deleted, sent, total, balance, due_date, line_keys ON invoices
    WHEN NEW.changed_at IS OLD.changed_at
BEGIN
    UPDATE invoices SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;
CREATE TRIGGER IF NOT EXISTS outbox_marks_sent AFTER INSERT ON outbox BEGIN
    UPDATE invoices SET sent = 1, changed_at = NEW.sent_at
    WHERE id = NEW.invoice_id AND sent = 0;
END;
-- An invoice's registration (posting) date, kept only where it differs from
-- the issue date: most invoices have none, so creating them stays one row
-- written. A table of its own rather than a column adds nothing for older code
-- to refuse (it reads such a book as before, every invoice registered on its
-- issue date), so it needs no SCHEMA_VERSION step: IF NOT EXISTS adds it to
-- books made before it.
CREATE TABLE IF NOT EXISTS registration_dates (
    invoice_id INTEGER PRIMARY KEY REFERENCES invoices (id),
    registration_date TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS payments (
    id INTEGER PRIMARY KEY,
    invoice_id INTEGER NOT NULL REFERENCES invoices (id),
    amount TEXT NOT NULL,
    paid_on TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
"""


#: Statements bringing a book of schema version N (the key) to N + 1, run before
#: :data:`SCHEMA` (whose ``IF NOT EXISTS`` leaves existing tables as they are).
#: A book from before the change feed never recorded when its invoices changed:
#: they are stamped "changed now", so a change feed read from any earlier time
#: reports them (a change reported twice is harmless; one never reported is not).
UPGRADES: dict[int, tuple[str, ...]] = {
    1: (
        "ALTER TABLE invoices ADD COLUMN changed_at TEXT",
        "UPDATE invoices SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        # Recreated by SCHEMA to stamp the change as it marks the invoice sent.
        "DROP TRIGGER IF EXISTS outbox_marks_sent",
    ),
}


def statements(script: str) -> Iterator[str]:
    """The statements of ``script`` one by one (a trigger body holds ";" too)."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending
            pending = ""


#: SQL for "now" in UTC; timestamps are made by SQLite, which is cheaper than Python.
NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
#: Columns :func:`remote_from_row` reads, in its order.
INVOICE_COLUMNS = (
    "id, key, customer_id, currency, total, balance, issue_date, due_date, number, "
    "booked, voided, deleted, sent, line_keys, credit_for"
)

#: One invoice by row id, as :func:`~ledgerlink.sandbox.book.remote_from_row` reads it.
SELECT_INVOICE = f"SELECT {INVOICE_COLUMNS} FROM invoices WHERE id = ?"
#: One invoice by its ledgerlink key.
SELECT_BY_KEY = f"SELECT {INVOICE_COLUMNS} FROM invoices WHERE key = ?"
#: A new customer; ``external_ref`` is the local Customer.id (NULL when typed in by hand).
INSERT_CUSTOMER = (
    "INSERT INTO customers (external_ref, name, kind, email, registration_number, currency, "
    "street, postal_code, city, country) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
#: A new invoice or credit note, unbooked; timestamps default to now.
INSERT_INVOICE = (
    "INSERT INTO invoices (key, customer_id, currency, issue_date, due_date, reference, net, "
    "vat, total, balance, line_count, line_keys, lines, changed_at) "
    f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {NOW})"
)
#: The registration date of a new invoice, when it is not the issue date.
INSERT_REGISTRATION = "INSERT INTO registration_dates (invoice_id, registration_date) VALUES (?, ?)"
#: An invoice's registration date: the recorded one, else its issue date.
SELECT_REGISTRATION = (
    "SELECT COALESCE(r.registration_date, i.issue_date) FROM invoices i "
    "LEFT JOIN registration_dates r ON r.invoice_id = i.id WHERE i.id = ?"
)
#: The next invoice number, read under the write lock of the statement it is part of.
NEXT_NUMBER = "(SELECT COALESCE(MAX(number), 0) + 1 FROM invoices WHERE number IS NOT NULL)"
# Numbers a draft only if it is still a bookable draft: check and write are one
# atomic statement, and the next number is read under the same write lock.
BOOK = (
    f"UPDATE invoices SET number = {NEXT_NUMBER}, booked = 1, booked_at = {NOW}, "
    f"changed_at = {NOW} "
    "WHERE id = ? AND booked = 0 AND voided = 0 AND deleted = 0 AND line_count > 0 "
    f"RETURNING {INVOICE_COLUMNS}"
)
#: What sending needs to know: the invoice state and the customer's name and email.
SEND_FACTS = (
    "SELECT i.booked, i.voided, i.deleted, i.number, i.total, i.currency, i.issue_date, "
    "i.due_date, i.credit_for, c.name, c.email "
    "FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE i.id = ?"
)
# Queues the email only while the invoice is still sendable; a trigger marks it sent.
SEND = (
    "INSERT INTO outbox (invoice_id, recipient, subject, body) SELECT ?, ?, ?, ? "
    "WHERE EXISTS (SELECT 1 FROM invoices WHERE id = ? AND booked = 1 AND voided = 0 "
    "AND deleted = 0) RETURNING id"
)
