"""e-conomic for the bulk benchmark (bulk.py): the token bucket the emulator reports
(10,000 tokens a minute, one a call, as observed [E14]) is the ceiling; no batch; e-mail is
not possible through e-conomic's API, so posting=book without send: each invoice needs a
create (with its lines), a read of the draft by number (draft numbers are reused after a
delete, so the connector checks the draft still carries its key) and a booking. The share
is the requests admitted per whole window / 10,000; every request is counted by path.

Reaching the bucket at 500 ms a call takes about 10,000 / 60 x 0.5 = 84 calls in flight, so
the runner is given 96 workers and the connector as many in flight, and the run bills 200
customers (the runner keeps one customer's work in order, and each customer's lane goes on
as soon as its call returns).

The bulk agreement's bucket is spent just before the run starts (:meth:`Economic.prepare`):
a full bucket lends a minute's calls up front, which would put a short run above the
ceiling. From an empty one, every invoice is paid for at the rate the bucket refills, and
the connector's copy of the bucket (ledgerlink_economic.budget) has to pace the calls to it.

Run: python benchmarks/bulk.py --provider economic
"""

from __future__ import annotations

import collections
import re
from decimal import Decimal
from typing import Any, ClassVar

from bulk_provider import LATENCY, RequestBudget

import ledgerlink as ll
from ledgerlink.http.limits import WINDOW, LimiterRegistry
from ledgerlink.store import Store
from ledgerlink_economic import EconomicConnector
from ledgerlink_economic import emulator as economic_emulator

#: Numbers in paths (draft and booked invoice numbers).
NUMBER = re.compile(r"/\d+(?=/|$)")
#: Calls in flight: enough to keep the bucket busy at 500 ms a call.
IN_FLIGHT = 96


class Economic(RequestBudget):
    """No batch, no e-mail: create + draft check + book per invoice.

    The bulk run and the sequential loop use two agreements, each with its own bucket.
    """

    name = "economic"
    currency = "DKK"
    country = "DK"
    vat_rate = Decimal(25)
    bucket = economic_emulator.Bucket()
    #: A token bucket, not a sliding window: emptied before the run (see the module docs).
    sliding_window = False
    start = "spent bucket"
    workers = IN_FLIGHT
    #: More customers than calls in flight: one customer's work goes in order.
    customers = 200
    policy_calls: ClassVar[dict[str, str]] = {
        "POST invoices/drafts": "create",
        "GET invoices/drafts/{n}": "draft check before booking (numbers are reused)",
        "POST invoices/booked": "book"}
    #: Look-ups made once per run, never per invoice.
    lookups: ClassVar[dict[str, str]] = {
        "GET customers": "customer look-up (once per customer)",
        "GET customers/{n}": "customer read (once per customer)",
        "GET payment-terms": "payment terms (once a run)",
        "GET products": "product list (once a run)"}
    scale = 2.0
    windows = 2
    sequential = 10
    window_capacity = bucket.limit
    budget_label = "token bucket"
    ceiling_per_minute = round(bucket.limit / len(policy_calls), 2)
    sequential_ideal_per_minute = round(min(WINDOW / (LATENCY * len(policy_calls)),
                                            ceiling_per_minute), 2)

    def emulator(self, scale: float) -> Any:
        return economic_emulator.EconomicEmulator(bucket=self.bucket, time_scale=scale)

    def requests(self, emulator: Any) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in emulator.records]

    def seed(self, emulator: Any, customers: list[ll.Customer]) -> dict[str, Any]:
        """Two agreements with every customer, written by the emulator's own seeding (no
        token, bucket, latency or record: not the run's)."""
        agreements = {}
        for role in ("bulk", "sequential"):
            agreement = emulator.create_agreement(f"Bulk {role} ApS")
            for customer in customers:
                emulator.seed(agreement, "POST", "/customers", {
                    "name": customer.name, "currency": "DKK", "email": customer.email,
                    "customerGroup": {"customerGroupNumber": 1},
                    "paymentTerms": {"paymentTermsNumber": 1},
                    "vatZone": {"vatZoneNumber": 1}})
            agreements[role] = (agreement.agreement_number, agreement.app_secret_token,
                                agreement.agreement_grant_token)
        return agreements

    def prepare(self, emulator: Any, setup: dict[str, Any], role: str) -> None:
        """The bulk agreement's bucket spent: the run is measured at the rate it refills,
        with no full bucket to flatter it (a full one lends a minute's calls up front)."""
        emulator.throttle.spend_all(setup["sequential" if role == "sequential" else "bulk"][0])

    def invoices(self, emulator: Any) -> int:
        return sum(len(emulator.invoices(number)) for number in emulator.agreements)

    def company(self) -> ll.Company:
        return ll.Company("Bulk ApS", currency="DKK", time_zone="Europe/Copenhagen",
                          policy=ll.BillingPolicy(ll.Posting.BOOK, send=False))

    def connector(self, base_url: str, setup: dict[str, Any], store: Store,
                  limiters: LimiterRegistry, *, sequential: bool) -> Any:
        number, secret, grant = setup["sequential" if sequential else "bulk"]
        return EconomicConnector(agreement=str(number), app_secret_token=secret,
                                 grant_token=grant, base_url=base_url, layout="19",
                                 rate_products="25=1", in_flight=IN_FLIGHT,
                                 limiters=limiters)

    def one_by_one(self, book: Any, draft: Any, customer_ref: str) -> None:
        created = book.create_invoice(draft, customer_ref, {})
        book.book(created.provider_id)

    def extra_figures(self, breakdown: dict[str, int], created: int, per_window: float,
                      requests_per_invoice: float) -> dict[str, Any]:
        figures = super().extra_figures(breakdown, created, per_window, requests_per_invoice)
        return {**figures, "policy": "posting=book, send=False (no e-mail through the API)"}

    def breakdown(self, calls: list[tuple[str, str]]) -> dict[str, int]:
        """Requests by method and path (numbers elided), most first."""
        counts: collections.Counter[str] = collections.Counter()
        for method, path in calls:
            rest = NUMBER.sub("/{n}", path.split("?")[0]).removeprefix("/")
            counts[f"{method} {rest}"] += 1
        return dict(counts.most_common())
