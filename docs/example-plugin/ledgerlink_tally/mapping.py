"""ledgerlink's objects to Tally's request bodies, and Tally's invoices back.

:class:`TallyBodies` builds every body the connector sends, with the money rule
Tally leaves to its clients: each line's amount is quantity x unit price rounded
once to the currency's minor unit, and VAT is rounded once per rate on the sum of
the rounded lines (:meth:`ledgerlink.domain.InvoiceLine.net`,
:func:`ledgerlink.domain.vat_breakdown`). Tally adds up what it is sent, so these
two methods decide every total. :func:`remote_invoice` reads a Tally invoice as
ledgerlink's :class:`~ledgerlink.domain.RemoteInvoice`.

Nothing here sends a request: the functions take and return plain objects,
so they are tested (and replaced) without HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ledgerlink.connector import ProductRefs
from ledgerlink.domain import (
    Customer,
    InvoiceDraft,
    InvoiceLine,
    Product,
    RemoteInvoice,
    vat_breakdown,
)

from ledgerlink_tally.wire import (
    TallyCustomer,
    TallyInvoice,
    TallyLine,
    TallyLines,
    TallyNewInvoice,
    TallyProduct,
    TallyStatus,
)

__all__ = ["TallyBodies", "domain_line", "remote_invoice"]


def remote_invoice(invoice: TallyInvoice) -> RemoteInvoice:
    """ledgerlink's view of ``invoice``; the lines' source keys become ``line_keys``."""
    keys = [line.source_key for line in invoice.lines if line.source_key]
    return RemoteInvoice(
        provider_id=invoice.id, key=invoice.key, customer_ref=invoice.customer_id,
        currency=invoice.currency, total=invoice.total, balance=invoice.balance,
        issue_date=invoice.issue_date, due_date=invoice.due_date, number=invoice.number,
        booked=invoice.status is not TallyStatus.DRAFT,
        voided=invoice.status is TallyStatus.VOIDED,
        sent=invoice.sent, line_keys=tuple(dict.fromkeys(keys)))


def domain_line(line: TallyLine) -> InvoiceLine:
    """A line read from Tally as ledgerlink's line (its product is kept on the wire line)."""
    return InvoiceLine(line.description, line.quantity, line.unit_price, line.vat_rate,
                       source_key=line.source_key)


class TallyBodies:
    """The bodies the connector sends, built from ledgerlink's objects."""

    def customer(self, customer: Customer) -> TallyCustomer:
        """``POST /customers``, tagged with ledgerlink's id as the external id."""
        return TallyCustomer(name=customer.name, currency=customer.currency,
                             external_id=customer.id, email=customer.email)

    def product(self, product: Product) -> TallyProduct:
        """``POST /products``, tagged with ledgerlink's id."""
        return TallyProduct(name=product.name, external_id=product.id)

    def invoice(self, draft: InvoiceDraft, customer_ref: str,
                products: ProductRefs) -> TallyNewInvoice:
        """``POST /invoices``: the draft carrying its key (how it is found again)."""
        ids = [products.get(line.product_id) if line.product_id else None
               for line in draft.lines]
        body = self.lines(draft.lines, draft.currency, ids)
        return TallyNewInvoice(key=draft.key, customer_id=customer_ref,
                               currency=draft.currency, issue_date=draft.issue_date,
                               due_date=draft.due_date, lines=body.lines, vat=body.vat)

    def replacing(self, current: TallyInvoice, source_key: str, lines: Sequence[InvoiceLine],
                  products: ProductRefs) -> TallyLines:
        """``PUT /invoices/ID/lines``: ``current``'s lines with those tagged ``source_key``
        swapped for ``lines`` (tagged so); kept lines keep their Tally product."""
        kept = [line for line in current.lines if line.source_key != source_key]
        tagged = [InvoiceLine(line.description, line.quantity, line.unit_price, line.vat_rate,
                              line.product_id, source_key) for line in lines]
        ids = [line.product_id for line in kept] + [
            products.get(line.product_id) if line.product_id else None for line in tagged]
        return self.lines([domain_line(line) for line in kept] + tagged, current.currency, ids)

    def lines(self, lines: Sequence[InvoiceLine], currency: str,
              product_ids: Sequence[str | None]) -> TallyLines:
        """The lines (with Tally's product ids, in order) and their VAT."""
        return TallyLines(
            lines=[TallyLine(description=line.description, quantity=line.quantity,
                             unit_price=line.unit_price, vat_rate=line.vat_rate,
                             amount=self.line_amount(line, currency),
                             source_key=line.source_key, product_id=product_id)
                   for line, product_id in zip(lines, product_ids, strict=True)],
            vat=self.vat(lines, currency))

    def line_amount(self, line: InvoiceLine, currency: str) -> Decimal:
        """quantity x unit price, rounded once to the currency's minor unit."""
        return line.net(currency)

    def vat(self, lines: Sequence[InvoiceLine], currency: str) -> Decimal:
        """VAT rounded once per rate on the sum of the rounded lines."""
        return sum((rate.vat.amount for rate in vat_breakdown(lines, currency)), Decimal(0))
