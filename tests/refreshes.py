"""Journaling invoices a provider holds as a run would have, for the status refresh tests."""

from __future__ import annotations

from collections.abc import Iterable

from ledgerlink.domain import RemoteInvoice
from ledgerlink.store import Store


def journal(store: Store, account: str, invoices: Iterable[RemoteInvoice]) -> dict[str, str]:
    """Each invoice journaled as created and booked by ledgerlink, with these facts (one
    transaction); returns provider id → its ledgerlink key."""
    keys: dict[str, str] = {}
    with store.transaction(account) as tx:
        for invoice in invoices:
            key = invoice.key or f"inv:{invoice.provider_id}"
            tx.invoice(key, "customer", "book", False, invoice.currency, pending=False,
                       remote_id=invoice.provider_id, booked=invoice.booked)
            tx.record_facts(key, invoice)
            keys[invoice.provider_id] = key
    return keys
