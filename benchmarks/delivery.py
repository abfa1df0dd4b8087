"""Invoice and deliver work orders against the sandbox: letters, e-invoices and e-mails.

Each work order becomes a booked invoice delivered by its customer's channel, in
thirds: a print-ready letter written to a folder (the sandbox's PDF behind a
window-envelope cover page), a PEPPOL BIS Billing 3 document in a file outbox
(built, not validated: see einvoice.py for validation), and an e-mail with the PDF
to an SMTP server on 127.0.0.1 (in this process). Every delivery is journaled
(intent with its route, then its outcome). The sandbox takes one call at a time,
so deliveries run one after another here, and the e-mails share one SMTP
session. Target: >= 100 deliveries/s on this machine, and each delivery's cost
beyond invoicing alone reported.
Needs the test extra (aiosmtpd for the local SMTP server).
Run: python benchmarks/delivery.py [--work-orders N]
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

import ledgerlink as ll
from ledgerlink.delivery import (
    DeliveryChannels,
    einvoice_channel,
    email_channel,
    letter_folder_channel,
)
from ledgerlink.domain import Address, DeliveryChannel
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.store import Store

NOW = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
ADDRESS = {"street": "Havnegade 12", "postal_code": "8000", "city": "Aarhus C",
           "country": "DK"}
KINDS = (DeliveryChannel.LETTER, DeliveryChannel.EINVOICE, DeliveryChannel.EMAIL)


class Counting:
    """An SMTP handler that counts the messages it takes."""

    def __init__(self) -> None:
        self.messages = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages += 1
        return "250 OK"


def build(n_orders: int, n_customers: int) -> tuple[list[ll.WorkOrder], list[ll.Customer]]:
    customers = [ll.Customer(id=f"c{i:04d}", name=f"Kunde {i} ApS", email=f"c{i}@kunde.dk",
                             delivery=KINDS[i % 3], registration_number="DK10150817",
                             address=Address("Vestergade 3", "5000", "Odense C", "DK"))
                 for i in range(n_customers)]
    orders = [ll.WorkOrder(id=f"w{i:06d}", customer_id=customers[i % n_customers].id,
                           completed_at=NOW - timedelta(minutes=i % 600),
                           lines=(ll.WorkLine("Hours", Decimal(i % 7 + 1), Decimal("450")),
                                  ll.WorkLine("Filter", Decimal(1), Decimal("129.95"))))
              for i in range(n_orders)]
    return orders, customers


def run(orders: list[ll.WorkOrder], customers: list[ll.Customer], tmp: Path,
        channels: DeliveryChannels | None, name: str) -> float:
    company = ll.Company("Bench ApS", policy=ll.BillingPolicy(ll.Posting.BOOK,
                                                              send=channels is not None))
    with SandboxConnector(tmp / f"{name}.db") as book:
        started = time.perf_counter()
        result = ll.invoice(orders, customers, company, book, now=NOW,
                            store=Store(tmp / f"{name}-journal.db"), delivery=channels)
        elapsed = time.perf_counter() - started
    if not result.ok:
        sys.exit(f"{name}: {len(result.failed)} failed: {result.failed[0].message}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-orders", type=int, default=1_500)
    parser.add_argument("--customers", type=int, default=150)
    args = parser.parse_args()
    orders, customers = build(args.work_orders, args.customers)
    handler = Counting()
    with socket.socket() as probe:  # a free port (aiosmtpd cannot start on port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(handler, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder)
            channels = DeliveryChannels(
                email=email_channel(host="127.0.0.1", port=port, sender="f@bench.dk"),
                letter=letter_folder_channel(folder=tmp / "letters",
                                             sender={"name": "Bench ApS", **ADDRESS}),
                einvoice=einvoice_channel(outbox=tmp / "outbox", seller={
                    "name": "Bench ApS", **ADDRESS, "vat_number": "DK13585628",
                    "bank_registration": "1234", "account": "0001234567"}))
            alone = run(orders, customers, tmp, None, "invoicing-only")
            delivering = run(orders, customers, tmp, channels, "delivering")
            letters = len(list((tmp / "letters").glob("*.pdf")))
            einvoices = len(list((tmp / "outbox").glob("*.xml")))
    finally:
        smtp.stop()
    delivered = letters + einvoices + handler.messages
    if delivered != len(orders):
        sys.exit(f"delivered {delivered} of {len(orders)} invoices")
    figures = {
        "work_orders": len(orders),
        "letters": letters, "einvoices": einvoices, "emails": handler.messages,
        "seconds_invoicing_only": round(alone, 2),
        "seconds_invoicing_and_delivering": round(delivering, 2),
        "deliveries_per_s": round(delivered / delivering, 1),
        "ms_per_delivery_beyond_invoicing": round((delivering - alone) / delivered * 1000, 2),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "target_deliveries_per_s": 100,
    }
    print(f"{delivered} invoices delivered ({letters} letters, {einvoices} e-invoices, "
          f"{handler.messages} e-mails) in {delivering:.1f} s; invoicing alone {alone:.1f} s")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
