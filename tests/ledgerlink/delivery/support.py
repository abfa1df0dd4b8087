"""Shared pieces of the delivery tests: a booked invoice on its way to its customer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from ledgerlink.delivery.model import Delivery
from ledgerlink.domain import Address, Company, Customer, InvoiceDraft, InvoiceLine, RemoteInvoice
from ledgerlink.emulation.pdf import document_pdf

COMPANY = Company("Fjordvarme ApS")
CUSTOMER = Customer("c-1", "Nordisk Byg A/S", email="bogholderi@nordiskbyg.dk",
                    registration_number="DK10150817",
                    address=Address("Vestergade 3\n2. sal", "5000", "Odense C", "DK"))


def invoice_pdf(number: str = "1042", pages: int = 1) -> bytes:
    """A real PDF of ``pages`` pages, each saying its number, as a connector would give."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in range(1, pages + 1):
        single = document_pdf(f"Invoice {number}", [f"Page {page} of {pages}"])
        writer.add_page(PdfReader(_stream(single)).pages[0])
    out = _stream(b"")
    writer.write(out)
    return out.getvalue()


def _stream(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def make_delivery(channel: str = "email", *, number: str = "1042", credit: bool = False,
                  pdf: bytes | None = None, **customer: Any) -> Delivery:
    """The booked invoice ``number`` (or a credit note) of CUSTOMER, ready for ``channel``."""
    who = attrs.evolve(CUSTOMER, **customer) if customer else CUSTOMER
    # A credit note is booked with positive lines and ``credit_for`` (as connectors do).
    key = f"cr:inv:wo-{number}" if credit else f"inv:wo-{number}"
    draft = InvoiceDraft(key, who.id, "DKK", date(2026, 11, 30), date(2026, 12, 14),
                         [InvoiceLine("Service hours", Decimal("3.5"), Decimal("650"))],
                         reference="Work order 7")
    credited = RemoteInvoice("P-1000", "inv:wo-1000", "C-1", "DKK", Decimal("2843.75"),
                             Decimal("0"), date(2026, 11, 1), date(2026, 11, 15),
                             number="1000", booked=True) if credit else None
    booked = RemoteInvoice(f"P-{number}", key, "C-1", "DKK", draft.gross.amount,
                           draft.gross.amount, draft.issue_date, draft.due_date, number=number,
                           booked=True,
                           credit_for=credited.provider_id if credited else None)
    return Delivery(key=f"{key}:{channel}", invoice_key=key, channel=channel, company=COMPANY,
                    customer=who, draft=draft, invoice=booked,
                    pdf=invoice_pdf(number) if pdf is None else pdf, credited=credited)
