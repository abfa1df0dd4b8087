"""Credit notes: an approved invoice credited in full by an approved credit note.

A credit note is an invoice of ``type`` ``creditNote`` naming the invoice in
``creditedInvoiceId`` (immutable) [B1][B6 (3p)]. It copies the invoice's lines
and carries the credit key in ``externalId``, so crediting twice with one key
finds the first note (one filtered request) instead of making another, and a
note created but not approved yet (a run stopped in between) is approved then.
Billy cannot void an invoice through its API [B1][B5]: crediting is the way.
"""

from __future__ import annotations

from datetime import date

from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import TransientProviderError
from ledgerlink_billy.invoices import BillyInvoices
from ledgerlink_billy.lookup import invoice_by_key, read_invoice
from ledgerlink_billy.mapping import TAX_MODE, remote_invoice
from ledgerlink_billy.statuses import APPROVED, CREDIT_NOTE
from ledgerlink_billy.wire import BillyInvoice, BillyInvoiceLine

__all__ = ["credit_invoice"]


def _note(invoice: BillyInvoice, key: str) -> BillyInvoice:
    lines = tuple(BillyInvoiceLine(productId=line.productId, description=line.description,
                                   quantity=line.quantity, unitPrice=line.unitPrice,
                                   discountText=line.discountText)
                  for line in invoice.lines or ())
    return BillyInvoice(type=CREDIT_NOTE, creditedInvoiceId=invoice.id,
                        contactId=invoice.contactId, entryDate=date.today(),
                        currencyId=invoice.currencyId, paymentTermsMode=invoice.paymentTermsMode,
                        paymentTermsDays=invoice.paymentTermsDays or 0, taxMode=TAX_MODE,
                        externalId=key, lines=lines)


def credit_invoice(invoices: BillyInvoices, invoice_id: str, key: str) -> RemoteInvoice:
    """Create (once per ``key``) and approve a credit note for the whole approved invoice."""
    api = invoices.api
    existing = invoice_by_key(api, key)
    if existing is None:
        invoice = read_invoice(api, invoice_id)
        invoices.require_state(invoice, APPROVED, "only approved invoices are credited")
        body = _note(invoice, key)
        operation = f"create credit note {key}"
        try:
            answer = api.write("POST", "invoices", "invoice", body, operation=operation,
                               idempotent=False)
        except TransientProviderError:
            existing = invoice_by_key(api, key)
            if existing is None:  # sent once more, not retried (see BillyInvoices.create)
                answer = api.write("POST", "invoices", "invoice", body, operation=operation,
                                   idempotent=False)
        if existing is None:
            existing = invoices.answered(answer, operation)
    assert existing.id is not None
    if existing.state == APPROVED:
        return remote_invoice(existing)
    invoices.keep(existing)
    return invoices.approve(existing.id)
