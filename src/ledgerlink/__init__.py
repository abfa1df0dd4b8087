"""ledgerlink: turn operational work into customers and invoices, exactly once.

The public surface is what ``__all__`` lists, here and in the public modules
``docs/reference/public-api.md`` names; every other module is internal. The
names that need the journal store (and so SQLAlchemy) load on first use, so
importing ledgerlink — which pytest does for the bundled plugin in every test
session — stays cheap.
"""

import importlib
from typing import TYPE_CHECKING, Any

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
from ledgerlink.plans import JournalState, Notice, NoticeKind, Plan
from ledgerlink.policy import (
    BillingPolicy,
    EffectivePolicy,
    PolicyOverride,
    Posting,
    Timing,
    explain,
    resolve,
)
from ledgerlink.status import InvoiceStatus, derive_status

if TYPE_CHECKING:
    from ledgerlink.api import (
        connect,
        delete,
        deliver,
        invoice,
        open_store,
        pdf,
        plan,
        refresh,
        run,
        send,
        statuses,
        uninvoiced,
        void,
        web_url,
    )
    from ledgerlink.deal_invoicing import DealRun, invoice_deals
    from ledgerlink.deal_mapping import DealMapping, load_deal_mapping
    from ledgerlink.deal_records import (
        contact_invoices,
        deal_invoices,
        link_deal_invoice,
        unlink_deal_invoice,
    )
    from ledgerlink.invoice_actions import ActionResult
    from ledgerlink.linking import (
        Link,
        LinkList,
        link_customer,
        link_product,
        links,
        unlink_customer,
        unlink_product,
    )
    from ledgerlink.refreshing import RefreshResult
    from ledgerlink.runner import Outcome, Runner, RunResult
    from ledgerlink.status_report import InvoiceStatusRow, StatusReport
    from ledgerlink.store import Store
    from ledgerlink.sync_filters import CustomerFilter, ProductFilter, SyncFilter
    from ledgerlink.syncing import SyncItem, SyncReport, SyncStatus, sync_customers, sync_products
    from ledgerlink.uninvoiced_work import Uninvoiced, UninvoicedWork, WorkSelection

#: Public names imported on first use, and the module each comes from.
_LAZY = {
    **dict.fromkeys(("connect", "delete", "deliver", "invoice", "open_store", "pdf", "plan",
                     "refresh", "run", "send", "statuses", "uninvoiced", "void", "web_url"),
                    "ledgerlink.api"),
    **dict.fromkeys(("Uninvoiced", "UninvoicedWork", "WorkSelection"),
                    "ledgerlink.uninvoiced_work"),
    "ActionResult": "ledgerlink.invoice_actions",
    **dict.fromkeys(("InvoiceStatusRow", "StatusReport"), "ledgerlink.status_report"),
    "RefreshResult": "ledgerlink.refreshing",
    **dict.fromkeys(("Outcome", "Runner", "RunResult"), "ledgerlink.runner"),
    "Store": "ledgerlink.store",
    # Customer and product sync, and links made by hand.
    **dict.fromkeys(("CustomerFilter", "ProductFilter", "SyncFilter"), "ledgerlink.sync_filters"),
    **dict.fromkeys(("SyncItem", "SyncReport", "SyncStatus", "sync_customers", "sync_products"),
                    "ledgerlink.syncing"),
    **dict.fromkeys(("Link", "LinkList", "link_customer", "link_product", "links",
                     "unlink_customer", "unlink_product"), "ledgerlink.linking"),
    # Deals won in a CRM, invoiced as work (docs/how-to/deals.md).
    **dict.fromkeys(("DealRun", "invoice_deals"), "ledgerlink.deal_invoicing"),
    **dict.fromkeys(("DealMapping", "load_deal_mapping"), "ledgerlink.deal_mapping"),
    **dict.fromkeys(("contact_invoices", "deal_invoices", "link_deal_invoice",
                     "unlink_deal_invoice"), "ledgerlink.deal_records"),
}

__all__ = [
    "ActionResult",
    "Address",
    "BaseConnector",
    "BillingPolicy",
    "Capability",
    "CapabilityError",
    "Company",
    "Connector",
    "Customer",
    "CustomerFilter",
    "DealMapping",
    "DealRun",
    "DeliveryChannel",
    "EffectivePolicy",
    "InvoiceDraft",
    "InvoiceLine",
    "InvoiceStatus",
    "InvoiceStatusRow",
    "JournalState",
    "LedgerlinkError",
    "Link",
    "LinkList",
    "Money",
    "Notice",
    "NoticeKind",
    "Outcome",
    "PartyKind",
    "Plan",
    "PolicyOverride",
    "Posting",
    "Product",
    "ProductFilter",
    "ProductKind",
    "ProviderError",
    "RefreshResult",
    "RemoteInvoice",
    "RunResult",
    "Runner",
    "StatusReport",
    "Store",
    "StoreError",
    "SyncFilter",
    "SyncItem",
    "SyncReport",
    "SyncStatus",
    "Timing",
    "Uninvoiced",
    "UninvoicedWork",
    "ValidationError",
    "WorkLine",
    "WorkOrder",
    "WorkSelection",
    "WorkStatus",
    "connect",
    "contact_invoices",
    "deal_invoices",
    "delete",
    "deliver",
    "derive_status",
    "explain",
    "invoice",
    "invoice_deals",
    "link_customer",
    "link_deal_invoice",
    "link_product",
    "links",
    "load_deal_mapping",
    "open_store",
    "pdf",
    "plan",
    "refresh",
    "resolve",
    "run",
    "send",
    "statuses",
    "sync_customers",
    "sync_products",
    "uninvoiced",
    "unlink_customer",
    "unlink_deal_invoice",
    "unlink_product",
    "void",
    "web_url",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ledgerlink' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
