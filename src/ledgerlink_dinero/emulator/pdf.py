"""A tiny PDF of a booked invoice or credit note, standing in for Dinero's layout."""

from __future__ import annotations

from typing import Any

from ledgerlink.emulation import document_pdf as kit_pdf


def document_pdf(view: dict[str, Any], title: str) -> bytes:
    """Render the read model ``view`` as PDF bytes (number, contact, lines, totals)."""
    currency = view.get("Currency", "")
    rows = [
        f"Kunde: {view.get('ContactName') or ''}",
        f"Dato: {view.get('Date', '')}   Betalingsdato: {view.get('PaymentDate', '')}",
    ]
    for line in view.get("ProductLines", []):
        rows.append(f"{line.get('Description') or ''}: {line['TotalAmount']} {currency}")
    rows.append(f"Total inkl. moms: {view['TotalInclVat']} {currency}")
    return kit_pdf(f"{title} {view.get('Number', '')}", rows)
