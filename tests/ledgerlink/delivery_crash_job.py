"""An invoicing job that delivers by letter, SMTP and the sandbox's e-mail, run as a
subprocess by test_delivery_crash.py (not a test module).

Usage: python -m tests.ledgerlink.delivery_crash_job BOOK JOURNAL FOLDER SMTP_PORT
       [KILL_AFTER_HANDOVERS] [WAIT_SECONDS]

With KILL_AFTER_HANDOVERS the process SIGKILLs itself right after that many
channel hand-overs, before the run can journal them: the worst moment for a crash.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import ledgerlink as ll
from ledgerlink.delivery import (
    Delivery,
    DeliveryChannels,
    DeliveryReceipt,
    email_channel,
    letter_folder_channel,
)
from ledgerlink.domain import Address, DeliveryChannel
from ledgerlink.sandbox.connector import SandboxConnector

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CHANNELS = {"post": DeliveryChannel.LETTER, "mail": DeliveryChannel.EMAIL, "prov": None}
CUSTOMERS = [
    ll.Customer(id=f"{kind}-{n}", name=f"Kunde {kind} {n}", email=f"{kind}-{n}@kunde.dk",
                delivery=channel, address=Address("Vestergade 3", "5000", "Odense C", "DK"))
    for kind, channel in CHANNELS.items() for n in range(2)
]
ORDERS = [
    ll.WorkOrder(id=f"w{i}", customer_id=CUSTOMERS[i % len(CUSTOMERS)].id,
                 completed_at=NOW - timedelta(minutes=i),
                 lines=[ll.WorkLine("Service", Decimal(i % 3 + 1), Decimal("650"),
                                    Decimal(25))])
    for i in range(18)
]
COMPANY = ll.Company("Fjordvarme ApS", policy=ll.BillingPolicy(ll.Posting.BOOK, send=True))
SENDER = {"name": "Fjordvarme ApS", "street": "Havnegade 12", "postal_code": "8000",
          "city": "Aarhus C", "country": "DK"}


class KillAfter:
    """Wraps a channel: SIGKILLs this process right after the Nth new hand-over of all (a
    repeat the far side refuses is not counted, or a run could never get past one)."""

    handed = 0
    lock = threading.Lock()

    def __init__(self, inner: object, limit: int | None) -> None:
        self.inner = inner
        self.limit = limit
        self.name = inner.name  # type: ignore[attr-defined]
        self.refuses_repeats = getattr(inner, "refuses_repeats", False)

    def deliver(self, delivery: Delivery) -> DeliveryReceipt:
        receipt: DeliveryReceipt = self.inner.deliver(delivery)  # type: ignore[attr-defined]
        if receipt.message.startswith("already accepted earlier"):
            return receipt
        with KillAfter.lock:
            KillAfter.handed += 1
            if self.limit is not None and KillAfter.handed >= self.limit:
                os.kill(os.getpid(), signal.SIGKILL)
        return receipt


def main() -> int:
    book_path, journal, folder, port = sys.argv[1:5]
    limit = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[5] != "-" else None
    wait = float(sys.argv[6]) if len(sys.argv) > 6 else 0.0
    channels = DeliveryChannels(
        email=KillAfter(email_channel(host="127.0.0.1", port=int(port),
                                      sender="faktura@fjordvarme.dk"), limit),
        letter=KillAfter(letter_folder_channel(folder=Path(folder), sender=SENDER), limit))
    book = SandboxConnector(book_path, latency=0.005)
    try:
        result = ll.invoice(ORDERS, CUSTOMERS, COMPANY, book, now=NOW, store=journal,
                            workers=2, delivery=channels, wait=timedelta(seconds=wait))
    finally:
        book.close()
    print(result.summary)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
