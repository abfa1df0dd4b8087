"""Between ledgerlink's domain and QuickBooks' JSON: invoices read, invoices written.

* :func:`remote_invoice` reads an Invoice object (already checked against
  :class:`~.wire.QboInvoice` by :class:`~.api.QuickBooksApi`) as a
  :class:`~ledgerlink.domain.RemoteInvoice`: the key and line keys from its
  ``PrivateNote`` (:mod:`.keys`), voided and sent from :mod:`.statuses`, booked
  from :mod:`.drafts` (no number is reported while an invoice collects work).
* :class:`InvoiceBodies` builds the Invoice a draft is created with: each
  line's Item (:class:`~.products.ItemLinker`) and TaxCode (:mod:`.taxes`, or
  the fixed ``tax_code``), the customer's currency checked and its e-mail as
  ``BillEmail``, our key as DocNumber and in the note. Every refusal is raised
  before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from ledgerlink.connector import ProductRefs
from ledgerlink.domain import InvoiceDraft, InvoiceLine, RemoteInvoice
from ledgerlink.errors import ConflictError, ValidationError
from ledgerlink_quickbooks import settings, statuses
from ledgerlink_quickbooks.drafts import is_booked
from ledgerlink_quickbooks.keys import doc_number, note_for, parse_note
from ledgerlink_quickbooks.wire import (
    WIRE,
    QboInvoice,
    QboLine,
    QboSalesItemLineDetail,
    Ref,
)

__all__ = ["InvoiceBodies", "remote_invoice"]


def remote_invoice(raw: Mapping[str, Any], web_url: str | None) -> RemoteInvoice:
    """An Invoice object as a RemoteInvoice (malformed: ProviderError)."""
    invoice = WIRE.structure(raw, QboInvoice, operation="read an invoice")
    provider_id = WIRE.required(invoice.Id, "Invoice.Id", operation="read an invoice")
    key, line_keys = parse_note(invoice.PrivateNote)
    issued = invoice.TxnDate or date.today()
    voided, sent = statuses.is_voided(raw), statuses.is_sent(raw)
    booked = is_booked(raw, voided=voided, sent=bool(sent))
    return RemoteInvoice(
        provider_id=provider_id,
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
        web_url=web_url,
        line_keys=tuple(dict.fromkeys(k for k in line_keys if k)),
    )


class InvoiceBodies:
    """Builds the JSON bodies of invoices and their lines.

    Args:
        require_items: each line's Item Id, or a ValidationError naming the unlinked
            lines (``ItemLinker.require_linked``).
        tax_code_for: the TaxCode Id for a VAT rate (``TaxCodes.code_for``).
        customer_facts: a customer's (currency, e-mail), read once per customer.
        tax_code: a fixed TaxCode put on every line (a US company without VAT).
        collect_drafts: whether posting=draft work is collected on open invoices.
    """

    def __init__(self, *,
                 require_items: Callable[[Sequence[InvoiceLine], ProductRefs], Sequence[str]],
                 tax_code_for: Callable[[Decimal], str],
                 customer_facts: Callable[[str], tuple[str, str | None]],
                 tax_code: str | None = None, collect_drafts: bool = False) -> None:
        self.require_items = require_items
        self.tax_code_for = tax_code_for
        self.customer_facts = customer_facts
        self.tax_code = tax_code
        self.collect_drafts = collect_drafts

    def lines(self, draft_lines: Sequence[InvoiceLine], currency: str,
              products: ProductRefs) -> tuple[QboLine, ...]:
        """The sales lines of ``draft_lines``; an unlinked line is refused."""
        items = self.require_items(draft_lines, products)
        return tuple(QboLine(
            DetailType="SalesItemLineDetail",
            Amount=line.net(currency),
            Description=line.description,
            SalesItemLineDetail=QboSalesItemLineDetail(
                ItemRef=Ref(str(item)), Qty=line.quantity, UnitPrice=line.unit_price,
                TaxCodeRef=Ref(self.tax_code or self.tax_code_for(line.vat_rate))),
        ) for line, item in zip(draft_lines, items, strict=True))

    def invoice(self, draft: InvoiceDraft, customer_ref: str,
                products: ProductRefs) -> dict[str, Any]:
        """The Invoice to create for ``draft``; refusals are raised before any write."""
        lines = self.lines(draft.lines, draft.currency, products)
        currency, email = self.customer_facts(customer_ref)
        if currency and currency != draft.currency:
            raise ConflictError(
                f"the invoice is in {draft.currency} but customer {customer_ref} is invoiced "
                f"in {currency}; a QuickBooks customer's currency is fixed when it is created",
                provider=settings.PROVIDER)
        invoice = QboInvoice(
            CustomerRef=Ref(customer_ref),
            Line=lines,
            DocNumber=doc_number(draft.key),
            PrivateNote=self.note(draft),
            TxnDate=draft.issue_date,
            DueDate=draft.due_date,
            CurrencyRef=Ref(draft.currency),
        )
        raw: dict[str, Any] = WIRE.unstructure(invoice)
        if email:
            raw["BillEmail"] = {"Address": email}
        return raw

    def note(self, draft: InvoiceDraft) -> str:
        """The PrivateNote: our key and the lines' source keys (and ``collecting`` for
        an open invoice)."""
        keys = [line.source_key for line in draft.lines]
        if not self.collect_drafts or draft.final:
            return note_for(draft.key, keys)
        try:
            return note_for(draft.key, keys, collecting=True)
        except ValueError as err:
            raise ValidationError(f"an open QuickBooks invoice cannot track these lines: {err}",
                                  field="lines", value=len(keys)) from err
