"""Invoices: drafts created with our GUID, their lines replaced, booked, emailed, paid
and deleted, each write under the Timestamp just read (or just answered).

A draft is created keyed by ``ExternalReference`` and carrying our GUID
(:meth:`.api.DineroApi.create`). A draft this helper just created keeps the
Timestamp of the create's receipt, so booking it needs no read; a stale one
(58: a person edited it) falls back to reading. Booking is final in Dinero, so
an invoice seen booked needs no read before it is emailed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from functools import partial
from typing import TypeVar

import attrs

from ledgerlink.connector import ProductRefs
from ledgerlink.domain import InvoiceDraft, InvoiceLine, RemoteInvoice
from ledgerlink.errors import (
    ConflictError,
    InvoiceStateError,
    NotFoundError,
    ProviderError,
    TransientProviderError,
)
from ledgerlink_dinero import lookup, settings
from ledgerlink_dinero.api import DineroApi, Gone, or_none
from ledgerlink_dinero.customers import MAX_RECREATIONS, DineroCustomers
from ledgerlink_dinero.faults import STALE_TIMESTAMP
from ledgerlink_dinero.keys import EMPTY_MARKER, external_reference, line_key, object_guid
from ledgerlink_dinero.mapping import (
    VatAccounts,
    copy_line,
    empty_line,
    product_lines,
    remote_invoice,
)
from ledgerlink_dinero.products import DineroProducts
from ledgerlink_dinero.statuses import HOME_CURRENCY, foreign_payment, version_bound
from ledgerlink_dinero.totals import invoice_total_incl_vat
from ledgerlink_dinero.wire import (
    DineroBook,
    DineroInvoice,
    DineroMailout,
    DineroPayment,
    DineroProductLine,
    DineroReceipt,
    DineroTimestampBody,
)

__all__ = ["DEFAULT_MESSAGE", "DineroInvoices"]

#: The email text; Dinero requires the PDF link placeholder in any message [D10].
DEFAULT_MESSAGE = f"Please find your invoice here: {settings.PDF_LINK_PLACEHOLDER}"

T = TypeVar("T")


class DineroInvoices:
    """The writes on invoices (see the module docs).

    Args:
        api: the organisation's requests.
        customers: the contacts (for each one's invoice currency).
        products: the product links of lines.
        accounts: the sales account of each VAT rate.
    """

    def __init__(self, api: DineroApi, customers: DineroCustomers, products: DineroProducts,
                 accounts: VatAccounts) -> None:
        self.api = api
        self.customers = customers
        self.products = products
        self.accounts = accounts
        self._lock = threading.Lock()
        # Invoices seen booked (booking is final in Dinero), so sending reads nothing.
        self._booked: set[str] = set()
        # Drafts just created with lines: the Timestamp of the create's receipt and what
        # create returned, so booking them needs no read.
        self._just_created: dict[str, tuple[str, RemoteInvoice]] = {}

    def forget(self) -> None:
        """Forget the drafts just created and the invoices seen booked: what follows reads
        each invoice first, as a connector made later would."""
        with self._lock:
            self._booked.clear()
            self._just_created.clear()

    def _seen_booked(self, guid: str) -> None:
        with self._lock:
            self._booked.add(guid)

    def _take_created(self, guid: str) -> tuple[str, RemoteInvoice] | None:
        with self._lock:
            return self._just_created.pop(guid, None)

    def _lines(self, lines: Sequence[InvoiceLine],
               products: ProductRefs) -> list[DineroProductLine]:
        return product_lines(lines, self.products.links(lines, products), self.accounts)

    def _empty(self) -> DineroProductLine:
        return empty_line(next(iter(self.accounts.by_rate.values())))

    def _ours(self, body: DineroInvoice, guid: str) -> RemoteInvoice | None:
        """The invoice with our GUID when it carries the same key."""
        found = self.api.read_invoice(guid)
        return self.api.remote(found) if found.ExternalReference == body.ExternalReference else None

    def create(self, draft: InvoiceDraft, customer_ref: str,
               products: ProductRefs) -> RemoteInvoice:
        """Create a draft keyed by ExternalReference, with our GUID.

        An invoice in another currency than the contact's is refused before any
        write (ConflictError): Dinero would take it, but the customer is billed in
        one currency.
        """
        currency = self.customers.currency_of(customer_ref)
        if currency is not None and currency != draft.currency:
            raise ConflictError(f"the customer is invoiced in {currency}, not {draft.currency}",
                                provider=self.api.provider)
        lines = tuple(self._lines(draft.lines, products)) or (self._empty(),)
        for salt in range(MAX_RECREATIONS):
            guid = object_guid(self.api.organisation_id, "invoice", draft.key,
                               salt=str(salt) if salt else "")
            body = DineroInvoice(
                Guid=guid, ContactGuid=customer_ref, Currency=draft.currency,
                ExternalReference=external_reference(draft.key, "key"), Date=draft.issue_date,
                PaymentConditionType="Netto",
                PaymentConditionNumberOfDays=(draft.due_date - draft.issue_date).days,
                Description=draft.reference or None, ShowLinesInclVat=False,
                ProductLines=lines)
            stamps: list[str] = []
            try:
                found = self.api.create(
                    "invoices", body, operation=f"create invoice {draft.key}", field="Guid",
                    guid=guid, lookup=lambda: lookup.invoice_by_key(self.api, draft.key),
                    existing=partial(self._ours, body, guid),
                    receipt=partial(_keep_timestamp, stamps))
            except Gone:
                continue  # a person deleted the draft made under this GUID: a fresh one
            if found is not None:
                return found
            # Dinero's total, rounded per line (not the draft's per-rate VAT): booking
            # answers from this without a read (:mod:`.totals`).
            total = invoice_total_incl_vat(draft.lines)
            created = RemoteInvoice(
                provider_id=guid, key=draft.key, customer_ref=customer_ref,
                currency=draft.currency, total=total, balance=total,
                issue_date=draft.issue_date, due_date=draft.due_date,
                line_keys=tuple(dict.fromkeys(ln.source_key for ln in draft.lines
                                              if ln.source_key)))
            if stamps and draft.lines:
                with self._lock:
                    self._just_created[guid] = (stamps[-1], created)
            return created
        raise ConflictError(f"{MAX_RECREATIONS} drafts keyed {draft.key} were deleted in "
                            "Dinero; not creating another", provider=self.api.provider)

    def replace_lines(self, guid: str, source_key: str, lines: Sequence[InvoiceLine],
                      products: ProductRefs) -> None:
        """On a draft, replace the lines tagged ``source_key``: a full ProductLines update
        with the Timestamp just read (58: read again and decide again, once)."""
        self._take_created(guid)
        new = self._lines(lines, products)
        operation = f"replace lines of invoice {guid}"

        def update(current: DineroInvoice) -> None:
            kept = [copy_line(ln) for ln in current.ProductLines
                    if line_key(ln.Comments) != source_key and ln.Comments != EMPTY_MARKER]
            merged = tuple(kept + new) or (self._empty(),)
            body = _update_body(current, merged, self.api.timestamp(current, operation=operation))
            self.api.send("PUT", f"invoices/{guid}", body, operation=operation,
                          idempotent=True, version="v1.2")

        self.api.fresh(guid, lambda current: self._check_draft(current, update))

    def _check_draft(self, current: DineroInvoice, then: Callable[[DineroInvoice], T]) -> T:
        if current.Status != "Draft":
            raise InvoiceStateError(f"Dinero invoice {current.Guid} is booked; it cannot "
                                    "change", provider=self.api.provider)
        return then(current)

    def book(self, guid: str) -> RemoteInvoice:
        """Book the draft with its Timestamp; a booked invoice is returned as it is.
        A draft holding no lines (only the stand-in) is refused (InvoiceStateError)."""
        just = self._take_created(guid)
        if just is not None:
            # Made here a moment ago: its Timestamp is the create's answer, so no read;
            # a stale one (58, a person edited it) falls back to reading.
            stamp, created = just
            try:
                receipt, bound = self._post_book(guid, stamp)
            except ConflictError as err:
                if err.code != STALE_TIMESTAMP:
                    raise
            else:
                if isinstance(receipt, RemoteInvoice):
                    return receipt
                number = receipt.Number if receipt is not None else None
                return attrs.evolve(created, booked=True, version=bound,
                                    number=None if number is None else str(number))

        def book(current: DineroInvoice) -> RemoteInvoice:
            if current.Status != "Draft":
                self._seen_booked(guid)
                return self.api.remote(current)
            if all(ln.Comments == EMPTY_MARKER for ln in current.ProductLines):
                raise InvoiceStateError(f"Dinero invoice {guid} has no lines to book",
                                        provider=self.api.provider)
            stamp = self.api.timestamp(current, operation=f"book invoice {guid}")
            receipt, bound = self._post_book(guid, stamp)
            if isinstance(receipt, RemoteInvoice):
                return receipt
            # The receipt carries the number and the new Timestamp; the rest is the
            # draft just read, booked and not paid yet: no read after booking.
            answered = receipt or DineroReceipt()
            booked = attrs.evolve(
                current, Status="Booked", PaymentStatus="Booked",
                Number=current.Number if answered.Number is None else answered.Number,
                Timestamp=answered.Timestamp or current.Timestamp)
            return attrs.evolve(remote_invoice(booked, paid=Decimal(0)), version=bound)

        return self.api.fresh(guid, book)

    def _post_book(self, guid: str,
                   stamp: str) -> tuple[DineroReceipt | RemoteInvoice | None, str | None]:
        """``POST …/book``: Dinero's receipt, or the invoice when it is booked already; and
        the booked invoice's version (:func:`.statuses.version_bound`, None when read).

        The write is repeated after a lost answer (the Timestamp makes a repeat
        harmless), and the repeat of a book that committed is refused ("only
        draft invoices can be booked"): so a refusal is checked against a fresh
        read, and a booked invoice is returned as it is. A stale Timestamp (58) is
        left to the caller, which reads again and sees the invoice booked. A
        malformed receipt (outcome unknown) is raised for the runner to reconcile.
        """
        try:
            receipt, response = self.api.send_answered(
                "POST", f"invoices/{guid}/book", DineroBook(stamp),
                operation=f"book invoice {guid}", idempotent=True)
        except ProviderError as err:
            if isinstance(err, TransientProviderError) or err.code == STALE_TIMESTAMP:
                raise  # unknown outcome: reconciled by the runner; stale: read again
            current = or_none(lambda: self.api.read_invoice(guid))
            if current is None or current.Status == "Draft":
                raise err from None
            self._seen_booked(guid)
            return self.api.remote(current), None
        self._seen_booked(guid)
        return receipt, version_bound(response.headers.get("date"))

    def send(self, guid: str, email: str | None = None) -> None:
        """Email the booked invoice (to the contact, or ``email``); a draft is refused.

        Not repeated on an ambiguous failure: the repeat would email again.
        """
        with self._lock:
            seen = guid in self._booked
        if not seen:
            if self.api.read_invoice(guid).Status == "Draft":
                raise InvoiceStateError(f"Dinero invoice {guid} is a draft; book it "
                                        "before emailing it", provider=self.api.provider)
            self._seen_booked(guid)
        mail = DineroMailout(ShouldAddTrustPilotEmailAsBcc=False, Receiver=email,
                             Message=DEFAULT_MESSAGE)
        self.api.send("POST", f"invoices/{guid}/email", mail,
                      operation=f"email invoice {guid}", idempotent=False)

    def pdf(self, guid: str) -> bytes:
        """The booked invoice as PDF (Dinero renders booked invoices only)."""
        if self.api.read_invoice(guid).Status == "Draft":
            raise InvoiceStateError(f"Dinero invoice {guid} is a draft; Dinero makes "
                                    "PDFs of booked invoices only", provider=self.api.provider)
        return self.api.pdf(guid)

    def delete(self, guid: str) -> None:
        """Delete a draft (DELETE with its Timestamp); booked invoices are refused."""
        self._take_created(guid)
        operation = f"delete invoice {guid}"

        def delete(current: DineroInvoice) -> None:
            stamp = self.api.timestamp(current, operation=operation)
            try:
                self.api.send("DELETE", f"invoices/{guid}", DineroTimestampBody(stamp),
                              operation=operation, idempotent=True)
            except NotFoundError:
                return  # a repeat after the delete committed: it is gone

        self.api.fresh(guid, lambda current: self._check_draft(current, delete))

    def register_payment(self, guid: str, amount: Decimal, paid_on: date) -> None:
        """Register a payment on the booked invoice (with its Timestamp; not repeated on an
        ambiguous failure, as the repeat would pay twice)."""
        operation = f"register payment on invoice {guid}"

        def pay(current: DineroInvoice) -> None:
            payment = DineroPayment(Amount=amount, PaymentDate=paid_on,
                                    Timestamp=self.api.timestamp(current, operation=operation))
            if (current.Currency or HOME_CURRENCY) != HOME_CURRENCY:
                # ``amount`` is in the invoice's currency; Dinero's Amount is DKK.
                payment = foreign_payment(current, amount, paid_on)
            self.api.send("POST", f"invoices/{guid}/payments", payment, operation=operation,
                          idempotent=False)

        self.api.fresh(guid, pay)


def _update_body(current: DineroInvoice, lines: tuple[DineroProductLine, ...],
                 stamp: str) -> DineroInvoice:
    """InvoiceUpdateModel: the header as read, the new lines and the Timestamp read."""
    return DineroInvoice(
        Timestamp=stamp, ContactGuid=current.ContactGuid,
        Currency=current.Currency, Language=current.Language,
        ExternalReference=current.ExternalReference, Description=current.Description,
        Comment=current.Comment, Date=current.Date, Address=current.Address,
        ShowLinesInclVat=current.ShowLinesInclVat,
        PaymentConditionType=current.PaymentConditionType,
        PaymentConditionNumberOfDays=current.PaymentConditionNumberOfDays,
        ProductLines=lines)


def _keep_timestamp(stamps: list[str], receipt: DineroReceipt) -> None:
    """Keep the Timestamp of a create's receipt (``{"Guid", "TimeStamp"}``)."""
    if receipt.Timestamp:
        stamps.append(receipt.Timestamp)
