"""One run of one_customer.py on the QuickBooks emulator (``--provider quickbooks``).

The emulator runs in-process at latency 0 with no rate limit, and the connector's
limiter window is made negligible, so the figure is the cost of ledgerlink and the
emulator per work order: a customer's invoice count must not make each create
dearer (the emulator once recounted a customer's Balance over all its invoices on
every write, so one customer with 10,000 invoices cost the square of that).
Invoices are created in batches of 30 and booked; they are not e-mailed (one call
per invoice that tells nothing about the customer's size). Customers are found or
created by the run, as in the sandbox runs. Invoices are counted from the realm.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sandbox_run import NOW, build

import ledgerlink as ll
from ledgerlink.api import invoice
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.oauth import ClientCredentials, exchange_code
from ledgerlink.store import Store
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks import emulator as qbo_emulator
from ledgerlink_quickbooks.keys import parse_note
from ledgerlink_quickbooks.settings import endpoints_at

BASE = "https://emulator.test"
REALM = "9130350000000017"
COMPANY = ll.Company("Bench Inc", currency="USD", time_zone="America/New_York",
                     policy=ll.BillingPolicy(ll.Posting.BOOK, send=False))
#: No limit on the emulator: the run measures work, not the provider's budget.
UNLIMITED = qbo_emulator.Limits(per_minute=None, in_flight=None, batch_per_minute=None)
#: The connector's limiter counts its 500 a minute in this window (seconds): never full.
NEGLIGIBLE_WINDOW = 1e-6


def _connector(emulator: qbo_emulator.QuickBooksEmulator, store: Store,
               item: str) -> QuickBooksConnector:
    credentials = ClientCredentials(qbo_emulator.DEFAULT_CLIENT_ID,
                                    qbo_emulator.DEFAULT_CLIENT_SECRET)
    transport = emulator.transport()
    with httpx.Client(transport=transport, base_url=BASE) as http:
        exchange_code(http, endpoints_at(BASE), credentials, code=emulator.authorize(REALM),
                      redirect_uri="https://x/cb", store=store, key=f"quickbooks:{REALM}",
                      provider="quickbooks")
    return QuickBooksConnector(
        realm_id=REALM, client_id=credentials.client_id,
        client_secret=credentials.client_secret, token_store=store, base_url=BASE,
        transport=transport, default_item=item,
        limiters=LimiterRegistry(window=NEGLIGIBLE_WINDOW))


def measure(n_orders: int, n_customers: int, store_class: type[Store]) -> dict[str, Any]:
    """One run into a fresh journal and realm: time, commits, invoices counted in the realm."""
    orders, customers = build(n_orders, n_customers)
    emulator = qbo_emulator.QuickBooksEmulator(limits=UNLIMITED)
    emulator.add_realm(REALM, home_currency="USD")
    item = emulator.seed(REALM, "Item", {"Name": "Services", "Type": "Service"})["Id"]
    with tempfile.TemporaryDirectory() as tmp:
        store = store_class(Path(tmp) / "journal.db")
        connector = _connector(emulator, store, item)
        started = time.perf_counter()
        result = invoice(orders, customers, COMPANY, connector, now=NOW, store=store)
        run_s = time.perf_counter() - started
        commits = getattr(store, "commits", 0)
        store.close()
    assert result.ok, result.summary
    realm = emulator.realms[REALM]
    # The work orders each invoice bills, from the source keys ledgerlink notes on it.
    billed = Counter(source for row in realm.entities["Invoice"].values()
                     for source in set(parse_note(row.get("PrivateNote"))[1]))
    return {"run_s": run_s, "commits": commits, "actions": len(result.plan.actions),
            "billed": len(billed),
            "billed_twice": sum(1 for n in billed.values() if n > 1), "emails": 0,
            "requests": len(emulator.requests)}
