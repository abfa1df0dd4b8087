"""Invoice 10,000 work orders end to end against the sandbox, journal durable.

Target: >= 2,000 work orders/s. Each work order becomes a booked, emailed
invoice (3 lines): create + book + send, each journaled (intent before the
write, outcome after) in the SQLite journal store.
Run: python benchmarks/sandbox_run.py [--work-orders N] [--customers N]
                                     [--workers N] [--durable normal|full]
"normal" (the default) survives the process being killed; "full" also power loss.
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import ledgerlink as ll
from ledgerlink.api import invoice
from ledgerlink.runner import DEFAULT_WORKERS
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.store import Store

NOW = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)


def build(n_orders: int, n_customers: int) -> tuple[list[ll.WorkOrder], list[ll.Customer]]:
    customers = [ll.Customer(id=f"c{i:05d}", name=f"Customer {i}", email=f"c{i}@example.dk")
                 for i in range(n_customers)]
    orders = [
        ll.WorkOrder(
            id=f"w{i:06d}", customer_id=f"c{i % n_customers:05d}",
            status=ll.WorkStatus.COMPLETED, completed_at=NOW - timedelta(minutes=i % 600),
            lines=(ll.WorkLine("Hours", Decimal(i % 7 + 1), Decimal("450")),
                   ll.WorkLine("Filter", Decimal(1), Decimal("129.95")),
                   ll.WorkLine("Call-out", Decimal(1), Decimal("395"))))
        for i in range(n_orders)
    ]
    return orders, customers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-orders", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help="pool size asked for (the sandbox caps calls in flight at 1)")
    parser.add_argument("--durable", choices=("normal", "full"), default="normal")
    args = parser.parse_args()
    orders, customers = build(args.work_orders, args.customers)
    company = ll.Company("Bench ApS", policy=ll.BillingPolicy(ll.Posting.BOOK, send=True))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "journal.db", durable=args.durable)
        book = SandboxConnector(Path(tmp) / "book.db")
        started = time.perf_counter()
        result = invoice(orders, customers, company, book, now=NOW, store=store,
                         workers=args.workers)
        run_s = time.perf_counter() - started
        started = time.perf_counter()
        again = invoice(orders, customers, company, book, now=NOW, store=store,
                        workers=args.workers)
        rerun_s = time.perf_counter() - started
        invoices = book.invoices()
        billed = Counter(key for inv in invoices for key in set(inv.line_keys))
        assert result.ok and len(billed) == args.work_orders and max(billed.values()) == 1
        assert again.summary["invoices_created"] == 0
        book.close()
        store.close()
    figures = {
        "work_orders": args.work_orders,
        "customers": args.customers,
        "workers": args.workers,
        "durable": args.durable,
        "actions": len(result.plan.actions),
        "run_s": round(run_s, 3),
        "work_orders_per_s": round(args.work_orders / run_s),
        "rerun_nothing_to_do_s": round(rerun_s, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "target_work_orders_per_s": 2000,
    }
    print(f"invoiced {args.work_orders:,} work orders ({len(result.plan.actions):,} actions) "
          f"in {run_s:.2f} s = {figures['work_orders_per_s']:,}/s "
          f"(journal synchronous={args.durable}); re-run found nothing to do in {rerun_s:.2f} s",
          file=sys.stderr)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
