"""ledgerlink-memory: an accounting book kept in memory, as a ledgerlink connector plugin.

The package does two things, as every connector plugin does:

1. :class:`MemoryConnector` keeps the connector contract (see
   ``ledgerlink.connector``): it stores each invoice's ledgerlink key and each
   line's source key where ``find_invoice`` and ``line_keys`` report them, and
   finds a customer again by the id it was created with. Those two promises are
   what let ledgerlink invoice exactly once.
2. :func:`ledgerlink_register_connectors` registers it under the name
   ``memory``; the entry point in ``pyproject.toml`` tells ledgerlink to call it.

Everything is lost when the process ends. Use it to try ledgerlink out.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

import attrs
import ledgerlink as ll
from ledgerlink.connector import ProductRefs
from ledgerlink.errors import ConflictError, InvoiceStateError, NotFoundError
from ledgerlink.plugins import ConnectorRegistry, hookimpl

__all__ = ["CAPABILITIES", "MemoryConnector", "ledgerlink_register_connectors"]

#: What the in-memory book can do; every other operation raises CapabilityError.
CAPABILITIES = frozenset({ll.Capability.DRAFTS, ll.Capability.BOOKING, ll.Capability.EMAIL})

#: The name errors carry as their provider.
PROVIDER = "memory"


@dataclass
class _Invoice:
    """One invoice as the book holds it: the draft ledgerlink sent, plus its state."""

    provider_id: str
    customer_ref: str
    draft: ll.InvoiceDraft
    product_refs: list[str | None]
    number: str | None = None
    sent: bool = False
    recipients: list[str] = field(default_factory=list)

    def remote(self) -> ll.RemoteInvoice:
        total = self.draft.gross.amount
        keys = dict.fromkeys(line.source_key for line in self.draft.lines if line.source_key)
        return ll.RemoteInvoice(
            provider_id=self.provider_id,
            key=self.draft.key,
            customer_ref=self.customer_ref,
            currency=self.draft.currency,
            total=total,
            balance=total,
            issue_date=self.draft.issue_date,
            due_date=self.draft.due_date,
            number=self.number,
            booked=self.number is not None,
            sent=self.sent,
            line_keys=tuple(keys),
        )


class MemoryConnector(ll.BaseConnector):
    """An accounting book in a Python dict: drafts, booking and an email outbox.

    Args:
        account: the book's id in ledgerlink's journal; a fresh book gets a new one.
    """

    name = "memory"
    capabilities = CAPABILITIES

    def __init__(self, account: str | None = None) -> None:
        self.account = account or f"memory-{uuid.uuid4().hex[:12]}"
        self._lock = threading.Lock()  # the runner calls connectors from a thread pool
        self._ids = itertools.count(1)
        self._numbers = itertools.count(1)
        self._customers: dict[str, ll.Customer] = {}  # provider id -> customer
        self._products: dict[str, ll.Product] = {}
        self._invoices: dict[str, _Invoice] = {}

    # --- customers and products ---------------------------------------------------

    def find_customer(self, customer: ll.Customer) -> str | None:
        """The customer created earlier for the same ``customer.id``, if any."""
        with self._lock:
            return next((ref for ref, known in self._customers.items()
                         if known.id == customer.id), None)

    def create_customer(self, customer: ll.Customer) -> str:
        """Create ``customer``; a second customer for the same id is refused."""
        with self._lock:
            if any(known.id == customer.id for known in self._customers.values()):
                raise ConflictError(f"customer {customer.id!r} already exists",
                                    provider=PROVIDER, code="duplicate_customer")
            ref = f"C-{next(self._ids)}"
            self._customers[ref] = customer
            return ref

    def find_product(self, product: ll.Product) -> str | None:
        """The product created earlier for the same ``product.id``, if any."""
        with self._lock:
            return next((ref for ref, known in self._products.items()
                         if known.id == product.id), None)

    def create_product(self, product: ll.Product) -> str:
        """Create ``product`` and return its id."""
        with self._lock:
            ref = f"P-{next(self._ids)}"
            self._products[ref] = product
            return ref

    # --- invoices -------------------------------------------------------------------

    def find_invoice(self, key: str) -> ll.RemoteInvoice | None:
        """The invoice carrying ledgerlink key ``key``, if any."""
        with self._lock:
            found = next((i for i in self._invoices.values() if i.draft.key == key), None)
            return found.remote() if found is not None else None

    def get_invoice(self, provider_id: str) -> ll.RemoteInvoice:
        """The invoice with this id; NotFoundError when there is none."""
        with self._lock:
            return self._invoice(provider_id).remote()

    def create_invoice(self, draft: ll.InvoiceDraft, customer_ref: str,
                       products: ProductRefs) -> ll.RemoteInvoice:
        """Create ``draft`` unbooked, keeping its key and its lines' source keys."""
        with self._lock:
            customer = self._customers.get(customer_ref)
            if customer is None:
                raise NotFoundError(f"customer {customer_ref!r} not found",
                                    provider=PROVIDER, status=404)
            if draft.currency != customer.currency:
                raise ConflictError(
                    f"invoice currency {draft.currency} is not the customer's {customer.currency}",
                    provider=PROVIDER, code="currency_mismatch")
            if any(i.draft.key == draft.key for i in self._invoices.values()):
                raise ConflictError(f"key {draft.key!r} is already used",
                                    provider=PROVIDER, code="duplicate_key")
            invoice = _Invoice(f"INV-{next(self._ids)}", customer_ref, draft,
                               self._refs(draft.lines, products))
            self._invoices[invoice.provider_id] = invoice
            return invoice.remote()

    def replace_lines(self, provider_id: str, source_key: str,
                      lines: Sequence[ll.InvoiceLine], products: ProductRefs) -> ll.RemoteInvoice:
        """On a draft, swap the lines tagged ``source_key`` for ``lines``."""
        with self._lock:
            invoice = self._draft(provider_id)
            new = [attrs.evolve(line, source_key=source_key) for line in lines]
            kept = [(line, ref) for line, ref in zip(invoice.draft.lines, invoice.product_refs,
                                                     strict=True)
                    if line.source_key != source_key]
            refs = [ref for _, ref in kept] + self._refs(new, products)
            invoice.draft = attrs.evolve(invoice.draft, lines=[line for line, _ in kept] + new)
            invoice.product_refs = refs
            return invoice.remote()

    def book(self, provider_id: str) -> ll.RemoteInvoice:
        """Give a draft the next number; a booked invoice comes back unchanged."""
        with self._lock:
            invoice = self._invoice(provider_id)
            if invoice.number is None:
                if not invoice.draft.lines:
                    raise InvoiceStateError(f"invoice {provider_id} has no lines",
                                            provider=PROVIDER, code="invoice_empty")
                invoice.number = str(next(self._numbers))
            return invoice.remote()

    def send(self, provider_id: str, email: str | None = None) -> None:
        """Email a booked invoice to ``email`` or to the customer."""
        with self._lock:
            invoice = self._invoice(provider_id)
            if invoice.number is None:
                raise InvoiceStateError(f"invoice {provider_id} is a draft; book it first",
                                        provider=PROVIDER, code="invoice_not_booked")
            recipient = email or self._customers[invoice.customer_ref].email
            if not recipient:
                raise ConflictError(f"customer {invoice.customer_ref} has no email address",
                                    provider=PROVIDER, code="no_recipient")
            invoice.recipients.append(recipient)
            invoice.sent = True

    def list_invoices(self, customer_ref: str, start: date,
                      end: date) -> Iterator[ll.RemoteInvoice]:
        """A customer's invoices issued in ``start..end``, oldest first."""
        with self._lock:
            found = [i.remote() for i in self._invoices.values()
                     if i.customer_ref == customer_ref and start <= i.draft.issue_date <= end]
        return iter(sorted(found, key=lambda i: i.issue_date))

    # --- helpers ----------------------------------------------------------------------

    def _invoice(self, provider_id: str) -> _Invoice:
        try:
            return self._invoices[provider_id]
        except KeyError:
            raise NotFoundError(f"invoice {provider_id!r} not found",
                                provider=PROVIDER, status=404) from None

    def _draft(self, provider_id: str) -> _Invoice:
        invoice = self._invoice(provider_id)
        if invoice.number is not None:
            raise InvoiceStateError(f"invoice {provider_id} is booked and cannot change",
                                    provider=PROVIDER, code="invoice_not_draft")
        return invoice

    def _refs(self, lines: Sequence[ll.InvoiceLine], products: ProductRefs) -> list[str | None]:
        refs = [products.get(line.product_id) if line.product_id else None for line in lines]
        for ref in refs:
            if ref is not None and ref not in self._products:
                raise NotFoundError(f"product {ref!r} not found", provider=PROVIDER, status=404)
        return refs


@hookimpl
def ledgerlink_register_connectors(registry: ConnectorRegistry) -> None:
    """Register the ``memory`` connector."""
    registry.register(
        "memory",
        MemoryConnector,
        capabilities=CAPABILITIES,
        description="An accounting book kept in memory (example plugin).",
    )
