"""The Billy connector.

``BillyConnector`` implements :class:`ledgerlink.connector.BaseConnector`
against Billy's API v2 on the core's shared HTTP layer
(:class:`~ledgerlink.http.ProviderClient`: the company's limits from
:mod:`.settings` — Billy documents none, so a conservative, configurable
default —, stamina retries of 429 and 5xx, the ``X-Access-Token`` of one
company from the token store (:mod:`ledgerlink.http.token_header`), errors read
by :func:`.faults.parse_fault` only, so Billy's ``errorCode``, ``errorMessage``
and validation errors are kept).

Capabilities: DRAFTS, BOOKING (approve), EMAIL, PDF, DELETE (drafts),
CREDIT_NOTES, PAYMENTS, RATE_LIMITS, CHANGE_FEED (the open and newly approved
invoices compared with the last read: :mod:`.changefeed`). Not declared:

* VOID: Billy's API cannot void an invoice (only draft → approved is
  possible [B1][B5]); an approved invoice is credited instead;
* BATCH: "bulk save" is claimed but undocumented [B3];
* WEBHOOKS: Billy documents none; WEB_URL: no stable address is documented;
* CUSTOMER_UPDATES: contacts are created, not kept in step.

Exactly-once: the ledgerlink key is the invoice's ``externalId``, looked up
before a create is sent again after an ambiguous failure (:mod:`.lookup` says
why that field). The connector delegates to :mod:`.customers`,
:mod:`.products`, :mod:`.invoices`, :mod:`.lookup`, :mod:`.credits` and
:mod:`.changefeed`, all built on the request object :class:`.api.BillyApi`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

import httpx

from ledgerlink.connector import BaseConnector, Capability, Changes, ProductRefs
from ledgerlink.delegates import DeliveryDelegates, PartyDelegates
from ledgerlink.domain import InvoiceLine, RemoteInvoice
from ledgerlink.errors import ValidationError
from ledgerlink.http import token_keys
from ledgerlink.http.connection import DEFAULT_STORE, required_options
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.oauth import TokenStore
from ledgerlink.http.token_header import header_token_connection
from ledgerlink_billy import credits, lookup, settings
from ledgerlink_billy.api import BillyApi
from ledgerlink_billy.changefeed import ChangeFeed
from ledgerlink_billy.customers import BillyCustomers
from ledgerlink_billy.faults import parse_fault
from ledgerlink_billy.invoices import DEFAULT_BODY, DEFAULT_SUBJECT, BillyInvoices
from ledgerlink_billy.mapping import remote_invoice
from ledgerlink_billy.products import BillyProducts, parse_pairs
from ledgerlink_billy.vat import SalesTax
from ledgerlink_billy.wire import BillyInvoice, BillyOrganization

__all__ = ["CAPABILITIES", "DEFAULT_PAYMENT_TERMS_DAYS", "BillyConnector"]

#: What the connector declares (see the module docstring for what is left out and why).
CAPABILITIES = frozenset({
    Capability.DRAFTS, Capability.BOOKING, Capability.DELETE,  # draft → approved, or deleted
    Capability.EMAIL, Capability.PDF,  # POST …/emails; the downloadUrl
    Capability.CREDIT_NOTES, Capability.PAYMENTS,  # creditNote invoices; bankPayments
    Capability.RATE_LIMITS, Capability.CHANGE_FEED,  # our own budget; the compared lists
})
#: Payment terms of a contact the connector creates (an invoice states its own).
DEFAULT_PAYMENT_TERMS_DAYS = 8


class BillyConnector(PartyDelegates, DeliveryDelegates, BaseConnector):
    """Billy behind the Connector contract (see the module docs).

    Every option may be given as a string, as ``ledgerlink run -o key=value`` passes them.

    Args:
        organization_id: the Billy company (its id, as ``ledgerlink billy connect`` saved it).
        access_token: the company's token itself (else read from the store).
        token_store: where the token is saved; default: the journal store at ``store``.
        store: the journal store path used when ``token_store`` is not given.
        base_url: another API host (an emulator).
        transport: an httpx transport (the emulator in-process).
        limiters: a private limiter registry (default: the process-wide one).
        requests_per_minute: the company's request budget (default 120; Billy states none).
        in_flight: requests at once (default 4).
        product_map: ``"product-id=billyProductId,..."``: the explicit product map.
        rate_products: ``"25=billyProductId,0=..."``: the product of lines naming none.
        email_subject: the invoice e-mail's subject (``{number}``, ``{organization}``).
        email_body: the invoice e-mail's body (same placeholders).
        cash_account_id: the account payments go to (default: the first payment-enabled).
        payment_terms_days: payment terms of new contacts (default 8).
    """

    name = settings.PROVIDER
    capabilities = CAPABILITIES
    customers: BillyCustomers
    products: BillyProducts
    invoices: BillyInvoices

    def __init__(
        self,
        *,
        organization_id: str,
        access_token: str | None = None,
        token_store: TokenStore | None = None,
        store: str | os.PathLike[str] = DEFAULT_STORE,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        limiters: LimiterRegistry | None = None,
        requests_per_minute: int | str | None = None,
        in_flight: int | str | None = None,
        product_map: str | Mapping[str, str] | None = None,
        rate_products: str | Mapping[str, str] | None = None,
        email_subject: str = DEFAULT_SUBJECT,
        email_body: str = DEFAULT_BODY,
        cash_account_id: str | None = None,
        payment_terms_days: int | str = DEFAULT_PAYMENT_TERMS_DAYS,
    ) -> None:
        self.organization_id = required_options(
            "Billy", organization_id=organization_id)["organization_id"]
        self.account = f"billy-{self.organization_id}"
        try:
            limits = settings.limits_for(requests_per_minute, in_flight)
            terms = int(payment_terms_days)
        except ValueError as err:
            raise ValidationError(f"not a whole number: {err}", field="requests_per_minute, "
                                  "in_flight or payment_terms_days") from None
        self.connection = header_token_connection(
            provider=settings.PROVIDER, account=self.account,
            api_base=(base_url or settings.API_ORIGIN).rstrip("/"),
            header=settings.TOKEN_HEADER, token=access_token or None,
            token_key=token_keys.token_key(settings.PROVIDER, self.organization_id),
            token_store=token_store, store=store, transport=transport, limits=limits,
            parse=parse_fault, limiters=limiters,
            connect_hint="run: ledgerlink billy connect")
        self.api = BillyApi(self.connection.http)
        self._org_lock = threading.Lock()
        self._organization: BillyOrganization | None = None
        self.tax = SalesTax(self.api)
        self.customers = BillyCustomers(self.api, terms)
        self.products = BillyProducts(self.api, self.tax, self.organization,
                                      parse_pairs(product_map, "product_map"),
                                      parse_pairs(rate_products, "rate_products"))
        self.invoices = BillyInvoices(
            self.api, self.customers, self.products,
            organization_name=lambda: self.organization().name or "",
            email_subject=email_subject, email_body=email_body,
            cash_account_id=cash_account_id or None)
        self.feed = ChangeFeed(self.api)

    def __repr__(self) -> str:
        return f"BillyConnector(organization_id={self.organization_id!r})"

    def organization(self) -> BillyOrganization:
        """The company the token belongs to (``GET /v2/organization``, read once)."""
        with self._org_lock:
            if self._organization is None:
                self._organization = self.api.organization()
            return self._organization

    def product_name(self, remote_id: str) -> str | None:
        """The provider's name of product ``remote_id`` (a product id); None when there is none
        (``ledgerlink link product`` checks a link with it)."""
        return self.products.name_of(remote_id)

    def customer_currency(self, customer_ref: str) -> str | None:
        """The contact's ``currencyId`` (None: not fixed; from the contact index)."""
        return self.customers.contact(customer_ref).currencyId or None

    # --- invoices ---------------------------------------------------------------------

    def find_invoice(self, key: str) -> RemoteInvoice | None:
        """The invoice or credit note whose ``externalId`` is ``key`` (one request)."""
        return lookup.find_invoice(self.api, key)

    def get_invoice(self, provider_id: str) -> RemoteInvoice:
        """The invoice (or credit note) with that id; NotFoundError if there is none."""
        return lookup.get_invoice(self.api, provider_id)

    def find_invoices(self, keys: Sequence[str]) -> dict[str, RemoteInvoice]:
        """See :func:`.lookup.find_invoices` (the cost is stated there)."""
        return lookup.find_invoices(self.api, keys)

    def replace_lines(
        self, provider_id: str, source_key: str, lines: Sequence[InvoiceLine],
        products: ProductRefs,
    ) -> RemoteInvoice:
        """See :meth:`.invoices.BillyInvoices.replace_lines`."""
        return self.invoices.replace_lines(provider_id, source_key, lines, products)

    def book(self, provider_id: str) -> RemoteInvoice:
        """Approve the draft; see :meth:`.invoices.BillyInvoices.approve`."""
        return self.invoices.approve(provider_id)

    def delete(self, provider_id: str) -> None:
        """See :meth:`.invoices.BillyInvoices.delete`."""
        self.invoices.delete(provider_id)
        self.feed.deleted(provider_id)

    def credit(self, provider_id: str, key: str) -> RemoteInvoice:
        """See :func:`.credits.credit_invoice`."""
        return credits.credit_invoice(self.invoices, provider_id, key)

    def register_payment(self, provider_id: str, amount: Decimal, paid_on: date) -> RemoteInvoice:
        """See :meth:`.invoices.BillyInvoices.register_payment`."""
        return self.invoices.register_payment(provider_id, amount, paid_on)

    def list_invoices(
        self, customer_ref: str, start: date, end: date
    ) -> Iterator[RemoteInvoice]:
        """The contact's invoices with an entry date in ``start..end``, by entry date.

        One filtered list (``contactId``, ``minEntryDate``, ``maxEntryDate``), 1-based
        pages of up to 1000, lines embedded; rows of another contact or date are
        dropped should Billy answer them.
        """
        params = {"contactId": customer_ref, "minEntryDate": start.isoformat(),
                  "maxEntryDate": end.isoformat(), **lookup.EMBED_LINES}
        rows = self.api.list("invoices", "invoices", BillyInvoice,
                             operation=f"list invoices of contact {customer_ref}",
                             params=params)
        mine = [invoice for invoice in rows if invoice.contactId == customer_ref
                and invoice.entryDate is not None and start <= invoice.entryDate <= end]
        mine.sort(key=lambda invoice: invoice.entryDate or start)
        for invoice in mine:
            yield remote_invoice(invoice)

    def changes(self, since: datetime) -> Changes:
        """See :class:`.changefeed.ChangeFeed` (filtered lists; the cost is stated there)."""
        return self.feed.changes(since)

    @property
    def requests_sent(self) -> int:
        """Requests sent to Billy so far, retries included (its HTTP client counts them)."""
        return self.connection.http.sent

    def close(self) -> None:
        """Close the HTTP client and the token store this connector opened."""
        self.connection.close()
