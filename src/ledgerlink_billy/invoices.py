"""The writes on invoices: create with lines, lines on a draft, approve, e-mail, PDF,
delete a draft, register a payment.

* Create: one ``POST /v2/invoices`` with the lines embedded (atomic [B1]),
  prices excl. VAT, the key in ``externalId``. Sent once; after an ambiguous
  failure the key is looked up (:mod:`.lookup`) before it is sent again, once
  (never retried by the HTTP layer: each repeat would be another invoice). The
  answer holds every record the create changed (the invoice and its lines), so
  nothing is read after it.
* Lines on an open draft: added with ``POST /v2/invoiceLines`` and removed with
  ``DELETE /v2/invoiceLines/:id``, never by PUT ``lines``, which would replace
  them all [B1].
* Approve: ``PUT /v2/invoices/:id {"invoice": {"state": "approved"}}``, the only
  state change, irreversible; Billy numbers the invoice then [B1]. Repeating it
  is harmless (sent ``idempotent=True``); a refusal is checked against a read,
  and an approved invoice is returned as it is.
* E-mail: ``POST /v2/invoices/:id/emails`` to the contact's primary contact
  person, one per call [B1]; subject and body from the connector's options
  (Billy's API exposes no invoice e-mail settings: inferred defaults below).
  Never repeated after an ambiguous failure: the repeat would e-mail twice.
* Payment: ``POST /v2/bankPayments`` with ``associations`` =
  ``invoice:<id>`` into a payment-enabled account [B1]; not repeated either.

What a create or approval answered is kept per invoice (contact, state, line
keys), so approving and e-mailing an invoice made by this connector read nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import httpx

from ledgerlink.connector import ProductRefs
from ledgerlink.domain import InvoiceDraft, InvoiceLine, RemoteInvoice
from ledgerlink.errors import (
    ConflictError,
    InvoiceStateError,
    ProviderError,
    TransientProviderError,
    ValidationError,
)
from ledgerlink.linetags import line_key
from ledgerlink_billy.api import BillyApi
from ledgerlink_billy.customers import BillyCustomers
from ledgerlink_billy.lookup import invoice_by_key, read_invoice
from ledgerlink_billy.mapping import (
    EMPTY_MARKER,
    NET,
    TAX_MODE,
    empty_line,
    invoice_lines,
    remote_invoice,
)
from ledgerlink_billy.products import BillyProducts
from ledgerlink_billy.statuses import APPROVED, DRAFT
from ledgerlink_billy.wire import (
    BillyAccount,
    BillyAssociation,
    BillyBankPayment,
    BillyEmail,
    BillyInvoice,
    BillyInvoiceLine,
)

__all__ = ["DEFAULT_BODY", "DEFAULT_SUBJECT", "BillyInvoices"]

#: The e-mail subject and body; ``{number}`` and ``{organization}`` are filled in. Billy
#: documents no API for the company's own invoice e-mail texts (inferred defaults).
DEFAULT_SUBJECT = "Faktura {number} fra {organization}"
DEFAULT_BODY = ("Hej\n\nHermed faktura {number} fra {organization}.\n\n"
                "Med venlig hilsen\n{organization}")


class BillyInvoices:
    """The writes on invoices (see the module docs).

    Args:
        api: the company's requests.
        customers: the contacts (and their contact persons).
        products: the product links of lines.
        organization_name: the company's name, read when first needed.
        email_subject: the e-mail subject template.
        email_body: the e-mail body template.
        cash_account_id: the account payments go to (None: the first payment-enabled).
    """

    def __init__(self, api: BillyApi, customers: BillyCustomers, products: BillyProducts, *,
                 organization_name: Callable[[], str], email_subject: str, email_body: str,
                 cash_account_id: str | None) -> None:
        self.api = api
        self.customers = customers
        self.products = products
        self.organization_name = organization_name
        self.email_subject = email_subject
        self.email_body = email_body
        self.cash_account_id = cash_account_id
        self._lock = threading.Lock()
        # Invoice id → what this connector last saw of it (lines embedded when known).
        self._seen: dict[str, BillyInvoice] = {}
        # Key → id of the invoice this connector created with it: a repeat returns it.
        self._made: dict[str, str] = {}

    def keep(self, invoice: BillyInvoice) -> BillyInvoice:
        """Remember ``invoice`` as last seen (its lines kept when this answer has none)."""
        invoice_id = invoice.id or ""
        with self._lock:
            before = self._seen.get(invoice_id)
            if invoice.lines is None and before is not None and before.lines is not None:
                invoice = attrs.evolve(invoice, lines=before.lines)
            self._seen[invoice_id] = invoice
        return invoice

    def seen(self, invoice_id: str) -> BillyInvoice:
        """The invoice as last seen, read (lines embedded) when this connector has not."""
        with self._lock:
            known = self._seen.get(invoice_id)
        return known if known is not None else self.keep(read_invoice(self.api, invoice_id))

    def answered(self, answer: Mapping[str, Any], operation: str) -> BillyInvoice:
        """The invoice a write answered, with the lines the answer carries for it."""
        invoice = self.api.created(answer, "invoices", BillyInvoice, operation=operation)
        rows = answer.get("invoiceLines")
        if invoice.lines is None and isinstance(rows, list):
            lines = tuple(self.api.structure(row, BillyInvoiceLine, operation=operation,
                                             where=f"invoiceLines[{index}]")
                          for index, row in enumerate(rows))
            invoice = attrs.evolve(invoice, lines=tuple(
                line for line in lines if line.invoiceId in (None, invoice.id)))
        return self.keep(invoice)

    def create(self, draft: InvoiceDraft, customer_ref: str,
               products: ProductRefs) -> RemoteInvoice:
        """Create a draft with its lines, keyed by ``externalId`` (see the module docs)."""
        if not draft.lines:
            raise ValidationError("Billy requires at least one line on an invoice",
                                  field="lines", value=draft.key)
        with self._lock:
            made = self._made.get(draft.key)
        if made is not None:
            return remote_invoice(self.seen(made))  # a repeat: the invoice made with the key
        contact = self.customers.contact(customer_ref)
        if contact.currencyId and contact.currencyId != draft.currency:
            raise ConflictError(f"the customer is invoiced in {contact.currencyId}, not "
                                f"{draft.currency}", provider=self.api.provider)
        linked = self.products.links(draft.lines, products, contact)
        body = BillyInvoice(
            contactId=customer_ref, entryDate=draft.issue_date, currencyId=draft.currency,
            paymentTermsMode=NET, paymentTermsDays=(draft.due_date - draft.issue_date).days,
            taxMode=TAX_MODE, externalId=draft.key, contactMessage=draft.reference or None,
            lines=tuple(invoice_lines(draft.lines, linked)))
        operation = f"create invoice {draft.key}"
        try:
            answer = self.api.write("POST", "invoices", "invoice", body, operation=operation,
                                    idempotent=False)
        except TransientProviderError:
            found = invoice_by_key(self.api, draft.key)
            if found is not None:
                return remote_invoice(self.keep(found))
            # Not retried either: Billy dedupes nothing, so a retry of a create whose
            # answer is lost again would make a second invoice. Lost again, it raises and
            # the key is looked up again first (the run's settling, or recovery).
            answer = self.api.write("POST", "invoices", "invoice", body, operation=operation,
                                    idempotent=False)
        created = self.answered(answer, operation)
        with self._lock:
            self._made[draft.key] = created.id or ""
        return remote_invoice(created)

    def replace_lines(self, invoice_id: str, source_key: str, lines: Sequence[InvoiceLine],
                      products: ProductRefs) -> RemoteInvoice:
        """On a draft, replace the lines tagged ``source_key``: the new ones are added first
        (``POST invoiceLines``), then the old ones deleted, so the draft never has no line.
        Billy refuses an invoice without lines, so a draft emptied here keeps a stand-in
        line of 0 x 0 (:data:`.mapping.EMPTY_MARKER`), removed when lines come again; a
        draft holding only that is never approved."""
        current = read_invoice(self.api, invoice_id)
        self.require_state(current, DRAFT, "it is approved; its lines cannot change")
        held = [line for line in current.lines or () if line.id]
        old = [line for line in held if line_key(line.discountText) == source_key]
        stand_ins = [line for line in held if line.discountText == EMPTY_MARKER]
        kept = [line for line in held if line not in old and line not in stand_ins]
        added: list[BillyInvoiceLine] = []
        if lines:
            contact = self.customers.contact(current.contactId or "")
            added = invoice_lines(lines, self.products.links(lines, products, contact),
                                  invoice_id=invoice_id)
            old += stand_ins
        elif not kept and not stand_ins and old:
            added = [empty_line(invoice_id, old[0].productId or "")]
        for line in added:
            self.api.write("POST", "invoiceLines", "invoiceLine", line,
                           operation=f"add a line to invoice {invoice_id}", idempotent=False)
        for line in old:
            self.api.delete(f"invoiceLines/{line.id}",
                            operation=f"delete line {line.id} of invoice {invoice_id}")
        return remote_invoice(self.keep(read_invoice(self.api, invoice_id)))

    def require_state(self, invoice: BillyInvoice, state: str, why: str) -> None:
        """InvoiceStateError saying ``why`` unless ``invoice`` is in ``state``."""
        if invoice.state != state:
            raise InvoiceStateError(f"Billy invoice {invoice.id}: {why}",
                                    provider=self.api.provider)

    def approve(self, invoice_id: str) -> RemoteInvoice:
        """Approve the draft (Billy numbers it); an approved invoice is returned as it is."""
        known = self.seen(invoice_id)
        if known.state != DRAFT:
            return remote_invoice(known)
        if known.lines is not None and all(line.discountText == EMPTY_MARKER
                                           for line in known.lines):
            raise InvoiceStateError(f"Billy invoice {invoice_id} has no lines to approve",
                                    provider=self.api.provider)
        operation = f"approve invoice {invoice_id}"
        try:
            answer = self.api.write("PUT", f"invoices/{invoice_id}", "invoice",
                                    BillyInvoice(state=APPROVED), operation=operation,
                                    idempotent=True)
        except ProviderError as err:
            if isinstance(err, TransientProviderError):
                raise
            again = self.keep(read_invoice(self.api, invoice_id))
            if again.state == DRAFT and not again.lines:
                raise InvoiceStateError(f"Billy invoice {invoice_id} has no lines to approve",
                                        provider=self.api.provider) from err
            if again.state == DRAFT:
                raise
            return remote_invoice(again)
        return remote_invoice(self.answered(answer, operation))

    def send(self, invoice_id: str, email: str | None = None) -> None:
        """E-mail the approved invoice to the contact's primary contact person.

        Billy mails contact persons only, one per call [B1]: an ``email`` that is not
        one of the contact's persons is added to the contact as a (not primary) contact
        person first, then mailed.
        """
        invoice = self.seen(invoice_id)
        if invoice.state == DRAFT:
            invoice = self.keep(read_invoice(self.api, invoice_id))
        self.require_state(invoice, APPROVED, "it is a draft (or voided); approve it before "
                                         "e-mailing it")
        contact_id = invoice.contactId or ""
        person = (self.customers.primary_person(contact_id) if email is None
                  else self.customers.person_with(contact_id, email))
        fill = {"number": invoice.invoiceNo or "", "organization": self.organization_name()}
        mail = BillyEmail(contactPersonId=person.id or "",
                          emailSubject=self.email_subject.format(**fill),
                          emailBody=self.email_body.format(**fill))
        self.api.write("POST", f"invoices/{invoice_id}/emails", "email", mail,
                       operation=f"e-mail invoice {invoice_id}", idempotent=False)

    def pdf(self, invoice_id: str) -> bytes:
        """The invoice as PDF, from its ``downloadUrl`` (drafts too: Billy renders them)."""
        invoice = read_invoice(self.api, invoice_id)
        operation = f"PDF of invoice {invoice_id}"
        url = self.api.wire.required(invoice.downloadUrl, "invoice.downloadUrl",
                                     operation=operation)
        if httpx.URL(url).host != self.api.http.client.base_url.host:
            # The URL carries its own token; ours is never sent to another host.
            raise self.api.wire.malformed(f"downloadUrl on another host: {url}",
                                          operation=operation)
        response = self.api.http.get(url, headers={"Accept": "application/pdf"})
        if not response.content.startswith(b"%PDF-"):
            raise self.api.wire.malformed(f"not a PDF document: {response.content[:20]!r}",
                                          operation=operation, response=response)
        return response.content

    def delete(self, invoice_id: str) -> None:
        """Delete a draft (idempotent at Billy); an approved invoice is refused."""
        try:
            current = read_invoice(self.api, invoice_id)
        except ProviderError as err:
            if err.status == 404:
                return  # gone already
            raise
        self.require_state(current, DRAFT, "it is approved; credit it instead of deleting it")
        self.api.delete(f"invoices/{invoice_id}", operation=f"delete invoice {invoice_id}")
        with self._lock:
            self._seen.pop(invoice_id, None)

    def _cash_account(self) -> str:
        if self.cash_account_id:
            return self.cash_account_id
        for account in self.api.list("accounts", "accounts", BillyAccount,
                                     operation="list accounts"):
            if account.isPaymentEnabled and not account.isArchived and account.id:
                self.cash_account_id = account.id
                return account.id
        raise ValidationError("no Billy account has payments enabled; set cash_account_id",
                              field="cash_account_id")

    def register_payment(self, invoice_id: str, amount: Decimal, paid_on: date) -> RemoteInvoice:
        """Register ``amount`` received on ``paid_on`` against the approved invoice."""
        invoice = read_invoice(self.api, invoice_id)
        self.require_state(invoice, APPROVED, "only approved invoices are paid")
        payment = BillyBankPayment(
            entryDate=paid_on, cashAmount=amount, cashSide="debit",
            cashAccountId=self._cash_account(),
            associations=(BillyAssociation(subjectReference=f"invoice:{invoice_id}"),))
        self.api.write("POST", "bankPayments", "bankPayment", payment,
                       operation=f"register payment on invoice {invoice_id}", idempotent=False)
        return remote_invoice(self.keep(read_invoice(self.api, invoice_id)))
