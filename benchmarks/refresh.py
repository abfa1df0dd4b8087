"""Requests and time a status refresh of N journaled invoices costs, on a provider's emulator.

Targets (issue 17): refreshing 10,000 invoices right after they were created takes
≤ 25 requests on each built-in connector, and a refresh after 1,500 of them were
paid ≤ 25 too; about ⌈N / page size⌉ requests, never one per invoice.

The emulator runs in-process at latency 0 with its default rate limits (the figures
are requests, and seconds of our own work). The N booked invoices are seeded through
the emulator's seeding helpers and the journal through the store's Transaction API,
as a run would have left them (facts from the create and book answers). Then:

(a) a refresh right after: every invoice is new to the feed;
(b) 1,500 of them are paid (the emulator's seeding again), and a second refresh.

Each line gives the requests as ``RefreshResult.calls`` counted them (through the
connector's HTTP client) and as the emulator recorded them, which must agree, and
the statuses found. The last line is one JSON object with ``target_met``.

Run: python benchmarks/refresh.py --provider quickbooks|dinero|billy|economic [-n 10000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from refresh_books import BOOKS, DUE, journal

from ledgerlink.refreshing import RefreshResult, refresh_statuses
from ledgerlink.status import InvoiceStatus
from ledgerlink.store import Store

#: Most requests each refresh may take (issue 17).
TARGET = 25
#: Invoices paid between the two refreshes.
PAID = 1_500


def _statuses(store: Store, account: str) -> dict[str, int]:
    """How many journaled invoices have each status now (judged before they fall due)."""
    day = DUE - timedelta(days=1)
    counted = Counter(str(f.status(day)) for f in store.invoice_facts(account))
    return dict(sorted(counted.items()))


def _measure(label: str, book: Any, connector: Any, store: Store) -> dict[str, Any]:
    before = book.answered()
    started = time.perf_counter()
    result: RefreshResult = refresh_statuses(connector, store, today=DUE - timedelta(days=1))
    seconds = time.perf_counter() - started
    answered = book.answered() - before
    statuses = _statuses(store, connector.account)
    print(f"({label}) {result.calls} requests (the emulator answered {answered}), "
          f"{seconds:.2f} s, {result.checked} checked, {len(result.changes)} changed, "
          f"{len(result.failures)} failed; statuses {statuses}")
    return {"requests": result.calls, "emulator_requests": answered,
            "seconds": round(seconds, 3), "checked": result.checked,
            "changed": len(result.changes), "failed": len(result.failures),
            "statuses": statuses}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", choices=sorted(BOOKS), default="quickbooks")
    parser.add_argument("-n", type=int, default=10_000, help="journaled invoices")
    args = parser.parse_args(argv)
    book = BOOKS[args.provider]()
    started = time.perf_counter()
    invoices = book.seed(args.n)
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "journal.db")
        connector = book.connector(store)
        journal(store, connector.account, invoices)
        print(f"{args.provider}: {args.n} invoices seeded and journaled in "
              f"{time.perf_counter() - started:.1f} s; page size {book.page_size(connector)}")
        fresh = _measure("a: right after creating them", book, connector, store)
        paid = min(PAID, args.n)
        book.pay(invoices[:: max(1, args.n // paid)][:paid])
        after = _measure(f"b: after {paid} were paid", book, connector, store)
        connector.close()
    paid_now = after["statuses"].get(str(InvoiceStatus.PAID), 0)
    met = all(r["requests"] <= TARGET for r in (fresh, after))
    agree = all(r["requests"] == r["emulator_requests"] for r in (fresh, after))
    print(f"target ≤ {TARGET} requests each: {'met' if met else 'NOT met'}; counts "
          f"{'agree' if agree else 'DISAGREE'} with the emulator; {paid_now} paid "
          f"(expected {paid})")
    print(json.dumps({"benchmark": "refresh", "provider": args.provider, "invoices": args.n,
                      "target_requests": TARGET, "after_creating": fresh,
                      "after_paying": {**after, "paid": paid},
                      "counts_agree_with_emulator": agree,
                      "statuses_right": paid_now == paid, "target_met": met}))
    return 0 if met and agree and paid_now == paid else 1


if __name__ == "__main__":
    sys.exit(main())
