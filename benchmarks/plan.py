"""Load and plan 100,000 work orders (3 lines each) for 5,000 customers with mixed policies.

Target: <= 1 s planning time and <= 200 MB peak RSS.

What a nightly run does before it plans is counted too: reading the customer
and work-order files (CSV by default, as ``ledgerlink run`` reads them) and
validating every row (``load_customers``, ``load_work_orders`` with the
customer ids). The files are written by a separate process, so this one's peak
memory is what loading and planning take: reported per work order, above the
interpreter's own baseline.

Loading used to cost several times the plan and most of the memory (at
100,000 work orders in CSV: 419 MB peak RSS, 4.4 s of loading CPU; in JSON
283 MB, 3.5 s): the whole file was held, as a dict per CSV row or the JSON
text and its parsed list, and each amount was read twice (cattrs structuring,
then the domain's converters). Files are now read a row (a JSON item) at a
time (ledgerlink.loading_tables), and work orders are built straight from the
file's text, each amount read once, with equal lines, texts, dates and times
shared between work orders (ledgerlink.order_building): about 99 MB peak and
1.2-1.5 s of loading CPU, in either format. What is left of the peak
(measured): the interpreter and imports, 30 MB (the baseline); the loaded
customers and work orders, 33 MB of RSS (the work orders 25 MB by
tracemalloc; this file's lines repeat, and a file whose every line differs
takes 88 MB, peaking at 150 MB with its plan); and the plan, 36 MB.

Run: python benchmarks/plan.py [--work-orders N] [--customers N] [--format csv|json]
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import ledgerlink as ll
from ledgerlink.loading import (
    load_customers,
    load_work_orders,
    save_customers,
    save_work_orders,
)
from ledgerlink.planning import plan

NOW = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
OVERRIDES = [
    None,
    ll.PolicyOverride(posting=ll.Posting.DRAFT),
    ll.PolicyOverride(timing=ll.Timing.BEFORE_WORK),
    ll.PolicyOverride(send=False, payment_terms_days=30),
    ll.PolicyOverride(posting=ll.Posting.NONE),
]


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(n_orders: int, n_customers: int) -> tuple[list[ll.WorkOrder], list[ll.Customer]]:
    customers = [
        ll.Customer(id=f"c{i:05d}", name=f"Customer {i}", email=f"c{i}@example.dk",
                    policy=OVERRIDES[i % len(OVERRIDES)])
        for i in range(n_customers)
    ]
    hours, part, trip = Decimal("450"), Decimal("129.95"), Decimal("395")
    statuses = (ll.WorkStatus.COMPLETED,) * 8 + (ll.WorkStatus.PLANNED, ll.WorkStatus.CANCELLED)
    orders = []
    for i in range(n_orders):
        status = statuses[i % len(statuses)]
        orders.append(ll.WorkOrder(
            id=f"w{i:06d}", customer_id=f"c{i % n_customers:05d}", status=status,
            completed_at=NOW - timedelta(minutes=i % 600) if status is ll.WorkStatus.COMPLETED
            else None,
            planned_date=(NOW + timedelta(days=1)).date(),
            lines=(ll.WorkLine("Hours", Decimal(i % 7 + 1), hours),
                   ll.WorkLine("Filter", Decimal(1), part),
                   ll.WorkLine("Call-out", Decimal(1), trip)),
        ))
    return orders, customers


def write_inputs(folder: Path, n_orders: int, n_customers: int, suffix: str) -> None:
    """Write the customer and work-order files (run in a process of its own)."""
    orders, customers = build(n_orders, n_customers)
    save_customers(customers, folder / f"customers{suffix}")
    save_work_orders(orders, folder / f"work_orders{suffix}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-orders", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.add_argument("--write-inputs", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    suffix = f".{args.format}"
    if args.write_inputs is not None:
        write_inputs(args.write_inputs, args.work_orders, args.customers, suffix)
        return
    company = ll.Company("Bench ApS", policy=ll.BillingPolicy(ll.Posting.BOOK, send=True))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        subprocess.run([sys.executable, __file__, "--work-orders", str(args.work_orders),
                        "--customers", str(args.customers), "--format", args.format,
                        "--write-inputs", str(folder)], check=True)
        gc.collect()
        baseline_mb = peak_rss_mb()
        load_cpu = time.process_time()
        started = time.perf_counter()
        customers = load_customers(folder / f"customers{suffix}")
        customers_s = time.perf_counter() - started
        started = time.perf_counter()
        orders = load_work_orders(folder / f"work_orders{suffix}",
                                  customer_ids={c.id for c in customers})
        orders_s = time.perf_counter() - started
        load_cpu = time.process_time() - load_cpu
    gc.collect()
    plan_cpu = time.process_time()
    started = time.perf_counter()
    result = plan(orders, customers, company, now=NOW)
    plan_s = time.perf_counter() - started
    plan_cpu = time.process_time() - plan_cpu
    load_s = customers_s + orders_s
    peak_mb = peak_rss_mb()
    figures = {
        "work_orders": args.work_orders,
        "customers": args.customers,
        "format": args.format,
        "actions": len(result.actions),
        "notices": len(result.notices),
        "load_customers_s": round(customers_s, 3),
        "load_work_orders_s": round(orders_s, 3),
        "plan_s": round(plan_s, 3),
        "load_and_plan_s": round(load_s + plan_s, 3),
        "load_to_plan_ratio": round(load_s / plan_s, 2),
        # CPU seconds too: on a shared machine they are steadier than wall time.
        "load_cpu_s": round(load_cpu, 3),
        "plan_cpu_s": round(plan_cpu, 3),
        "load_to_plan_cpu_ratio": round(load_cpu / plan_cpu, 2),
        "work_orders_per_s": round(args.work_orders / plan_s),
        "work_orders_per_s_with_loading": round(args.work_orders / (load_s + plan_s)),
        "peak_rss_mb": round(peak_mb, 1),
        "baseline_rss_mb": round(baseline_mb, 1),
        "peak_kb_per_work_order": round((peak_mb - baseline_mb) * 1024 / args.work_orders, 2),
        "target_plan_s": 1.0,
        "target_peak_rss_mb": 200,
        "target_met": plan_s <= 1.0 and peak_mb <= 200,
    }
    print(f"loaded {args.work_orders:,} work orders and {args.customers:,} customers "
          f"({args.format}) in {load_s:.3f} s (customers {customers_s:.3f} s, work orders "
          f"{orders_s:.3f} s), planned them in {plan_s:.3f} s "
          f"({figures['work_orders_per_s']:,}/s; {figures['work_orders_per_s_with_loading']:,}/s "
          f"with loading); {len(result.actions):,} actions, {len(result.notices):,} notices; "
          f"peak RSS {figures['peak_rss_mb']} MB "
          f"({figures['peak_kb_per_work_order']} KB per work order above the baseline)",
          file=sys.stderr)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
