"""The Tally connector: ledgerlink's connector contract, delegated to the request object.

:class:`TallyConnector` checks its options, builds the HTTP client and the
request object (:class:`.api.TallyApi`), and implements each operation of
:class:`ledgerlink.connector.BaseConnector` in a few lines: build the body
(:class:`.mapping.TallyBodies`), send it (:class:`.api.TallyApi`, which reads
and checks every answer), map the answer back (:func:`.mapping.remote_invoice`).

Tally takes a static API key, so the connector builds its client with
:func:`ledgerlink.http.make_client` and :class:`ledgerlink.http.ProviderClient`
directly; a provider with OAuth2 uses :func:`ledgerlink.http.connection.oauth_connection`
instead (see ``ledgerlink_dinero.connector``). The key is registered as a known
secret, so no error message repeats it.

Exactly once: Tally takes a second invoice with the same key, so
:meth:`TallyConnector.create_invoice` looks the draft's key up before it writes
and stores the key (and each line's source key) on the invoice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import ClassVar

import httpx
from ledgerlink.connector import BaseConnector, Capability, ProductRefs
from ledgerlink.domain import Customer, InvoiceDraft, InvoiceLine, Product, RemoteInvoice
from ledgerlink.http import ProviderClient, make_client
from ledgerlink.http.connection import required_options
from ledgerlink.http.redact import KnownSecrets

from ledgerlink_tally import settings
from ledgerlink_tally.api import TallyApi
from ledgerlink_tally.faults import parse_fault
from ledgerlink_tally.mapping import TallyBodies, remote_invoice

__all__ = ["CAPABILITIES", "TallyConnector"]

#: What the connector can do; every other operation raises CapabilityError.
CAPABILITIES = frozenset({
    Capability.DRAFTS, Capability.BOOKING, Capability.EMAIL, Capability.PDF,
    Capability.VOID, Capability.DELETE,
})


class TallyConnector(BaseConnector):
    """Invoices in a Tally book.

    Args:
        api_key: the book's API key.
        base_url: Tally's address.
        book: the book's name in ledgerlink's journal (one journal can keep several).
        transport: an httpx transport (an emulator's) instead of the network.

    Attributes:
        http: the book's client (limits, retries, errors), closed by :meth:`close`.
        api: the requests, every answer checked.
    """

    name = settings.PROVIDER
    capabilities = CAPABILITIES
    max_in_flight = settings.IN_FLIGHT
    #: The bodies sent (no state, so one for the class; a subclass may give its own).
    bodies: ClassVar[TallyBodies] = TallyBodies()

    def __init__(self, api_key: str, base_url: str = settings.DEFAULT_URL, *,
                 book: str = "tally", transport: httpx.BaseTransport | None = None) -> None:
        options = required_options("Tally", api_key=api_key, base_url=base_url, book=book)
        self.account = options["book"]
        client = make_client(options["base_url"], transport=transport,
                             headers={"Authorization": f"Bearer {options['api_key']}"})
        self.http = ProviderClient(settings.PROVIDER, self.account, client,
                                   limits=settings.LIMITS, parse=parse_fault,
                                   secrets=KnownSecrets(options["api_key"]))
        self.api = TallyApi(self.http)

    def __repr__(self) -> str:
        return f"TallyConnector(book={self.account!r})"

    def close(self) -> None:
        """Close the HTTP client."""
        self.http.close()

    # --- customers and products -------------------------------------------------------

    def find_customer(self, customer: Customer) -> str | None:
        """The customer created for ``customer.id``, found by its external id."""
        return self.api.find_customer(customer.id)

    def create_customer(self, customer: Customer) -> str:
        """Create ``customer`` tagged with its id as the external id."""
        return self.api.create_customer(self.bodies.customer(customer))

    def find_product(self, product: Product) -> str | None:
        """The product created for ``product.id``."""
        return self.api.find_product(product.id)

    def create_product(self, product: Product) -> str:
        """Create ``product`` tagged with its id."""
        return self.api.create_product(self.bodies.product(product))

    # --- invoices ---------------------------------------------------------------------

    def find_invoice(self, key: str) -> RemoteInvoice | None:
        """The invoice carrying ``key``, if any."""
        return self.find_invoices([key]).get(key)

    def find_invoices(self, keys: Sequence[str]) -> dict[str, RemoteInvoice]:
        """The invoices carrying each of ``keys``."""
        found = self.api.invoices_by_key(keys)
        return {key: remote_invoice(invoice) for key, invoice in found.items()}

    def get_invoice(self, provider_id: str) -> RemoteInvoice:
        """The invoice; NotFoundError when Tally has none (or it was deleted)."""
        return remote_invoice(self.api.invoice(provider_id))

    def create_invoice(self, draft: InvoiceDraft, customer_ref: str,
                       products: ProductRefs) -> RemoteInvoice:
        """Create ``draft`` as a Tally draft, once per key: an invoice that already
        carries the key (an earlier try whose answer was lost) is returned instead."""
        existing = self.find_invoice(draft.key)
        if existing is not None:
            return existing
        body = self.bodies.invoice(draft, customer_ref, products)
        return remote_invoice(self.api.create_invoice(body))

    def replace_lines(self, provider_id: str, source_key: str, lines: Sequence[InvoiceLine],
                      products: ProductRefs) -> RemoteInvoice:
        """On a draft, swap the lines tagged ``source_key`` for ``lines``."""
        current = self.api.invoice(provider_id)
        body = self.bodies.replacing(current, source_key, lines, products)
        return remote_invoice(self.api.replace_lines(provider_id, body))

    def book(self, provider_id: str) -> RemoteInvoice:
        """Number a draft; a booked invoice comes back unchanged (so a retry is safe)."""
        return remote_invoice(self.api.write(provider_id, "book"))

    def send(self, provider_id: str, email: str | None = None) -> None:
        """Have Tally email a booked invoice (to the customer's address by default)."""
        self.api.send(provider_id, email)

    def pdf(self, provider_id: str) -> bytes:
        """The booked invoice as a PDF document."""
        return self.api.pdf(provider_id)

    def void(self, provider_id: str) -> RemoteInvoice:
        """Void a booked invoice; a voided one comes back unchanged."""
        return remote_invoice(self.api.write(provider_id, "void"))

    def delete(self, provider_id: str) -> None:
        """Delete a draft; Tally forgets it (NotFoundError from then on)."""
        self.api.delete(provider_id)

    def list_invoices(self, customer_ref: str, start: date,
                      end: date) -> Iterator[RemoteInvoice]:
        """A customer's invoices issued from ``start`` to ``end``, oldest first."""
        invoices = [remote_invoice(i) for i in self.api.invoices_of(customer_ref, start, end)]
        return iter(sorted(invoices, key=lambda invoice: invoice.issue_date))
