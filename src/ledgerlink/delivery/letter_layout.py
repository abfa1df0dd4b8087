"""Internal: the cover page of a letter, with the addresses where a windowed envelope shows them.

The layout is DIN 5008 "Form B" (the letterhead 45 mm high) on A4, the form
DIN 676 describes for business letters and that DL (110 × 220 mm) and C5/6
window envelopes to DIN 680 are made for, folded in three at the fold marks.
The numbers, as the standards are publicly described (e.g. the Form B letter
sheet: "left upper corner of the address window X 20 mm, Y 45 mm, width 85 mm,
height 45 mm"; fold marks at 105 mm and 210 mm, the hole mark at 148.5 mm):

- the address field is 85 × 45 mm, its top left corner 20 mm from the left and
  45 mm from the top of the sheet (:data:`ADDRESS_FIELD`);
- its upper 17.7 mm are the "Zusatz- und Vermerkzone", whose last line carries
  the return address (the sender line, small); the lower 27.3 mm are the
  "Anschriftzone", six lines for the recipient (:data:`RETURN_ZONE`,
  :data:`RECIPIENT_ZONE`);
- text starts at the 25 mm alignment line, 5 mm inside the field
  (:data:`TEXT_LEFT`), so a letter shifted in its envelope still shows it.

The invoice itself follows the cover unchanged (:mod:`ledgerlink.delivery.letter`
appends its pages): a connector's PDF has its own layout, which cannot be
trusted to put an address where a window is.
"""

from __future__ import annotations

import attrs
from fpdf import FPDF

from ledgerlink.domain import Address
from ledgerlink.errors import ValidationError

__all__ = [
    "ADDRESS_FIELD",
    "FOLD_MARKS",
    "RECIPIENT_LINES",
    "RECIPIENT_ZONE",
    "RETURN_ZONE",
    "TEXT_LEFT",
    "PostalAddress",
    "Rect",
    "cover_page",
]


@attrs.frozen
class Rect:
    """A rectangle on the page in millimetres, from the top left corner of the sheet."""

    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        """Distance of the right edge from the sheet's left edge."""
        return self.left + self.width

    @property
    def bottom(self) -> float:
        """Distance of the bottom edge from the sheet's top edge."""
        return self.top + self.height

    def holds(self, left: float, top: float, right: float, bottom: float) -> bool:
        """The box given lies wholly inside this rectangle."""
        return (self.left <= left and right <= self.right
                and self.top <= top and bottom <= self.bottom)


#: A4 portrait, millimetres.
PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0
#: DIN 5008 Form B address field: what the envelope window shows.
ADDRESS_FIELD = Rect(20.0, 45.0, 85.0, 45.0)
#: Its upper part: endorsements and, on its last line, the return address.
RETURN_ZONE = Rect(20.0, 45.0, 85.0, 17.7)
#: Its lower part: the recipient, at most :data:`RECIPIENT_LINES` lines.
RECIPIENT_ZONE = Rect(20.0, 62.7, 85.0, 27.3)
RECIPIENT_LINES = 6
#: DIN 5008's alignment line: text begins 5 mm inside the field.
TEXT_LEFT = 25.0
#: Fold marks (Form B) and the hole mark, from the top of the sheet.
FOLD_MARKS = (105.0, 210.0)
HOLE_MARK = 148.5
#: Font sizes in points: the return address small (8 pt as DIN 5008 suggests for
#: the endorsement zone), the recipient readable for sorting machines.
RETURN_SIZE, RECIPIENT_SIZE = 7.0, 10.0
RECIPIENT_LINE_HEIGHT = RECIPIENT_ZONE.height / RECIPIENT_LINES
#: The recipient's country is written out (in capitals, as UPU asks) when it is not
#: the sender's; these names, else the ISO code.
COUNTRY_NAMES = {
    "DK": "DENMARK", "SE": "SWEDEN", "NO": "NORWAY", "FI": "FINLAND", "IS": "ICELAND",
    "DE": "GERMANY", "NL": "NETHERLANDS", "BE": "BELGIUM", "FR": "FRANCE", "GB": "UNITED KINGDOM",
    "IE": "IRELAND", "PL": "POLAND", "AT": "AUSTRIA", "CH": "SWITZERLAND", "ES": "SPAIN",
    "IT": "ITALY", "US": "UNITED STATES",
}
# Core fonts draw one 8-bit encoding; cp1252 holds the Nordic letters.
_ENCODING = "windows-1252"


