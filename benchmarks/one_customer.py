"""One big customer against many small ones: 10,000 work orders on the sandbox, journal durable.

Target (issue 17, "Grouped commits"): 10,000 work orders for ONE customer run at
>= 0.8x the throughput of 10,000 work orders spread over 1,000 customers. A
customer's actions run one after another; their intents are committed in groups
ahead of their lane's turn (ledgerlink.lookahead), so the one customer no longer
pays one journal commit per action.
Each work order becomes a booked, emailed invoice (create + book + send), as in
benchmarks/sandbox_run.py. The two shapes run alternately, ``--repeats`` times
each, and the median of each is compared (the machine may be shared). Journal
commits are counted per run, and invoices are counted from the sandbox book.
``--provider quickbooks`` runs the same two shapes on the QuickBooks emulator
in-process (batch creates, booked, not e-mailed; see one_customer_quickbooks.py).
Run: python benchmarks/one_customer.py [--provider sandbox|quickbooks]
                                       [--work-orders N] [--customers N] [--repeats N]
The last line printed is one JSON object with the figures and ``target_met``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import one_customer_quickbooks
from sandbox_run import NOW, build

import ledgerlink as ll
from ledgerlink.api import invoice
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.store import Store, Transaction
from ledgerlink.store.leases import Fence

#: The one customer must reach this share of the many customers' throughput.
TARGET_RATIO = 0.8
COMPANY = ll.Company("Bench ApS", policy=ll.BillingPolicy(ll.Posting.BOOK, send=True))


class CountingStore(Store):
    """The SQLite journal store, counting its commits."""

    commits = 0

    def write(self, tx: Transaction, fence: Fence | None = None) -> None:
        self.commits += 1
        super().write(tx, fence)


def measure(n_orders: int, n_customers: int) -> dict[str, Any]:
    """One run into a fresh journal and book: time, commits, and invoices counted in the book."""
    orders, customers = build(n_orders, n_customers)
    with tempfile.TemporaryDirectory() as tmp:
        store = CountingStore(Path(tmp) / "journal.db")
        book = SandboxConnector(Path(tmp) / "book.db")
        started = time.perf_counter()
        result = invoice(orders, customers, COMPANY, book, now=NOW, store=store)
        run_s = time.perf_counter() - started
        billed = Counter(key for inv in book.invoices() for key in set(inv.line_keys))
        emails = len(book.outbox())
        book.close()
        store.close()
    assert result.ok, result.summary
    return {"run_s": run_s, "commits": store.commits, "actions": len(result.plan.actions),
            "billed": len(billed), "billed_twice": sum(1 for n in billed.values() if n > 1),
            "emails": emails}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-orders", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=1_000,
                        help="customers of the many-customers run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--provider", choices=("sandbox", "quickbooks"), default="sandbox")
    args = parser.parse_args()

    def one_run(n_customers: int) -> dict[str, Any]:
        if args.provider == "quickbooks":
            return one_customer_quickbooks.measure(args.work_orders, n_customers, CountingStore)
        return measure(args.work_orders, n_customers)

    runs: dict[str, list[dict[str, Any]]] = {"one": [], "many": []}
    for _ in range(args.repeats):
        runs["one"].append(one_run(1))
        runs["many"].append(one_run(args.customers))
    figures: dict[str, Any] = {"provider": args.provider, "work_orders": args.work_orders,
                               "repeats": args.repeats}
    for shape, customers in (("one", 1), ("many", args.customers)):
        seconds = statistics.median(run["run_s"] for run in runs[shape])
        last = runs[shape][-1]
        figures[f"{shape}_customer{'s' if customers > 1 else ''}"] = {
            "customers": customers, "actions": last["actions"], "commits": last["commits"],
            "median_run_s": round(seconds, 3),
            "work_orders_per_s": round(args.work_orders / seconds),
            "invoiced": last["billed"], "invoiced_twice": last["billed_twice"],
            "emails": last["emails"],
        }
        assert last["billed"] == args.work_orders and last["billed_twice"] == 0
        print(f"{customers:>5} customer(s): {args.work_orders:,} work orders in {seconds:.2f} s "
              f"(median of {args.repeats}) = {args.work_orders / seconds:,.0f}/s, "
              f"{last['commits']:,} journal commits for {last['actions']:,} actions",
              file=sys.stderr)
    one = figures["one_customer"]["work_orders_per_s"]
    many = figures["many_customers"]["work_orders_per_s"]
    figures["ratio_one_to_many"] = round(one / many, 3)
    figures["target_ratio"] = TARGET_RATIO
    figures["target_met"] = one / many >= TARGET_RATIO
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
