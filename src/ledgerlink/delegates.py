"""The calls of a connector that only hand on to its helpers, written once.

An HTTP connector usually holds a ``customers`` helper (find and create the
provider's contacts) and a ``products`` helper (find and create its products),
and its four Connector methods only hand the call on. :class:`PartyDelegates`
is those four methods, and :class:`DeliveryDelegates` hands ``create_invoice``,
``send`` and ``pdf``
to its ``invoices`` helper::

    class BillyConnector(PartyDelegates, DeliveryDelegates, BaseConnector):
        def __init__(...):
            self.customers = BillyCustomers(self.api, ...)
            self.products = BillyProducts(self.api, ...)
            self.invoices = BillyInvoices(self.api, ...)
"""

from __future__ import annotations

from typing import Protocol

from ledgerlink.connector import ProductRefs
from ledgerlink.domain import Customer, InvoiceDraft, Product, RemoteInvoice

__all__ = ["CustomerHelper", "DeliveryDelegates", "InvoiceHelper", "PartyDelegates",
           "ProductHelper"]


class CustomerHelper(Protocol):
    """Finds and creates a provider's customers."""

    def find(self, customer: Customer) -> str | None:
        """The provider's id of ``customer``, or None."""
        ...

    def create(self, customer: Customer) -> str:
        """Create ``customer``; the provider's id."""
        ...


class ProductHelper(Protocol):
    """Finds and creates a provider's products."""

    def find(self, product: Product) -> str | None:
        """The provider's id of ``product``, or None."""
        ...

    def create(self, product: Product) -> str:
        """Create ``product``; the provider's id."""
        ...


class PartyDelegates:
    """``find_customer``, ``create_customer``, ``find_product`` and ``create_product``
    handed to the connector's ``customers`` and ``products`` helpers."""

    customers: CustomerHelper
    products: ProductHelper

    def find_customer(self, customer: Customer) -> str | None:
        """The helper's ``customers.find``: the provider's id of ``customer``, or None."""
        return self.customers.find(customer)

    def create_customer(self, customer: Customer) -> str:
        """The helper's ``customers.create``: create ``customer``; the provider's id."""
        return self.customers.create(customer)

    def find_product(self, product: Product) -> str | None:
        """The helper's ``products.find``: the provider's id of ``product``, or None."""
        return self.products.find(product)

    def create_product(self, product: Product) -> str:
        """The helper's ``products.create``: create ``product``; the provider's id."""
        return self.products.create(product)


class InvoiceHelper(Protocol):
    """Creates a provider's invoices, sends them and fetches their PDFs."""

    def create(self, draft: InvoiceDraft, customer_ref: str,
               products: ProductRefs) -> RemoteInvoice:
        """Create ``draft`` for ``customer_ref``; the invoice as created."""
        ...

    def send(self, provider_id: str, email: str | None = None) -> None:
        """E-mail the invoice to the customer (or to ``email``)."""
        ...

    def pdf(self, provider_id: str) -> bytes:
        """The invoice as a PDF document."""
        ...


class DeliveryDelegates:
    """``create_invoice``, ``send`` and ``pdf`` handed to the connector's ``invoices``
    helper."""

    invoices: InvoiceHelper

    def create_invoice(self, draft: InvoiceDraft, customer_ref: str,
                       products: ProductRefs) -> RemoteInvoice:
        """The helper's ``invoices.create``: ``draft`` created for ``customer_ref``."""
        return self.invoices.create(draft, customer_ref, products)

    def send(self, provider_id: str, email: str | None = None) -> None:
        """The helper's ``invoices.send``: e-mail the invoice (to ``email`` when given)."""
        self.invoices.send(provider_id, email)

    def pdf(self, provider_id: str) -> bytes:
        """The helper's ``invoices.pdf``: the invoice as a PDF document."""
        return self.invoices.pdf(provider_id)
