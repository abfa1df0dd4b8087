"""Letters: the address in the envelope window, the invoice's pages behind it, each letter once."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import pytest
from fpdf import FPDF
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from ledgerlink.delivery.letter import (
    FolderPrintService,
    LetterChannel,
    compose_letter,
    letter_channel,
    letter_file_name,
    letter_folder_channel,
)
from ledgerlink.delivery.letter_layout import (
    ADDRESS_FIELD,
    PAGE_HEIGHT,
    RECIPIENT_SIZE,
    RECIPIENT_ZONE,
    RETURN_SIZE,
    RETURN_ZONE,
    PostalAddress,
)
from ledgerlink.delivery.model import DeliveryState
from ledgerlink.delivery.printpost import HttpPrintService, PrintPostEmulator
from ledgerlink.domain import Address
from ledgerlink.emulation import EmulatorServer, EmulatorTransport
from ledgerlink.errors import DeliveryError, ValidationError
from tests.ledgerlink.delivery.support import invoice_pdf, make_delivery

SENDER = PostalAddress("Fjordvarme ApS", Address("Havnegade 12", "8000", "Aarhus C", "DK"))
MM = 72 / 25.4  # PDF points per millimetre


def placed_text(pdf: bytes, page: int = 0) -> list[tuple[str, float, float, float]]:
    """Each text run on a page: (text, left mm, baseline mm from the top, size pt)."""
    found: list[tuple[str, float, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            found.append((text, tm[4] / MM, PAGE_HEIGHT - tm[5] / MM, size))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return found


def text_width_mm(text: str, size: float) -> float:
    """The width Helvetica at ``size`` points gives ``text``, measured by fpdf2 itself."""
    pdf = FPDF(unit="mm")
    pdf.set_font("Helvetica", size=size)
    return pdf.get_string_width(text)


def inside(zone: object, text: str, left: float, baseline: float, size: float) -> bool:
    """The run's box (ascent 0.75, descent 0.25 of its size) lies in ``zone``."""
    height = size / MM
    return zone.holds(left, baseline - 0.75 * height,  # type: ignore[attr-defined]
                      left + text_width_mm(text, size), baseline + 0.25 * height)


def test_the_recipient_and_return_address_land_in_the_window() -> None:
    """Read back from the PDF, every address line lies inside its DIN 5008 zone of the window."""
    letter = compose_letter(make_delivery("letter-folder"), SENDER)

    runs = {text: (left, baseline, size) for text, left, baseline, size in placed_text(letter)}
    recipient = ["Nordisk Byg A/S", "Vestergade 3", "2. sal", "5000 Odense C"]
    for line in recipient:
        left, baseline, size = runs[line]
        assert size == RECIPIENT_SIZE
        assert inside(RECIPIENT_ZONE, line, left, baseline, size), (line, left, baseline)
    # Top to bottom in the given order, the country left out for a domestic letter.
    assert [runs[line][1] for line in recipient] == sorted(runs[line][1] for line in recipient)
    assert "DENMARK" not in runs
    sender_line = "Fjordvarme ApS · Havnegade 12 · 8000 Aarhus C"
    left, baseline, size = runs[sender_line]
    assert size == RETURN_SIZE
    assert inside(RETURN_ZONE, sender_line, left, baseline, size)


def test_the_window_constants_are_din_5008_form_b() -> None:
    """The address field is 85 × 45 mm at 20 mm from the left and 45 mm from the top."""
    assert (ADDRESS_FIELD.left, ADDRESS_FIELD.top) == (20.0, 45.0)
    assert (ADDRESS_FIELD.width, ADDRESS_FIELD.height) == (85.0, 45.0)
    assert RETURN_ZONE.bottom == RECIPIENT_ZONE.top == pytest.approx(62.7)
    assert RECIPIENT_ZONE.bottom == ADDRESS_FIELD.bottom


