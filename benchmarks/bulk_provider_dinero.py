"""Dinero for the bulk benchmark (bulk.py): 100 requests/min per organisation, no batch;
posting=book with send=True, so each invoice needs a create, a book and an email
call. The ceiling is the rate limit itself (100 / 3 invoices a minute); the share
is the requests admitted per whole window / 100, and every request is counted by
path so a redundant look-up shows in the breakdown.

Run: python benchmarks/bulk.py --provider dinero
"""

from __future__ import annotations

import collections
import re
from decimal import Decimal
from typing import Any, ClassVar

from bulk_provider import LATENCY, RequestBudget, exchange

import ledgerlink as ll
from ledgerlink.http.limits import WINDOW, LimiterRegistry
from ledgerlink.http.oauth import ClientCredentials
from ledgerlink.store import Store
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero import emulator as dinero_emulator
from ledgerlink_dinero import settings as dinero_settings

GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class Dinero(RequestBudget):
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
    #: 600 invoices for the 60 customers (10 each, as a nightly run bills them): the
    #: once-per-customer look-ups of a first run (61 requests) then cost about 3 % of the
    #: budget. About 2 minutes at this scale.
    scale = 0.1
    windows = 17
    sequential = 20
    window_capacity = limits.per_minute
    ceiling_per_minute = round(limits.per_minute / len(policy_calls), 2)
    sequential_ideal_per_minute = round(min(WINDOW / (LATENCY * len(policy_calls)),
                                            ceiling_per_minute), 2)

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

    def prepare(self, emulator: Any, setup: dict[str, Any], role: str) -> None:
        """The organisation's window filled as a run at the limit leaves it (a fresh one
        would lend a minute's 100 requests at once)."""
        organisation = self.organisations[1 if role == "sequential" else 0]
        emulator.throttle.fill((organisation, dinero_emulator.DEFAULT_CLIENT_ID))

    def invoices(self, emulator: Any) -> int:
        return sum(len(emulator.organisations[org].invoices) for org in self.organisations)

    def company(self) -> ll.Company:
        return ll.Company("Bulk ApS", currency="DKK", time_zone="Europe/Copenhagen",
                          policy=ll.BillingPolicy(ll.Posting.BOOK, send=True))

    def connector(self, base_url: str, setup: dict[str, Any], store: Store,
                  limiters: LimiterRegistry, *, sequential: bool) -> Any:
        organisation = self.organisations[1 if sequential else 0]
        credentials = ClientCredentials(dinero_emulator.DEFAULT_CLIENT_ID,
                                        dinero_emulator.DEFAULT_CLIENT_SECRET)
        exchange(base_url, dinero_settings.endpoints_at(base_url), credentials,
                 setup["codes"][organisation], store, f"dinero:{organisation}", "dinero")
        return DineroConnector(organisation_id=organisation, client_id=credentials.client_id,
                               client_secret=credentials.client_secret, token_store=store,
                               base_url=base_url, limiters=limiters)

    def breakdown(self, calls: list[tuple[str, str]]) -> dict[str, int]:
        """Requests by method and path (organisation and GUIDs elided), most first."""
        counts: collections.Counter[str] = collections.Counter()
        for method, path in calls:
            rest = path.split("/", 3)[3] if path.count("/") >= 3 else path
            counts[f"{method} {GUID.sub('{guid}', rest)}"] += 1
        return dict(counts.most_common())

