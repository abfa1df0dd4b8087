"""A deal's invoices: linked in the journal, and its contact's invoices at the provider.

:func:`invoice_deals <ledgerlink.deal_invoicing.invoice_deals>` links each
deal it invoices to its invoice; :func:`link_deal_invoice` and
:func:`unlink_deal_invoice` link and unlink any other invoice by hand (a
credit note, an invoice a person made in the accounting system). Links live in
the journal, per book.

Both listings ask the provider on every call, so the status flags (open, paid,
partially paid, overdue, void, deleted; draft for an unbooked invoice) are
current: :func:`deal_invoices` reads each linked invoice; :func:`contact_invoices`
lists the invoices of the deal's customer issued in a time frame
(``list_invoices``), plus the ones ledgerlink knows of that customer which the
provider no longer lists (deleted, where the provider forgets deleted
invoices, as QuickBooks does).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs

from ledgerlink import api
from ledgerlink.connector import Connector
from ledgerlink.deal_mapping import DealMapping, deal_customer
from ledgerlink.deals import Deal
from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import NotFoundError, ValidationError
from ledgerlink.invoice_actions import find_ref
from ledgerlink.status import InvoiceStatus
from ledgerlink.store import Store, deal_links
from ledgerlink.tabular import Rows, rows_html

__all__ = ["DealInvoice", "DealInvoices", "contact_invoices", "deal_invoices",
           "link_deal_invoice", "unlink_deal_invoice"]


@attrs.frozen
class DealInvoice:
    """An invoice as the provider holds it now, with its status flags.

    Attributes:
        provider_id: the provider's id.
        key: the ledgerlink key, when ledgerlink made it.
        number: the invoice number, once booked.
        currency: invoice currency ("" when the provider forgot a deleted invoice).
        total: gross total (None when deleted and forgotten).
        balance: what remains to be paid (None when deleted and forgotten).
        issue_date: invoice date (None when deleted and forgotten).
        due_date: due date (None when deleted and forgotten).
        status: the unified status flags on the day asked about.
        deal_id: the deal it is linked to, if any.
    """

    provider_id: str
    key: str | None
    number: str | None
    currency: str
    total: Decimal | None
    balance: Decimal | None
    issue_date: date | None
    due_date: date | None
    status: InvoiceStatus
    deal_id: str | None = None

    @property
    def flags(self) -> list[str]:
        """The status flags' names (``["open", "partially_paid"]``)."""
        return self.status.labels

    @classmethod
    def from_remote(cls, invoice: RemoteInvoice, today: date,
                    deal_id: str | None = None) -> DealInvoice:
        """The invoice as read from the provider."""
        return cls(invoice.provider_id, invoice.key, invoice.number, invoice.currency,
                   invoice.total, invoice.balance, invoice.issue_date, invoice.due_date,
                   invoice.status(today), deal_id)

    @classmethod
    def deleted(cls, provider_id: str, key: str | None, currency: str = "",
                deal_id: str | None = None) -> DealInvoice:
        """An invoice the provider no longer knows."""
        return cls(provider_id, key, None, currency, None, None, None, None,
                   InvoiceStatus.DELETED, deal_id)


@attrs.frozen
class DealInvoices:
    """Invoices with their status flags, a table for people and notebooks.

    Attributes:
        invoices: the invoices, by issue date (forgotten deleted ones last).
        today: the day the statuses are judged on.
    """

    invoices: tuple[DealInvoice, ...]
    today: date

    def __iter__(self) -> Iterator[DealInvoice]:
        return iter(self.invoices)

    def __len__(self) -> int:
        return len(self.invoices)

    def by_id(self, provider_id: str) -> DealInvoice:
        """The invoice with that provider id (KeyError when absent)."""
        for invoice in self.invoices:
            if invoice.provider_id == provider_id:
                return invoice
        raise KeyError(provider_id)

    def rows(self) -> Rows:
        """One row per invoice."""
        header = ("provider id", "key", "number", "issued", "due", "currency", "total",
                  "balance", "status", "deal")
        return Rows(header, [(i.provider_id, i.key or "", i.number or "", i.issue_date,
                              i.due_date, i.currency, i.total, i.balance, str(i.status),
                              i.deal_id or "") for i in self.invoices])

    def _repr_html_(self) -> str:
        return rows_html(self.rows(), "Invoices")


