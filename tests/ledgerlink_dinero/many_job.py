"""One of several runners invoicing the same work on one Dinero organisation, run as a
subprocess by test_many_runners.py beside it and by tests/postgres/test_dinero_runners.py
(not a test module).

Usage: python many_job.py BASE_URL ORGANISATION_ID JOURNAL ORDERS LEASE_S WAIT_S
JOURNAL is a SQLite path or a PostgreSQL URL. Prints the run's summary as JSON.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import ledgerlink as ll
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.store import Store
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CUSTOMERS = 25
#: Seconds of the client-side rate-limit window: Dinero's 100 requests count per
#: second here, not per minute (the emulator is told not to throttle).
WINDOW = 1.0
COMPANY = ll.Company("Vinduespudser ApS", currency="DKK", time_zone="Europe/Copenhagen",
                     policy=ll.BillingPolicy(posting=ll.Posting.BOOK, send=True))


def main() -> int:
    base_url, organisation, journal = sys.argv[1:4]
    orders, lease, wait = int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
    people = [ll.Customer(id=f"c{i}", name=f"Kunde {i} ApS", email=f"c{i}@example.dk",
                          currency="DKK", address=ll.Address(country="DK"))
              for i in range(CUSTOMERS)]
    work = [ll.WorkOrder(id=f"WO-{i}", customer_id=f"c{i % CUSTOMERS}",
                         completed_at=NOW - timedelta(hours=1),
                         lines=[ll.WorkLine("Vinduespudsning", Decimal(i % 3 + 1),
                                            Decimal("400"), Decimal(25))])
            for i in range(orders)]
    store = Store(journal)
    book = DineroConnector(organisation_id=organisation, client_id=DEFAULT_CLIENT_ID,
                           client_secret=DEFAULT_CLIENT_SECRET, token_store=store,
                           base_url=base_url, limiters=LimiterRegistry(window=WINDOW))
    try:
        result = ll.invoice(work, people, COMPANY, book, now=NOW, store=store,
                            lease=timedelta(seconds=lease), wait=timedelta(seconds=wait))
    finally:
        book.close()
    print(json.dumps({"run_id": result.run_id, "summary": result.summary,
                      "recovered": [o.status for o in result.recovered]}))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
