"""An invoicing job against a Dinero emulator server, run as a subprocess by
test_crash.py beside it (not a test module).

Usage: python crash_job.py BASE_URL ORGANISATION_ID JOURNAL
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import ledgerlink as ll
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.store import Store
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
#: How many work orders the job bills (one invoice each: each has its own ExternalReference).
ORDERS = 30
CUSTOMERS = [ll.Customer(id=f"c{i}", name=f"Kunde {i} ApS", email=f"c{i}@example.dk",
                         currency="DKK", address=ll.Address(country="DK")) for i in range(5)]
WORK = [ll.WorkOrder(id=f"WO-{i}", customer_id=f"c{i % 5}", completed_at=NOW - timedelta(hours=1),
                     lines=[ll.WorkLine("Vinduespudsning", Decimal(i % 3 + 1), Decimal("400"),
                                        Decimal(25))])
        for i in range(ORDERS)]
#: Seconds of the client-side rate-limit window: Dinero's 100 requests count per second
#: here, not per minute (the emulator is told not to throttle), so a run takes seconds.
WINDOW = 1.0
COMPANY = ll.Company("Vinduespudser ApS", currency="DKK", time_zone="Europe/Copenhagen",
                     policy=ll.BillingPolicy(posting=ll.Posting.BOOK, send=True))


def main() -> int:
    base_url, organisation, journal = sys.argv[1:4]
    store = Store(journal)
    book = DineroConnector(organisation_id=organisation, client_id=DEFAULT_CLIENT_ID,
                           client_secret=DEFAULT_CLIENT_SECRET, token_store=store,
                           base_url=base_url, limiters=LimiterRegistry(window=WINDOW))
    try:
        result = ll.invoice(WORK, CUSTOMERS, COMPANY, book, now=NOW, store=store, workers=2)
    finally:
        book.close()
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
