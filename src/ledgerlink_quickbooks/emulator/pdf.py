"""A small PDF rendering of an invoice, standing in for QuickBooks' styled form."""

from __future__ import annotations

from ledgerlink.emulation import document_pdf
from ledgerlink_quickbooks.emulator.state import Entity


def invoice_pdf(invoice: Entity) -> bytes:
    """Render ``invoice`` as PDF bytes (number, customer, lines, totals)."""
    currency = (invoice.get("CurrencyRef") or {}).get("value", "")
    rows = [
        f"Customer: {invoice['CustomerRef'].get('name', invoice['CustomerRef']['value'])}",
        f"Date: {invoice.get('TxnDate', '')}   Due: {invoice.get('DueDate', '')}",
    ]
    for line in invoice.get("Line", []):
        if line.get("DetailType") == "SalesItemLineDetail":
            item = line["SalesItemLineDetail"]["ItemRef"].get("name", "")
            rows.append(f"{item} {line.get('Description', '')}: {line['Amount']} {currency}")
    rows.append(f"Total: {invoice['TotalAmt']} {currency}   Balance: {invoice['Balance']}")
    return document_pdf(f"Invoice {invoice.get('DocNumber', '')}", rows)
