"""The e-conomic connector.

``EconomicConnector`` implements :class:`ledgerlink.connector.BaseConnector`
against e-conomic's REST API on the core's shared HTTP layer: both tokens of one
agreement from the store (:mod:`.connection`), stamina retries of 429 (after
``Retry-After``) and 5xx, the token bucket followed from the answers and the
fair-use day counted (:mod:`.budget`), errors read by :func:`.faults.parse_fault`
only, an ``Idempotency-Key`` on every write (:mod:`.api`).

Capabilities: DRAFTS, BOOKING, PDF (drafts and booked), DELETE (drafts),
CREDIT_NOTES (booked negative drafts), CUSTOMER_UPDATES (whole-customer PUT),
RATE_LIMITS. Not declared:

* EMAIL: "Sending sales documents via email is not supported through API" [E2];
  ledgerlink's delivery layer sends the PDF (or an e-invoice) instead, and the
  ``send_by=EAN`` option books through e-conomic's own e-invoicing;
* VOID: a booked invoice cannot be voided, only credited [E13];
* PAYMENTS: e-conomic takes payments through journals, not on the invoice;
* BATCH: no batch create in the REST API.

CHANGE_FEED is the paged collections compared with the last read (:mod:`.refresh`,
⌈invoices / 1000⌉ requests); WEBHOOKS the INVOICE_BOOKED intake (:mod:`.webhook`).

Exactly once: the ledgerlink key is the invoice's ``references.other`` and its
provider id (:mod:`.mapping` says why), found by :mod:`.lookup`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime

import httpx

from ledgerlink.connector import BaseConnector, Capability, Changes, ProductRefs
from ledgerlink.delegates import PartyDelegates
from ledgerlink.domain import Customer, InvoiceDraft, InvoiceLine, RemoteInvoice
from ledgerlink.errors import ValidationError
from ledgerlink.http.connection import DEFAULT_STORE, required_options
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.oauth import TokenStore
from ledgerlink_economic import credits, settings
from ledgerlink_economic.agreement import ZONE_NAMES, AgreementSettings, whole_number
from ledgerlink_economic.api import EconomicApi, eq_filter
from ledgerlink_economic.connection import Tokens, open_connection, save_usage
from ledgerlink_economic.customers import EconomicCustomers
from ledgerlink_economic.invoices import EconomicInvoices
from ledgerlink_economic.lookup import BOOKED, DRAFTS, Lookup
from ledgerlink_economic.products import EconomicProducts, option_pairs, rate_pairs
from ledgerlink_economic.refresh import Feed
from ledgerlink_economic.wire import EcoInvoice

__all__ = ["CAPABILITIES", "EconomicConnector"]

#: What the connector declares (see the module docstring for what is left out and why).
CAPABILITIES = frozenset({
    Capability.DRAFTS, Capability.BOOKING, Capability.DELETE,  # drafts → booked, or deleted
    Capability.PDF, Capability.CREDIT_NOTES,  # /pdf of both; booked negative drafts
    Capability.CUSTOMER_UPDATES, Capability.RATE_LIMITS,  # whole PUT; bucket and fair use
    Capability.CHANGE_FEED, Capability.WEBHOOKS,  # paged collections; INVOICE_BOOKED
})
#: ``sendBy`` values e-conomic takes on booking [E4][E13] (casing is strict).
SEND_BY = ("EAN", "Email", "none")


class EconomicConnector(PartyDelegates, BaseConnector):
    """e-conomic behind the Connector contract (see the module docs).

    Every option may be given as a string, as ``ledgerlink run -o key=value`` passes them.

    Args:
        agreement: the agreement (its number, as ``ledgerlink economic connect`` saved it).
        app_secret_token: the app's secret token (with ``grant_token``: not read from the store).
        grant_token: the agreement's grant token.
        token_store: where the tokens are saved; default: the journal store at ``store``.
        store: the journal store path used when ``token_store`` is not given.
        base_url: another API host (an emulator).
        transport: an httpx transport (the emulator in-process).
        limiters: a private limiter registry (default: the process-wide one).
        requests_per_minute: a client-side window (default none: e-conomic's bucket is followed).
        in_flight: requests at once (default 8).
        customer_group, payment_terms, layout: agreement settings (numbers; see :mod:`.agreement`).
        payment_terms_days: days of credit a new customer's terms are chosen by (default 8).
        vat_zones: ``"DK=1,EU=2,abroad=3"``: VAT zones by customer country.
        product_map: ``"product-id=productNumber,..."``: the explicit product map.
        rate_products: ``"25=1,0=2"``: the product number of lines naming no product.
        product_groups: ``"25=1,0=2"``: the product group of each VAT rate.
        send_by: ``EAN`` to book through e-conomic's e-invoicing (default: not sent).
    """

    name = settings.PROVIDER
    capabilities = CAPABILITIES
    customers: EconomicCustomers
    products: EconomicProducts
    invoices: EconomicInvoices

    def __init__(
        self, *, agreement: str, app_secret_token: str | None = None,
        grant_token: str | None = None, token_store: TokenStore | None = None,
        store: str | os.PathLike[str] = DEFAULT_STORE, base_url: str | None = None,
        transport: httpx.BaseTransport | None = None, limiters: LimiterRegistry | None = None,
        requests_per_minute: int | str | None = None, in_flight: int | str | None = None,
        customer_group: int | str | None = None, payment_terms: int | str | None = None,
        layout: int | str | None = None, payment_terms_days: int | str = 8,
        vat_zones: str | Mapping[str, str] | None = None,
        product_map: str | Mapping[str, str] | None = None,
        rate_products: str | Mapping[str, str] | None = None,
        product_groups: str | Mapping[str, str] | None = None, send_by: str | None = None,
    ) -> None:
        self.agreement = required_options("e-conomic", agreement=agreement)["agreement"]
        self.account = f"economic-{self.agreement}"
        if send_by not in (None, "", *SEND_BY):
            raise ValidationError(f"send_by is one of {', '.join(SEND_BY)}", field="send_by",
                                  value=send_by)
        zones = option_pairs(vat_zones, "vat_zones")
        if set(zones) - set(ZONE_NAMES):
            raise ValidationError("vat_zones names DK, EU and abroad", field="vat_zones",
                                  value=str(vat_zones))
        try:
            limits = settings.limits_for(requests_per_minute, in_flight)
            zone_numbers = {kind: int(number) for kind, number in zones.items()}
            days = int(payment_terms_days)
        except ValueError as err:
            raise ValidationError(f"not a whole number: {err}", field="requests_per_minute, "
                                  "in_flight, vat_zones or payment_terms_days") from None
        tokens = Tokens(app_secret_token, grant_token) if (
            app_secret_token and grant_token) else None
        self.connection, self.gauge, self.token_store = open_connection(
            agreement=self.agreement, api_base=(base_url or settings.API_ORIGIN).rstrip("/"),
            tokens=tokens, token_store=token_store, store=store, transport=transport,
            limits=limits, limiters=limiters)
        self.api = EconomicApi(self.connection.http)
        self.settings = AgreementSettings(
            self.api, customer_group=whole_number(customer_group, "customer_group"),
            payment_terms=whole_number(payment_terms, "payment_terms"),
            payment_terms_days=days, layout=whole_number(layout, "layout"),
            vat_zones=zone_numbers)
        self.lookup = Lookup(self.api)
        self.customers = EconomicCustomers(self.api, self.settings)
        self.products = EconomicProducts(
            self.api, product_map=option_pairs(product_map, "product_map"),
            rate_products=rate_pairs(rate_products, "rate_products"),
            product_groups=rate_pairs(product_groups, "product_groups"))
        self.invoices = EconomicInvoices(self.api, self.lookup, self.customers, self.products,
                                         self.settings, send_by=send_by or None)
        self.feed = Feed(self.api, self.lookup)

    def __repr__(self) -> str:
        return f"EconomicConnector(agreement={self.agreement!r})"

    # --- customers --------------------------------------------------------------------

    def update_customer(self, customer_ref: str, customer: Customer) -> bool:
        """See :meth:`.customers.EconomicCustomers.update`."""
        return self.customers.update(customer_ref, customer)

    def product_name(self, remote_id: str) -> str | None:
        """The provider's name of product ``remote_id`` (a product number); None when there is none
        (``ledgerlink link product`` checks a link with it)."""
        return self.products.name_of(remote_id)

    def customer_currency(self, customer_ref: str) -> str | None:
        """The customer's ``currency`` (read once per connector)."""
        return self.customers.customer(customer_ref).currency or None

    # --- invoices ---------------------------------------------------------------------

    def find_invoice(self, key: str) -> RemoteInvoice | None:
        """The invoice or credit note whose ``references.other`` is ``key``."""
        return self.lookup.find(key)

    def find_invoices(self, keys: Sequence[str]) -> dict[str, RemoteInvoice]:
        """See :meth:`.lookup.Lookup.find_many` (``$in`` queries of many keys)."""
        return self.lookup.find_many(keys)

    def get_invoice(self, provider_id: str) -> RemoteInvoice:
        """The invoice (or credit note) with that id; NotFoundError if there is none."""
        return self.lookup.remote(self.lookup.by_id(provider_id))

    def create_invoice(self, draft: InvoiceDraft, customer_ref: str,
                       products: ProductRefs) -> RemoteInvoice:
        """See :meth:`.invoices.EconomicInvoices.create` (a draft; never sent: no EMAIL)."""
        return self.invoices.create(draft, customer_ref, products)

    def pdf(self, provider_id: str) -> bytes:
        """The draft or booked invoice as PDF (what the delivery layer sends)."""
        return self.invoices.pdf(provider_id)

    def replace_lines(self, provider_id: str, source_key: str, lines: Sequence[InvoiceLine],
                      products: ProductRefs) -> RemoteInvoice:
        """See :meth:`.invoices.EconomicInvoices.replace_lines`."""
        return self.invoices.replace_lines(provider_id, source_key, lines, products)

    def book(self, provider_id: str) -> RemoteInvoice:
        """See :meth:`.invoices.EconomicInvoices.book`."""
        return self.invoices.book(provider_id)

    def delete(self, provider_id: str) -> None:
        """See :meth:`.invoices.EconomicInvoices.delete`."""
        self.invoices.delete(provider_id)
        self.feed.deleted(provider_id)

    def credit(self, provider_id: str, key: str) -> RemoteInvoice:
        """See :func:`.credits.credit_invoice`."""
        return credits.credit_invoice(self.invoices, provider_id, key)

    def list_invoices(self, customer_ref: str, start: date, end: date
                      ) -> Iterator[RemoteInvoice]:
        """The customer's drafts and booked invoices dated ``start..end``, by date.

        One filtered collection each (customer and date range), pages of up to 1000;
        rows of another customer or date are dropped should e-conomic answer them.
        """
        condition = "$and:".join([eq_filter("customer.customerNumber", customer_ref),
                                  f"date$gte:{start.isoformat()}",
                                  f"date$lte:{end.isoformat()}"])
        rows: list[EcoInvoice] = []
        for path in (DRAFTS, BOOKED):
            rows += self.api.list(path, EcoInvoice, params={"filter": condition},
                                  operation=f"list invoices of customer {customer_ref}")
        mine = [row for row in rows if row.customer is not None
                and str(row.customer.customerNumber) == customer_ref
                and row.date is not None and start <= row.date <= end]
        mine.sort(key=lambda row: row.date or start)
        for row in mine:
            yield self.lookup.remote(row)

    def changes(self, since: datetime) -> Changes:
        """See :class:`.refresh.Feed` (the paged collections; the cost is stated there)."""
        return self.feed.changes(since)

    @property
    def requests_sent(self) -> int:
        """Requests sent to e-conomic so far, retries included (its HTTP client counts them)."""
        return self.connection.http.sent

    def close(self) -> None:
        """Save the day's calls, close the HTTP client and the store this connector opened."""
        try:
            save_usage(self.token_store, self.agreement, self.gauge)
        finally:
            self.connection.close()
