"""A tiny PDF of a booked invoice or credit note, standing in for Dinero's layout."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF


def document_pdf(view: dict[str, Any], title: str) -> bytes:
    """Render the read model ``view`` as PDF bytes (number, contact, lines, totals)."""
    doc = FPDF()
    doc.add_page()
    doc.set_font("Helvetica", size=12)
    currency = view.get("Currency", "")
    rows = [
        f"{title} {view.get('Number', '')}",
        f"Kunde: {view.get('ContactName') or ''}",
        f"Dato: {view.get('Date', '')}   Betalingsdato: {view.get('PaymentDate', '')}",
    ]
    for line in view.get("ProductLines", []):
        rows.append(f"{line.get('Description') or ''}: {line['TotalAmount']} {currency}")
    rows.append(f"Total inkl. moms: {view['TotalInclVat']} {currency}")
    for row in rows:
        text = row.encode("latin-1", "replace").decode("latin-1")
        doc.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())
