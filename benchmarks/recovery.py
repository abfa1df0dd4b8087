"""Recovery in bulk: reconcile N unresolved create intents against the QuickBooks emulator.

A run was killed after committing the intents of N invoice creates; a share of
them reached QuickBooks. The next run reconciles every intent by looking the
keys up in bulk (``find_invoices``: ``DocNumber IN (...)`` a page at a time)
and commits each chunk as it goes. Counts the requests the recovery made.

    python benchmarks/recovery.py                 # 10,000 intents, half of them created
    python benchmarks/recovery.py -n 2000 --created 0.3

Target (issue "exactly once under every condition"): 10,000 intents in <= 20 requests.
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx

from ledgerlink.connector import BatchItem
from ledgerlink.domain import InvoiceDraft, InvoiceLine
from ledgerlink.http.oauth import ClientCredentials, exchange_code
from ledgerlink.runner import Runner
from ledgerlink.store import Store, Transaction
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks import emulator as qbo
from ledgerlink_quickbooks.settings import MAX_BATCH_ITEMS, endpoints_at

REALM = "9130355245816799"
TARGET_REQUESTS = 20
#: No throttling here: the benchmark counts requests, not waits.
UNLIMITED = qbo.Limits(per_minute=10**9, in_flight=64, batch_per_minute=10**9)


def draft(i: int) -> InvoiceDraft:
    return InvoiceDraft(key=f"inv:wo-{i}", customer_id="c1", currency="USD",
                        issue_date=date(2026, 11, 22), due_date=date(2026, 12, 6),
                        lines=(InvoiceLine("Service visit", Decimal(1), Decimal("100"),
                                           Decimal(0), source_key=f"wo:wo-{i}"),),
                        final=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=10_000, help="unresolved create intents")
    parser.add_argument("--created", type=float, default=0.5,
                        help="share of them that reached QuickBooks before the kill")
    args = parser.parse_args()

    emulator = qbo.QuickBooksEmulator(limits=UNLIMITED)
    emulator.add_realm(REALM, home_currency="USD")
    item = emulator.seed(REALM, "Item", {"Name": "Services", "Type": "Service",
                                         "IncomeAccountRef": {"value": "1"}})["Id"]
    customer = emulator.seed(REALM, "Customer", {"DisplayName": "Acme",
                                                 "CurrencyRef": {"value": "USD"}})["Id"]
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "journal.db")
        credentials = ClientCredentials(qbo.DEFAULT_CLIENT_ID, qbo.DEFAULT_CLIENT_SECRET)
        with httpx.Client(transport=emulator.transport(), base_url="http://qbo.test") as client:
            exchange_code(client, endpoints_at("http://qbo.test"), credentials,
                          code=emulator.authorize(REALM), redirect_uri="https://x/cb",
                          store=store, key=f"quickbooks:{REALM}", provider="quickbooks")
        book = QuickBooksConnector(realm_id=REALM, client_id=credentials.client_id,
                                   client_secret=credentials.client_secret, token_store=store,
                                   base_url="http://qbo.test", transport=emulator.transport(),
                                   default_item=item)
        created = int(args.n * args.created)
        # Every other invoice reached QuickBooks: the found and the missing interleave.
        reached = [i for i in range(args.n) if i % 2 == 0][:created]
        for start in range(0, len(reached), MAX_BATCH_ITEMS):
            book.create_invoices([BatchItem(draft(i), customer)
                                  for i in reached[start:start + MAX_BATCH_ITEMS]], {})
        tx = Transaction(book.account)
        for i in range(args.n):
            tx.op(f"create:inv:wo-{i}", "create_invoice", "intent", "c1", f"inv:wo-{i}", "dead")
            tx.invoice(f"inv:wo-{i}", "c1", "final", False, "USD", pending=True)
        store.write(tx)

        before = len(emulator.requests)
        started = time.perf_counter()
        outcomes = Runner(book, store).recover()
        seconds = time.perf_counter() - started
        requests = emulator.requests[before:]
        statuses = Counter(o.status for o in outcomes)
        left = len(store.unresolved(book.account))
        book.close()
    paths = Counter(f"{r.method} {r.path.rsplit('/', 1)[-1]}" for r in requests)
    figures = {
        "intents": args.n,
        "created_before_kill": len(reached),
        "recovered": statuses["recovered"],
        "rolled_back": statuses["rolled_back"],
        "failed": statuses["failed"],
        "unresolved_after": left,
        "requests": len(requests),
        "requests_target": TARGET_REQUESTS,
        "seconds": round(seconds, 2),
        "intents_per_second": round(args.n / seconds) if seconds else None,
        "requests_by_path": dict(paths),
    }
    print(f"reconciled {args.n:,} intents ({statuses['recovered']:,} recovered, "
          f"{statuses['rolled_back']:,} rolled back) with {len(requests)} requests "
          f"in {seconds:.1f} s (target <= {TARGET_REQUESTS} requests for 10,000)")
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
