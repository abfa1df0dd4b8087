"""Internal: the PDF an emulator answers for a document: a small, valid one-page PDF.

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

__all__ = ["ENCODING", "LINE", "document_pdf", "encodable"]

#: Core fonts only know one 8-bit encoding; cp1252 is latin-1 plus ``€`` and friends.
ENCODING = "windows-1252"
#: Line height in millimetres.
LINE = 6.0


def document_pdf(title: str, rows: Iterable[str], *, author: str = "") -> bytes:
    """``title`` in bold, then one line per row, as PDF bytes (beginning ``%PDF``).

    Characters the core font cannot encode print as ``?`` rather than failing.
    """
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_compression(False)
    pdf.set_title(encodable(title))
    pdf.set_author(encodable(author))
    pdf.set_creator("ledgerlink emulator")
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=14)
    pdf.cell(0, LINE * 1.5, encodable(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=10)
    for row in rows:
        pdf.cell(0, LINE, encodable(row), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def encodable(value: object) -> str:
    """``value`` as text the core font can draw (others become ``?``)."""
    # fpdf2 refuses characters the core font cannot encode; a PDF with a "?"
    # beats a document that cannot be downloaded at all.
    return str(value).encode(ENCODING, "replace").decode(ENCODING)
