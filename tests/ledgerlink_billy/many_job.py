"""One of several runners invoicing the same work on one Billy company, run as
``python -m tests.ledgerlink_billy.many_job`` by test_many_runners.py beside it and by
tests/postgres/test_billy_runners.py (not a test module).

Usage: python -m tests.ledgerlink_billy.many_job BASE_URL ORGANIZATION_ID JOURNAL
RATE_PRODUCTS ORDERS LEASE_S WAIT_S
JOURNAL is a SQLite path or a PostgreSQL URL. The connector keeps Billy's default
request budget. Prints the run's summary as JSON.
"""

from __future__ import annotations

import sys

from ledgerlink.store import Store
from ledgerlink_billy import BillyConnector
from tests.ledgerlink_billy.crash_job import COMPANY, CUSTOMERS, NOW
from tests.runners import invoice_and_report, shared_work


def main() -> int:
    base_url, organization, journal, rate_products = sys.argv[1:5]
    orders, lease, wait = int(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
    store = Store(journal)
    book = BillyConnector(organization_id=organization, token_store=store, base_url=base_url,
                          rate_products=rate_products)
    return invoice_and_report(shared_work(orders, CUSTOMERS, NOW), CUSTOMERS, COMPANY, book,
                              store, now=NOW, lease=lease, wait=wait)


if __name__ == "__main__":
    sys.exit(main())
