"""Billy for the bulk benchmark (bulk.py): no documented rate limit, so the connector's own
conservative default (120 requests a minute, 4 at once per company) is the ceiling, and the
emulator enforces the same; no batch; posting=book with send=True, so each invoice needs a
create (with its lines), an approval and an e-mail. The share is the requests admitted per
whole window / 120; every request is counted by path, so a look-up repeated per invoice
shows in the breakdown.

Run: python benchmarks/bulk.py --provider billy
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
from ledgerlink_billy import BillyConnector
from ledgerlink_billy import emulator as billy_emulator
from ledgerlink_billy import settings as billy_settings

#: Billy's ids: 22 characters of URL-safe base64.
ID = re.compile(r"/[A-Za-z0-9_-]{22}(?=/|$)")


class Billy(RequestBudget):
    """No batch: posting=book with send=True, so create + approve + e-mail per invoice.

    The bulk run and the sequential loop use two companies, each with its own budget.
    """

    name = "billy"
    currency = "DKK"
    country = "DK"
    vat_rate = Decimal(25)
    per_minute = billy_settings.DEFAULT_LIMIT.per_minute or 120
    limits = billy_emulator.Limits(per_minute=per_minute)
    policy_calls: ClassVar[dict[str, str]] = {
        "POST invoices": "create", "PUT invoices/{id}": "approve",
        "POST invoices/{id}/emails": "send"}
    #: Look-ups made once per run (lists) or once per customer, never per invoice.
    lookups: ClassVar[dict[str, str]] = {
        "GET contacts": "contact list (once a run)",
        "GET contactPersons": "contact persons (once a run)",
        "GET organization": "the company (once a run)",
        "GET products": "product list (once a run)",
        "GET salesTaxRulesets": "rulesets (once a run)",
        "GET salesTaxRules": "tax rules (once a run)",
        "GET taxRates": "tax rates (once a run)"}
    #: About 80 seconds at this scale.
    scale = 0.2
    windows = 5
    sequential = 20
    window_capacity = per_minute
    budget_label = "budget (ours: Billy documents no limit)"
    ceiling_per_minute = round(per_minute / len(policy_calls), 2)
    sequential_ideal_per_minute = round(min(WINDOW / (LATENCY * len(policy_calls)),
                                            ceiling_per_minute), 2)

    def emulator(self, scale: float) -> Any:
        return billy_emulator.BillyEmulator(limits=self.limits, time_scale=scale)

    def requests(self, emulator: Any) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in emulator.records]

    def seed(self, emulator: Any, customers: list[ll.Customer]) -> dict[str, Any]:
        """Two companies with the product and every customer as a contact, written by the
        emulator's own seeding (no token, limit, latency or record: not the run's)."""
        companies = {}
        for role in ("bulk", "sequential"):
            org = emulator.create_organization(f"Bulk {role} ApS")
            product = emulator.seed(org.id, "POST", "/v2/products", {"product": {
                "name": "Service call", "productNo": "service-call",
                "prices": [{"unitPrice": 95, "currencyId": "DKK"}]}})
            for customer in customers:
                emulator.seed(org.id, "POST", "/v2/contacts", {"contact": {
                    "type": "company", "name": customer.name, "countryId": "DK",
                    "paymentTermsDays": 14, "contactNo": customer.id,
                    "contactPersons": [{"name": customer.name, "email": customer.email,
                                        "isPrimary": True}]}})
            companies[role] = (org.id, org.access_token, product["products"][0]["id"])
        return companies

    def prepare(self, emulator: Any, setup: dict[str, Any], role: str) -> None:
        """The company's window filled as a run at the budget leaves it (a fresh one would
        lend a minute's 120 requests at once); the emulator counts per access token."""
        emulator.throttle.fill(setup["sequential" if role == "sequential" else "bulk"][1])

    def invoices(self, emulator: Any) -> int:
        return sum(len(emulator.invoices(org)) for org in emulator.organizations)

    def company(self) -> ll.Company:
        return ll.Company("Bulk ApS", currency="DKK", time_zone="Europe/Copenhagen",
                          policy=ll.BillingPolicy(ll.Posting.BOOK, send=True))

    def connector(self, base_url: str, setup: dict[str, Any], store: Store,
                  limiters: LimiterRegistry, *, sequential: bool) -> Any:
        organization, token, product = setup["sequential" if sequential else "bulk"]
        return BillyConnector(organization_id=organization, access_token=token,
                              base_url=base_url, rate_products=f"25={product}",
                              limiters=limiters)

    def breakdown(self, calls: list[tuple[str, str]]) -> dict[str, int]:
        """Requests by method and path (``/v2`` and ids elided), most first."""
        counts: collections.Counter[str] = collections.Counter()
        for method, path in calls:
            rest = ID.sub("/{id}", path.split("?")[0]).removeprefix("/v2/")
            counts[f"{method} {rest}"] += 1
        return dict(counts.most_common())

