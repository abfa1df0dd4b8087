"""Internal: invoice PDFs for the sandbox, drawn with fpdf2.

fpdf2 is the one dependency added for the sandbox: it is pure Python, writes
real PDF documents with nothing to install besides a wheel, and a connector's
``pdf()`` should return what a provider returns, not a placeholder. Text uses
the PDF core font Helvetica in its Windows-1252 encoding (enough for Danish and
``€``); characters outside it print as ``?`` rather than failing the download.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ledgerlink.domain import InvoiceLine, RemoteInvoice, vat_breakdown
from ledgerlink.emulation.pdf import ENCODING, LINE, encodable
from ledgerlink.money import round_money

__all__ = ["PdfInvoice", "render_pdf"]

#: Column widths in millimetres: description, quantity, unit price, VAT %, amount.
COLUMNS = (80.0, 20.0, 30.0, 15.0, 35.0)


@attrs.frozen
class PdfInvoice:
    """What an invoice PDF shows.

    Attributes:
        company: the invoicing company's name.
        invoice: the invoice's state (number, dates, totals, flags).
        customer_name: the customer's name.
        customer_address: address lines, top to bottom.
        registration_number: the customer's VAT/organisation number, if any.
        customer_email: the customer's email, if any.
        reference: the invoice's free-text reference.
        lines: the invoice lines in order.
        registration_date: the registration (posting) date, when it is not the
            issue date.
    """

    company: str
    invoice: RemoteInvoice
    customer_name: str
    customer_address: tuple[str, ...]
    registration_number: str | None
    customer_email: str | None
    reference: str
    lines: tuple[InvoiceLine, ...]
    registration_date: date | None = None


def _title(invoice: RemoteInvoice) -> str:
    kind = "Credit note" if invoice.credit_for else "Invoice"
    title = f"{kind} {invoice.number}" if invoice.booked else f"Draft invoice {invoice.provider_id}"
    return f"{title} (VOID)" if invoice.voided else title


def render_pdf(doc: PdfInvoice) -> bytes:
    """The invoice as PDF bytes (beginning ``%PDF``)."""
    invoice = doc.invoice
    currency = invoice.currency
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = ENCODING
    # Uncompressed so tests and curious users can find the text in the bytes;
    # one-page invoices stay a few kilobytes either way.
    pdf.set_compression(False)
    pdf.set_title(encodable(_title(invoice)))
    pdf.set_author(encodable(doc.company))
    pdf.set_creator("ledgerlink sandbox")
    pdf.add_page()

    def row(text: str, *, size: float = 10, style: str = "") -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.cell(0, LINE, encodable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    row(doc.company, size=9)
    pdf.ln(4)
    row(_title(invoice), size=18, style="B")
    pdf.ln(2)
    row(f"Invoice id: {invoice.provider_id}")
    row(f"Issue date: {invoice.issue_date.isoformat()}")
    row(f"Due date: {invoice.due_date.isoformat()}")
    if doc.registration_date is not None:
        row(f"Registration date: {doc.registration_date.isoformat()}")
    if invoice.credit_for:
        row(f"Credits invoice: {invoice.credit_for}")
    if doc.reference:
        row(f"Reference: {doc.reference}")
    pdf.ln(4)
    row(doc.customer_name, style="B")
    for part in doc.customer_address:
        row(part)
    if doc.registration_number:
        row(f"VAT/organisation number: {doc.registration_number}")
    if doc.customer_email:
        row(doc.customer_email)
    pdf.ln(6)

    def cells(values: tuple[str, ...], style: str = "") -> None:
        pdf.set_font("Helvetica", style=style, size=9)
        for index, (width, value) in enumerate(zip(COLUMNS, values, strict=True)):
            pdf.cell(width, LINE, encodable(value), border="B", align="L" if index == 0 else "R")
        pdf.ln(LINE)

    cells(("Description", "Quantity", "Unit price", "VAT %", f"Amount {currency}"), "B")
    for line in doc.lines:
        cells((line.description, str(line.quantity), str(line.unit_price),
               str(line.vat_rate.normalize()), str(line.net(currency))))  # fmt: skip
    pdf.ln(4)

    def total(label: str, amount: Decimal, style: str = "") -> None:
        pdf.set_font("Helvetica", style=style, size=10)
        pdf.cell(sum(COLUMNS[:-1]), LINE, encodable(label), align="R")
        pdf.cell(COLUMNS[-1], LINE, encodable(f"{amount} {currency}"), align="R",
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip

    net = round_money(sum((ln.net(currency) for ln in doc.lines), Decimal(0)), currency)
    total("Net", net)
    for vat in vat_breakdown(doc.lines, currency):
        total(f"VAT {vat.rate} % of {vat.base.amount}", vat.vat.amount)
    total("Total", invoice.total, "B")
    if invoice.booked and invoice.balance != invoice.total:
        total("Balance due", invoice.balance)
    return bytes(pdf.output())
