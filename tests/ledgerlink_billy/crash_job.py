"""An invoicing job against a Billy emulator server, run as a subprocess by test_crash.py
(not a test module).

Usage: python crash_job.py BASE_URL ORGANIZATION_ID JOURNAL RATE_PRODUCTS
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import ledgerlink as ll
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.store import Store
from ledgerlink_billy import BillyConnector

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
#: How many work orders the job bills (one invoice each, each with its own externalId).
ORDERS = 30
#: Five customers, companies and private persons alike (Billy's contact types).
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
COMPANY = ll.Company("Vinduespudser ApS", currency="DKK", time_zone="Europe/Copenhagen",
                     policy=ll.BillingPolicy(posting=ll.Posting.BOOK, send=True))


def main() -> int:
    base_url, organization, journal, rate_products = sys.argv[1:5]
    store = Store(journal)
    # A generous budget: several short-lived processes share one company within a minute.
    with BillyConnector(organization_id=organization, token_store=store, base_url=base_url,
                        limiters=LimiterRegistry(), requests_per_minute=100_000,
                        rate_products=rate_products) as book:
        outcome = ll.invoice(WORK, CUSTOMERS, COMPANY, book, now=NOW, store=store, workers=2)
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
