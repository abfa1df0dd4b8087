"""An invoicing job against an e-conomic emulator server, run as a subprocess by
test_crash.py and test_many_runners.py (not a test module).

Usage: python crash_job.py BASE_URL AGREEMENT JOURNAL [WORKERS]
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import ledgerlink as ll
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.store import Store
from ledgerlink_economic import EconomicConnector
from tests.ledgerlink_economic.support import OPTIONS

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
#: How many work orders the job bills (one invoice each, each with its own key).
ORDERS = 30
#: Five customers, companies and private persons alike, each with its own e-mail.
CUSTOMERS = [ll.Customer(id=f"c{n}", name=name, email=f"c{n}@example.dk",
                         kind=ll.PartyKind.PERSON if n % 2 else ll.PartyKind.COMPANY)
             for n, name in enumerate(("Havemand ApS", "Ida Holm", "Kro & Co ApS", "Bo Lund",
                                       "Skole I/S"))]


def _order(number: int) -> ll.WorkOrder:
    hours = Decimal(number % 3 + 1)
    line = ll.WorkLine("Vinduespudsning", hours, Decimal("400"), Decimal(25))
    return ll.WorkOrder(id=f"WO-{number}", customer_id=CUSTOMERS[number % 5].id,
                        completed_at=NOW - timedelta(hours=1), lines=[line])


WORK = [_order(number) for number in range(ORDERS)]
#: Booked, not sent: e-conomic cannot e-mail, and delivery is not what this job tests.
COMPANY = ll.Company("Vinduespudser ApS", currency="DKK", time_zone="Europe/Copenhagen",
                     policy=ll.BillingPolicy(posting=ll.Posting.BOOK, send=False))


def main() -> int:
    base_url, agreement, journal = sys.argv[1:4]
    workers = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    store = Store(journal)
    with EconomicConnector(agreement=agreement, token_store=store, base_url=base_url,
                           limiters=LimiterRegistry(), **OPTIONS) as book:
        outcome = ll.invoice(WORK, CUSTOMERS, COMPANY, book, now=NOW, store=store,
                             workers=workers)
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
