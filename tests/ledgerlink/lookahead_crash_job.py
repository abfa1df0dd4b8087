"""One big customer's invoicing run as a subprocess, for test_lookahead_crash.py (not a test
module).

Usage: python lookahead_crash_job.py BOOK JOURNAL [LATENCY]
Kill points come from LEDGERLINK_SANDBOX_KILL_AFTER_WRITES or the parent's SIGKILL. Without
latency the sandbox runs inline; with it, calls run in the runner's threads.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import ledgerlink as ll
from ledgerlink.api import invoice
from ledgerlink.sandbox.connector import SandboxConnector

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
#: Work orders of the one customer.
ORDERS_COUNT = 40
CUSTOMERS = [ll.Customer(id="big", name="Big Customer A/S", email="big@example.dk")]
ORDERS = [
    ll.WorkOrder(id=f"w{i}", customer_id="big", status=ll.WorkStatus.COMPLETED,
                 completed_at=NOW - timedelta(minutes=i),
                 lines=[ll.WorkLine("Hours", Decimal(i % 3 + 1), Decimal("450"))])
    for i in range(ORDERS_COUNT)
]
COMPANY = ll.Company("Crash ApS", policy=ll.BillingPolicy(ll.Posting.BOOK, send=True))


def main() -> int:
    book_path, journal = sys.argv[1], sys.argv[2]
    latency = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    book = SandboxConnector(book_path, latency=latency)
    result = invoice(ORDERS, CUSTOMERS, COMPANY, book, now=NOW, store=journal)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
