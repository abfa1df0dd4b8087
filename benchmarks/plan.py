"""Plan 100,000 work orders (3 lines each) for 5,000 customers with mixed policies.

Target: <= 1 s planning time and <= 200 MB peak RSS.
Run: python benchmarks/plan.py [--work-orders N] [--customers N]
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import ledgerlink as ll
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-orders", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=5_000)
    args = parser.parse_args()
    company = ll.Company("Bench ApS", policy=ll.BillingPolicy(ll.Posting.BOOK, send=True))
    started = time.perf_counter()
    orders, customers = build(args.work_orders, args.customers)
    build_s = time.perf_counter() - started
    gc.collect()
    started = time.perf_counter()
    result = plan(orders, customers, company, now=NOW)
    plan_s = time.perf_counter() - started
    figures = {
        "work_orders": args.work_orders,
        "customers": args.customers,
        "actions": len(result.actions),
        "notices": len(result.notices),
        "build_inputs_s": round(build_s, 3),
        "plan_s": round(plan_s, 3),
        "work_orders_per_s": round(args.work_orders / plan_s),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "target_plan_s": 1.0,
        "target_peak_rss_mb": 200,
    }
    print(f"planned {args.work_orders:,} work orders for {args.customers:,} customers "
          f"in {plan_s:.3f} s ({figures['work_orders_per_s']:,}/s); "
          f"{len(result.actions):,} actions, {len(result.notices):,} notices; "
          f"peak RSS {figures['peak_rss_mb']} MB", file=sys.stderr)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
