"""Bulk-invoice work orders into a provider's emulator on 127.0.0.1 at the provider's
limits, against the same work through a plain sequential loop.

The emulator runs as a real HTTP server in a spawned child process (its CPU is
the provider's, not the client's), with the provider's rate limits and 500 ms
latency per call. Time is scaled by one factor (``--scale``, real seconds per
emulated second) for limits and latency alike, on both sides: the emulator's
throttle window and latency, and the connector's limiter window. Every figure
is reported in emulated (unscaled) time.

* quickbooks: 500 requests/min, 10 in flight, 40 batch calls/min of at most 30
  operations; ``ledgerlink.invoice`` with batch creates (posting=book, no send).
  The ceiling is 40 x 30 = 1,200 invoices a minute.
* dinero: 100 requests/min per organisation, no batch; posting=book with
  send=True, so each invoice needs a create, a book and an email call. The
  ceiling is the rate limit itself (100 / 3 invoices a minute); the share is
  the requests admitted per whole window / 100, and every request is counted by
  path so a redundant look-up shows in the breakdown.

The throttles count a sliding 60 s window, so a client that starts with an
empty window gets a burst and then one window's worth per window: an end-to-end
rate over a few minutes overstates what can be sustained. The share of the
ceiling is therefore measured over whole windows from the first counted call:
the first ``--windows`` windows. The end-to-end rate (all invoices over the
whole run, including planning, customer lookups and journal commits) is printed
as well. The last line printed is one JSON object with the figures.

Run: python benchmarks/bulk.py [--provider quickbooks|dinero] [--scale S] [--windows N]
"""

from __future__ import annotations

import argparse
import collections
import json
import multiprocessing
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, ClassVar

import httpx

import ledgerlink as ll
from ledgerlink.domain import InvoiceDraft, InvoiceLine
from ledgerlink.http.limits import WINDOW, LimiterRegistry
from ledgerlink.http.oauth import ClientCredentials, OAuthEndpoints, exchange_code
from ledgerlink.plans import work_key
from ledgerlink.store import Store
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero import emulator as dinero_emulator
from ledgerlink_dinero import settings as dinero_settings
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks import emulator as qbo_emulator
from ledgerlink_quickbooks.settings import MAX_BATCH_ITEMS, endpoints_at

NOW = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
ISSUED = date(2026, 11, 22)


#: 500 ms per call (a typical write), in emulated seconds, for both providers.
LATENCY = 0.5
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class Provider:
    """What differs between providers; the machinery in :func:`main` is shared.

    ``window_capacity`` is what one throttle window admits of what ``counted``
    counts (invoices in batches, or requests); the share is measured against it.
    """

    name: str
    currency: str
    country: str
    vat_rate = Decimal(0)
    product_id: str | None = None
    latency = LATENCY
    scale = 0.05
    windows = 8
    sequential = 60
    window_capacity: int
    ceiling_per_minute: float
    sequential_ideal_per_minute: float
    counted_key = "batch_calls"
    counted_label = "batch calls"

    def counted(self, request: Any) -> int:
        raise NotImplementedError

    def orders_for(self, windows: int) -> int:
        return int(self.ceiling_per_minute * windows)

    def emulator(self, scale: float) -> Any:
        raise NotImplementedError

    def seed(self, emulator: Any, customers: list[ll.Customer]) -> dict[str, Any]:
        raise NotImplementedError

    def invoices(self, emulator: Any) -> int:
        raise NotImplementedError

    def company(self) -> ll.Company:
        raise NotImplementedError

    def connector(self, base_url: str, setup: dict[str, Any], store: Store, scale: float, *,
                  sequential: bool) -> Any:
        raise NotImplementedError

    def one_by_one(self, book: Any, draft: InvoiceDraft, customer_ref: str) -> None:
        """One invoice of the sequential loop, one request at a time."""
        raise NotImplementedError

    def invoices_per_window(self, per_window: float, requests_per_invoice: float) -> float:
        return per_window

    def breakdown(self, calls: list[tuple[str, str]]) -> dict[str, int]:
        return {}

    def extra_figures(self, breakdown: dict[str, int], created: int, per_window: float,
                      requests_per_invoice: float) -> dict[str, Any]:
        return {}

    def describe(self, per_window: float, sustained: float, share: float, windows: int,
                 end_to_end: float, breakdown: dict[str, int], created: int) -> list[str]:
        return [f"sustained over {windows} windows: {sustained:.0f} invoices/min = "
                f"{share:.1%} of the {self.ceiling_per_minute}/min ceiling; "
                f"end to end {end_to_end:.0f}/min"]


