"""The sandbox against the connector conformance suite, in full and stripped bare."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from ledgerlink.connector import BaseConnector, Capability, ProductRefs
from ledgerlink.domain import InvoiceDraft, RemoteInvoice
from ledgerlink.errors import CapabilityError
from ledgerlink.sandbox import SandboxConnector
from ledgerlink.testing.conformance import ConnectorConformance


class TestSandboxConformance(ConnectorConformance):
    """The sandbox declares every capability it has and keeps the contract for each."""

    http = False  # an SQLite book in-process: no HTTP answers to garble

    def make_connector(self, tmp_path: Path) -> SandboxConnector:
        return SandboxConnector(tmp_path / "book.db")


class BareSandbox(SandboxConnector):
    """The sandbox declaring nothing optional: invoices are booked as they are created."""

    capabilities = frozenset()
    replace_lines = BaseConnector.replace_lines  # type: ignore[assignment]
    book = BaseConnector.book  # type: ignore[assignment]
    send = BaseConnector.send  # type: ignore[assignment]
    pdf = BaseConnector.pdf  # type: ignore[assignment]
    void = BaseConnector.void  # type: ignore[assignment]
    delete = BaseConnector.delete  # type: ignore[assignment]
    credit = BaseConnector.credit  # type: ignore[assignment]
    web_url = BaseConnector.web_url  # type: ignore[assignment]

    def create_invoice(
        self, draft: InvoiceDraft, customer_ref: str, products: ProductRefs
    ) -> RemoteInvoice:
        created = super().create_invoice(draft, customer_ref, products)
        return SandboxConnector.book(self, created.provider_id)

    def register_payment(self, provider_id: str, amount: Decimal, paid_on: object) -> RemoteInvoice:
        raise CapabilityError(self.name, Capability.PAYMENTS.value)


class TestBareSandboxConformance(ConnectorConformance):
    """A connector declaring no optional capability passes by refusing each one."""

    http = False

    def make_connector(self, tmp_path: Path) -> BareSandbox:
        return BareSandbox(tmp_path / "book.db")
