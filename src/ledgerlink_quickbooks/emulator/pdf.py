"""A small PDF rendering of an invoice, standing in for QuickBooks' styled form."""

from __future__ import annotations

from fpdf import FPDF

from ledgerlink_quickbooks.emulator.state import Entity


def invoice_pdf(invoice: Entity) -> bytes:
    """Render ``invoice`` as PDF bytes (number, customer, lines, totals)."""
    doc = FPDF()
    doc.add_page()
    doc.set_font("Helvetica", size=12)
    currency = (invoice.get("CurrencyRef") or {}).get("value", "")
    rows = [
        f"Invoice {invoice.get('DocNumber', '')}",
        f"Customer: {invoice['CustomerRef'].get('name', invoice['CustomerRef']['value'])}",
        f"Date: {invoice.get('TxnDate', '')}   Due: {invoice.get('DueDate', '')}",
    ]
    for line in invoice.get("Line", []):
        if line.get("DetailType") == "SalesItemLineDetail":
            item = line["SalesItemLineDetail"]["ItemRef"].get("name", "")
            rows.append(f"{item} {line.get('Description', '')}: {line['Amount']} {currency}")
    rows.append(f"Total: {invoice['TotalAmt']} {currency}   Balance: {invoice['Balance']}")
    for row in rows:
        text = row.encode("latin-1", "replace").decode("latin-1")
        doc.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())