def exchange(base_url: str, endpoints: OAuthEndpoints, client: ClientCredentials, code: str,
             store: Store, key: str, provider: str) -> None:
    with httpx.Client(base_url=base_url) as http:
        exchange_code(http, endpoints, client, code=code, redirect_uri="https://x/cb",
                      store=store, key=key, provider=provider)


class QuickBooks(Provider):
    """Batch creates, posting=book without send; customers found by name (one query each)."""

    name = "quickbooks"
    currency = "USD"
    country = "US"
    realm = "9130355245816712"
    limits = qbo_emulator.Limits(per_minute=500, in_flight=10, batch_per_minute=40)
    window_capacity = limits.batch_per_minute * MAX_BATCH_ITEMS
    ceiling_per_minute = window_capacity
    sequential_ideal_per_minute = WINDOW / LATENCY
    _connector: QuickBooksConnector

    def counted(self, request: Any) -> int:
        if request.path.rstrip("/").endswith("/batch"):
            return len(json.loads(request.body or b"{}").get("BatchItemRequest") or [])
        return 0

    def emulator(self, scale: float) -> Any:
        return qbo_emulator.QuickBooksEmulator(limits=self.limits, time_scale=scale)

    def seed(self, emulator: Any, customers: list[ll.Customer]) -> dict[str, Any]:
        emulator.add_realm(self.realm, home_currency="USD")
        item = emulator.seed(self.realm, "Item", {"Name": "Services", "Type": "Service"})["Id"]
        for customer in customers:
            emulator.seed(self.realm, "Customer", {"DisplayName": customer.name,
                                                   "CurrencyRef": {"value": "USD"}})
        return {"code": emulator.authorize(self.realm), "item": item}

    def invoices(self, emulator: Any) -> int:
        return len(emulator.realms[self.realm].entities["Invoice"])

    def company(self) -> ll.Company:
        return ll.Company("Bulk Inc", currency="USD", time_zone="America/New_York",
                          policy=ll.BillingPolicy(ll.Posting.BOOK, send=False))

    def connector(self, base_url: str, setup: dict[str, Any], store: Store, scale: float, *,
                  sequential: bool) -> Any:
        if sequential:
            return self._connector  # the same connector and company: a fresh customer
        credentials = ClientCredentials(qbo_emulator.DEFAULT_CLIENT_ID,
                                        qbo_emulator.DEFAULT_CLIENT_SECRET)
        exchange(base_url, endpoints_at(base_url), credentials, setup["code"], store,
                 f"quickbooks:{self.realm}", "quickbooks")
        self._connector = QuickBooksConnector(
            realm_id=self.realm, client_id=credentials.client_id,
            client_secret=credentials.client_secret, token_store=store, base_url=base_url,
            default_item=setup["item"], limiters=LimiterRegistry(window=WINDOW * scale))
        return self._connector

    def one_by_one(self, book: Any, draft: InvoiceDraft, customer_ref: str) -> None:
        book.create_invoice(draft, customer_ref, {})


