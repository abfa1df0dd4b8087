"""An invoicing job against a QuickBooks emulator server, run as a subprocess by
test_crash.py beside it (not a test module).

Usage: python crash_job.py BASE_URL REALM ITEM_ID JOURNAL
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import ledgerlink as ll
from ledgerlink.store import Store
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CUSTOMERS = [ll.Customer(id=f"c{i}", name=f"Crash Customer {i}", email=f"c{i}@example.com",
                         currency="USD", address=ll.Address(country="US")) for i in range(6)]
WORK = [ll.WorkOrder(id=f"WO-{i}", customer_id=f"c{i % 6}", completed_at=NOW - timedelta(hours=1),
                     lines=[ll.WorkLine("Repair", Decimal(i % 3 + 1), Decimal("95"), Decimal(0))])
        for i in range(60)]
COMPANY = ll.Company("Crash Inc", currency="USD", time_zone="America/New_York",
                     policy=ll.BillingPolicy(posting=ll.Posting.BOOK, send=True))


def main() -> int:
    base_url, realm, item, journal = sys.argv[1:5]
    store = Store(journal)
    book = QuickBooksConnector(realm_id=realm, client_id=DEFAULT_CLIENT_ID,
                               client_secret=DEFAULT_CLIENT_SECRET, token_store=store,
                               base_url=base_url, default_item=item)
    result = ll.invoice(WORK, CUSTOMERS, COMPANY, book, now=NOW, store=store, workers=2)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
