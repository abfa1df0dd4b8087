"""The PDF an emulator answers for a document: a small, valid one-page PDF.

A provider's styled layout is not what a connector test checks; that the
answer is a PDF holding the document's number and amounts is. The sandbox's
renderer (:func:`ledgerlink.sandbox.pdf.render_pdf`) draws a domain invoice;
emulators hold the provider's JSON instead, so this draws lines of text with
the same font, encoding and settings (uncompressed, so tests can find the
text in the bytes).
"""

from __future__ import annotations

from collections.abc import Iterable

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ledgerlink.sandbox.pdf import ENCODING, LINE

__all__ = ["document_pdf"]


def document_pdf(title: str, rows: Iterable[str], *, author: str = "") -> bytes:
    """``title`` in bold, then one line per row, as PDF bytes (beginning ``%PDF``).

    Characters the core font cannot encode print as ``?`` rather than failing.
    """
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_compression(False)
    pdf.set_title(_text(title))
    pdf.set_author(_text(author))
    pdf.set_creator("ledgerlink emulator")
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=14)
    pdf.cell(0, LINE * 1.5, _text(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=10)
    for row in rows:
        pdf.cell(0, LINE, _text(row), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _text(value: object) -> str:
    return str(value).encode(ENCODING, "replace").decode(ENCODING)
