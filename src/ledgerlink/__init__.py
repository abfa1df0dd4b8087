"""ledgerlink: turn operational work into customers and invoices, exactly once.

The public surface is what ``__all__`` lists; everything else is internal.
"""

from ledgerlink.api import connect, invoice, open_store, plan, run
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
from ledgerlink.errors import (
    CapabilityError,
    LedgerlinkError,
    ProviderError,
    StoreError,
    ValidationError,
)
from ledgerlink.money import Money
from ledgerlink.planning import JournalState, Notice, NoticeKind, Plan
from ledgerlink.policy import (
    BillingPolicy,
    EffectivePolicy,
    PolicyOverride,
    Posting,
    Timing,
    explain,
    resolve,
)
from ledgerlink.runner import Outcome, Runner, RunResult
from ledgerlink.status import InvoiceStatus, derive_status
from ledgerlink.store import Store

__all__ = [
    "Address",
    "BaseConnector",
    "BillingPolicy",
    "Capability",
    "CapabilityError",
    "Company",
    "Connector",
    "Customer",
    "DeliveryChannel",
    "EffectivePolicy",
    "InvoiceDraft",
    "InvoiceLine",
    "InvoiceStatus",
    "JournalState",
    "LedgerlinkError",
    "Money",
    "Notice",
    "NoticeKind",
    "Outcome",
    "PartyKind",
    "Plan",
    "PolicyOverride",
    "Posting",
    "Product",
    "ProductKind",
    "ProviderError",
    "RemoteInvoice",
    "RunResult",
    "Runner",
    "Store",
    "StoreError",
    "Timing",
    "ValidationError",
    "WorkLine",
    "WorkOrder",
    "WorkStatus",
    "connect",
    "derive_status",
    "explain",
    "invoice",
    "open_store",
    "plan",
    "resolve",
    "run",
]
