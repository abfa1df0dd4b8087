"""Internal: the journal's links between deals and invoices (the ``deal_invoices`` table).

A link is local bookkeeping, not a remote write: linking twice keeps one row,
unlinking what is not linked changes nothing.
"""

from __future__ import annotations

import attrs
import sqlalchemy as sa

from ledgerlink.store import schema as t
from ledgerlink.store.store import Store
from ledgerlink.store.transaction import utcnow

__all__ = ["DealLink", "link", "links", "unlink"]


@attrs.frozen
class DealLink:
    """One invoice linked to a deal.

    Attributes:
        deal_id: the CRM's deal id.
        provider_id: the provider's id of the invoice.
        invoice_key: the ledgerlink key, when ledgerlink made the invoice.
        how: ``invoiced`` (ledgerlink invoiced the deal) or ``linked`` (by hand).
        linked_at: when the link was made (UTC, ISO 8601).
    """

    deal_id: str
    provider_id: str
    invoice_key: str | None
    how: str
    linked_at: str


def link(store: Store, book: str, deal_id: str, provider_id: str, *,
         invoice_key: str | None, how: str) -> bool:
    """Link the invoice to the deal; False when it was linked already (kept as it was)."""
    table = t.deal_invoices
    with store.engine.begin() as conn:
        exists = conn.execute(sa.select(table.c.deal_id).where(
            table.c.book == book, table.c.deal_id == deal_id,
            table.c.provider_id == provider_id)).first()
        if exists is not None:
            return False
        conn.execute(table.insert().values(book=book, deal_id=deal_id, provider_id=provider_id,
                                           invoice_key=invoice_key, how=how,
                                           linked_at=utcnow()))
    return True


def unlink(store: Store, book: str, deal_id: str, provider_id: str) -> bool:
    """Remove the link; False when there was none."""
    table = t.deal_invoices
    with store.engine.begin() as conn:
        gone = conn.execute(table.delete().where(
            table.c.book == book, table.c.deal_id == deal_id,
            table.c.provider_id == provider_id))
    return bool(gone.rowcount)


def links(store: Store, book: str, deal_id: str | None = None) -> list[DealLink]:
    """The links of ``book`` (of one deal when given), oldest first."""
    table = t.deal_invoices
    query = sa.select(table).where(table.c.book == book)
    if deal_id is not None:
        query = query.where(table.c.deal_id == deal_id)
    with store.engine.connect() as conn:
        rows = conn.execute(query.order_by(table.c.linked_at, table.c.provider_id))
        return [DealLink(r.deal_id, r.provider_id, r.invoice_key, r.how, r.linked_at)
                for r in rows]
