"""The Dinero connector.

``DineroConnector`` implements :class:`ledgerlink.connector.BaseConnector`
against Dinero's public API on the core's shared HTTP layer
(:class:`~ledgerlink.http.ProviderClient`: 100 requests/min per organisation
from :data:`settings.LIMITS`, stamina retries, OAuth2 through Visma Connect with
refresh tokens kept in a token store, errors read by :func:`faults.parse_fault`
only, so Dinero's code and message are kept).

Capabilities: DRAFTS, BOOKING, EMAIL, PDF, DELETE (drafts), CREDIT_NOTES,
PAYMENTS, RATE_LIMITS, CHANGE_FEED. Not declared:

* BATCH: Dinero creates one invoice per request;
* WEBHOOKS: Dinero pushes nothing; :meth:`DineroConnector.changes` polls;
* VOID: a booked Dinero invoice cannot be voided, only credited (CREDIT_NOTES);
* WEB_URL: the notes give no stable address of an invoice in Dinero's web app.

Exactly-once (Dinero has no idempotency header; :mod:`.keys`):

* contacts, invoices and credit notes are created with our own GUID (uuid5 of
  the organisation and the ledgerlink id), so a create sent twice is refused
  (error 42 "already exists") and the existing object is read back instead;
* the ledgerlink key is the invoice's ``ExternalReference``; after an ambiguous
  failure of a create (sent, then no answer) the invoice is looked up by it
  before the create is sent again; many keys at once (recovery) are matched
  against one reading of the invoice list (:mod:`.lookup`, which states the cost);
* writes carrying a ``Timestamp`` (update, book, delete) are sent
  ``idempotent=True``: a repeat after the first one committed meets a newer
  Timestamp (error 58) and is decided again from a fresh read, never
  overwritten blindly. Email and payments are not: a repeat would email or
  pay twice, so an ambiguous failure is raised for the runner to reconcile.

A stale Timestamp (58) re-reads the invoice and tries once more
(:meth:`.api.DineroApi.fresh`).
Status comes from ``PaymentStatus`` and the invoice's payments
(:mod:`.mapping`); the change feed reads ``changesSince`` and ``deletedOnly``
lists, two list calls, and the payments of the changed invoices still open
(lists carry no paid amount; see :mod:`.changefeed`).

The connector holds the request object (:class:`.api.DineroApi`) and the
helpers built on it (:mod:`.customers`, :mod:`.products`, :mod:`.invoices`,
:mod:`.lookup`, :mod:`.credits`, :mod:`.changefeed`) and delegates to them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

import httpx

from ledgerlink.connector import BaseConnector, Capability, Changes, KnownVersions, ProductRefs
from ledgerlink.delegates import DeliveryDelegates, PartyDelegates
from ledgerlink.domain import InvoiceLine, RemoteInvoice
from ledgerlink.http import token_keys
from ledgerlink.http.connection import DEFAULT_STORE, oauth_connection, required_options
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.oauth import TokenStore
from ledgerlink_dinero import changefeed, credits, lookup, settings
from ledgerlink_dinero.api import DineroApi
from ledgerlink_dinero.customers import DineroCustomers
from ledgerlink_dinero.faults import parse_fault
from ledgerlink_dinero.invoices import DEFAULT_MESSAGE, DineroInvoices
from ledgerlink_dinero.mapping import VatAccounts
from ledgerlink_dinero.products import DineroProducts
from ledgerlink_dinero.queries import INVOICE_FIELDS
from ledgerlink_dinero.wire import DineroInvoice, DineroOrganization

__all__ = ["CAPABILITIES", "DEFAULT_MESSAGE", "DEFAULT_STORE", "DineroConnector"]

#: What the connector declares (see the module docstring for what is left out and why).
CAPABILITIES = frozenset({
    Capability.DRAFTS,
    Capability.BOOKING,
    Capability.EMAIL,
    Capability.PDF,
    Capability.DELETE,
    Capability.CREDIT_NOTES,
    Capability.PAYMENTS,
    Capability.RATE_LIMITS,
    Capability.CHANGE_FEED,
})


class DineroConnector(PartyDelegates, DeliveryDelegates, BaseConnector):
    """Dinero behind the Connector contract (see the module docs).

    Every option may be given as a string, as ``ledgerlink run -o key=value`` passes them.

    Args:
        organisation_id: the Dinero organisation (in every path).
        client_id: the Visma Connect client id.
        client_secret: the Visma Connect client secret.
        token_store: where tokens live; default: the journal store at ``store``.
        store: the journal store path used when ``token_store`` is not given.
        base_url: another API host (an emulator); its token endpoint is used too.
        transport: an httpx transport (the emulator in-process).
        limiters: a private limiter registry (default: the process-wide one).
        vat_accounts: VAT rate → sales account, ``"25=1000,0=1100"`` or a mapping
            (merged over that default; Dinero's VAT follows a line's account).

    Attributes:
        api: the organisation's requests, which every helper receives.
    """

    name = settings.PROVIDER
    capabilities = CAPABILITIES
    customers: DineroCustomers
    products: DineroProducts
    invoices: DineroInvoices

    def __init__(
        self,
        *,
        organisation_id: str,
        client_id: str,
        client_secret: str,
        token_store: TokenStore | None = None,
        store: str | os.PathLike[str] = DEFAULT_STORE,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        limiters: LimiterRegistry | None = None,
        vat_accounts: str | Mapping[Decimal, int] | None = None,
    ) -> None:
        options = required_options("Dinero", organisation_id=organisation_id,
                                   client_id=client_id, client_secret=client_secret)
        self.organisation_id = options["organisation_id"]
        settings.organization_path(self.organisation_id, "")  # refuses a malformed id
        self.account = f"dinero-{self.organisation_id}"
        self.accounts = VatAccounts(vat_accounts)
        host = (base_url or settings.API_ORIGIN).rstrip("/")
        self.connection = oauth_connection(
            provider=settings.PROVIDER, account=self.account, api_base=host,
            endpoints=settings.endpoints_for(host if base_url else None), client_id=client_id,
            client_secret=client_secret,
            token_key=token_keys.token_key(settings.PROVIDER, self.organisation_id),
            token_store=token_store,
            store=store, transport=transport, limits=settings.LIMITS, parse=parse_fault,
            limiters=limiters)
        self.api = DineroApi(self.connection.http, self.organisation_id)
        self.customers = DineroCustomers(self.api)
        self.products = DineroProducts(self.api, self.accounts)
        self.invoices = DineroInvoices(self.api, self.customers, self.products, self.accounts)

    def __repr__(self) -> str:
        return f"DineroConnector(organisation_id={self.organisation_id!r})"

    def organisations(self) -> list[DineroOrganization]:
        """The organisations the token reaches (one token may reach several)."""
        return self.api.organisations()

    def product_name(self, remote_id: str) -> str | None:
        """The provider's name of product ``remote_id`` (a product GUID); None when there is none
        (``ledgerlink link product`` checks a link with it)."""
        return self.products.name_of(remote_id)

    def customer_currency(self, customer_ref: str) -> str | None:
        """The contact's ``PreferredInvoiceCurrencyKey`` (None: not fixed; read once)."""
        return self.customers.currency_of(customer_ref)

    # --- invoices ---------------------------------------------------------------------

    def find_invoice(self, key: str) -> RemoteInvoice | None:
        """The invoice whose ExternalReference is ``key``, else the credit note with the GUID
        derived from ``key`` (a ``credit:`` key asks for the credit note first)."""
        return lookup.find_invoice(self.api, key)

    def find_invoices(self, keys: Sequence[str]) -> dict[str, RemoteInvoice]:
        """What :meth:`find_invoice` answers for each key, from one reading of the invoice
        list instead of a list call per key (the cost is in :mod:`.lookup`)."""
        return lookup.find_invoices(self.api, keys)

    def get_invoice(self, provider_id: str) -> RemoteInvoice:
        """The invoice (or credit note) with that GUID; NotFoundError if there is none."""
        return lookup.get_invoice(self.api, provider_id)

    def replace_lines(
        self, provider_id: str, source_key: str, lines: Sequence[InvoiceLine],
        products: ProductRefs,
    ) -> RemoteInvoice:
        """See :meth:`.invoices.DineroInvoices.replace_lines`; the draft as it is then."""
        self.invoices.replace_lines(provider_id, source_key, lines, products)
        return self.get_invoice(provider_id)

    def book(self, provider_id: str) -> RemoteInvoice:
        """See :meth:`.invoices.DineroInvoices.book`."""
        return self.invoices.book(provider_id)

    def delete(self, provider_id: str) -> None:
        """See :meth:`.invoices.DineroInvoices.delete`."""
        self.invoices.delete(provider_id)

    def credit(self, provider_id: str, key: str) -> RemoteInvoice:
        """Credit the whole booked invoice with a booked credit note keyed ``key``
        (see :func:`.credits.credit_invoice`)."""
        return credits.credit_invoice(self.api, provider_id, key)

    def register_payment(self, provider_id: str, amount: Decimal, paid_on: date) -> RemoteInvoice:
        """See :meth:`.invoices.DineroInvoices.register_payment`; the invoice as it is then."""
        self.invoices.register_payment(provider_id, amount, paid_on)
        return self.get_invoice(provider_id)

    def list_invoices(
        self, customer_ref: str, start: date, end: date
    ) -> Iterator[RemoteInvoice]:
        """The contact's invoices issued in ``start..end``, by issue date (all pages read).

        Balances are derived as :meth:`get_invoice` derives them. Part-paid has no
        ``PaymentStatus`` value and no list field carries a paid amount: ``fields=``
        only picks among the list model's fields (the official endpoint matrix gives
        it as free text, default ``Guid,ContactName,Date,Description``), and that
        model, as the captured list example shows it, holds totals, ``Status`` and
        dates but nothing paid or remaining. So the payments are read, one call
        each, of the listed invoices whose ``PaymentStatus`` leaves the balance open
        (Booked, Overdue, OverPaid; :func:`.statuses.payments_decide`); drafts, Paid
        and deleted ones are answered from the list row alone.
        """
        operation = f"list invoices of contact {customer_ref}"
        rows = self.api.list("invoices", "invoices", DineroInvoice, operation=operation,
                             fields=INVOICE_FIELDS, where=[("ContactGuid", "eq", customer_ref)],
                             start_date=start, end_date=end)
        mine = [invoice for invoice in rows if invoice.ContactGuid == customer_ref]
        for invoice in mine:
            self.api.wire.required(invoice.Guid, "Collection[].Guid", operation=operation)
        mine.sort(key=lambda invoice: invoice.Date or date.today())
        for invoice in mine:
            yield self.api.remote(invoice)

    def changes(self, since: datetime, known: KnownVersions | None = None) -> Changes:
        """Invoices changed since ``since`` and those deleted, from two list reads (in
        pages); payments read only for open ones whose version moved from ``known``'s."""
        return changefeed.changes(self.api, since, known)

    @property
    def requests_sent(self) -> int:
        """Requests sent to Dinero so far, retries included (its HTTP client counts them)."""
        return self.connection.http.sent

    def close(self) -> None:
        """Close the HTTP clients and the token store this connector opened."""
        self.connection.close()
