"""The QuickBooks Online connector.

``QuickBooksConnector`` implements :class:`ledgerlink.connector.BaseConnector`
against the QuickBooks Online Accounting API v3 on the core's shared HTTP layer
(:class:`~ledgerlink.http.ProviderClient`: per-realm limits from
:data:`settings.LIMITS`, stamina retries, OAuth2 with rotating refresh tokens
kept in a token store, errors read by :func:`faults.parse_fault` only).

Capabilities: EMAIL, PDF, VOID, DELETE, WEB_URL, PAYMENTS, RATE_LIMITS, BATCH,
CREDIT_NOTES, CHANGE_FEED; with ``drafts=True`` also DRAFTS and BOOKING.

* Batch: :meth:`QuickBooksConnector.create_invoices` sends up to 30 invoices in
  one ``/batch`` request (its requestid derived from the items, so a retry is
  replayed); each item's fault is mapped on its own, so one refused work order
  does not fail its neighbours. The runner fills batches across customers.
* Drafts: QuickBooks has none. By default every invoice is final when created
  and posting=draft customers get the planner's "needs capability 'drafts'"
  notice; with ``drafts=True`` their work is collected on an open invoice
  (:mod:`.drafts` states when it counts as booked).
* VAT: each line's rate picks the company's TaxCode (:mod:`.taxes`), or the
  fixed ``tax_code`` applies to every line (a US company without VAT).
* Credit notes are CreditMemos copying the invoice, applied to it by a Payment
  of 0 (:meth:`QuickBooksConnector.credit`, :mod:`.credits`).
* Change feed: :meth:`QuickBooksConnector.changes` reads ``/cdc``
  (:mod:`.changefeed`); webhooks are verified and read by :mod:`.intake`.
* Not declared: WEBHOOKS (QuickBooks pushes to an endpoint the application
  serves; :mod:`.intake` turns a delivery into a status refresh).

Exactly-once:

* every call carries ``minorversion=75``; every write carries a ``requestid``
  derived deterministically from what it writes (:func:`.keys.request_id`), so
  a retried write — by the HTTP layer after a dropped connection, or by a later
  run — is answered from QuickBooks' replay store instead of being done twice.
  Writes are therefore sent with ``idempotent=True``.
* the ledgerlink key is stored twice, in ``PrivateNote`` and as the
  ``DocNumber`` (:mod:`.keys`). :meth:`find_invoice` queries the DocNumber and
  accepts only an invoice whose note carries the key (a person's invoice with
  the same number is not ours). Deleted invoices are forgotten by QuickBooks,
  so they are not found. :meth:`find_invoices` applies the same rule to many
  keys with ``DocNumber IN (...)`` queries (:mod:`.lookup`), for recovery.
* a 6210 duplicate-number refusal keeps QuickBooks' text (ConflictError),
  unless the invoice with that number is ours for the same key, which is
  then returned.

Anatomy: :class:`~.api.QuickBooksApi` makes every request and checks every
answer (a malformed one is a ProviderError naming the operation; after a write,
a TransientProviderError); the helpers receive it — :mod:`.customers`,
:mod:`.products`, :mod:`.mapping`, :mod:`.lookup`, :mod:`.drafts`,
:mod:`.batch`, :mod:`.credits`, :mod:`.changefeed` — and this class only checks
options, builds them and delegates.

Customers are matched by DisplayName (also ``"<name> (<id>)"``, the name used
when the plain one is taken: 6240; both in one query), then by e-mail; a
customer tagged ``Notes = "ledgerlink:<id>"`` with our id wins, a customer
tagged with another id is never taken, and an untagged one is taken only in
the customer's currency. Products map to Items (Service or NonInventory) by Name;
a created Item carries the ``income_account`` option's Account, else one chosen
from the company's Income accounts (:mod:`.products`).

Invoice lines use the linked Item of their product, else ``default_item``;
a line with neither blocks the creation (ValidationError naming the line).
The invoice currency must equal the customer's (QuickBooks fixes a customer's
currency at creation); a mismatch is refused before any write (ConflictError).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

import httpx

from ledgerlink.connector import (
    BaseConnector,
    BatchItem,
    BatchResult,
    Capability,
    Changes,
    KnownVersions,
    ProductRefs,
)
from ledgerlink.domain import Customer, InvoiceDraft, InvoiceLine, Product, RemoteInvoice
from ledgerlink.errors import (
    ConflictError,
    InvoiceStateError,
    NotFoundError,
    ValidationError,
)
from ledgerlink.http.connection import DEFAULT_STORE, flag, oauth_connection, required_options
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.oauth import TokenStore
from ledgerlink.http.token_keys import token_key
from ledgerlink_quickbooks import batch, changefeed, drafts, lookup, queries, settings, statuses
from ledgerlink_quickbooks.api import QuickBooksApi
from ledgerlink_quickbooks.credits import credit_invoice
from ledgerlink_quickbooks.customers import DUPLICATE_NAME, Customers
from ledgerlink_quickbooks.faults import parse_fault
from ledgerlink_quickbooks.keys import (
    MAX_DOC_NUMBER,
    NOTE_PREFIX,
    digest,
    doc_number,
    note_for,
    parse_note,
    request_id,
)
from ledgerlink_quickbooks.lookup import DUPLICATE_DOC_NUMBER
from ledgerlink_quickbooks.mapping import InvoiceBodies
from ledgerlink_quickbooks.products import Products, parse_item_map
from ledgerlink_quickbooks.taxes import TaxCodes
from ledgerlink_quickbooks.wire import (
    WIRE,
    QboInvoice,
    QboLinkedTxn,
    QboPayment,
    QboPaymentLine,
    Ref,
)

__all__ = [
    "CAPABILITIES",
    "DEFAULT_STORE",
    "DUPLICATE_DOC_NUMBER",
    "DUPLICATE_NAME",
    "MAX_DOC_NUMBER",
    "MAX_IN_FLIGHT",
    "NOTE_PREFIX",
    "QuickBooksConnector",
    "doc_number",
    "note_for",
    "parse_note",
    "request_id",
]

#: What version 1 declares (see the module docstring for what is left out and why).
CAPABILITIES = frozenset({
    Capability.EMAIL,
    Capability.PDF,
    Capability.VOID,
    Capability.DELETE,
    Capability.WEB_URL,
    Capability.PAYMENTS,
    Capability.RATE_LIMITS,
    Capability.BATCH,
    Capability.CREDIT_NOTES,
    Capability.CHANGE_FEED,
})
#: Requests in flight per realm (QuickBooks allows 10).
MAX_IN_FLIGHT = 10


class QuickBooksConnector(BaseConnector):
    """QuickBooks Online behind the Connector contract (version 1; see the module docs).

    Every option may be given as a string, as ``ledgerlink run -o key=value`` passes them.

    Args:
        realm_id: the QuickBooks company id.
        client_id: the app's OAuth client id.
        client_secret: the app's OAuth client secret.
        token_store: where tokens live (anything with ``load_token``/``save_token``);
            default: the journal :class:`~ledgerlink.store.Store` at ``store``.
        store: the journal store path or URL used when ``token_store`` is not given.
        environment: ``"sandbox"`` or ``"production"`` (picks the API host).
        base_url: another API host (an emulator); its token endpoint is used too.
        transport: an httpx transport (the emulator in-process).
        default_item: the Item Id for lines whose product is not linked.
        tax_code: a ``TaxCodeRef`` value put on every line (e.g. ``"NON"`` in a US
            company without VAT); without it each line's VAT rate picks its TaxCode.
        tax_codes: VAT rate → TaxCode Id where the company's codes do not decide it
            by themselves (``"25=3,0=7"`` or a mapping); see :mod:`.taxes`.
        income_account: the Account Id put on created Items (QuickBooks requires one
            for Service and NonInventory items); without it one of the company's
            Income accounts is chosen (see :mod:`.products`).
        limiters: a private limiter registry (default: the process-wide one).
        drafts: collect posting=draft work on open invoices and declare DRAFTS and
            BOOKING (see :mod:`.drafts`); off by default: every invoice is final.
        item_map: product id → Item Id links (``"P1=5,P2=7"`` or a mapping).
        update_customers: bring a found customer's address, e-mail and tax id up to
            date, and declare CUSTOMER_UPDATES.
    """

    name = settings.PROVIDER
    capabilities = CAPABILITIES
    max_in_flight = MAX_IN_FLIGHT
    max_batch = settings.MAX_BATCH_ITEMS

    def __init__(
        self,
        *,
        realm_id: str,
        client_id: str,
        client_secret: str,
        token_store: TokenStore | None = None,
        store: str | os.PathLike[str] = DEFAULT_STORE,
        environment: str = "sandbox",
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        default_item: str | None = None,
        tax_code: str | None = None,
        tax_codes: str | Mapping[Decimal, str] | None = None,
        income_account: str | None = None,
        limiters: LimiterRegistry | None = None,
        drafts: bool | str = False,
        item_map: str | Mapping[str, str] | None = None,
        update_customers: bool | str = False,
    ) -> None:
        options = required_options("QuickBooks", realm_id=realm_id, client_id=client_id,
                                   client_secret=client_secret)
        if environment not in settings.API_BASE:
            raise ValidationError("environment is 'sandbox' or 'production'",
                                  field="environment", value=environment)
        self.realm_id = options["realm_id"]
        self.account = f"quickbooks-{self.realm_id}"
        self.environment: settings.Environment = (
            "production" if environment == "production" else "sandbox")
        self.default_item = str(default_item) if default_item else None
        self.tax_code = str(tax_code) if tax_code else None
        self.income_account = str(income_account) if income_account else None
        #: Whether posting=draft work is collected on open invoices (DRAFTS, BOOKING).
        self.collect_drafts = flag(drafts, "drafts")
        #: Product id → Item Id links the user stated (the ``item_map`` option).
        self.item_map = parse_item_map(item_map)
        #: Whether a customer's address, e-mail and tax id are updated (opt-in): when it
        #: is found, and (CUSTOMER_UPDATES) when a run bills it after they changed.
        self.update_customers = flag(update_customers, "update_customers")
        self.capabilities = CAPABILITIES | (
            {Capability.DRAFTS, Capability.BOOKING} if self.collect_drafts else set()) | (
            {Capability.CUSTOMER_UPDATES} if self.update_customers else set())
        host = (base_url or settings.API_BASE[self.environment]).rstrip("/")
        self.connection = oauth_connection(
            provider=settings.PROVIDER, account=self.account,
            api_base=f"{host}/v3/company/{self.realm_id}",
            endpoints=settings.endpoints_at(host) if base_url else settings.ENDPOINTS,
            client_id=options["client_id"], client_secret=options["client_secret"],
            token_key=token_key(settings.PROVIDER, self.realm_id), token_store=token_store,
            store=store, transport=transport, limits=settings.LIMITS, parse=parse_fault,
            limiters=limiters, params={"minorversion": settings.MINOR_VERSION})
        #: Every request to the company, every answer checked (:mod:`.api`).
        self.api = QuickBooksApi(self.connection.http, self.realm_id, self.environment,
                                 page_size=queries.MAX_RESULTS)
        #: VAT rate → TaxCode Id (:mod:`.taxes`), loaded on first use.
        self.tax_codes = TaxCodes(self.api.query, tax_codes)
        self.customers = Customers(self.api, update=self.update_customers)
        self.products = Products(self.api, item_map=self.item_map,
                                 default_item=self.default_item,
                                 income_account=self.income_account)
        self.bodies = InvoiceBodies(
            require_items=self.products.linker.require_linked,
            tax_code_for=self.tax_codes.code_for, customer_facts=self.customers.facts,
            tax_code=self.tax_code, collect_drafts=self.collect_drafts)

    def __repr__(self) -> str:
        return (f"QuickBooksConnector(realm_id={self.realm_id!r}, "
                f"environment={self.environment!r})")

    # --- customers and products -----------------------------------------------------

    def find_customer(self, customer: Customer) -> str | None:
        """By DisplayName, then by e-mail; ours first; with ``update_customers`` its
        address, e-mail and tax id are brought up to date (:class:`.customers.Customers`)."""
        return self.customers.find(customer)

    def update_customer(self, customer_ref: str, customer: Customer) -> bool:
        """With ``update_customers``: address, e-mail and tax id made to match ``customer``
        (never the name or the currency); True when QuickBooks was changed."""
        self.require(Capability.CUSTOMER_UPDATES)
        return self.customers.update(customer_ref, customer)

    def create_customer(self, customer: Customer) -> str:
        """Create the customer tagged ``Notes = "ledgerlink:<id>"`` in its currency."""
        return self.customers.create(customer)

    def customer_currency(self, customer_ref: str) -> str | None:
        """The Customer's ``CurrencyRef`` (fixed at creation; read once, then cached)."""
        return self.customers.facts(customer_ref)[0] or None

    def find_product(self, product: Product) -> str | None:
        """The Item with the product's name."""
        return self.products.find(product)

    def create_product(self, product: Product) -> str:
        """Create an Item: Service for services, NonInventory for goods, with an income
        account (:class:`.products.Products`)."""
        return self.products.create(product)

    def product_name(self, remote_id: str) -> str | None:
        """The provider's name of product ``remote_id`` (an Item Id); None when there is none
        (``ledgerlink link product`` checks a link with it)."""
        return self.products.name_of(remote_id)

    # --- invoices -------------------------------------------------------------------

    def find_invoice(self, key: str) -> RemoteInvoice | None:
        """The invoice or credit note (CreditMemo) whose DocNumber derives from ``key`` and
        whose note carries it (:func:`.lookup.find_invoice`)."""
        return lookup.find_invoice(self.api, key)

    def find_invoices(self, keys: Sequence[str]) -> dict[str, RemoteInvoice]:
        """The invoices and credit notes carrying ``keys``: ``DocNumber IN (...)`` queries,
        one per page of keys and entity (see :func:`.lookup.find_invoices`)."""
        return lookup.find_invoices(self.api, keys)

    def get_invoice(self, provider_id: str) -> RemoteInvoice:
        """The invoice with QuickBooks Id ``provider_id`` (NotFoundError on 610)."""
        return self.api.get_invoice(provider_id)

    def replace_lines(
        self, provider_id: str, source_key: str, lines: Sequence[InvoiceLine],
        products: ProductRefs,
    ) -> RemoteInvoice:
        """On an open invoice (``drafts=True``), replace the lines tagged ``source_key``."""
        self.require(Capability.DRAFTS)
        return drafts.replace_lines(self.api, self.bodies, provider_id, source_key, lines,
                                    products)

    def book(self, provider_id: str) -> RemoteInvoice:
        """Make an open invoice final (``drafts=True``); a final one is returned as is."""
        self.require(Capability.BOOKING)
        return drafts.book(self.api, provider_id)

    def create_invoice(
        self, draft: InvoiceDraft, customer_ref: str, products: ProductRefs
    ) -> RemoteInvoice:
        """Create the (final) invoice; see the module docs for keys and refusals. An
        answer carrying another key is refused (TransientProviderError), never linked."""
        body = WIRE.dumps(self.bodies.invoice(draft, customer_ref, products))
        try:
            created = self.api.save("Invoice", body, "create-invoice",
                                    f"{draft.key}|{digest(body)}")
        except ConflictError as err:
            return lookup.ours_or(self.api, draft.key, err)
        if parse_note(created.get("PrivateNote"))[0] != draft.key:
            raise self.api.malformed(
                f"the created Invoice {created['Id']!r} does not carry key {draft.key!r}",
                operation="create-invoice", unclear=True)
        return self.api.invoice(created)

    def create_invoices(self, items: Sequence[BatchItem], products: ProductRefs) -> BatchResult:
        """Create up to :data:`settings.MAX_BATCH_ITEMS` invoices in one ``/batch`` request
        (see :func:`.batch.create_invoices`)."""
        return batch.create_invoices(self.api, self.bodies, self.customers, items, products)

    def send(self, provider_id: str, email: str | None = None) -> None:
        """Email the invoice (``sendTo`` when ``email`` is given, else its BillEmail).

        Only an answer carrying the invoice marked ``EmailSent`` counts as sent; a
        2xx with any other body raises TransientProviderError (the e-mail may have
        gone out), so the runner leaves it to recovery as it does a timeout.
        The requestid derives from the invoice and the address, so a retried send
        is not emailed twice; a deliberate second send to the same address within
        QuickBooks' replay window is answered from the replay as well. With
        ``drafts=True`` an open invoice is refused (InvoiceStateError): book it
        first; that costs one read per send, so only that mode checks.
        """
        if self.collect_drafts and not self.get_invoice(provider_id).booked:
            raise InvoiceStateError(
                f"QuickBooks invoice {provider_id} still collects work; book it before "
                "e-mailing it", provider=self.name)
        operation = "send-invoice"
        answer, response = self.api.write(
            f"/invoice/{provider_id}/send", b"", operation, f"{provider_id}|{email or ''}",
            params={"sendTo": email} if email else {},
            content_type="application/octet-stream")
        sent = answer.get("Invoice")
        # Only QuickBooks' own word that it e-mailed this invoice counts as sent; anything
        # else is as unknown as a timeout, for recovery to decide.
        if not isinstance(sent, Mapping) or str(sent.get("Id")) != provider_id:
            raise self.api.malformed(f"the e-mail of invoice {provider_id} was answered "
                                     "without that invoice; it may or may not have been sent",
                                     operation=operation, response=response, unclear=True)
        if not statuses.is_sent(sent):
            raise self.api.malformed(f"invoice {provider_id} is not marked EmailSent; it may "
                                     "or may not have been sent", operation=operation,
                                     response=response, unclear=True)

    def pdf(self, provider_id: str) -> bytes:
        """The invoice as QuickBooks renders it (an answer that is not a PDF: ProviderError)."""
        return self.api.pdf(provider_id)

    def void(self, provider_id: str) -> RemoteInvoice:
        """Void the invoice (irreversible): amounts zeroed, the record kept.

        A voided invoice is returned as it is: voiding it again (a repeat whose
        first answer was lost) would mark its note "Voided" twice and hide its key.
        """
        return self.api.invoice(self.api.act(provider_id, "void", done=statuses.is_voided))

    def delete(self, provider_id: str) -> None:
        """Delete the invoice; QuickBooks forgets it, so deleting it again (a repeat whose
        first answer was lost) finds nothing to delete and is done."""
        try:
            self.api.act(provider_id, "delete")
        except NotFoundError:
            return

    def register_payment(self, provider_id: str, amount: Decimal, paid_on: date) -> RemoteInvoice:
        """Record a Payment of ``amount`` applied to the invoice."""
        invoice = WIRE.structure(self.api.read_invoice(provider_id), QboInvoice,
                                 operation="read invoice to pay")
        payment = QboPayment(
            CustomerRef=Ref(invoice.CustomerRef.value),
            TotalAmt=amount,
            Line=(QboPaymentLine(amount, (QboLinkedTxn(provider_id, "Invoice"),)),),
            TxnDate=paid_on,
            CurrencyRef=Ref(invoice.CurrencyRef.value) if invoice.CurrencyRef else None,
        )
        body = WIRE.dumps(payment)
        self.api.save("Payment", body, "create-payment",
                      f"{provider_id}|{invoice.SyncToken}|{digest(body)}")
        return self.get_invoice(provider_id)

    def credit(self, provider_id: str, key: str) -> RemoteInvoice:
        """Credit the whole invoice with a CreditMemo keyed ``key`` and apply it
        (see :func:`.credits.credit_invoice`)."""
        return credit_invoice(self.api, provider_id, key)

    def changes(self, since: datetime, known: KnownVersions | None = None) -> Changes:
        """Invoices changed or deleted since ``since``: one ``/cdc`` call when its answer
        holds them, else pages of a query and the ``known`` ids checked in pages
        (see :mod:`.changefeed`)."""
        return changefeed.changes(self.api, since, known)

    def list_invoices(
        self, customer_ref: str, start: date, end: date
    ) -> Iterator[RemoteInvoice]:
        """The customer's invoices issued in ``start..end``, by issue date, page by page."""
        where: list[queries.Condition] = [("CustomerRef", "=", customer_ref),
                                          ("TxnDate", ">=", start), ("TxnDate", "<=", end)]
        position = 1
        while True:
            rows = self.api.query("Invoice", where, start=position, order_by="TxnDate")
            for row in rows:
                yield self.api.invoice(row)
            if len(rows) < self.api.page_size:
                return
            position += len(rows)

    def web_url(self, provider_id: str) -> str:
        """Where the invoice opens in the QuickBooks web app (signed-in users)."""
        return self.api.web_url(provider_id)

    @property
    def requests_sent(self) -> int:
        """Requests sent to QuickBooks so far, retries included (its HTTP client counts them)."""
        return self.connection.http.sent

    def close(self) -> None:
        """Close the HTTP clients and the token store this connector opened."""
        self.connection.close()
