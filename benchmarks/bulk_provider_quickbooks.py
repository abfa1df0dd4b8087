"""QuickBooks for the bulk benchmark (bulk.py): 500 requests/min, 10 in flight, 40 batch
calls/min of at most 30 operations; ``ledgerlink.invoice`` with batch creates
(posting=book, no send). The ceiling is 40 x 30 = 1,200 invoices a minute.

The realm's windows (500 requests and 40 batch calls a minute) are filled just
before each run (:meth:`QuickBooks.prepare`). One call at a time, an invoice a
call at 500 ms, the limits allow 120 invoices a minute. The second baseline is
python-quickbooks' ``batch_create`` pattern: batches of 30 sent one after another;
it has no throttle of its own, so it is given the connector's limiter (the pattern
reaches the ceiling only when it throttles itself; without, the 41st batch of a
minute is answered 429).

The entry point ``python benchmarks/bulk_quickbooks.py`` runs bulk.py with this provider.
"""

from __future__ import annotations

import json
from typing import Any

from bulk_provider import LATENCY, Provider, exchange

import ledgerlink as ll
from ledgerlink.connector import BatchItem
from ledgerlink.domain import InvoiceDraft, RemoteInvoice
from ledgerlink.http.limits import WINDOW, LimiterRegistry
from ledgerlink.http.oauth import ClientCredentials
from ledgerlink.store import Store
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks import emulator as qbo_emulator
from ledgerlink_quickbooks.settings import MAX_BATCH_ITEMS, endpoints_at


class QuickBooks(Provider):
    """Batch creates, posting=book without send; customers found by name (one query each)."""

    name = "quickbooks"
    currency = "USD"
    country = "US"
    realm = "9130355245816712"
    limits = qbo_emulator.Limits(per_minute=500, in_flight=10, batch_per_minute=40)
    window_capacity = limits.batch_per_minute * MAX_BATCH_ITEMS
    ceiling_per_minute = window_capacity
    sequential_ideal_per_minute = min(WINDOW / LATENCY, limits.per_minute or WINDOW / LATENCY)
    #: Three windows of batches, from a spent budget.
    batch_baseline = 3 * ceiling_per_minute
    batch_items = MAX_BATCH_ITEMS
    #: 9 windows of batches and 3 of the batch_create baseline in about 2.5 minutes.
    scale = 0.2
    _connector: QuickBooksConnector

    def counted(self, request: Any) -> int:
        if request.path.rstrip("/").endswith("/batch"):
            return len(json.loads(request.body or b"{}").get("BatchItemRequest") or [])
        return 0

    def emulator(self, scale: float) -> Any:
        return qbo_emulator.QuickBooksEmulator(limits=self.limits, time_scale=scale)

    def seed(self, emulator: Any, customers: list[ll.Customer]) -> dict[str, Any]:
        emulator.add_realm(self.realm, home_currency="USD")
        item = emulator.seed(self.realm, "Item", {"Name": "Services", "Type": "Service"})["Id"]
        for customer in customers:
            emulator.seed(self.realm, "Customer", {"DisplayName": customer.name,
                                                   "CurrencyRef": {"value": "USD"}})
        return {"code": emulator.authorize(self.realm), "item": item}

    def prepare(self, emulator: Any, setup: dict[str, Any], role: str) -> None:
        """Every run bills the one realm: its windows filled as a run at the limits leaves
        them (a fresh realm would lend a minute's 40 batch calls at once)."""
        emulator.throttle.fill(self.realm)

    def invoices(self, emulator: Any) -> int:
        return len(emulator.realms[self.realm].entities["Invoice"])

    def company(self) -> ll.Company:
        return ll.Company("Bulk Inc", currency="USD", time_zone="America/New_York",
                          policy=ll.BillingPolicy(ll.Posting.BOOK, send=False))

    def connector(self, base_url: str, setup: dict[str, Any], store: Store,
                  limiters: LimiterRegistry, *, sequential: bool) -> Any:
        if sequential:
            return self._connector  # the same connector and company: a fresh customer
        credentials = ClientCredentials(qbo_emulator.DEFAULT_CLIENT_ID,
                                        qbo_emulator.DEFAULT_CLIENT_SECRET)
        exchange(base_url, endpoints_at(base_url), credentials, setup["code"], store,
                 f"quickbooks:{self.realm}", "quickbooks")
        self._connector = QuickBooksConnector(
            realm_id=self.realm, client_id=credentials.client_id,
            client_secret=credentials.client_secret, token_store=store, base_url=base_url,
            default_item=setup["item"], limiters=limiters)
        return self._connector

    def one_by_one(self, book: Any, draft: InvoiceDraft, customer_ref: str) -> None:
        book.create_invoice(draft, customer_ref, {})

    def batch_loop(self, book: Any, drafts: list[tuple[InvoiceDraft, str]]) -> None:
        for start in range(0, len(drafts), MAX_BATCH_ITEMS):
            items = [BatchItem(draft, customer_ref)
                     for draft, customer_ref in drafts[start:start + MAX_BATCH_ITEMS]]
            created = book.create_invoices(items, {})
            assert all(isinstance(invoice, RemoteInvoice) for invoice in created), created