def _read(connector: Connector, provider_id: str, key: str | None, today: date,
          deal_id: str | None) -> DealInvoice:
    try:
        return DealInvoice.from_remote(connector.get_invoice(provider_id), today, deal_id)
    except NotFoundError:
        return DealInvoice.deleted(provider_id, key, deal_id=deal_id)


def _ordered(invoices: Iterable[DealInvoice], today: date) -> DealInvoices:
    listed = sorted(invoices, key=lambda i: (i.issue_date is None, i.issue_date or today,
                                             i.provider_id))
    return DealInvoices(tuple(listed), today)


def link_deal_invoice(connector: Connector, deal_id: str, invoice: str, *,
                      store: str | Path | Store | None = None) -> bool:
    """Link ``invoice`` (ledgerlink key or provider id) to the deal; False when it was linked.

    The invoice must exist at the provider (ValidationError naming it otherwise).
    """
    if not deal_id.strip():
        raise ValidationError("name the deal by its id", field="deal_id", value=deal_id)
    opened = api.open_store(store or api.DEFAULT_STORE)
    ref = find_ref(connector, opened, invoice)
    try:
        connector.get_invoice(ref.provider_id)
    except NotFoundError:
        raise ValidationError(f"no invoice {invoice!r} in {connector.name} book "
                              f"{connector.account}", field="invoice", value=invoice) from None
    return deal_links.link(opened, connector.account, deal_id.strip(), ref.provider_id,
                           invoice_key=ref.key, how="linked")


def unlink_deal_invoice(connector: Connector, deal_id: str, invoice: str, *,
                        store: str | Path | Store | None = None) -> bool:
    """Remove the link of ``invoice`` (ledgerlink key or provider id) to the deal; False when
    there was none. Nothing changes at the provider."""
    opened = api.open_store(store or api.DEFAULT_STORE)
    book = connector.account
    name = invoice.strip()
    for found in deal_links.links(opened, book, deal_id.strip()):
        if name in (found.provider_id, found.invoice_key):
            return deal_links.unlink(opened, book, found.deal_id, found.provider_id)
    return False


def deal_invoices(connector: Connector, deal_id: str, *,
                  store: str | Path | Store | None = None,
                  today: date | None = None) -> DealInvoices:
    """The invoices linked to the deal, each read from the provider now (statuses as of
    ``today``, default today)."""
    day = today or date.today()
    opened = api.open_store(store or api.DEFAULT_STORE)
    return _ordered((_read(connector, link.provider_id, link.invoice_key, day, link.deal_id)
                     for link in deal_links.links(opened, connector.account, deal_id)), day)


def contact_invoices(deal: Deal, mapping: DealMapping, connector: Connector, start: date,
                     end: date, *, store: str | Path | Store | None = None,
                     today: date | None = None) -> DealInvoices:
    """The invoices of the deal's customer (its contact, by ``mapping``) issued in
    ``start..end``, with their status flags as of ``today``.

    The customer is the one linked in the journal, else the one the connector
    finds; none there yet: no invoices. Invoices linked to this deal, or made by
    ledgerlink for this customer, that the provider no longer lists are read by
    id and shown deleted when it forgot them.
    """
    if end < start:
        raise ValidationError("the time frame ends before it starts", field="end", value=end)
    day = today or date.today()
    opened = api.open_store(store or api.DEFAULT_STORE)
    book = connector.account
    customer = deal_customer(deal, mapping)
    ref = opened.refs(book, "customers").get(customer.id) or connector.find_customer(customer)
    if ref is None:
        return DealInvoices((), day)
    linked = {link.provider_id: link for link in deal_links.links(opened, book, deal.id)}
    shown = {invoice.provider_id: DealInvoice.from_remote(
        invoice, day, deal.id if invoice.provider_id in linked else None)
        for invoice in connector.list_invoices(ref, start, end)}
    known: dict[str, str | None] = {f.remote_id: f.key for f in opened.invoice_facts(book)
             if f.customer_id == customer.id and f.remote_id is not None}
    known.update({pid: link.invoice_key for pid, link in linked.items()})
    for provider_id, key in known.items():
        if provider_id in shown:
            continue
        found = _read(connector, provider_id, key, day, deal.id if provider_id in linked
                      else None)
        if found.issue_date is None or start <= found.issue_date <= end:
            shown[provider_id] = found
    return _ordered(shown.values(), day)
