"""Internal: the sandbox connector: a complete local accounting book behind the Connector contract.

It behaves like a strict remote accounting system: provider ids (``C-00001``,
``INV-00001``), a gapless invoice number sequence shared by invoices and credit
notes, drafts that can be booked but not edited afterwards, an email outbox,
PDFs, voids, credit notes and payments, and errors carrying the provider's own
code and text. Demos, notebooks, tests and benchmarks use it; crash tests use
its fault injection (see ``kill_after_writes``).

Every public write is one SQLite transaction; reads see other processes'
committed writes at once (nothing about invoices is cached). Customers and
products are never changed or removed once created, so their currencies and
existence are remembered to save a query per invoice.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Self

import attrs

from ledgerlink.connector import BaseConnector, Capability, Changes, ProductRefs
from ledgerlink.domain import Customer, InvoiceDraft, InvoiceLine, Product, RemoteInvoice
from ledgerlink.errors import ValidationError
from ledgerlink.sandbox import changefeed, settlement
from ledgerlink.sandbox.book import (
    PROVIDER,
    Book,
    SentEmail,
    decode_lines,
    encode_lines,
    format_id,
    invoice_url,
    join_keys,
    kill_after_from_env,
    load_invoice,
    parse_id,
    remote_from_row,
    sandbox_error,
    split_keys,
)
from ledgerlink.sandbox.rules import (
    EmailFacts,
    email_text,
    line_totals,
    require_booked,
    require_booked_flags,
    require_draft,
)
from ledgerlink.sandbox.sql import (
    BOOK,
    INSERT_CUSTOMER,
    INSERT_INVOICE,
    INSERT_REGISTRATION,
    INVOICE_COLUMNS,
    NOW,
    SELECT_BY_KEY,
    SELECT_INVOICE,
    SELECT_REGISTRATION,
    SEND,
    SEND_FACTS,
)

__all__ = ["CAPABILITIES", "COMPANY_NAME", "DEFAULT_PATH", "SandboxConnector"]

#: Everything the sandbox can do (it has no batch API, webhooks or rate limits).
CAPABILITIES = frozenset(
    {
        Capability.DRAFTS,
        Capability.BOOKING,
        Capability.EMAIL,
        Capability.PDF,
        Capability.VOID,
        Capability.DELETE,
        Capability.CREDIT_NOTES,
        Capability.WEB_URL,
        Capability.PAYMENTS,
        Capability.CHANGE_FEED,
    }
)
#: Where ``SandboxConnector()`` keeps its book when given no path.
DEFAULT_PATH = "ledgerlink-sandbox.db"
#: The invoicing company printed on the sandbox's PDFs and emails.
COMPANY_NAME = "Sandbox Company ApS"
#: Keys per ``find_invoices`` query: below SQLite's oldest limit on bound
#: parameters (999), so any SQLite build takes it.
FIND_CHUNK = 900


class SandboxConnector(BaseConnector):
    """A local accounting book on SQLite that keeps the whole Connector contract.

    Args:
        path: the book's file (created when missing), or ``":memory:"``.
        kill_after_writes: SIGKILL this process right after the Nth committed
            write through this connector, to simulate a crash between a remote
            write and the caller's record of it. ``None`` reads
            ``$LEDGERLINK_SANDBOX_KILL_AFTER_WRITES`` (unset: never).
        latency: seconds every call sleeps first, like a network round trip,
            so a crash test can kill a run part-way through.

    Attributes:
        account: the book's id (``sandbox-<12 hex>``), fixed when the file is created.
        path: the book's file.
        latency: seconds each call sleeps.
    """

    name = PROVIDER
    capabilities = CAPABILITIES
    #: An invoice's ``sent`` is a stored flag, set in the same write as its outbox email.
    tells_sent = True

    def __init__(
        self,
        path: str | os.PathLike[str] = DEFAULT_PATH,
        *,
        kill_after_writes: int | None = None,
        latency: float = 0.0,
    ) -> None:
        if latency < 0:
            raise ValidationError("latency cannot be negative", field="latency", value=latency)
        if kill_after_writes is None:
            kill_after_writes = kill_after_from_env()
        self.path = os.fspath(path)
        self.latency = latency
        # Without simulated latency every call is CPU and one lock: threads only
        # add contention. With latency, concurrent calls overlap like network calls.
        self.max_in_flight = None if latency else 1
        self._book = Book(path, kill_after_writes=kill_after_writes)
        self.account = self._book.account
        self._currencies: dict[int, str] = {}
        self._products: set[int] = set()

    def __repr__(self) -> str:
        return f"SandboxConnector(path={self.path!r}, account={self.account!r})"

    def __enter__(self) -> Self:
        return self

    def _pause(self) -> None:
        # Outside the lock: concurrent calls wait in parallel, as they would on a network.
        if self.latency:
            time.sleep(self.latency)

    # --- customers and products -----------------------------------------------------

    def find_customer(self, customer: Customer) -> str | None:
        """By external reference, else a unique untagged match on registration number or email.

        A customer tagged with another local id belongs to someone else and is
        never returned; a number or email shared by several customers matches none.
        """
        self._pause()
        row = self._book.one("SELECT id FROM customers WHERE external_ref = ?", (customer.id,))
        if row is not None:
            return format_id("C-", row[0])
        searches = (
            ("SELECT id, external_ref FROM customers WHERE registration_number = ? LIMIT 2",
             customer.registration_number),
            ("SELECT id, external_ref FROM customers WHERE email = ? LIMIT 2", customer.email),
        )  # fmt: skip
        for sql, value in searches:
            if value:
                rows = self._book.all(sql, (value,))
                if len(rows) == 1 and rows[0][1] is None:
                    return format_id("C-", rows[0][0])
        return None

    def create_customer(self, customer: Customer) -> str:
        """Create ``customer`` tagged with its id; a second create for that id is a conflict."""
        self._pause()
        return self._insert_customer(customer, customer.id)

    def seed_customer(self, customer: Customer) -> str:
        """Add ``customer`` untagged, as if someone had typed it into the book by hand."""
        self._pause()
        return self._insert_customer(customer, None)

    def _insert_customer(self, customer: Customer, ref: str | None) -> str:
        address = customer.address
        with self._book.transaction() as conn:
            if ref is not None:
                row = conn.execute("SELECT id FROM customers WHERE external_ref = ?", (ref,))
                existing = row.fetchone()
                if existing is not None:
                    raise sandbox_error(
                        "duplicate_customer",
                        f"customer {ref!r} already exists as {format_id('C-', existing[0])}",
                    )
            cursor = conn.execute(INSERT_CUSTOMER, (
                ref, customer.name, customer.kind.value, customer.email,
                customer.registration_number, customer.currency, address.street,
                address.postal_code, address.city, address.country,
            ))  # fmt: skip
        rowid = int(cursor.lastrowid or 0)
        self._currencies[rowid] = customer.currency
        return format_id("C-", rowid)

    def find_product(self, product: Product) -> str | None:
        """The product tagged with ``product.id``, if any."""
        self._pause()
        row = self._book.one("SELECT id FROM products WHERE external_ref = ?", (product.id,))
        return format_id("P-", row[0]) if row is not None else None

    def create_product(self, product: Product) -> str:
        """Create ``product`` tagged with its id; a second create for that id is a conflict."""
        self._pause()
        price = str(product.unit_price) if product.unit_price is not None else None
        with self._book.transaction() as conn:
            existing = conn.execute(
                "SELECT id FROM products WHERE external_ref = ?", (product.id,)
            ).fetchone()
            if existing is not None:
                raise sandbox_error(
                    "duplicate_product",
                    f"product {product.id!r} already exists as {format_id('P-', existing[0])}",
                )
            cursor = conn.execute(
                "INSERT INTO products (external_ref, name, kind, unit_price, vat_rate) "
                "VALUES (?, ?, ?, ?, ?)",
                (product.id, product.name, product.kind.value, price, str(product.vat_rate)),
            )
        rowid = int(cursor.lastrowid or 0)
        self._products.add(rowid)
        return format_id("P-", rowid)

    def product_name(self, remote_id: str) -> str | None:
        """The name of product ``remote_id`` (``P-00001``), or None when there is none."""
        return self._name_of("products", "P-", remote_id)

    def customer_name(self, remote_id: str) -> str | None:
        """The name of customer ``remote_id`` (``C-00001``), or None when there is none."""
        return self._name_of("customers", "C-", remote_id)

    def _name_of(self, table: str, prefix: str, remote_id: str) -> str | None:
        self._pause()
        digits = remote_id[len(prefix):]
        if not remote_id.startswith(prefix) or not digits.isascii() or not digits.isdigit():
            return None
        row = self._book.one(f"SELECT name FROM {table} WHERE id = ?", (int(digits),))
        return None if row is None else str(row[0])

    def customer_currency(self, customer_ref: str) -> str | None:
        """The customer's currency (every sandbox customer has one)."""
        return self._customer(customer_ref)[1]

    def _customer(self, customer_ref: str) -> tuple[int, str]:
        """The customer's row id and currency; NotFoundError for unknown customers."""
        customer_id = parse_id("C-", customer_ref, "customer_not_found", "customer")
        currency = self._currencies.get(customer_id)
        if currency is None:
            row = self._book.one("SELECT currency FROM customers WHERE id = ?", (customer_id,))
            if row is None:
                raise sandbox_error("customer_not_found", f"customer {customer_ref!r} not found")
            currency = self._currencies[customer_id] = str(row[0])
        return customer_id, currency

    def _product_refs(
        self, lines: Sequence[InvoiceLine], products: ProductRefs
    ) -> list[str | None]:
        """Each line's product ref; a ref to a product the book lacks is refused."""
        refs: list[str | None] = []
        for line in lines:
            ref = products.get(line.product_id) if line.product_id else None
            if ref is not None:
                product_id = parse_id("P-", ref, "product_not_found", "product")
                if product_id not in self._products:
                    if self._book.one("SELECT 1 FROM products WHERE id = ?", (product_id,)) is None:
                        raise sandbox_error("product_not_found", f"product {ref!r} not found")
                    self._products.add(product_id)
            refs.append(ref)
        return refs

    # --- reading invoices -----------------------------------------------------------

    def find_invoice(self, key: str) -> RemoteInvoice | None:
        """The invoice or credit note carrying ``key`` (deleted ones too, flagged)."""
        self._pause()
        row = self._book.one(SELECT_BY_KEY, (key,))
        return remote_from_row(row, self.account) if row is not None else None

    def find_invoices(self, keys: Sequence[str]) -> dict[str, RemoteInvoice]:
        """The invoices and credit notes carrying ``keys``, one query per chunk of keys."""
        self._pause()
        unique = list(dict.fromkeys(keys))
        found: dict[str, RemoteInvoice] = {}
        for start in range(0, len(unique), FIND_CHUNK):
            chunk = unique[start:start + FIND_CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = self._book.all(
                f"SELECT {INVOICE_COLUMNS} FROM invoices WHERE key IN ({marks})", chunk)
            for row in rows:
                invoice = remote_from_row(row, self.account)
                if invoice.key is not None:
                    found[invoice.key] = invoice
        return found

    def get_invoice(self, provider_id: str) -> RemoteInvoice:
        """The invoice as the book holds it now; NotFoundError for unknown ids."""
        self._pause()
        row = self._book.one(SELECT_INVOICE, (self._invoice_id(provider_id),))
        if row is None:
            raise sandbox_error("invoice_not_found", f"invoice {provider_id!r} not found")
        return remote_from_row(row, self.account)

    def registration_date(self, provider_id: str) -> date:
        """The invoice's registration (posting) date: the one it was created with,
        else its issue date. NotFoundError for unknown ids."""
        self._pause()
        row = self._book.one(SELECT_REGISTRATION, (self._invoice_id(provider_id),))
        if row is None:
            raise sandbox_error("invoice_not_found", f"invoice {provider_id!r} not found")
        return date.fromisoformat(row[0])

    def invoices(self) -> list[RemoteInvoice]:
        """Every invoice and credit note in the book, oldest first (for reports)."""
        self._pause()
        rows = self._book.all(f"SELECT {INVOICE_COLUMNS} FROM invoices ORDER BY id")
        return [remote_from_row(row, self.account) for row in rows]

    def list_invoices(self, customer_ref: str, start: date, end: date) -> Iterator[RemoteInvoice]:
        """A customer's invoices issued in ``start..end``, by issue date then id."""
        self._pause()
        customer_id, _ = self._customer(customer_ref)
        rows = self._book.all(
            f"SELECT {INVOICE_COLUMNS} FROM invoices WHERE customer_id = ? "
            "AND issue_date BETWEEN ? AND ? ORDER BY issue_date, id",
            (customer_id, start.isoformat(), end.isoformat()),
        )
        # Read in full first, so a slow consumer never holds the book's lock.
        return iter([remote_from_row(row, self.account) for row in rows])

    def changes(self, since: datetime) -> Changes:
        """Invoices changed at or after ``since``, deleted ones by id (see ``changefeed``)."""
        # A subclass declaring less (the conformance suite's bare sandbox) refuses.
        self.require(Capability.CHANGE_FEED)
        self._pause()
        return changefeed.changes(self._book, self.account, since)

    def web_url(self, provider_id: str) -> str:
        """``sandbox://<account>/invoices/<id>``; NotFoundError for unknown ids."""
        return self.get_invoice(provider_id).web_url or invoice_url(self.account, provider_id)

    def outbox(self) -> list[SentEmail]:
        """Every email the sandbox has sent, oldest first."""
        self._pause()
        rows = self._book.all(
            "SELECT o.invoice_id, i.number, o.recipient, o.subject, o.body, o.sent_at "
            "FROM outbox o JOIN invoices i ON i.id = o.invoice_id ORDER BY o.id"
        )
        return [
            SentEmail(format_id("INV-", rowid), str(number), to, subject, body,
                      datetime.fromisoformat(sent_at))
            for rowid, number, to, subject, body, sent_at in rows
        ]  # fmt: skip

    def pdf(self, provider_id: str) -> bytes:
        """The invoice (or draft, or credit note) as a PDF document."""
        # fpdf2 (with fontTools) costs about half a second to import: only a
        # process that makes a PDF should pay for it.
        from ledgerlink.sandbox.pdf import PdfInvoice, render_pdf

        self._pause()
        invoice_id = self._invoice_id(provider_id)
        with self._book.lock:
            conn = self._book.conn
            invoice = self._load(conn, invoice_id, provider_id)
            facts = conn.execute(
                "SELECT c.name, c.street, c.postal_code, c.city, c.country, "
                "c.registration_number, c.email, i.reference, i.lines, r.registration_date "
                "FROM invoices i JOIN customers c ON c.id = i.customer_id "
                "LEFT JOIN registration_dates r ON r.invoice_id = i.id WHERE i.id = ?",
                (invoice_id,),
            ).fetchone()
        if invoice.deleted:
            raise sandbox_error("invoice_deleted", f"invoice {provider_id} is deleted")
        (name, street, postal_code, city, country, registration, email, reference, lines,
         registered_on) = facts  # fmt: skip
        address = [*street.splitlines(), f"{postal_code} {city}".strip(), country]
        return render_pdf(PdfInvoice(
            company=COMPANY_NAME, invoice=invoice, customer_name=name,
            customer_address=tuple(part for part in address if part),
            registration_number=registration, customer_email=email, reference=reference,
            lines=tuple(decode_lines(lines)[0]),
            registration_date=None if registered_on is None else date.fromisoformat(registered_on),
        ))  # fmt: skip

    # --- writing invoices -----------------------------------------------------------

    def create_invoice(
        self, draft: InvoiceDraft, customer_ref: str, products: ProductRefs
    ) -> RemoteInvoice:
        """Create ``draft`` unbooked; its currency must be the customer's."""
        self._pause()
        customer_id, currency = self._customer(customer_ref)
        if draft.currency != currency:
            raise sandbox_error(
                "currency_mismatch",
                f"invoice currency {draft.currency} does not match the currency {currency} "
                f"of customer {customer_ref}",
            )
        refs = self._product_refs(draft.lines, products)
        nets, net, vat, total = line_totals(draft.lines, currency)
        keys = join_keys(line.source_key for line in draft.lines)
        row = (
            draft.key, customer_id, currency, draft.issue_date.isoformat(),
            draft.due_date.isoformat(), draft.reference, str(net), str(vat), str(total),
            str(total), len(draft.lines), keys, encode_lines(draft.lines, nets, refs),
        )  # fmt: skip
        try:
            if draft.registered_on == draft.issue_date:
                invoice_id = self._book.insert(INSERT_INVOICE, row)
            else:
                with self._book.transaction() as conn:
                    rows = conn.execute(f"{INSERT_INVOICE} RETURNING id", row).fetchall()
                    invoice_id = rows[0][0]
                    conn.execute(INSERT_REGISTRATION,
                                 (invoice_id, draft.registered_on.isoformat()))
        except sqlite3.IntegrityError:
            existing = self.find_invoice(draft.key)
            if existing is None:
                raise
            raise sandbox_error(
                "duplicate_key", f"key {draft.key!r} is already used by {existing.provider_id}"
            ) from None
        provider_id = format_id("INV-", invoice_id)
        return RemoteInvoice(
            provider_id=provider_id, key=draft.key, customer_ref=customer_ref, currency=currency,
            total=total, balance=total, issue_date=draft.issue_date, due_date=draft.due_date,
            sent=False, web_url=invoice_url(self.account, provider_id),
            line_keys=split_keys(keys),
        )  # fmt: skip

    def replace_lines(
        self,
        provider_id: str,
        source_key: str,
        lines: Sequence[InvoiceLine],
        products: ProductRefs,
    ) -> RemoteInvoice:
        """On a draft, swap the lines tagged ``source_key`` for ``lines`` (empty removes)."""
        self._pause()
        invoice_id = self._invoice_id(provider_id)
        for index, line in enumerate(lines):
            if line.source_key not in (None, source_key):
                raise ValidationError(
                    f"line belongs to {line.source_key!r}, not to {source_key!r}",
                    field=f"lines[{index}].source_key", value=line.source_key,
                )  # fmt: skip
        tagged = [attrs.evolve(line, source_key=source_key) for line in lines]
        new_refs = self._product_refs(tagged, products)
        with self._book.transaction() as conn:
            invoice = self._load(conn, invoice_id, provider_id)
            require_draft(invoice)
            column = conn.execute("SELECT lines FROM invoices WHERE id = ?", (invoice_id,))
            old, old_refs = decode_lines(column.fetchone()[0])
            kept = [(ln, ref) for ln, ref in zip(old, old_refs, strict=True)
                    if ln.source_key != source_key]  # fmt: skip
            all_lines = [ln for ln, _ in kept] + tagged
            refs = [ref for _, ref in kept] + new_refs
            nets, net, vat, total = line_totals(all_lines, invoice.currency)
            conn.execute(
                "UPDATE invoices SET net = ?, vat = ?, total = ?, balance = ?, line_count = ?, "
                f"line_keys = ?, lines = ?, changed_at = {NOW} WHERE id = ?",
                (str(net), str(vat), str(total), str(total), len(all_lines),
                 join_keys(ln.source_key for ln in all_lines),
                 encode_lines(all_lines, nets, refs), invoice_id),
            )  # fmt: skip
            return self._load(conn, invoice_id, provider_id)

    def book(self, provider_id: str) -> RemoteInvoice:
        """Give a draft the next number; a booked invoice comes back unchanged."""
        self._pause()
        invoice_id = self._invoice_id(provider_id)
        rows = self._book.write(BOOK, (invoice_id,))
        if rows:
            return remote_from_row(rows[0], self.account)
        # Not bookable as it stands: say why, or return it if it is booked already.
        invoice = self.get_invoice(provider_id)
        if invoice.booked and not invoice.voided:
            return invoice
        require_draft(invoice)
        raise sandbox_error(
            "invoice_empty", f"invoice {provider_id} has no lines and cannot be booked"
        )

    def send(self, provider_id: str, email: str | None = None) -> None:
        """Put a booked invoice in the outbox, to ``email`` or the customer's address."""
        self._pause()
        invoice_id = self._invoice_id(provider_id)
        facts = self._book.one(SEND_FACTS, (invoice_id,))
        if facts is None:
            raise sandbox_error("invoice_not_found", f"invoice {provider_id!r} not found")
        booked, voided, deleted, number, total, currency, issue, due, credit_for, name, to = facts
        require_booked_flags(provider_id, booked, voided, deleted)
        recipient = email or to
        if not recipient:
            raise sandbox_error(
                "no_recipient",
                f"invoice {provider_id}: the customer {name!r} has no email address; "
                "add one to the customer or pass the address to send to",
            )
        subject, body = email_text(
            EmailFacts(str(number), credit_for is not None, issue, due, total, currency, name),
            COMPANY_NAME,
        )
        if not self._book.write(SEND, (invoice_id, recipient, subject, body, invoice_id)):
            # Someone voided it since we looked: report its state now.
            require_booked(self.get_invoice(provider_id))

    def void(self, provider_id: str) -> RemoteInvoice:
        """Void a booked invoice: nothing more is owed; voiding twice changes nothing."""
        self._pause()
        return settlement.void(self._book, self.account, self._invoice_id(provider_id), provider_id)

    def delete(self, provider_id: str) -> None:
        """Mark a draft deleted; it stays findable, flagged; deleting twice changes nothing."""
        self._pause()
        invoice_id = self._invoice_id(provider_id)
        with self._book.transaction() as conn:
            invoice = self._load(conn, invoice_id, provider_id)
            if invoice.deleted:
                return
            if invoice.booked:
                raise sandbox_error(
                    "invoice_not_draft",
                    f"invoice {provider_id} is booked as number {invoice.number} and cannot be "
                    "deleted; void it or credit it",
                )
            conn.execute("UPDATE invoices SET deleted = 1 WHERE id = ?", (invoice_id,))

    def credit(self, provider_id: str, key: str) -> RemoteInvoice:
        """Book a credit note for the whole invoice, tagged ``key``; the same key returns it.

        The note takes the next invoice number and settles what was still owed
        on the invoice; whatever the customer had paid stays open on the note,
        owed back to them.
        """
        self._pause()
        invoice_id = self._invoice_id(provider_id)
        return settlement.credit(self._book, self.account, invoice_id, provider_id, key)

    def register_payment(self, provider_id: str, amount: Decimal, paid_on: date) -> RemoteInvoice:
        """Record a payment on a booked invoice; paying more than owed leaves a negative balance."""
        self._pause()
        invoice_id = self._invoice_id(provider_id)
        return settlement.register_payment(
            self._book, self.account, invoice_id, provider_id, amount, paid_on
        )

    def close(self) -> None:
        """Close the book's connection."""
        self._book.close()

    # --- helpers --------------------------------------------------------------------

    def _invoice_id(self, provider_id: str) -> int:
        return parse_id("INV-", provider_id, "invoice_not_found", "invoice")

    def _load(self, conn: sqlite3.Connection, invoice_id: int, provider_id: str) -> RemoteInvoice:
        return load_invoice(conn, self.account, invoice_id, provider_id)
