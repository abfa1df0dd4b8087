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

Customers are matched by DisplayName (also ``"<name> (<id>)"``, the name used
when the plain one is taken: 6240; both in one query), then by e-mail; a
customer tagged ``Notes = "ledgerlink:<id>"`` with our id wins, a customer
tagged with another id is never taken, and an untagged one is taken only in
the customer's currency. Products map to Items (Service or NonInventory) by Name.

Invoice lines use the linked Item of their product, else ``default_item``;
a line with neither blocks the creation (ValidationError naming the line).
The invoice currency must equal the customer's (QuickBooks fixes a customer's
currency at creation); a mismatch is refused before any write (ConflictError).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx

from ledgerlink.connector import (
    BaseConnector,
    BatchItem,
    BatchResult,
    Capability,
    Changes,
    ProductRefs,
)
from ledgerlink.domain import (
    Customer,
    InvoiceDraft,
    InvoiceLine,
    Product,
    ProductKind,
    RemoteInvoice,
)
from ledgerlink.errors import (
    ConflictError,
    InvoiceStateError,
    NotFoundError,
    TransientProviderError,
    ValidationError,
)
from ledgerlink.http.client import ProviderClient, make_client
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.oauth import ClientCredentials, OAuth2Auth, TokenStore
from ledgerlink_quickbooks import (
    batch,
    changefeed,
    customers,
    drafts,
    lookup,
    queries,
    replays,
    settings,
    statuses,
)
from ledgerlink_quickbooks.credits import credit_invoice, remote_credit
from ledgerlink_quickbooks.customers import (
    DUPLICATE_NAME,
    MAX_ITEM_NAME,
    clean_name,
    update_customer,
)
from ledgerlink_quickbooks.faults import STALE_OBJECT, parse_fault
from ledgerlink_quickbooks.items import ItemLinker, list_items, parse_item_map
from ledgerlink_quickbooks.keys import (
    MAX_DOC_NUMBER,
    NOTE_PREFIX,
    digest,
    doc_number,
    is_credit_key,
    note_for,
    parse_note,
    request_id,
)
from ledgerlink_quickbooks.taxes import TaxCodes
from ledgerlink_quickbooks.wire import (
    QboCustomer,
    QboInvoice,
    QboItem,
    QboLine,
    QboLinkedTxn,
    QboPayment,
    QboPaymentLine,
    QboSalesItemLineDetail,
    Ref,
    converter,
    dumps,
    loads,
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
#: The journal store the tokens live in when no token store is given.
DEFAULT_STORE = "ledgerlink.db"
#: Duplicate DocNumber.
DUPLICATE_DOC_NUMBER = "6210"


def _flag(value: bool | str, field: str) -> bool:
    """A yes/no option, also as ``-o drafts=true`` passes it."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise ValidationError("expected true or false", field=field, value=value)


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
        income_account: an Account Id put on created Items (QuickBooks requires
            one for Service and NonInventory items in real companies).
        limiters: a private limiter registry (default: the process-wide one).
        drafts: collect posting=draft work on open invoices and declare DRAFTS and
            BOOKING (see :mod:`.drafts`); off by default: every invoice is final.
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
        for field, value in (("realm_id", realm_id), ("client_id", client_id),
                             ("client_secret", client_secret)):
            if not isinstance(value, str) or not value.strip():
                raise ValidationError("required QuickBooks option", field=field,
                                      value=None if field == "client_secret" else value)
        if environment not in settings.API_BASE:
            raise ValidationError("environment is 'sandbox' or 'production'",
                                  field="environment", value=environment)
        self.realm_id = str(realm_id).strip()
        self.account = f"quickbooks-{self.realm_id}"
        self.environment: settings.Environment = (
            "production" if environment == "production" else "sandbox")
        self.default_item = str(default_item) if default_item else None
        self.tax_code = str(tax_code) if tax_code else None
        #: Whether posting=draft work is collected on open invoices (DRAFTS, BOOKING).
        self.collect_drafts = _flag(drafts, "drafts")
        self._tax_codes = TaxCodes(lambda entity, where: self._query(entity, where), tax_codes)
        self.income_account = str(income_account) if income_account else None
        #: Product id → Item Id links the user stated (the ``item_map`` option).
        self.item_map = parse_item_map(item_map)
        #: Whether a customer's address, e-mail and tax id are updated (opt-in): when it
        #: is found, and (CUSTOMER_UPDATES) when a run bills it after they changed.
        self.update_customers = _flag(update_customers, "update_customers")
        self.capabilities = CAPABILITIES | (
            {Capability.DRAFTS, Capability.BOOKING} if self.collect_drafts else set()) | (
            {Capability.CUSTOMER_UPDATES} if self.update_customers else set())
        # Lists the company's Items only when a line needs matching by name.
        self._items = ItemLinker(lambda: list_items(self), item_map=self.item_map,
                                 default_item=self.default_item)
        #: Rows per query page (QuickBooks allows at most 1000).
        self.page_size = queries.MAX_RESULTS
        host = (base_url or settings.API_BASE[self.environment]).rstrip("/")
        endpoints = settings.endpoints_at(host) if base_url else settings.ENDPOINTS
        self._own_store: Any = None
        if token_store is None:
            from ledgerlink.store import Store

            token_store = self._own_store = Store(os.fspath(store))
        self._token_client = make_client(transport=transport) if transport is not None else None
        auth = OAuth2Auth(endpoints, ClientCredentials(client_id, client_secret), token_store,
                          f"{settings.PROVIDER}:{self.realm_id}", provider=settings.PROVIDER,
                          token_client=self._token_client)
        client = make_client(f"{host}/v3/company/{self.realm_id}", transport=transport,
                             auth=auth)
        client.params = client.params.set("minorversion", settings.MINOR_VERSION)
        self._http = ProviderClient(settings.PROVIDER, self.account, client,
                                    limits=settings.LIMITS, parse=parse_fault,
                                    limiters=limiters)
        # Customer ref → (currency, e-mail). A customer's currency never changes.
        self._customers: dict[str, tuple[str, str | None]] = {}

    def __repr__(self) -> str:
        return (f"QuickBooksConnector(realm_id={self.realm_id!r}, "
                f"environment={self.environment!r})")

    # --- plumbing -------------------------------------------------------------------

    def _get(self, path: str, **kwargs: Any) -> Any:
        return loads(self._http.get(path, **kwargs).text)

    def _write(self, path: str, body: bytes, operation: str, key: str,
               params: Mapping[str, str] | None = None) -> Any:
        """POST ``body`` with a requestid derived from ``operation`` and ``key`` (the next
        generation's after a replayed malformed refusal: :mod:`.replays`)."""
        response = replays.post(self._http, self.realm_id, path, body, operation, key,
                                params=params)
        return replays.answer(response, f"{operation} ({path})")

    def _query(self, entity: str, where: list[queries.Condition], *, start: int = 1,
               max_results: int | None = None, order_by: str | None = None) -> list[Any]:
        text = queries.select(entity, where, start=start,
                              max_results=max_results or self.page_size, order_by=order_by)
        body = self._get("/query", params={"query": text})
        rows = (body.get("QueryResponse") or {}).get(entity) or []
        return list(rows)

    def _remote(self, raw: Mapping[str, Any]) -> RemoteInvoice:
        invoice = converter.structure(raw, QboInvoice)
        key, line_keys = parse_note(invoice.PrivateNote)
        issued = invoice.TxnDate or date.today()
        assert invoice.Id is not None
        voided, sent = statuses.is_voided(raw), statuses.is_sent(raw)
        booked = drafts.is_booked(raw, voided=voided, sent=bool(sent))
        return RemoteInvoice(
            provider_id=invoice.Id,
            key=key,
            customer_ref=invoice.CustomerRef.value,
            currency=invoice.CurrencyRef.value if invoice.CurrencyRef else "",
            total=invoice.TotalAmt if invoice.TotalAmt is not None else Decimal(0),
            balance=invoice.Balance if invoice.Balance is not None else Decimal(0),
            issue_date=issued,
            due_date=invoice.DueDate or issued,
            number=invoice.DocNumber if booked else None,
            booked=booked,
            voided=voided,
            deleted=False,
            sent=sent,
            web_url=self.web_url(invoice.Id),
            line_keys=tuple(dict.fromkeys(k for k in line_keys if k)),
        )

    def _read_invoice(self, provider_id: str) -> Any:
        return self._get(f"/invoice/{provider_id}")["Invoice"]

    def _remember(self, raw: Mapping[str, Any]) -> str:
        customer = converter.structure(raw, QboCustomer)
        assert customer.Id is not None
        currency = customer.CurrencyRef.value if customer.CurrencyRef else ""
        email = customer.PrimaryEmailAddr.Address if customer.PrimaryEmailAddr else None
        self._customers[customer.Id] = (currency, email)
        return customer.Id

    def _customer_facts(self, ref: str) -> tuple[str, str | None]:
        known = self._customers.get(ref)
        if known is None:
            self._remember(self._get(f"/customer/{ref}")["Customer"])
            known = self._customers[ref]
        return known

    # --- customers and products -----------------------------------------------------

    def find_customer(self, customer: Customer) -> str | None:
        """The customer's ref (:meth:`_find_customer`); with ``update_customers`` its
        address, e-mail and tax id are brought up to date (:func:`.customers.update_customer`).
        """
        ref = self._find_customer(customer)
        if ref is not None and self.update_customers:
            update_customer(self, ref, customer)
        return ref

    def update_customer(self, customer_ref: str, customer: Customer) -> bool:
        """With ``update_customers``: address, e-mail and tax id made to match ``customer``
        (never the name or the currency); True when QuickBooks was changed."""
        self.require(Capability.CUSTOMER_UPDATES)
        return update_customer(self, customer_ref, customer)

    def _find_customer(self, customer: Customer) -> str | None:
        """By DisplayName, then by e-mail; ours first (:func:`.customers.find_customer`)."""
        return customers.find_customer(self, customer)

    def create_customer(self, customer: Customer) -> str:
        """Create the customer tagged ``Notes = "ledgerlink:<id>"`` in its currency
        (:func:`.customers.create_customer`)."""
        return customers.create_customer(self, customer)

    def find_product(self, product: Product) -> str | None:
        """The Item with the product's name."""
        name = clean_name(product.name, MAX_ITEM_NAME)
        for row in self._query("Item", [("Name", "=", name)], max_results=10):
            if row.get("Active") is not False:
                return str(row["Id"])
        return None

    def create_product(self, product: Product) -> str:
        """Create an Item: Service for services, NonInventory for goods."""
        item = QboItem(
            Name=clean_name(product.name, MAX_ITEM_NAME),
            Type="Service" if product.kind is ProductKind.SERVICE else "NonInventory",
            UnitPrice=product.unit_price,
        )
        raw = converter.unstructure(item)
        if self.income_account:
            raw["IncomeAccountRef"] = {"value": self.income_account}
        body = dumps(raw)
        answer = self._write("/item", body, "create-item", f"{product.id}|{digest(body)}")
        return str(answer["Item"]["Id"])

    # --- invoices -------------------------------------------------------------------

    def _lines(self, draft_lines: Sequence[InvoiceLine], currency: str,
               products: ProductRefs) -> tuple[QboLine, ...]:
        lines = []
        items = self._items.require_linked(draft_lines, products)
        for line, item in zip(draft_lines, items, strict=True):
            lines.append(QboLine(
                DetailType="SalesItemLineDetail",
                Amount=line.net(currency),
                Description=line.description,
                SalesItemLineDetail=QboSalesItemLineDetail(
                    ItemRef=Ref(str(item)), Qty=line.quantity, UnitPrice=line.unit_price,
                    TaxCodeRef=Ref(self.tax_code or self._tax_codes.code_for(line.vat_rate))),
            ))
        return tuple(lines)

    def find_invoice(self, key: str) -> RemoteInvoice | None:
        """The invoice or credit note (CreditMemo) whose DocNumber derives from ``key`` and
        whose note carries it.

        A credit key (``credit:...``) is looked for among CreditMemos first, any
        other among Invoices first; a key found in neither costs two queries.
        """
        entities = ("CreditMemo", "Invoice") if is_credit_key(key) else ("Invoice", "CreditMemo")
        number = doc_number(key)
        for entity in entities:
            for row in self._query(entity, [("DocNumber", "=", number)], max_results=10):
                if parse_note(row.get("PrivateNote"))[0] == key:
                    return self._credit(row) if entity == "CreditMemo" else self._remote(row)
        return None

    def find_invoices(self, keys: Sequence[str]) -> dict[str, RemoteInvoice]:
        """The invoices and credit notes carrying ``keys``: ``DocNumber IN (...)`` queries,
        one per page of keys and entity (see :func:`.lookup.find_invoices`)."""
        return lookup.find_invoices(self, keys)

    def get_invoice(self, provider_id: str) -> RemoteInvoice:
        """The invoice with QuickBooks Id ``provider_id`` (NotFoundError on 610)."""
        return self._remote(self._read_invoice(provider_id))

    def _invoice_body(self, draft: InvoiceDraft, customer_ref: str,
                      products: ProductRefs) -> dict[str, Any]:
        """The Invoice to create for ``draft``; refusals are raised before any write."""
        lines = self._lines(draft.lines, draft.currency, products)
        currency, email = self._customer_facts(customer_ref)
        if currency and currency != draft.currency:
            raise ConflictError(
                f"the invoice is in {draft.currency} but customer {customer_ref} is invoiced "
                f"in {currency}; a QuickBooks customer's currency is fixed when it is created",
                provider=self.name)
        invoice = QboInvoice(
            CustomerRef=Ref(customer_ref),
            Line=lines,
            DocNumber=doc_number(draft.key),
            PrivateNote=self._note(draft),
            TxnDate=draft.issue_date,
            DueDate=draft.due_date,
            CurrencyRef=Ref(draft.currency),
        )
        raw: dict[str, Any] = converter.unstructure(invoice)
        if email:
            raw["BillEmail"] = {"Address": email}
        return raw

    def _note(self, draft: InvoiceDraft) -> str:
        keys = [line.source_key for line in draft.lines]
        if not self.collect_drafts or draft.final:
            return note_for(draft.key, keys)
        try:
            return note_for(draft.key, keys, collecting=True)
        except ValueError as err:
            raise ValidationError(f"an open QuickBooks invoice cannot track these lines: {err}",
                                  field="lines", value=len(keys)) from err

    def replace_lines(
        self, provider_id: str, source_key: str, lines: Sequence[InvoiceLine],
        products: ProductRefs,
    ) -> RemoteInvoice:
        """On an open invoice (``drafts=True``), replace the lines tagged ``source_key``."""
        self.require(Capability.DRAFTS)
        return drafts.replace_lines(self, provider_id, source_key, lines, products)

    def book(self, provider_id: str) -> RemoteInvoice:
        """Make an open invoice final (``drafts=True``); a final one is returned as is."""
        self.require(Capability.BOOKING)
        return drafts.book(self, provider_id)

    def _ours_or(self, key: str, err: ConflictError) -> RemoteInvoice:
        """After a duplicate DocNumber: our invoice for ``key`` if it is ours, else ``err``."""
        if err.code == DUPLICATE_DOC_NUMBER:
            ours = self.find_invoice(key)
            if ours is not None:
                return ours
        raise err

    def create_invoice(
        self, draft: InvoiceDraft, customer_ref: str, products: ProductRefs
    ) -> RemoteInvoice:
        """Create the (final) invoice; see the module docs for keys and refusals."""
        body = dumps(self._invoice_body(draft, customer_ref, products))
        try:
            answer = self._write("/invoice", body, "create-invoice",
                                 f"{draft.key}|{digest(body)}")
        except ConflictError as err:
            return self._ours_or(draft.key, err)
        return self._remote(answer["Invoice"])

    def create_invoices(self, items: Sequence[BatchItem], products: ProductRefs) -> BatchResult:
        """Create up to :data:`settings.MAX_BATCH_ITEMS` invoices in one ``/batch`` request
        (see :func:`.batch.create_invoices`)."""
        return batch.create_invoices(self, items, products)

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
        params = {"sendTo": email} if email else {}
        response = replays.post(self._http, self.realm_id, f"/invoice/{provider_id}/send", b"",
                                "send-invoice", f"{provider_id}|{email or ''}", params=params,
                                content_type="application/octet-stream")
        sent = replays.answer(response, f"the e-mail of invoice {provider_id}").get("Invoice")
        if not isinstance(sent, dict) or str(sent.get("Id")) != provider_id or not (
                statuses.is_sent(sent)):
            # Only QuickBooks' own word that it e-mailed this invoice counts as sent;
            # anything else is as unknown as a timeout, for recovery to decide.
            raise TransientProviderError(
                f"QuickBooks answered the e-mail of invoice {provider_id} without the "
                "e-mailed invoice; it may or may not have been sent",
                provider=self.name, status=response.status_code)

    def pdf(self, provider_id: str) -> bytes:
        """The invoice as QuickBooks renders it."""
        response = self._http.get(f"/invoice/{provider_id}/pdf",
                                  headers={"Accept": "application/pdf"})
        return response.content

    def _with_sync_token(self, provider_id: str, operation: str,
                         done: Callable[[Mapping[str, Any]], bool] | None = None) -> Any:
        """POST ``operation`` with the current SyncToken; on a stale one re-read and retry once.
        An invoice ``done`` says is already in the wanted state is answered as read."""
        for attempt in range(2):
            current = self._read_invoice(provider_id)
            if done is not None and done(current):
                return {"Invoice": current}
            token = str(current.get("SyncToken", ""))
            body = dumps({"Id": provider_id, "SyncToken": token})
            try:
                return self._write("/invoice", body, f"{operation}-invoice",
                                   f"{provider_id}|{token}", params={"operation": operation})
            except ConflictError as err:
                if err.code != STALE_OBJECT or attempt == 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def void(self, provider_id: str) -> RemoteInvoice:
        """Void the invoice (irreversible): amounts zeroed, the record kept.

        A voided invoice is returned as it is: voiding it again (a repeat whose
        first answer was lost) would mark its note "Voided" twice and hide its key.
        """
        answer = self._with_sync_token(provider_id, "void", done=statuses.is_voided)
        return self._remote(answer["Invoice"])

    def delete(self, provider_id: str) -> None:
        """Delete the invoice; QuickBooks forgets it, so deleting it again (a repeat whose
        first answer was lost) finds nothing to delete and is done."""
        try:
            self._with_sync_token(provider_id, "delete")
        except NotFoundError:
            return

    def register_payment(self, provider_id: str, amount: Decimal, paid_on: date) -> RemoteInvoice:
        """Record a Payment of ``amount`` applied to the invoice."""
        current = self._read_invoice(provider_id)
        invoice = converter.structure(current, QboInvoice)
        payment = QboPayment(
            CustomerRef=Ref(invoice.CustomerRef.value),
            TotalAmt=amount,
            Line=(QboPaymentLine(amount, (QboLinkedTxn(provider_id, "Invoice"),)),),
            TxnDate=paid_on,
            CurrencyRef=Ref(invoice.CurrencyRef.value) if invoice.CurrencyRef else None,
        )
        body = dumps(payment)
        self._write("/payment", body, "create-payment",
                    f"{provider_id}|{invoice.SyncToken}|{digest(body)}")
        return self.get_invoice(provider_id)

    def credit(self, provider_id: str, key: str) -> RemoteInvoice:
        """Credit the whole invoice with a CreditMemo keyed ``key`` and apply it
        (see :func:`.credits.credit_invoice`)."""
        return credit_invoice(self, provider_id, key)

    def _credit(self, raw: Mapping[str, Any]) -> RemoteInvoice:
        url = settings.WEB_APP_CREDIT_MEMO[self.environment].format(id=raw["Id"])
        return remote_credit(raw, lambda note: parse_note(note)[0], url)

    def changes(self, since: datetime) -> Changes:
        """Invoices changed or deleted since ``since``, from one ``/cdc`` call."""
        return changefeed.changes(self, since)

    def list_invoices(
        self, customer_ref: str, start: date, end: date
    ) -> Iterator[RemoteInvoice]:
        """The customer's invoices issued in ``start..end``, by issue date, page by page."""
        where: list[queries.Condition] = [("CustomerRef", "=", customer_ref),
                                          ("TxnDate", ">=", start), ("TxnDate", "<=", end)]
        position = 1
        while True:
            rows = self._query("Invoice", where, start=position, order_by="TxnDate")
            for row in rows:
                yield self._remote(row)
            if len(rows) < self.page_size:
                return
            position += len(rows)

    def web_url(self, provider_id: str) -> str:
        """Where the invoice opens in the QuickBooks web app (signed-in users)."""
        return settings.WEB_APP[self.environment].format(id=provider_id)

    def close(self) -> None:
        """Close the HTTP clients and the token store this connector opened."""
        self._http.close()
        if self._token_client is not None:
            self._token_client.close()
        if self._own_store is not None and hasattr(self._own_store, "close"):
            self._own_store.close()
