"""What the bulk benchmark (bulk.py) needs to know about a provider, as one interface.

Each provider's module (bulk_provider_quickbooks.py, bulk_provider_dinero.py)
subclasses :class:`Provider`: how its emulator is configured and seeded, how its
connector is built, what counts towards its ceiling and how its figures are
computed and described. The driver in bulk.py is shared.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

import ledgerlink as ll
from ledgerlink.domain import InvoiceDraft
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.oauth import ClientCredentials, OAuthEndpoints, exchange_code
from ledgerlink.store import Store

#: 500 ms per call (a typical write), in emulated seconds, for both providers.
LATENCY = 0.5


class Provider:
    """What differs between providers; the machinery in bulk.main is shared.

    ``window_capacity`` is what one throttle window admits of what ``counted``
    counts (invoices in batches, or requests); the share is measured against it.
    """

    name: str
    currency: str
    country: str
    vat_rate = Decimal(0)
    product_id: str | None = None
    latency = LATENCY
    #: Calls the runner keeps in flight (the runner's default unless a provider needs more).
    workers = 4
    #: Customers the bulk run bills (the runner keeps one customer's work in order, so the
    #: calls in flight are at most about one per customer).
    customers = 60
    scale = 0.05
    windows = 8
    sequential = 60
    window_capacity: int
    ceiling_per_minute: float
    sequential_ideal_per_minute: float
    counted_key = "batch_calls"
    counted_label = "batch calls"
    #: The provider counts a sliding window (a fresh account would lend a burst): the run
    #: starts from windows filled as a run at the limits leaves them, on both sides.
    sliding_window = True
    #: What the run starts from otherwise (said in the figures).
    start = "spent budget"
    #: Invoices of the second baseline (batches sent one after another); 0: none.
    batch_baseline = 0
    batch_items = 0

    def counted(self, request: Any) -> int:
        raise NotImplementedError

    def orders_for(self, windows: int) -> int:
        return int(self.ceiling_per_minute * windows)

    def emulator(self, scale: float) -> Any:
        raise NotImplementedError

    def seed(self, emulator: Any, customers: list[ll.Customer]) -> dict[str, Any]:
        raise NotImplementedError

    def prepare(self, emulator: Any, setup: dict[str, Any], role: str) -> None:
        """Spend the budget of ``role``'s account (bulk, sequential or batches) just before
        that run starts."""
        raise NotImplementedError

    def invoices(self, emulator: Any) -> int:
        raise NotImplementedError

    def requests(self, emulator: Any) -> list[tuple[str, str]]:
        """The requests the emulator answered, as (method, path)."""
        return [(r.method, r.path) for r in emulator.requests]

    def company(self) -> ll.Company:
        raise NotImplementedError

    def connector(self, base_url: str, setup: dict[str, Any], store: Store,
                  limiters: LimiterRegistry, *, sequential: bool) -> Any:
        raise NotImplementedError

    def one_by_one(self, book: Any, draft: InvoiceDraft, customer_ref: str) -> None:
        """One invoice of the sequential loop, one request at a time."""
        raise NotImplementedError

    def batch_loop(self, book: Any, drafts: list[tuple[InvoiceDraft, str]]) -> None:
        """The second baseline: ``drafts`` (each with its customer's ref) in batches sent
        one after another."""
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
        return [f"windowed (first {windows} whole windows from the first counted call): "
                f"{sustained:.0f} invoices/min = {share:.1%} of the ceiling"]


class RequestBudget(Provider):
    """A provider without batch whose ceiling is a budget of requests a minute: each invoice
    costs the ``policy_calls`` (create, book, send), and ``lookups`` may be made once a run
    or once a customer, never per invoice. Every request counts; the share is the requests
    admitted per whole window / the budget."""

    policy_calls: dict[str, str]
    lookups: dict[str, str]
    budget_label = "rate limit"
    counted_key = "requests_counted"
    counted_label = "admitted requests"

    def counted(self, request: Any) -> int:
        return 1  # every admitted request counts towards the budget

    def orders_for(self, windows: int) -> int:
        return int(self.window_capacity * windows / len(self.policy_calls))

    def one_by_one(self, book: Any, draft: InvoiceDraft, customer_ref: str) -> None:
        created = book.create_invoice(draft, customer_ref, {})
        book.book(created.provider_id)
        book.send(created.provider_id)

    def invoices_per_window(self, per_window: float, requests_per_invoice: float) -> float:
        return per_window / requests_per_invoice

    def extra_figures(self, breakdown: dict[str, int], created: int, per_window: float,
                      requests_per_invoice: float) -> dict[str, Any]:
        expected = {**self.policy_calls, **self.lookups}
        return {
            "policy": "posting=book, send=True",
            # share_of_ceiling_windowed is this share: requests admitted per whole window /
            # budget, every kind of request counted.
            "share_of_rate_limit_used": round(per_window / self.window_capacity, 4),
            "share_of_invoice_ceiling": round(per_window / requests_per_invoice
                                              / self.ceiling_per_minute, 4),
            # Look-ups made once per customer (or run) are paid from the same budget: in a
            # first run for unlinked customers they are what keeps the share below 100 %.
            "lookup_requests": sum(n for call, n in breakdown.items() if call in self.lookups),
            "policy_requests_per_invoice": round(
                sum(n for call, n in breakdown.items() if call in self.policy_calls) / created, 4),
            "requests_by_path": breakdown,
            "unexpected_requests": {call: n for call, n in breakdown.items()
                                    if call not in expected},
        }

    def describe(self, per_window: float, sustained: float, share: float, windows: int,
                 end_to_end: float, breakdown: dict[str, int], created: int) -> list[str]:
        lines = [f"windowed (first {windows} whole windows from the first counted call): "
                 f"{per_window:.0f} requests/min = {share:.1%} of the {self.window_capacity}/min "
                 f"{self.budget_label}; {sustained:.1f} invoices/min (ceiling "
                 f"{self.ceiling_per_minute} at {len(self.policy_calls)} calls each)"]
        names = {**self.policy_calls, **self.lookups}
        for call, count in breakdown.items():
            what = names.get(call, "NOT ASKED FOR BY THE POLICY")
            lines.append(f"  {count:6d} {call:32s} {count / created:.3f}/invoice  {what}")
        extra = sum(n for call, n in breakdown.items() if call not in names)
        if extra:
            lines.append(f"beyond the policy's calls and once-per-run look-ups: {extra} "
                         f"requests ({extra / created:.3f} per invoice)")
        return lines


def exchange(base_url: str, endpoints: OAuthEndpoints, client: ClientCredentials, code: str,
             store: Store, key: str, provider: str) -> None:
    """Trade the emulator's authorisation code for tokens kept in ``store`` under ``key``."""
    with httpx.Client(base_url=base_url) as http:
        exchange_code(http, endpoints, client, code=code, redirect_uri="https://x/cb",
                      store=store, key=key, provider=provider)
