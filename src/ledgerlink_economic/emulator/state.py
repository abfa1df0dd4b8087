"""One agreement's data: its tokens, its resources by number, its counters.

Seeded as a new Danish agreement is [E4][E15] (the captured
``traels-layouts``, ``traels-payment_terms``, ``traels-vat_zones`` answers):
the standard layouts, the usual payment terms, the four VAT zones
(Domestic, EU, Abroad, Domestic exempt VAT), one customer group and one
product. Rows are kept as the JSON e-conomic answers, keyed by their number
as text so the state file stays plain JSON.
"""

from __future__ import annotations

import secrets
import threading
from decimal import Decimal
from typing import Any

import attrs

__all__ = ["BASE_CURRENCY", "GROUP_VAT", "TABLES", "VAT_RATES", "Agreement", "new_agreement",
           "product_rate"]

#: The agreement's base currency (a Danish company).
BASE_CURRENCY = "DKK"

#: The tables an agreement holds (named as the API's paths).
TABLES = ("customers", "customer-groups", "products", "product-groups", "payment-terms",
          "layouts", "vat-zones", "invoices/drafts", "invoices/booked", "invoices/sent")
#: Not served: the VAT rate each product group's sales account bills (e-conomic takes it
#: from the group's sales account and its VAT code, which the emulator does not serve).
GROUP_VAT = "product-group-vat"

#: VAT per VAT zone: Danish moms is 25 %; EU and abroad sales are zero-rated (reverse
#: charge or export) and so is the exempt zone (inferred: e-conomic takes the rate from
#: the zone and the product's sales account; every emulated product is standard-rated).
VAT_RATES = {1: Decimal(25), 2: Decimal(0), 3: Decimal(0), 4: Decimal(0)}

_LAYOUTS = [(19, "DK. std. m. bankoplys. 1.5"), (20, "DK. std. m. girokort 1.5"),
            (21, "Eng. std. m. bankoplys. 1.5 07.01.14")]
_TERMS = [(1, 8, "Netto 8 dage", "net"), (2, 14, "Netto 14 dage", "net"),
          (3, 0, "Til omgående betaling", "net"), (4, 30, "Løbende måned 30 dage", "invoiceMonth"),
          (5, 30, "Netto 30 dage", "net"), (6, 0, "Kontant", "paidInCash")]
_ZONES = [(1, "Domestic", True), (2, "EU", True), (3, "Abroad", True),
          (4, "Domestic exempt VAT", False)]


@attrs.define(eq=False)
class Agreement:
    """One e-conomic agreement (a company) and the grant an app holds for it.

    Attributes:
        agreement_number: The agreement's number.
        name: The company's name.
        agreement_grant_token: The grant (``X-AgreementGrantToken``).
        app_secret_token: The app's secret (``X-AppSecretToken``).
        read_only: GET only (the shared ``demo`` agreement).
        tables: Rows per table (:data:`TABLES`), keyed by number as text.
        next_booked: The next booked invoice number.
        lock: Held while a request reads or changes the agreement.
    """

    agreement_number: int
    name: str
    agreement_grant_token: str
    app_secret_token: str
    read_only: bool = False
    tables: dict[str, dict[str, dict[str, Any]]] = attrs.field(
        factory=lambda: {table: {} for table in TABLES})
    next_booked: int = 1
    lock: threading.RLock = attrs.field(factory=threading.RLock)

    def rows(self, table: str) -> list[dict[str, Any]]:
        """The table's rows in number order."""
        held = self.tables.get(table, {})
        return [held[key] for key in sorted(held, key=_order)]


def product_rate(agreement: Agreement, product: dict[str, Any], zone_rate: Decimal) -> Decimal:
    """The VAT rate a line of ``product`` bills in a zone of ``zone_rate``: a zero-rated
    zone bills none; otherwise the rate of the product's group (the zone's when the group
    states none)."""
    if zone_rate == 0:
        return zone_rate
    group = (product.get("productGroup") or {}).get("productGroupNumber")
    kept = agreement.tables.get(GROUP_VAT, {}).get(str(group))
    return Decimal(kept["rate"]) if kept is not None else zone_rate


def _order(key: str) -> tuple[int, int | str]:
    return (0, int(key)) if key.lstrip("-").isdigit() else (1, key)


def _self(table: str, number: object) -> str:
    return f"https://restapi.e-conomic.com/{table}/{number}"


def new_agreement(number: int, name: str, *, app_secret_token: str,
                  grant_token: str | None = None, read_only: bool = False) -> Agreement:
    """An agreement seeded with Danish defaults."""
    agreement = Agreement(number, name, grant_token or secrets.token_urlsafe(32),
                          app_secret_token, read_only)
    tables = agreement.tables
    for layout_number, layout_name in _LAYOUTS:
        tables["layouts"][str(layout_number)] = {
            "layoutNumber": layout_number, "name": layout_name,
            "self": _self("layouts", layout_number)}
    for terms_number, days, terms_name, kind in _TERMS:
        tables["payment-terms"][str(terms_number)] = {
            "paymentTermsNumber": terms_number, "daysOfCredit": days, "name": terms_name,
            "paymentTermsType": kind, "self": _self("payment-terms", terms_number)}
    for zone_number, zone_name, for_supplier in _ZONES:
        tables["vat-zones"][str(zone_number)] = {
            "name": zone_name, "vatZoneNumber": zone_number, "enabledForCustomer": True,
            "enabledForSupplier": for_supplier, "self": _self("vat-zones", zone_number)}
    tables["customer-groups"]["1"] = {
        "customerGroupNumber": 1, "name": "Indenlandske kunder",
        "account": {"accountNumber": 5600, "self": _self("accounts", 5600)},
        "self": _self("customer-groups", 1)}
    tables["product-groups"]["1"] = {
        "productGroupNumber": 1, "name": "Ydelser m/moms", "self": _self("product-groups", 1)}
    tables[GROUP_VAT] = {"1": {"rate": Decimal(25)}}
    tables["products"]["1"] = {
        "productNumber": "1", "name": "Timer", "salesPrice": Decimal("500.00"),
        "productGroup": {"productGroupNumber": 1, "self": _self("product-groups", 1)},
        "unit": {"unitNumber": 1, "self": _self("units", 1)}, "self": _self("products", "1")}
    return agreement
