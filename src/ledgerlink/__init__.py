"""ledgerlink: turn operational work into customers and invoices, exactly once."""

from ledgerlink.connector import BaseConnector, Capability, Connector
from ledgerlink.domain import (
    Address,
    Company,
    Customer,
    DeliveryChannel,
    InvoiceDraft,
    InvoiceLine,
    PartyKind,
    Product,
    ProductKind,
    RemoteInvoice,
    WorkLine,
    WorkOrder,
    WorkStatus,
)
from ledgerlink.errors import LedgerlinkError, ProviderError, ValidationError
from ledgerlink.money import Money
from ledgerlink.policy import BillingPolicy, PolicyOverride, Posting, Timing
from ledgerlink.status import InvoiceStatus, derive_status

__all__ = [
    "Address",
    "BaseConnector",
    "BillingPolicy",
    "Capability",
    "Company",
    "Connector",
    "Customer",
    "DeliveryChannel",
    "InvoiceDraft",
    "InvoiceLine",
    "InvoiceStatus",
    "LedgerlinkError",
    "Money",
    "PartyKind",
    "PolicyOverride",
    "Posting",
    "Product",
    "ProductKind",
    "ProviderError",
    "RemoteInvoice",
    "Timing",
    "ValidationError",
    "WorkLine",
    "WorkOrder",
    "WorkStatus",
    "derive_status",
]
