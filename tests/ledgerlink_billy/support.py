"""Helpers for the Billy connector tests: companies on the emulator with a saved token and
one product per VAT rate (the ``rate_products`` of lines naming no product)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerlink.domain import Product, RemoteInvoice
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.token_header import TOKEN_FIELD
from ledgerlink.store import Store
from ledgerlink.testing.factories import make_customer, make_invoice_draft
from ledgerlink_billy import BillyConnector
from ledgerlink_billy.emulator import BillyEmulator, Organization
from ledgerlink_billy.settings import PROVIDER
from tests.paths import SHARED

BASE = "https://api.billysbilling.com"
BILLY = SHARED / "providers" / "billy"
EXAMPLES = BILLY / "examples"
RESOURCES = BILLY / "billy-api-v2-resources.json"
#: VAT rates the tests bill at: Danish 25 % and 0 %, and 12 % as other books use.
RATES = (Decimal(25), Decimal(12), Decimal(0))


def require(path: Path) -> Path:
    """``path``, or skip naming it when the official material is absent."""
    if not path.exists():
        pytest.skip(f"official Billy material not found at {path} (set LEDGERLINK_SHARED)")
    return path


def example(name: str) -> Any:
    """An official example response, numbers as Decimal."""
    return json.loads(require(EXAMPLES / name).read_text(encoding="utf-8"),
                      parse_float=Decimal)


def add_twelve_percent(org: Any) -> None:
    """A 12 % tax rate and a ruleset charging it to everyone (Billy's Danish defaults have
    none; the conformance suite bills 12 % lines)."""
    rate = org.add("taxRates", {
        "id": f"rate12{org.id}", "organizationId": org.id, "name": "Moms 12%",
        "abbreviation": "M12", "description": "", "rate": Decimal("0.12"),
        "appliesToSales": True, "appliesToPurchases": False, "isPredefined": False,
        "isActive": True, "netAmountMetaFieldId": None})
    org.add("salesTaxRulesets", {
        "id": f"set12{org.id}", "organizationId": org.id, "name": "Moms 12", "abbreviation": "M12",
        "description": "", "fallbackTaxRateId": rate["id"], "isPredefined": False})


def save_token(org: Any, store: Store) -> None:
    """Keep ``org``'s token where ``ledgerlink billy connect`` keeps it."""
    store.save_token(f"{PROVIDER}:{org.id}", {TOKEN_FIELD: org.access_token})


@contextmanager
def served_company(emulator: BillyEmulator, journal: str | Path
                   ) -> Iterator[tuple[Organization, str, str]]:
    """``emulator`` served on 127.0.0.1 with a new company, its token kept in the journal
    at ``journal`` (a path or a PostgreSQL URL) and a product at Billy's default 25 %
    ruleset: the company, the base URL and the ``rate_products`` option naming it (the
    product is seeded, so no request of it counts against the rate limit)."""
    org = emulator.create_organization("Vinduespudser ApS")
    with Store(journal) as store:
        save_token(org, store)
    made = emulator.seed(org.id, "POST", "/v2/products",
                         {"product": {"name": "Vinduespudsning"}})
    with emulator.serve() as server:
        yield org, server.base_url, f"25={made['products'][0]['id']}"


def assert_billed_once(emulator: BillyEmulator, org: Organization, orders: int
                       ) -> list[dict[str, Any]]:
    """As the emulator holds it: each work order ``WO-0``.. on exactly one invoice (its
    ``externalId``), each approved and numbered once, each e-mailed once; the invoices."""
    invoices = emulator.invoices(org.id)
    keys = Counter(str(record["externalId"]) for record in invoices)
    assert keys == Counter({f"inv:WO-{i}": 1 for i in range(orders)})
    assert all(record["state"] == "approved" for record in invoices)
    numbers = [record["invoiceNo"] for record in invoices]
    assert all(numbers) and len(set(numbers)) == orders, "every invoice approved, numbered once"
    mailed = Counter(mail["invoiceId"] for mail in emulator.emails(org.id))
    assert mailed == Counter({record["id"]: 1 for record in invoices}), "each e-mailed once"
    return invoices


def approved_invoice(billy: BillyConnector) -> RemoteInvoice:
    """An approved invoice to a new customer (with an e-mail) of ``billy``'s company."""
    customer = make_customer(email="a@example.com")
    ref = billy.create_customer(customer)
    made = billy.create_invoice(make_invoice_draft(customer=customer), ref, {})
    return billy.book(made.provider_id)


def build_connector(emulator: BillyEmulator, tmp_path: Path, *, org: Any = None,
                    **options: Any) -> BillyConnector:
    """A connector on a fresh (or the given) company of ``emulator``, its token in a store,
    with a product per VAT rate of :data:`RATES` as ``rate_products``."""
    if org is None:
        org = emulator.create_organization("Tømrer ApS")
        add_twelve_percent(org)
    store = Store(tmp_path / f"tokens-{org.id}.db")
    save_token(org, store)
    transport = options.pop("transport", None) or emulator.transport()
    limiters = options.pop("limiters", None) or LimiterRegistry()
    setup = BillyConnector(organization_id=org.id, token_store=store, base_url=BASE,
                           transport=emulator.transport(), limiters=LimiterRegistry())
    if "rate_products" not in options:
        made = {rate: setup.create_product(Product(f"vat-{rate}", f"Ydelse {rate}",
                                                    vat_rate=rate)) for rate in RATES}
        options["rate_products"] = ",".join(f"{rate}={pid}" for rate, pid in made.items())
    setup.close()
    return BillyConnector(organization_id=org.id, token_store=store, base_url=BASE,
                          transport=transport, limiters=limiters, **options)


class RecordingTransport(httpx.BaseTransport):
    """Passes requests to ``inner`` and keeps each one (for the contract check)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.inner.handle_request(request)


class Cutting(httpx.BaseTransport):
    """Passes requests to ``inner``; the first one ``cut`` picks loses its answer (after
    the emulator did it, or before it arrives when ``before``)."""

    def __init__(self, inner: httpx.BaseTransport, cut: Callable[[httpx.Request], bool],
                 *, before: bool = False) -> None:
        self.inner = inner
        self.cut = cut
        self.before = before
        self.done = False
        self.seen: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.seen.append(request)
        if not self.done and self.cut(request):
            self.done = True
            if not self.before:
                self.inner.handle_request(request)
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return self.inner.handle_request(request)