def test_a_foreign_address_names_the_country_and_a_long_line_is_narrowed() -> None:
    """Abroad the country is the last line in capitals; a line too long is squeezed, not cut."""
    long_name = "Nordisk Byggeri og Anlæg Aktieselskab, afdeling for ejendomsservice"
    delivery = make_delivery("letter-folder", name=long_name,
                             address=Address("Storgatan 1", "111 22", "Stockholm", "SE"))
    letter = compose_letter(delivery, SENDER)

    texts = [text for text, *_ in placed_text(letter)]
    assert texts[texts.index("111 22 Stockholm") + 1] == "SWEDEN"
    # fpdf2 narrows with the Tz operator; the long name is drawn at under 100 %.
    stream = PdfReader(io.BytesIO(letter)).pages[0].get_contents()
    assert stream is not None
    scales = [float(x) for x in re.findall(rb"([\d.]+) Tz", stream.get_data())]
    assert scales and min(scales) < 100
    assert text_width_mm(long_name, RECIPIENT_SIZE) * min(scales) / 100 < (
        ADDRESS_FIELD.right - 25.0)


def test_the_invoice_pages_follow_the_cover_unchanged() -> None:
    """The letter is the cover page and then every page of the invoice PDF, in order."""
    letter = compose_letter(make_delivery("letter-folder", pdf=invoice_pdf("1042", pages=3)),
                            SENDER)

    reader = PdfReader(io.BytesIO(letter))
    assert len(reader.pages) == 4
    assert "Invoice 1042" in (reader.pages[0].extract_text() or "")
    for page in (1, 2, 3):
        assert f"Page {page} of 3" in (reader.pages[page].extract_text() or "")


@pytest.mark.parametrize(("changes", "field"), [
    ({"postal_code": ""}, "customer.address.postal_code"),
    ({"city": " "}, "customer.address.city"),
    ({"country": None}, "customer.address.country"),
])
def test_an_address_a_letter_cannot_go_to_is_a_validation_error(changes: dict[str, object],
                                                                field: str) -> None:
    """A customer address without postal code, city or country is refused by its field."""
    address = Address(**{"street": "Vestergade 3", "postal_code": "5000", "city": "Odense C",
                         "country": "DK", **changes})  # type: ignore[arg-type]
    emulator = PrintPostEmulator()
    with pytest.raises(ValidationError) as err:
        LetterChannel(emulator, SENDER).deliver(make_delivery("letter", address=address))
    assert err.value.field == field
    assert emulator.letters == []


def test_the_folder_writes_each_key_once(tmp_path: Path) -> None:
    """A second delivery of the same key is answered as a repeat (sent, the same file) and
    writes no second file."""
    channel = letter_folder_channel(folder=tmp_path / "out", sender={
        "name": "Fjordvarme ApS", "street": "Havnegade 12", "postal_code": "8000",
        "city": "Aarhus C", "country": "DK"})
    delivery = make_delivery("letter-folder")

    first = channel.deliver(delivery)
    written = (tmp_path / "out" / letter_file_name(delivery.key)).read_bytes()
    second = channel.deliver(delivery)

    assert first.state is second.state is DeliveryState.SENT
    assert first.reference == second.reference and first.reference is not None
    assert second.message.startswith("already accepted earlier")
    assert not first.message.startswith("already")
    assert [p.name for p in (tmp_path / "out").iterdir()] == [first.reference]
    assert (tmp_path / "out" / first.reference).read_bytes() == written
    assert written.startswith(b"%PDF")
    other = channel.deliver(make_delivery("letter-folder", number="1043"))
    assert len(list((tmp_path / "out").iterdir())) == 2 and other.reference != first.reference


def test_distinct_keys_never_share_a_file_name() -> None:
    """Keys differing only in characters a file name cannot hold still get their own files."""
    names = {letter_file_name(key) for key in ("inv:1:letter", "inv/1:letter", "inv 1:letter")}
    assert len(names) == 3
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+\.pdf", name) for name in names)


def test_the_emulator_takes_letters_and_refuses_a_repeat_key() -> None:
    """The emulated service records each letter once; the repeat is refused, the delivery SENT."""
    emulator = PrintPostEmulator()
    channel = LetterChannel(emulator, SENDER)
    delivery = make_delivery("letter")

    first = channel.deliver(delivery)
    again = channel.deliver(delivery)
    channel.deliver(make_delivery("letter", number="1043"))

    assert [x.key for x in emulator.letters] == [delivery.key, "inv:wo-1043:letter"]
    assert emulator.refused == [(delivery.key, "repeat")]
    assert (first.state, first.reference) == (DeliveryState.SENT, "L-1")
    assert (again.state, again.reference) == (DeliveryState.SENT, "L-1")
    assert "accepted before" in again.message
    posted = emulator.letters[0]
    assert posted.recipient.address.city == "Odense C"
    assert posted.sender == SENDER
    assert len(PdfReader(io.BytesIO(posted.pdf)).pages) == 2


