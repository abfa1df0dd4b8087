"""One of several runners invoicing the same work on one e-conomic agreement, run as
``python -m tests.ledgerlink_economic.many_job`` by test_many_runners.py (not a test module).

Usage: python -m tests.ledgerlink_economic.many_job BASE_URL AGREEMENT JOURNAL ORDERS LEASE_S
WAIT_S
Prints the run's summary as JSON.
"""

from __future__ import annotations

import sys

from ledgerlink.store import Store
from ledgerlink_economic import EconomicConnector
from tests.ledgerlink_economic.crash_job import COMPANY, CUSTOMERS, NOW
from tests.ledgerlink_economic.support import OPTIONS
from tests.runners import invoice_and_report, shared_work


def main() -> int:
    base_url, agreement, journal = sys.argv[1:4]
    orders, lease, wait = int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
    store = Store(journal)
    book = EconomicConnector(agreement=agreement, token_store=store, base_url=base_url,
                             **OPTIONS)
    return invoice_and_report(shared_work(orders, CUSTOMERS, NOW), CUSTOMERS, COMPANY, book,
                              store, now=NOW, lease=lease, wait=wait)


if __name__ == "__main__":
    sys.exit(main())