def _drawable(text: str) -> str:
    return text.encode(_ENCODING, "replace").decode(_ENCODING)


@attrs.frozen
class PostalAddress:
    """A name and a postal address, as a letter is addressed.

    Attributes:
        name: the person or company.
        address: street (lines joined by newlines), postal code, city, country.
    """

    name: str
    address: Address

    def missing(self) -> list[str]:
        """The address parts a letter cannot go without (postal_code, city, country)."""
        a = self.address
        return [part for part, value in (("postal_code", a.postal_code), ("city", a.city),
                                         ("country", a.country)) if not (value or "").strip()]

    def lines(self, home_country: str | None = None) -> list[str]:
        """The address block: name, street lines, postal code and city, and the
        country in capitals when it is not ``home_country``."""
        a = self.address
        street = [line.strip() for line in a.street.splitlines() if line.strip()]
        lines = [self.name.strip(), *street, f"{a.postal_code} {a.city}".strip()]
        if a.country and a.country != home_country:
            lines.append(COUNTRY_NAMES.get(a.country, a.country))
        return lines

    def one_line(self) -> str:
        """The return address: name, street and town on one line."""
        a = self.address
        parts = [self.name, *a.street.splitlines(), f"{a.postal_code} {a.city}".strip()]
        return " · ".join(p.strip() for p in parts if p.strip())


def cover_page(recipient: PostalAddress, sender: PostalAddress, *, title: str,
               note: str = "") -> bytes:
    """A one-page A4 PDF: the sender's name as letterhead, the return address and the
    recipient in the window field, fold marks, then ``title`` and ``note``.

    Raises:
        ValidationError: the recipient needs more than :data:`RECIPIENT_LINES` lines
            (field ``customer.address``): the window would cut it.
    """
    lines = recipient.lines(sender.address.country)
    if len(lines) > RECIPIENT_LINES:
        raise ValidationError(f"the address takes {len(lines)} lines; a window envelope "
                              f"shows {RECIPIENT_LINES}", field="customer.address")
    pdf = FPDF(format="A4", unit="mm")
    pdf.core_fonts_encoding = _ENCODING
    pdf.set_compression(False)
    pdf.set_auto_page_break(False)
    pdf.set_creator("ledgerlink")
    pdf.set_title(_drawable(title))
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=14)
    pdf.set_xy(TEXT_LEFT, 20.0)
    pdf.cell(0, 8.0, _drawable(sender.name))
    _marks(pdf)
    # The return address sits on the last line of the upper zone, just above the recipient.
    pdf.set_font("Helvetica", size=RETURN_SIZE)
    pdf.set_xy(TEXT_LEFT, RETURN_ZONE.bottom - 4.0)
    pdf.cell(ADDRESS_FIELD.right - TEXT_LEFT, 4.0, _drawable(sender.one_line()))
    pdf.set_font("Helvetica", size=RECIPIENT_SIZE)
    for number, line in enumerate(lines):
        pdf.set_xy(TEXT_LEFT, RECIPIENT_ZONE.top + number * RECIPIENT_LINE_HEIGHT)
        # A long line is narrowed rather than run out of the window.
        pdf.set_stretching(_stretch(pdf, line))
        pdf.cell(ADDRESS_FIELD.right - TEXT_LEFT, RECIPIENT_LINE_HEIGHT, _drawable(line))
        pdf.set_stretching(100.0)
    pdf.set_font("Helvetica", style="B", size=14)
    pdf.set_xy(TEXT_LEFT, 105.0)
    pdf.cell(0, 8.0, _drawable(title))
    if note:
        pdf.set_font("Helvetica", size=10)
        pdf.set_xy(TEXT_LEFT, 115.0)
        pdf.multi_cell(PAGE_WIDTH - TEXT_LEFT - 20.0, 5.0, _drawable(note))
    return bytes(pdf.output())


def _stretch(pdf: FPDF, line: str) -> float:
    """Horizontal stretching (percent) that keeps ``line`` inside the field."""
    room = ADDRESS_FIELD.right - TEXT_LEFT - 1.0
    width = pdf.get_string_width(_drawable(line))
    return 100.0 if width <= room else 100.0 * room / width


def _marks(pdf: FPDF) -> None:
    pdf.set_line_width(0.2)
    for y in (*FOLD_MARKS, HOLE_MARK):
        pdf.line(3.0, y, 8.0 if y == HOLE_MARK else 6.0, y)
