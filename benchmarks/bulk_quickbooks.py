"""Bulk-invoice work orders into QuickBooks (the emulator on 127.0.0.1) with batch creates,
against the same work through a plain sequential loop.

The emulator runs as a real HTTP server with QuickBooks' limits — 500 requests a
minute, 10 in flight, 40 batch calls a minute of at most 30 operations — and
500 ms latency per call. Time is scaled by one factor (``--scale``, real seconds
per emulated second) for limits and latency alike, on both sides: the emulator's
throttle window and latency, and the connector's limiter window. Every figure is
reported in emulated (unscaled) time.

* Bulk: ``ledgerlink.invoice`` with the QuickBooks connector (batch creates,
  limits shared by the runner's threads). Customers already exist in QuickBooks
  and are found by name (one query each).
* Sequential: one request at a time, one invoice per request, no batch.

The emulated ceiling is 40 batches × 30 invoices = 1,200 invoices a minute. The
throttle counts a sliding 60 s window, so a client that starts with an empty
window gets a burst of 40 batches at once and then 40 per window: an end-to-end
rate over a few minutes overstates what can be sustained. The share of the
ceiling is therefore measured over whole windows: the invoices of the batches
the emulator admitted in the first ``--windows`` windows after the first batch,
per window. The end-to-end rate (all invoices over the whole run, including
planning, customer lookups and journal commits) is printed as well.

Targets: >= 95 % of the ceiling, >= 9x the sequential loop, <= 0.05 requests per
created invoice. The last line printed is one JSON object with the figures.
Run: python benchmarks/bulk_quickbooks.py [--scale 0.05] [--windows 8]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

import ledgerlink as ll
from ledgerlink.domain import InvoiceDraft, InvoiceLine
from ledgerlink.http.limits import WINDOW, LimiterRegistry
from ledgerlink.http.oauth import ClientCredentials, exchange_code
from ledgerlink.plans import work_key
from ledgerlink.store import Store
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    Limits,
    QuickBooksEmulator,
)
from ledgerlink_quickbooks.emulator.wire import EmuRequest
from ledgerlink_quickbooks.settings import MAX_BATCH_ITEMS, endpoints_at

NOW = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
REALM = "9130355245816712"
#: QuickBooks' limits (emulated) and a typical write's latency, in emulated seconds.
LIMITS = Limits(per_minute=500, in_flight=10, batch_per_minute=40)
LATENCY = 0.5
CEILING_PER_MINUTE = LIMITS.batch_per_minute * MAX_BATCH_ITEMS
SEQUENTIAL_PER_MINUTE = WINDOW / LATENCY


class BatchClock:
    """Records when the emulator admitted each batch call and how many items it held."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.admitted: list[tuple[float, int]] = []
        self._lock = threading.Lock()

    def __call__(self, request: EmuRequest) -> float:
        if request.path.rstrip("/").endswith("/batch"):
            items = len(json.loads(request.body or b"{}").get("BatchItemRequest") or [])
            with self._lock:
                self.admitted.append((time.monotonic(), items))
        return self.latency


def build(n_orders: int, n_customers: int, prefix: str) -> tuple[
        list[ll.WorkOrder], list[ll.Customer]]:
    customers = [ll.Customer(id=f"{prefix}c{i:04d}", name=f"Bulk Customer {prefix}{i}",
                             email=f"{prefix}c{i}@example.com", currency="USD",
                             address=ll.Address(country="US"))
                 for i in range(n_customers)]
    orders = [ll.WorkOrder(id=f"{prefix}{i:06d}", customer_id=customers[i % n_customers].id,
                           completed_at=NOW - timedelta(minutes=i % 600),
                           lines=(ll.WorkLine("Service call", Decimal(i % 4 + 1),
                                              Decimal("95.00"), Decimal(0)),))
              for i in range(n_orders)]
    return orders, customers


def connector(base_url: str, store: Store, item: str, scale: float) -> QuickBooksConnector:
    limiters = LimiterRegistry(window=WINDOW * scale)
    return QuickBooksConnector(realm_id=REALM, client_id=DEFAULT_CLIENT_ID,
                               client_secret=DEFAULT_CLIENT_SECRET, token_store=store,
                               base_url=base_url, default_item=item, limiters=limiters)


def sequential(book: QuickBooksConnector, orders: list[ll.WorkOrder],
               refs: dict[str, str]) -> float:
    """Create one invoice per request, one request at a time; return the seconds taken."""
    started = time.monotonic()
    for order in orders:
        lines = tuple(InvoiceLine.from_work(line, work_key(order.id)) for line in order.lines)
        issued = date(2026, 11, 22)
        draft = InvoiceDraft(f"inv:{order.id}", order.customer_id, "USD", issued,
                             issued + timedelta(days=14), lines)
        book.create_invoice(draft, refs[order.customer_id], {})
    return time.monotonic() - started


