"""An invoicing job against an e-conomic emulator server, run as a subprocess by
test_crash.py and test_many_runners.py (not a test module).

Usage: python crash_job.py BASE_URL AGREEMENT JOURNAL [WORKERS]
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import ledgerlink as ll
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.store import Store
from ledgerlink_economic import EconomicConnector
from tests.ledgerlink_economic.support import OPTIONS
from tests.runners import shared_work

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
#: How many work orders the job bills (one invoice each, each with its own key).
ORDERS = 30
_NAMES = {"c0": ("Anlægsgartner ApS", ll.PartyKind.COMPANY),
          "c1": ("Mette Friis", ll.PartyKind.PERSON),
          "c2": ("Bageriet I/S", ll.PartyKind.COMPANY),
          "c3": ("Jonas Krogh", ll.PartyKind.PERSON),
          "c4": ("Efterskolen", ll.PartyKind.COMPANY)}
#: Five customers (found again by their e-mails), companies and private persons alike.
CUSTOMERS = [ll.Customer(id=cid, name=name, email=f"{cid}@example.dk", kind=kind)
             for cid, (name, kind) in _NAMES.items()]
WORK = shared_work(ORDERS, CUSTOMERS, NOW)
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
