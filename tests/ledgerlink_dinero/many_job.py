"""One of several runners invoicing the same work on one Dinero organisation, run as
``python -m tests.ledgerlink_dinero.many_job`` by test_many_runners.py beside it and by
tests/postgres/test_dinero_runners.py (not a test module).

Usage: python -m tests.ledgerlink_dinero.many_job BASE_URL ORGANISATION_ID JOURNAL ORDERS
LEASE_S WAIT_S
JOURNAL is a SQLite path or a PostgreSQL URL. Prints the run's summary as JSON.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import ledgerlink as ll
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.store import Store
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from tests.runners import invoice_and_report, shared_work

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
    store = Store(journal)
    book = DineroConnector(organisation_id=organisation, client_id=DEFAULT_CLIENT_ID,
                           client_secret=DEFAULT_CLIENT_SECRET, token_store=store,
                           base_url=base_url, limiters=LimiterRegistry(window=WINDOW))
    return invoice_and_report(shared_work(orders, people, NOW), people, COMPANY, book, store,
                              now=NOW, lease=lease, wait=wait)


if __name__ == "__main__":
    sys.exit(main())