def serve(conn: Connection, scale: float, names: list[str]) -> None:
    """The emulator in its own process (its CPU is QuickBooks', not the client's)."""
    clock = BatchClock(LATENCY)
    emulator = QuickBooksEmulator(limits=LIMITS, time_scale=scale)
    emulator.latency_fn = clock
    emulator.add_realm(REALM, home_currency="USD")
    item = emulator.seed(REALM, "Item", {"Name": "Services", "Type": "Service"})["Id"]
    for name in names:
        emulator.seed(REALM, "Customer", {"DisplayName": name, "CurrencyRef": {"value": "USD"}})
    with emulator.serve() as server:
        conn.send((server.base_url, emulator.authorize(REALM), item))
        while (command := conn.recv()) != "stop":
            assert command == "stats"
            conn.send({"requests": len(emulator.requests),
                       "rejected": emulator.throttle.rejected,
                       "invoices": len(emulator.realms[REALM].entities["Invoice"]),
                       "admitted": list(clock.admitted)})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05,
                        help="real seconds per emulated second (limits and latency alike)")
    parser.add_argument("--windows", type=int, default=8,
                        help="whole throttle windows (emulated minutes) the share is measured on")
    parser.add_argument("--customers", type=int, default=60)
    parser.add_argument("--sequential", type=int, default=60,
                        help="invoices created by the sequential loop")
    args = parser.parse_args()
    # Enough work to keep batches going past the measured windows.
    n_orders = CEILING_PER_MINUTE * (args.windows + 1)
    bulk_orders, bulk_customers = build(n_orders, args.customers, "B")
    seq_orders, seq_customers = build(args.sequential, 1, "S")
    names = [c.name for c in (*bulk_customers, *seq_customers)]
    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.get_context("spawn").Process(
        target=serve, args=(theirs, args.scale, names), daemon=True)
    child.start()

    def stats() -> dict[str, Any]:
        ours.send("stats")
        answer: dict[str, Any] = ours.recv()
        return answer

    company = ll.Company("Bulk Inc", currency="USD", time_zone="America/New_York",
                         policy=ll.BillingPolicy(ll.Posting.BOOK, send=False))
    try:
        base_url, code, item = ours.recv()
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp) / "journal.db")
            with httpx.Client(base_url=base_url) as client:
                exchange_code(client, endpoints_at(base_url),
                              ClientCredentials(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
                              code=code, redirect_uri="https://x/cb", store=store,
                              key=f"quickbooks:{REALM}", provider="quickbooks")
            book = connector(base_url, store, item, args.scale)
            before = stats()["requests"]
            started = time.monotonic()
            result = ll.invoice(bulk_orders, bulk_customers, company, book, now=NOW,
                                store=store)
            bulk_seconds = time.monotonic() - started
            after_bulk = stats()
            created = result.summary["invoices_created"]
            assert result.ok and created == n_orders, result.summary
            # The sequential loop, on the same server (a fresh customer, linked up front).
            seq_ref = book.find_customer(seq_customers[0])
            assert seq_ref is not None
            seq_seconds = sequential(book, seq_orders, {seq_customers[0].id: seq_ref})
            final = stats()
            book.close()
            store.close()
    finally:
        ours.send("stop")
        child.join(timeout=10)
    bulk_requests = after_bulk["requests"] - before
    seq_requests = final["requests"] - after_bulk["requests"] - 1  # the customer lookup
    assert final["invoices"] == n_orders + args.sequential
    window = WINDOW * args.scale
    admitted = after_bulk["admitted"]
    first = admitted[0][0]
    in_windows = [items for at, items in admitted if at < first + args.windows * window]
    sustained = sum(in_windows) / args.windows  # invoices per emulated minute
    end_to_end = created / (bulk_seconds / args.scale / WINDOW)
    seq_rate = args.sequential / (seq_seconds / args.scale / WINDOW)
    to_minutes = 1 / (args.scale * WINDOW)
    figures: dict[str, Any] = {
        "invoices": created,
        "customers": args.customers,
        "scale": args.scale,
        "windows_measured": args.windows,
        "batch_calls": len(admitted),
        "invoices_per_minute_sustained": round(sustained, 1),
        "invoices_per_minute_end_to_end": round(end_to_end, 1),
        "ceiling_per_minute": CEILING_PER_MINUTE,
        "share_of_ceiling": round(sustained / CEILING_PER_MINUTE, 4),
        "requests_per_invoice": round(bulk_requests / created, 4),
        "sequential_invoices_per_minute": round(seq_rate, 1),
        "sequential_ideal_per_minute": SEQUENTIAL_PER_MINUTE,
        "sequential_requests_per_invoice": round(seq_requests / args.sequential, 4),
        "ratio_to_sequential": round(sustained / seq_rate, 2),
        "ratio_to_ideal_sequential": round(sustained / SEQUENTIAL_PER_MINUTE, 2),
        "minutes_to_first_batch": round((first - started) * to_minutes, 2),
        "minutes_first_to_last_batch": round((admitted[-1][0] - first) * to_minutes, 2),
        "throttled_429": final["rejected"],
        "bulk_seconds_real": round(bulk_seconds, 2),
        "sequential_seconds_real": round(seq_seconds, 2),
    }
    print(f"bulk: {created} invoices for {args.customers} customers in {bulk_seconds:.1f} s real "
          f"({bulk_seconds / args.scale / WINDOW:.2f} emulated minutes), "
          f"{len(admitted)} batch calls, {bulk_requests} requests, {final['rejected']} x 429")
    print(f"sustained over {args.windows} windows: {sustained:.0f} invoices/min = "
          f"{sustained / CEILING_PER_MINUTE:.1%} of the {CEILING_PER_MINUTE}/min ceiling; "
          f"end to end {end_to_end:.0f}/min")
    print(f"requests per invoice: {bulk_requests / created:.4f}")
    print(f"sequential: {seq_rate:.0f} invoices/min (latency alone allows "
          f"{SEQUENTIAL_PER_MINUTE:.0f}); bulk is {sustained / seq_rate:.2f}x the loop, "
          f"{sustained / SEQUENTIAL_PER_MINUTE:.2f}x its ideal")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
