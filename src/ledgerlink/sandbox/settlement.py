"""Internal: what happens to a booked invoice's money in the sandbox: voids, credit notes, payments.

Each function is one write transaction on a :class:`~ledgerlink.sandbox.book.Book`;
:class:`~ledgerlink.sandbox.connector.SandboxConnector` exposes them as its
``void``, ``credit`` and ``register_payment`` methods.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import ValidationError
from ledgerlink.money import round_money, to_decimal
from ledgerlink.sandbox.book import (
    Book,
    decode_lines,
    encode_lines,
    format_id,
    load_invoice,
    parse_id,
    remote_from_row,
    sandbox_error,
)
from ledgerlink.sandbox.rules import line_totals, require_booked, settled_by_credit
from ledgerlink.sandbox.sql import INSERT_INVOICE, NEXT_NUMBER, NOW, SELECT_BY_KEY

__all__ = ["credit", "register_payment", "void"]


def void(book: Book, account: str, invoice_id: int, provider_id: str) -> RemoteInvoice:
    """Void a booked invoice so nothing more is owed; voiding twice changes nothing."""
    with book.transaction() as conn:
        invoice = load_invoice(conn, account, invoice_id, provider_id)
        if invoice.voided and not invoice.deleted:
            return invoice
        require_booked(invoice)
        zero = round_money(Decimal(0), invoice.currency)
        conn.execute(
            "UPDATE invoices SET voided = 1, balance = ? WHERE id = ?", (str(zero), invoice_id)
        )
        return load_invoice(conn, account, invoice_id, provider_id)


def credit(book: Book, account: str, invoice_id: int, provider_id: str, key: str) -> RemoteInvoice:
    """Book a credit note for a whole invoice, tagged ``key``; the same key returns it again.

    The note negates every line, takes the next number of the invoices'
    sequence and settles what was still owed (:func:`settled_by_credit`).
    """
    with book.transaction() as conn:
        existing = conn.execute(SELECT_BY_KEY, (key,)).fetchone()
        if existing is not None:
            note = remote_from_row(existing, account)
            if note.credit_for == provider_id:
                return note
            raise sandbox_error(
                "duplicate_key", f"key {key!r} is already used by invoice {note.provider_id}"
            )
        original = load_invoice(conn, account, invoice_id, provider_id)
        require_booked(original)
        prior = conn.execute(
            "SELECT id FROM invoices WHERE credit_for = ? LIMIT 1", (invoice_id,)
        ).fetchone()
        if prior is not None:
            raise sandbox_error(
                "already_credited",
                f"invoice {provider_id} is already credited by {format_id('INV-', prior[0])}",
            )
        if original.credit_for is not None:
            raise sandbox_error("already_credited", f"invoice {provider_id} is a credit note")
        column = conn.execute("SELECT lines FROM invoices WHERE id = ?", (invoice_id,))
        lines, refs = decode_lines(column.fetchone()[0])
        lines = [attrs.evolve(ln, quantity=-ln.quantity, source_key=None) for ln in lines]
        nets, net, vat, total = line_totals(lines, original.currency)
        settled = settled_by_credit(original)
        # A credit note is dated today, but never before the invoice it credits.
        issued = max(date.today(), original.issue_date).isoformat()
        customer_id = parse_id("C-", original.customer_ref, "customer_not_found", "customer")
        cursor = conn.execute(INSERT_INVOICE, (
            key, customer_id, original.currency, issued, issued,
            f"Credit note for invoice {original.number}", str(net), str(vat), str(total),
            str(total + settled), len(lines), "", encode_lines(lines, nets, refs),
        ))  # fmt: skip
        note_id = int(cursor.lastrowid or 0)
        conn.execute(
            f"UPDATE invoices SET number = {NEXT_NUMBER}, booked = 1, booked_at = {NOW}, "
            "credit_for = ? WHERE id = ?",
            (invoice_id, note_id),
        )
        conn.execute(
            "UPDATE invoices SET balance = ? WHERE id = ?",
            (str(original.balance - settled), invoice_id),
        )
        return load_invoice(conn, account, note_id, format_id("INV-", note_id))


def register_payment(
    book: Book, account: str, invoice_id: int, provider_id: str, amount: object, paid_on: date
) -> RemoteInvoice:
    """Record a payment on a booked invoice; more than is owed leaves a negative balance."""
    value = to_decimal(amount, field="amount")
    with book.transaction() as conn:
        invoice = load_invoice(conn, account, invoice_id, provider_id)
        require_booked(invoice)
        if value == 0 or round_money(value, invoice.currency) != value:
            raise ValidationError(
                f"a payment is a non-zero amount in whole {invoice.currency} minor units",
                field="amount",
                value=amount,
            )
        conn.execute(
            "INSERT INTO payments (invoice_id, amount, paid_on) VALUES (?, ?, ?)",
            (invoice_id, str(value), paid_on.isoformat()),
        )
        conn.execute(
            "UPDATE invoices SET balance = ? WHERE id = ?",
            (str(invoice.balance - value), invoice_id),
        )
        return load_invoice(conn, account, invoice_id, provider_id)