class Dinero(Provider):
    """No batch: posting=book with send=True, so create + book + email per invoice.

    The bulk run and the sequential loop use two organisations, as each has its
    own 100 requests/min: the loop does not start in a window the bulk run filled.
    """

    name = "dinero"
    currency = "DKK"
    country = "DK"
    vat_rate = Decimal(25)
    product_id = "service-call"
    organisations = ("710000001", "710000002")
    limits = dinero_emulator.Limits(per_minute=100)
    #: The calls posting=book with send=True asks for: create, book, email.
    policy_calls: ClassVar[dict[str, str]] = {
        "POST invoices": "create", "POST invoices/{guid}/book": "book",
        "POST invoices/{guid}/email": "send"}
    #: Look-ups allowed once per customer / product per run, not per invoice.
    lookups: ClassVar[dict[str, str]] = {
        "GET contacts": "customer look-ups", "GET products": "product look-ups"}
    scale = 0.05
    windows = 5
    sequential = 20
    window_capacity = limits.per_minute
    ceiling_per_minute = round(limits.per_minute / len(policy_calls), 2)
    sequential_ideal_per_minute = round(min(WINDOW / (LATENCY * len(policy_calls)),
                                            ceiling_per_minute), 2)
    counted_key = "requests_counted"
    counted_label = "admitted requests"

    def counted(self, request: Any) -> int:
        return 1  # every admitted request counts towards the 100 a minute

    def orders_for(self, windows: int) -> int:
        return int(self.limits.per_minute * windows / len(self.policy_calls))

    def emulator(self, scale: float) -> Any:
        return dinero_emulator.DineroEmulator(limits=self.limits, time_scale=scale)

    def seed(self, emulator: Any, customers: list[ll.Customer]) -> dict[str, Any]:
        codes = {}
        for organisation in self.organisations:
            emulator.add_organisation(organisation)
            emulator.seed(organisation, "products", {
                "Name": "Service call", "BaseAmountValue": 95, "Quantity": 1,
                "Unit": "hours", "AccountNumber": 1000, "ExternalReference": self.product_id})
            for customer in customers:
                emulator.seed(organisation, "contacts", {
                    "Name": customer.name, "CountryKey": "DK", "IsPerson": False,
                    "IsMember": False, "UseCvr": False, "Email": customer.email,
                    "ExternalReference": customer.id, "PreferredInvoiceCurrencyKey": "DKK"})
            codes[organisation] = emulator.authorize(organisation)
        return {"codes": codes}

    def invoices(self, emulator: Any) -> int:
        return sum(len(emulator.organisations[org].invoices) for org in self.organisations)

    def company(self) -> ll.Company:
        return ll.Company("Bulk ApS", currency="DKK", time_zone="Europe/Copenhagen",
                          policy=ll.BillingPolicy(ll.Posting.BOOK, send=True))

    def connector(self, base_url: str, setup: dict[str, Any], store: Store, scale: float, *,
                  sequential: bool) -> Any:
        organisation = self.organisations[1 if sequential else 0]
        credentials = ClientCredentials(dinero_emulator.DEFAULT_CLIENT_ID,
                                        dinero_emulator.DEFAULT_CLIENT_SECRET)
        exchange(base_url, dinero_settings.endpoints_at(base_url), credentials,
                 setup["codes"][organisation], store, f"dinero:{organisation}", "dinero")
        return DineroConnector(organisation_id=organisation, client_id=credentials.client_id,
                               client_secret=credentials.client_secret, token_store=store,
                               base_url=base_url,
                               limiters=LimiterRegistry(window=WINDOW * scale))

    def one_by_one(self, book: Any, draft: InvoiceDraft, customer_ref: str) -> None:
        created = book.create_invoice(draft, customer_ref, {})
        book.book(created.provider_id)
        book.send(created.provider_id)

    def invoices_per_window(self, per_window: float, requests_per_invoice: float) -> float:
        return per_window / requests_per_invoice

    def breakdown(self, calls: list[tuple[str, str]]) -> dict[str, int]:
        """Requests by method and path (organisation and GUIDs elided), most first."""
        counts: collections.Counter[str] = collections.Counter()
        for method, path in calls:
            rest = path.split("/", 3)[3] if path.count("/") >= 3 else path
            counts[f"{method} {GUID.sub('{guid}', rest)}"] += 1
        return dict(counts.most_common())

    def extra_figures(self, breakdown: dict[str, int], created: int, per_window: float,
                      requests_per_invoice: float) -> dict[str, Any]:
        expected = {**self.policy_calls, **self.lookups}
        return {
            "policy": "posting=book, send=True",
            # share_of_ceiling is this share: requests admitted per whole window / 100.
            "share_of_rate_limit_used": round(per_window / self.window_capacity, 4),
            "share_of_invoice_ceiling": round(per_window / requests_per_invoice
                                              / self.ceiling_per_minute, 4),
            "policy_requests_per_invoice": round(
                sum(n for call, n in breakdown.items() if call in self.policy_calls) / created, 4),
            "requests_by_path": breakdown,
            "unexpected_requests": {call: n for call, n in breakdown.items()
                                    if call not in expected},
        }

    def describe(self, per_window: float, sustained: float, share: float, windows: int,
                 end_to_end: float, breakdown: dict[str, int], created: int) -> list[str]:
        lines = [f"sustained over {windows} windows: {per_window:.0f} requests/min = "
                 f"{share:.1%} of the {self.limits.per_minute}/min rate limit; "
                 f"{sustained:.1f} invoices/min (ceiling {self.ceiling_per_minute} at "
                 f"{len(self.policy_calls)} calls each); end to end {end_to_end:.1f}/min"]
        names = {**self.policy_calls, **self.lookups}
        for call, count in breakdown.items():
            what = names.get(call, "NOT ASKED FOR BY THE POLICY")
            lines.append(f"  {count:6d} {call:32s} {count / created:.3f}/invoice  {what}")
        extra = sum(n for call, n in breakdown.items() if call not in names)
        if extra:
            lines.append(f"beyond create/book/send and once-per-run look-ups: {extra} requests "
                         f"({extra / created:.3f} per invoice)")
        return lines


