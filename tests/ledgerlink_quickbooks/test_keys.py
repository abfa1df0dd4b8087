"""DocNumbers and request ids derived from ledgerlink keys, and the PrivateNote format."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink_quickbooks.keys import (
    MAX_DOC_NUMBER,
    doc_number,
    note_for,
    parse_note,
    request_id,
)

ALLOWED = re.compile(r"^[A-Za-z0-9\-_/.]+$")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("inv:1037", "1037"),
        ("inv:WO-17", "WO-17"),
        ("inv:WO-17:r2", "WO-17-R2"),
        ("inv:a/b.c_d", "a/b.c_d"),
        ("inv:123456789012345678901", "123456789012345678901"),
        ("credit:inv:7", "7-C"),
        ("draft:c1:1", "c1-D1"),
        ("credit:inv:WO-17:r2", "WO-17-R2-C"),
    ],
)
def test_work_order_keys_keep_their_id(key: str, expected: str) -> None:
    """An invoice key's DocNumber is the work order id, with -R<n> for a revision and -C
    for the credit note of that invoice; a draft's is the customer id and -D<n>."""
    assert doc_number(key) == expected


@pytest.mark.parametrize(
    "key",
    ["draft:c1", "draft:c1:x", "credit:inv:12345678901234567890", "credit:x",
     "inv:1234567890123456789012", "inv:has space", "inv:a:b", "inv:æøå",
     "inv:AUTO_GENERATE", "invoice-7-abc"],
)
def test_other_keys_are_hashed(key: str) -> None:
    """Other keys, long or odd ids become "LL" and 12 base32 characters."""
    number = doc_number(key)
    assert re.fullmatch(r"LL[A-Z2-7]{12}", number)
    assert doc_number(key) == number


@given(st.text(min_size=1, max_size=200))
def test_doc_numbers_fit_quickbooks(key: str) -> None:
    """Any key gives a deterministic DocNumber of at most 21 allowed characters."""
    number = doc_number(key)
    assert 1 <= len(number) <= MAX_DOC_NUMBER
    assert ALLOWED.match(number)
    assert doc_number(key) == number


@given(st.text(max_size=300), st.text(max_size=40))
def test_request_ids_are_deterministic_and_short(key: str, operation: str) -> None:
    """A request id is 32 hex characters and the same for the same write."""
    rid = request_id("9130", operation, key)
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    assert rid == request_id("9130", operation, key)
    assert rid != request_id("9131", operation, key)


def test_note_round_trips_and_survives_void() -> None:
    """The note carries key and sorted distinct line keys, also after QuickBooks voids it."""
    note = note_for("inv:7", ["wo:7", None, "wo:3", "wo:7"])
    assert note == "ledgerlink:inv:7\nlines:wo:3,wo:7"
    assert parse_note(note) == ("inv:7", ("wo:3", "wo:7"))
    assert parse_note(f"Voided - {note}") == ("inv:7", ("wo:3", "wo:7"))
    assert parse_note("a person's note") == (None, ())


def test_a_long_line_list_is_left_out_of_the_note() -> None:
    """When the line keys would push the note past 4000 characters, only the key is kept."""
    note = note_for("inv:7", [f"wo:{i:05d}" for i in range(1000)])
    assert note == "ledgerlink:inv:7"
