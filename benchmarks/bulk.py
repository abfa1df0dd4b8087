"""Bulk-invoice work orders into a provider's emulator on 127.0.0.1 at the provider's
limits, against the same work as the limits allow it one call at a time.

The emulator runs as a real HTTP server in a spawned child process (its CPU is
the provider's, not the client's), with the provider's rate limits and 500 ms
latency per call. Time is scaled by one factor (``--scale``, real seconds per
emulated second) for limits and latency alike, on both sides: the emulator's
throttle window and latency, and the connector's limiter window. Every figure
is reported in emulated (unscaled) time; the client's own CPU is not scaled, so
a small ``--scale`` magnifies it (at 0.05 a second of planning counts as 20).

What differs by provider lives in its module (a :class:`bulk_provider.Provider`
listed in ``PROVIDERS``); this module is the shared driver.

* quickbooks (bulk_provider_quickbooks.py): 500 requests/min, 10 in flight,
  40 batch calls/min of at most 30 operations; ``ledgerlink.invoice`` with
  batch creates (posting=book, no send). The ceiling is 40 x 30 = 1,200
  invoices a minute.
* dinero (bulk_provider_dinero.py): 100 requests/min per organisation, no
  batch; posting=book with send=True, so each invoice needs a create, a book
  and an email call. The ceiling is 100 / 3 invoices a minute; every request
  is counted by path so a redundant look-up shows in the breakdown.
* billy (bulk_provider_billy.py): no documented limit, so the connector's
  conservative default, 120 requests/min and 4 in flight per company, enforced
  by the emulator too; no batch; create with lines + approve + e-mail per
  invoice, so the ceiling is 40 invoices a minute; counted like dinero.
* economic (bulk_provider_economic.py): the token bucket e-conomic reports,
  10,000 calls a minute; no batch and no e-mail through the API; create + draft
  check + book per invoice, so the ceiling is 3,333 invoices a minute; counted
  like dinero, with as many workers as it takes to keep the bucket busy.

Every run starts from a spent budget. QuickBooks, Dinero and Billy count a
sliding 60 s window: a fresh account lends a whole window's worth at once, and
a run of a few minutes that starts with that burst is above what can be
sustained. So just before each run the account's windows are filled as a run at
the limits leaves them (``AccountLimits.fill`` in the emulator, the same for the
connector's limiter, which would otherwise meet the spent window with 429s: a
process sharing the account's limits knows what was spent). e-conomic's bucket is
emptied (its connector learns the bucket from the answers).

The figures:

* ``share_of_ceiling`` (the headline): invoices created over the whole run,
  start to finish (planning, customer look-ups, journal commits, warm-up and
  the last answers included), per emulated minute, over the ceiling in
  invoices. ``share_of_ceiling_windowed`` is the older secondary figure: what
  is counted towards the ceiling (batch items, or requests of every kind) in
  the first ``--windows`` whole windows from the first counted call.
* ``ratio_to_sequential`` (the headline): the end-to-end rate over the ideal
  sequential rate, one call at a time as latency and limits allow it
  (``sequential_ideal_per_minute``: min(60 s / (latency x calls per invoice),
  the ceiling)). The measured loop (the connector, one call at a time, from a
  spent budget) is reported beside it; it is slower than the ideal by the
  client's own CPU in scaled time.
* QuickBooks only: the python-quickbooks ``batch_create`` pattern as a second
  baseline: batches of 30 sent one after another, throttled by the client's
  limiter to stay under the limits, from a spent budget, for as many customers
  as the bulk run (``batch_create_invoices_per_minute``, ``ratio_to_batch_create``).
  One batch at a time, whatever the emulator spends on a batch adds to its
  latency: the emulator recomputes a customer's balance from all of the
  customer's invoices at each create, so thousands of invoices for one customer
  would measure the emulator rather than the pattern.

Target (issue 17): ``share_of_ceiling`` >= 0.95 for every provider
(``target_met``). The last line printed is one JSON object with the figures.

Run: python benchmarks/bulk.py [--provider quickbooks|dinero|billy|economic] [--scale S]
     [--windows N] [--invoices N]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bulk_provider import Provider
from bulk_provider_billy import Billy
from bulk_provider_dinero import Dinero
from bulk_provider_economic import Economic
from bulk_provider_quickbooks import QuickBooks

import ledgerlink as ll
from ledgerlink.domain import InvoiceDraft, InvoiceLine
from ledgerlink.http.limits import WINDOW, LimiterRegistry
from ledgerlink.plans import work_key
from ledgerlink.store import Store

NOW = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
#: The issue's target for the end-to-end share of the ceiling.
TARGET_SHARE = 0.95
ISSUED = date(2026, 11, 22)


PROVIDERS: dict[str, Provider] = {p.name: p for p in (QuickBooks(), Dinero(), Billy(), Economic())}


class AdmitClock:
    """The emulator's latency function: records when it admitted each counted call.

    ``count(request)`` says how much a call counts towards the ceiling (items of
    a batch, one request, or 0 for calls the ceiling ignores). The emulators ask
    for latency only after their throttle admitted the call.
    """

    def __init__(self, latency: float, count: Callable[[Any], int]) -> None:
        self.latency = latency
        self.count = count
        self.admitted: list[tuple[float, int]] = []
        self._lock = threading.Lock()

    def __call__(self, request: Any) -> float:
        counted = self.count(request)
        if counted:
            with self._lock:
                self.admitted.append((time.monotonic(), counted))
        return self.latency


def build(provider: Provider, n_orders: int, n_customers: int, prefix: str) -> tuple[
        list[ll.WorkOrder], list[ll.Customer]]:
    customers = [ll.Customer(id=f"{prefix}c{i:04d}", name=f"Bulk Customer {prefix}{i}",
                             email=f"{prefix}c{i}@example.com", currency=provider.currency,
                             address=ll.Address(country=provider.country))
                 for i in range(n_customers)]
    orders = [ll.WorkOrder(id=f"{prefix}{i:06d}", customer_id=customers[i % n_customers].id,
                           completed_at=NOW - timedelta(minutes=i % 600),
                           lines=(ll.WorkLine("Service call", Decimal(i % 4 + 1),
                                              Decimal("95.00"), provider.vat_rate,
                                              product_id=provider.product_id),))
              for i in range(n_orders)]
    return orders, customers


def draft_of(provider: Provider, order: ll.WorkOrder) -> InvoiceDraft:
    lines = tuple(InvoiceLine.from_work(line, work_key(order.id)) for line in order.lines)
    return InvoiceDraft(f"inv:{order.id}", order.customer_id, provider.currency, ISSUED,
                        ISSUED + timedelta(days=14), lines)


def serve(conn: Connection, name: str, scale: float, customers: list[ll.Customer]) -> None:
    """The emulator in its own process (its CPU is the provider's, not the client's)."""
    provider = PROVIDERS[name]
    clock = AdmitClock(provider.latency, provider.counted)
    emulator = provider.emulator(scale)
    emulator.latency_fn = clock
    setup = provider.seed(emulator, customers)
    with emulator.serve() as server:
        conn.send((server.base_url, setup))
        while (command := conn.recv()) != "stop":
            if isinstance(command, tuple) and command[0] == "prepare":
                provider.prepare(emulator, setup, command[1])
                conn.send("prepared")
                continue
            assert command == "stats"
            calls = provider.requests(emulator)
            conn.send({"requests": len(calls), "calls": calls,
                       "rejected": emulator.throttle.rejected,
                       "invoices": provider.invoices(emulator),
                       "admitted": list(clock.admitted)})


def main(default_provider: str = "quickbooks") -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", choices=sorted(PROVIDERS), default=default_provider)
    parser.add_argument("--scale", type=float, default=None,
                        help="real seconds per emulated second (limits and latency alike); "
                             "default: the provider's, so the run takes a few minutes")
    parser.add_argument("--windows", type=int, default=None,
                        help="whole throttle windows (emulated minutes) the windowed share "
                             "is measured on")
    parser.add_argument("--customers", type=int, default=None,
                        help="customers billed; default: the provider's")
    parser.add_argument("--sequential", type=int, default=None,
                        help="invoices created by the sequential loop")
    parser.add_argument("--invoices", type=int, default=None,
                        help="invoices the bulk run creates; default: enough to keep the "
                             "ceiling busy one window past the measured ones")
    args = parser.parse_args()
    provider = PROVIDERS[args.provider]
    scale = args.scale or provider.scale
    windows = args.windows or provider.windows
    n_sequential = args.sequential or provider.sequential
    n_customers = args.customers or provider.customers
    # Enough work to keep the ceiling busy past the measured windows.
    n_orders = args.invoices or provider.orders_for(windows + 1)
    bulk_orders, bulk_customers = build(provider, n_orders, n_customers, "B")
    seq_orders, seq_customers = build(provider, n_sequential, 1, "S")
    # The same shape of work as the bulk run: as many customers, invoices spread over them.
    batch_orders, batch_customers = build(provider, provider.batch_baseline,
                                          n_customers if provider.batch_baseline else 0, "P")
    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.get_context("spawn").Process(
        target=serve, args=(theirs, provider.name, scale,
                            [*bulk_customers, *seq_customers, *batch_customers]),
        daemon=True)
    child.start()
    limiters = LimiterRegistry(window=WINDOW * scale)

    def stats() -> dict[str, Any]:
        ours.send("stats")
        answer: dict[str, Any] = ours.recv()
        return answer

    def spend(role: str) -> None:
        """The budget of ``role``'s account spent, on the provider's side and the client's."""
        ours.send(("prepare", role))
        assert ours.recv() == "prepared"
        if provider.sliding_window:
            limiters.fill()

    try:
        if not ours.poll(120):
            raise RuntimeError("the emulator process did not start (see its traceback)")
        base_url, setup = ours.recv()
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp) / "journal.db")
            book = provider.connector(base_url, setup, store, limiters, sequential=False)
            spend("bulk")
            before = stats()["requests"]
            started = time.monotonic()
            result = ll.invoice(bulk_orders, bulk_customers, provider.company(), book, now=NOW,
                                store=store, workers=provider.workers)
            bulk_seconds = time.monotonic() - started
            after_bulk = stats()
            created = result.summary["invoices_created"]
            assert result.ok and created == n_orders, result.summary
            # The sequential loop, on the same server (a fresh customer, linked up front).
            seq_book = provider.connector(base_url, setup, store, limiters, sequential=True)
            seq_ref = seq_book.find_customer(seq_customers[0])
            assert seq_ref is not None
            spend("sequential")
            seq_start = stats()["requests"]
            seq_started = time.monotonic()
            for order in seq_orders:
                provider.one_by_one(seq_book, draft_of(provider, order), seq_ref)
            seq_seconds = time.monotonic() - seq_started
            seq_requests = stats()["requests"] - seq_start
            batch_seconds = 0.0
            if batch_orders:
                refs = {customer.id: seq_book.find_customer(customer)
                        for customer in batch_customers}
                assert None not in refs.values()
                drafts = [(draft_of(provider, order), refs[order.customer_id])
                          for order in batch_orders]
                spend("batches")
                batch_started = time.monotonic()
                provider.batch_loop(seq_book, drafts)
                batch_seconds = time.monotonic() - batch_started
            final = stats()
            for connector in {id(book): book, id(seq_book): seq_book}.values():
                connector.close()
            store.close()
    finally:
        ours.send("stop")
        child.join(timeout=10)
    bulk_calls = after_bulk["calls"][before:]
    bulk_requests = len(bulk_calls)
    assert final["invoices"] == n_orders + n_sequential + len(batch_orders)
    window = WINDOW * scale
    admitted = after_bulk["admitted"]
    first = admitted[0][0]
    in_windows = [count for at, count in admitted if at < first + windows * window]
    per_window = sum(in_windows) / windows  # counted calls per emulated minute
    per_invoice = bulk_requests / created
    sustained = provider.invoices_per_window(per_window, per_invoice)
    windowed_share = per_window / provider.window_capacity
    end_to_end = created / (bulk_seconds / scale / WINDOW)
    share = end_to_end / provider.ceiling_per_minute
    seq_rate = n_sequential / (seq_seconds / scale / WINDOW)
    ideal_seq = provider.sequential_ideal_per_minute
    to_minutes = 1 / (scale * WINDOW)
    figures: dict[str, Any] = {
        "invoices": created,
        "customers": n_customers,
        "scale": scale,
        "start": "spent budget" if provider.sliding_window else provider.start,
        "ceiling_per_minute": provider.ceiling_per_minute,
        # Created invoices over the whole run, start to finish, against the ceiling.
        "invoices_per_minute_end_to_end": round(end_to_end, 1),
        "share_of_ceiling": round(share, 4),
        "target": f"share_of_ceiling >= {TARGET_SHARE}",
        "target_met": share >= TARGET_SHARE,
        "sequential_ideal_per_minute": ideal_seq,
        "ratio_to_sequential": round(end_to_end / ideal_seq, 2),
        "sequential_invoices_per_minute": round(seq_rate, 1),
        "ratio_to_measured_sequential": round(end_to_end / seq_rate, 2),
        "sequential_requests_per_invoice": round(seq_requests / n_sequential, 4),
        "requests_per_invoice": round(per_invoice, 4),
        "windows_measured": windows,
        provider.counted_key: len(admitted),
        "invoices_per_minute_windowed": round(sustained, 1),
        "share_of_ceiling_windowed": round(windowed_share, 4),
        "minutes_to_first_batch": round((first - started) * to_minutes, 2),
        "minutes_first_to_last_batch": round((admitted[-1][0] - first) * to_minutes, 2),
        "throttled_429": final["rejected"],
        "bulk_seconds_real": round(bulk_seconds, 2),
        "sequential_seconds_real": round(seq_seconds, 2),
    }
    if batch_orders:
        batch_rate = len(batch_orders) / (batch_seconds / scale / WINDOW)
        figures.update({
            "batch_create_invoices": len(batch_orders),
            # One batch at a time at the provider's latency, capped by the ceiling.
            "batch_create_ideal_per_minute": min(provider.batch_items * WINDOW / provider.latency,
                                                 provider.ceiling_per_minute),
            "batch_create_invoices_per_minute": round(batch_rate, 1),
            "batch_create_share_of_ceiling": round(batch_rate / provider.ceiling_per_minute, 4),
            "ratio_to_batch_create": round(end_to_end / batch_rate, 2),
        })
    breakdown = provider.breakdown(bulk_calls)
    figures.update(provider.extra_figures(breakdown, created, per_window, per_invoice))
    print(f"bulk: {created} invoices for {n_customers} customers in {bulk_seconds:.1f} s real "
          f"({bulk_seconds / scale / WINDOW:.2f} emulated minutes) from a {figures['start']}, "
          f"{len(admitted)} {provider.counted_label}, {bulk_requests} requests, "
          f"{final['rejected']} x 429")
    print(f"end to end: {end_to_end:.1f} invoices/min = {share:.1%} of the "
          f"{provider.ceiling_per_minute}/min ceiling (target {TARGET_SHARE:.0%}: "
          f"{'met' if share >= TARGET_SHARE else 'NOT met'})")
    for line in provider.describe(per_window, sustained, windowed_share, windows, end_to_end,
                                  breakdown, created):
        print(line)
    print(f"requests per invoice: {per_invoice:.4f}")
    print(f"sequential: the limits allow {ideal_seq:.1f} invoices/min one call at a time; "
          f"bulk is {end_to_end / ideal_seq:.2f}x that (the loop measured {seq_rate:.1f}/min, "
          f"slowed by the client's CPU in scaled time: {end_to_end / seq_rate:.2f}x)")
    if batch_orders:
        print(f"batch_create pattern (batches of {provider.batch_items} one after another, "
              f"throttled to the limits): {figures['batch_create_invoices_per_minute']} "
              f"invoices/min = {figures['batch_create_share_of_ceiling']:.1%} of the ceiling "
              f"(latency and limits allow {figures['batch_create_ideal_per_minute']:.0f}); "
              f"bulk is {figures['ratio_to_batch_create']:.2f}x that")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