def test_the_emulator_refuses_an_address_without_city() -> None:
    """Handed straight to the emulator, an address without a city is refused and not recorded."""
    emulator = PrintPostEmulator()
    nowhere = PostalAddress("Nordisk Byg A/S", Address("Vestergade 3", "5000", "", "DK"))

    answer = emulator.submit(invoice_pdf(), nowhere, SENDER, "k-1")

    assert not answer.accepted and "city" in answer.message
    assert emulator.letters == []


def test_letters_over_http_in_process_and_on_a_socket() -> None:
    """Through HTTP, in-process and served on 127.0.0.1, letters arrive once and repeats are 409."""
    emulator = PrintPostEmulator()
    in_process = httpx.Client(transport=EmulatorTransport(emulator))
    channel = LetterChannel(HttpPrintService("http://print.test", in_process), SENDER)
    first = channel.deliver(make_delivery("letter"))
    assert (first.state, first.reference) == (DeliveryState.SENT, "L-1")

    with EmulatorServer(emulator) as server, httpx.Client() as client:
        served = LetterChannel(HttpPrintService(server.base_url, client), SENDER)
        again = served.deliver(make_delivery("letter"))
        new = served.deliver(make_delivery("letter", number="1043"))
        listed = client.get(f"{server.base_url}/letters").json()

    assert again.state is DeliveryState.SENT and again.message.startswith("already")
    assert "409" in again.message and again.reference == "L-1"
    assert new.reference == "L-2"
    assert [x["key"] for x in listed] == ["inv:wo-1042:letter", "inv:wo-1043:letter"]
    assert len(emulator.letters) == 2


def test_the_http_service_reports_a_refused_address_as_failed() -> None:
    """A 422 from the service for an address it cannot post to is a FAILED delivery."""
    emulator = PrintPostEmulator()
    service = HttpPrintService("http://print.test",
                               httpx.Client(transport=EmulatorTransport(emulator)))
    nowhere = PostalAddress("Nordisk Byg A/S", Address("Vestergade 3", "", "Odense C", "DK"))

    answer = service.submit(invoice_pdf(), nowhere, SENDER, "k-1")

    assert not answer.accepted and not answer.repeat
    assert answer.message.startswith("422") and "postal_code" in answer.message


def test_the_letter_factories_refuse_what_they_cannot_use(tmp_path: Path) -> None:
    """Without a sender, or with neither or both of service and folder, the factories refuse."""
    sender = {"name": "Fjordvarme ApS", "street": "Havnegade 12", "postal_code": "8000",
              "city": "Aarhus C", "country": "DK"}
    with pytest.raises(DeliveryError, match="sender"):
        letter_folder_channel(folder=tmp_path)
    with pytest.raises(DeliveryError, match="city"):
        letter_folder_channel(folder=tmp_path, sender={**sender, "city": ""})
    with pytest.raises(DeliveryError, match="service= or folder="):
        letter_channel(sender=sender)
    with pytest.raises(DeliveryError, match="service= or folder="):
        letter_channel(sender=sender, folder=tmp_path, service=PrintPostEmulator())
    assert isinstance(letter_channel(sender=sender, folder=tmp_path).service,
                      FolderPrintService)
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(DeliveryError, match="letter folder"):
        letter_folder_channel(folder=tmp_path / "file", sender=sender)


@given(st.lists(st.text(min_size=1, max_size=120), min_size=2, max_size=6, unique=True))
def test_file_names_are_safe_and_keep_keys_apart(keys: list[str]) -> None:
    """Any keys give safe file names of bounded length, distinct for distinct keys."""
    names = [letter_file_name(key) for key in keys]
    assert len(set(names)) == len(keys)
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.[0-9a-f]{8}\.pdf", name), name
        assert len(name) <= 80 + 13
