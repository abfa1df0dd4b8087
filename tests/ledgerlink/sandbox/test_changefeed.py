"""The sandbox's change feed: every invoice write is reported once, exactly at ``until``."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerlink.connector import Capability
from ledgerlink.domain import Customer, RemoteInvoice
from ledgerlink.errors import ValidationError
from ledgerlink.sandbox import CAPABILITIES, SandboxConnector
from ledgerlink.sandbox.sql import SCHEMA_VERSION
from ledgerlink.status import InvoiceStatus
from ledgerlink.testing import make_customer, make_invoice_draft, make_invoice_line

MakeInvoice = Callable[..., RemoteInvoice]
HOUR_AGO = timedelta(hours=1)


def reported(book: SandboxConnector, since: datetime) -> tuple[set[str], set[str], datetime]:
    found = book.changes(since)
    return {i.provider_id for i in found.invoices}, set(found.deleted), found.until


def test_the_sandbox_declares_its_change_feed() -> None:
    """CHANGE_FEED is among the sandbox's capabilities."""
    assert Capability.CHANGE_FEED in CAPABILITIES


def test_a_read_from_until_reports_nothing_already_reported(
        book: SandboxConnector, draft_for: MakeInvoice) -> None:
    """Right after a read, a read from its ``until`` is empty: the boundary is exact."""
    start = book.changes(datetime.now(UTC) - HOUR_AGO).until
    made = draft_for()
    changed, _, until = reported(book, start)
    assert changed == {made.provider_id}
    assert reported(book, until)[:2] == (set(), set())


WRITES: dict[str, Callable[[SandboxConnector, str], object]] = {
    "replace_lines": lambda b, pid: b.replace_lines(
        pid, "more", [make_invoice_line(source_key="more")], {}),
    "book": lambda b, pid: b.book(pid),
    "send": lambda b, pid: b.send(b.book(pid).provider_id),
    "void": lambda b, pid: b.void(b.book(pid).provider_id),
    "payment": lambda b, pid: b.register_payment(b.book(pid).provider_id, Decimal(10),
                                                 date.today()),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_every_kind_of_invoice_write_is_reported(
        book: SandboxConnector, draft_for: MakeInvoice, write: str) -> None:
    """An invoice changed by any write comes back from a read started before the write."""
    made = draft_for()
    since = book.changes(datetime.now(UTC)).until
    assert reported(book, since)[0] == set()
    WRITES[write](book, made.provider_id)
    found = book.changes(since)
    assert [i.provider_id for i in found.invoices] == [made.provider_id]
    assert found.invoices[0] == book.get_invoice(made.provider_id)


def test_a_credit_note_and_its_invoice_are_both_reported(
        book: SandboxConnector, booked_for: MakeInvoice) -> None:
    """Crediting changes the invoice (settled) and creates the note."""
    invoice = booked_for()
    since = book.changes(datetime.now(UTC)).until
    note = book.credit(invoice.provider_id, "credit:inv:1")
    assert reported(book, since)[0] == {invoice.provider_id, note.provider_id}


def test_a_deleted_draft_is_reported_by_id_only(
        book: SandboxConnector, draft_for: MakeInvoice) -> None:
    """Deleted invoices are in ``deleted``, not among the changed invoices."""
    made = draft_for()
    since = book.changes(datetime.now(UTC)).until
    book.delete(made.provider_id)
    assert reported(book, since)[:2] == (set(), {made.provider_id})


def test_since_needs_a_time_zone(book: SandboxConnector) -> None:
    """A naive ``since`` is refused rather than guessed."""
    with pytest.raises(ValidationError, match="time zone"):
        book.changes(datetime(2026, 1, 1))


def test_a_book_from_before_the_change_feed_is_upgraded(tmp_path: Path) -> None:
    """A schema-1 book gains change times on opening; its invoices count as changed then."""
    path = tmp_path / "old.db"
    with SandboxConnector(path) as book:
        customer = make_customer()
        old = book.create_invoice(make_invoice_draft(customer=customer),
                                  book.create_customer(customer), {})
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP TRIGGER invoices_stamp_changes; DROP TRIGGER outbox_marks_sent; "
        "ALTER TABLE invoices DROP COLUMN changed_at; PRAGMA user_version=1; "
        # The trigger as schema 1 had it, before it stamped the change itself.
        "CREATE TRIGGER outbox_marks_sent AFTER INSERT ON outbox BEGIN "
        "UPDATE invoices SET sent = 1 WHERE id = NEW.invoice_id AND sent = 0; END;")
    conn.close()
    opened = datetime.now(UTC)
    with SandboxConnector(path) as book:
        assert reported(book, opened - timedelta(seconds=1))[0] == {old.provider_id}
        since = book.changes(opened).until
        book.book(old.provider_id)
        changed, _, since = reported(book, since)
        assert changed == {old.provider_id}
        book.send(old.provider_id, email="ops@example.com")
        assert reported(book, since)[0] == {old.provider_id}
        assert book.get_invoice(old.provider_id).sent
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    conn.close()


OPERATIONS = st.lists(st.sampled_from(["create", "book", "pay", "void", "delete", "read"]),
                      min_size=1, max_size=12)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_consecutive_reads_report_each_change_in_the_read_that_follows_it(
        book: SandboxConnector, acme: tuple[Customer, str], operations: list[str]) -> None:
    """Reading from each ``until`` in turn reports exactly the invoices written in between,
    each as the book holds it at the read, deleted ones by id."""
    customer, ref = acme
    until = book.changes(datetime.now(UTC)).until
    touched: set[str] = set()
    mine: list[str] = []
    for operation in [*operations, "read"]:
        live = [pid for pid in mine if not book.get_invoice(pid).deleted]
        drafts = [pid for pid in live if not book.get_invoice(pid).booked]
        booked = [pid for pid in live if book.get_invoice(pid).booked
                  and not book.get_invoice(pid).voided]
        if operation == "create":
            pid = book.create_invoice(make_invoice_draft(customer=customer), ref,
                                      {}).provider_id
            mine.append(pid)
            touched.add(pid)
        elif operation == "book" and drafts:
            touched.add(book.book(drafts[0]).provider_id)
        elif operation == "pay" and booked:
            touched.add(book.register_payment(booked[0], Decimal(1), date.today()).provider_id)
        elif operation == "void" and booked:
            touched.add(book.void(booked[-1]).provider_id)
        elif operation == "delete" and drafts:
            book.delete(drafts[-1])
            touched.add(drafts[-1])
        elif operation == "read":
            found = book.changes(until)
            assert {i.provider_id for i in found.invoices} | set(found.deleted) == touched
            for current in found.invoices:
                assert current == book.get_invoice(current.provider_id)
                assert current.status(date.today()) != InvoiceStatus.DELETED
            assert found.until > until
            until, touched = found.until, set()