PROVIDERS: dict[str, Provider] = {p.name: p for p in (QuickBooks(), Dinero())}


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
            assert command == "stats"
            conn.send({"requests": len(emulator.requests),
                       "calls": [(r.method, r.path) for r in emulator.requests],
                       "rejected": emulator.throttle.rejected,
                       "invoices": provider.invoices(emulator),
                       "admitted": list(clock.admitted)})


def main(default_provider: str = "quickbooks") -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", choices=sorted(PROVIDERS), default=default_provider)
    parser.add_argument("--scale", type=float, default=None,
                        help="real seconds per emulated second (limits and latency alike); "
                             "default: the provider's, so the run takes under a minute")
    parser.add_argument("--windows", type=int, default=None,
                        help="whole throttle windows (emulated minutes) the share is measured on")
    parser.add_argument("--customers", type=int, default=60)
    parser.add_argument("--sequential", type=int, default=None,
                        help="invoices created by the sequential loop")
    args = parser.parse_args()
    provider = PROVIDERS[args.provider]
    scale = args.scale or provider.scale
    windows = args.windows or provider.windows
    n_sequential = args.sequential or provider.sequential
    # Enough work to keep the ceiling busy past the measured windows.
    n_orders = provider.orders_for(windows + 1)
    bulk_orders, bulk_customers = build(provider, n_orders, args.customers, "B")
    seq_orders, seq_customers = build(provider, n_sequential, 1, "S")
    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.get_context("spawn").Process(
        target=serve, args=(theirs, provider.name, scale, [*bulk_customers, *seq_customers]),
        daemon=True)
    child.start()

    def stats() -> dict[str, Any]:
        ours.send("stats")
        answer: dict[str, Any] = ours.recv()
        return answer

    try:
        if not ours.poll(120):
            raise RuntimeError("the emulator process did not start (see its traceback)")
        base_url, setup = ours.recv()
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp) / "journal.db")
            book = provider.connector(base_url, setup, store, scale, sequential=False)
            before = stats()["requests"]
            started = time.monotonic()
            result = ll.invoice(bulk_orders, bulk_customers, provider.company(), book, now=NOW,
                                store=store)
            bulk_seconds = time.monotonic() - started
            after_bulk = stats()
            created = result.summary["invoices_created"]
            assert result.ok and created == n_orders, result.summary
            # The sequential loop, on the same server (a fresh customer, linked up front).
            seq_book = provider.connector(base_url, setup, store, scale, sequential=True)
            seq_ref = seq_book.find_customer(seq_customers[0])
            assert seq_ref is not None
            seq_start = stats()["requests"]
            seq_started = time.monotonic()
            for order in seq_orders:
                provider.one_by_one(seq_book, draft_of(provider, order), seq_ref)
            seq_seconds = time.monotonic() - seq_started
            final = stats()
            for connector in {id(book): book, id(seq_book): seq_book}.values():
                connector.close()
            store.close()
    finally:
        ours.send("stop")
        child.join(timeout=10)
    bulk_calls = after_bulk["calls"][before:]
    bulk_requests = len(bulk_calls)
    seq_requests = final["requests"] - seq_start
    assert final["invoices"] == n_orders + n_sequential
    window = WINDOW * scale
    admitted = after_bulk["admitted"]
    first = admitted[0][0]
    in_windows = [count for at, count in admitted if at < first + windows * window]
    per_window = sum(in_windows) / windows  # counted calls per emulated minute
    per_invoice = bulk_requests / created
    sustained = provider.invoices_per_window(per_window, per_invoice)
    share = per_window / provider.window_capacity
    end_to_end = created / (bulk_seconds / scale / WINDOW)
    seq_rate = n_sequential / (seq_seconds / scale / WINDOW)
    ideal_seq = provider.sequential_ideal_per_minute
    to_minutes = 1 / (scale * WINDOW)
    figures: dict[str, Any] = {
        "invoices": created,
        "customers": args.customers,
        "scale": scale,
        "windows_measured": windows,
        provider.counted_key: len(admitted),
        "invoices_per_minute_sustained": round(sustained, 1),
        "invoices_per_minute_end_to_end": round(end_to_end, 1),
        "ceiling_per_minute": provider.ceiling_per_minute,
        "share_of_ceiling": round(share, 4),
        "requests_per_invoice": round(per_invoice, 4),
        "sequential_invoices_per_minute": round(seq_rate, 1),
        "sequential_ideal_per_minute": ideal_seq,
        "sequential_requests_per_invoice": round(seq_requests / n_sequential, 4),
        "ratio_to_sequential": round(sustained / seq_rate, 2),
        "ratio_to_ideal_sequential": round(sustained / ideal_seq, 2),
        "minutes_to_first_batch": round((first - started) * to_minutes, 2),
        "minutes_first_to_last_batch": round((admitted[-1][0] - first) * to_minutes, 2),
        "throttled_429": final["rejected"],
        "bulk_seconds_real": round(bulk_seconds, 2),
        "sequential_seconds_real": round(seq_seconds, 2),
    }
    breakdown = provider.breakdown(bulk_calls)
    figures.update(provider.extra_figures(breakdown, created, per_window, per_invoice))
    print(f"bulk: {created} invoices for {args.customers} customers in {bulk_seconds:.1f} s real "
          f"({bulk_seconds / scale / WINDOW:.2f} emulated minutes), "
          f"{len(admitted)} {provider.counted_label}, {bulk_requests} requests, "
          f"{final['rejected']} x 429")
    for line in provider.describe(per_window, sustained, share, windows, end_to_end,
                                  breakdown, created):
        print(line)
    print(f"requests per invoice: {per_invoice:.4f}")
    print(f"sequential: {seq_rate:.0f} invoices/min (latency alone allows "
          f"{ideal_seq:.0f}); bulk is {sustained / seq_rate:.2f}x the loop, "
          f"{sustained / ideal_seq:.2f}x its ideal")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
