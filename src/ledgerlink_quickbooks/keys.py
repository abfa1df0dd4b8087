"""How ledgerlink keys live on QuickBooks objects: DocNumber, PrivateNote, requestid.

* ``PrivateNote`` = ``"ledgerlink:<key>\nlines:<sorted source keys>"``: the
  full key (internal, never shown to the customer) and the line source keys;
  the ``lines:`` part is left out when the note would pass 4000 characters.
* ``DocNumber`` = :func:`doc_number` of the key: readable where it can be
  (``inv:<id>`` → ``<id>``, ``inv:<id>:r<n>`` → ``<id>-R<n>``, a credit note
  ``credit:<invoice key>`` → the invoice's number + ``-C``), otherwise ``"LL"``
  and 12 base32 characters of blake2b(key). QuickBooks keeps DocNumbers unique
  per transaction type, so a number is found again by one query.
* ``requestid`` = :func:`request_id`: the same logical write always carries the
  same id, so a retried write is answered from QuickBooks' replay store.

An invoice that collects work (posting=draft, see :mod:`.drafts`) carries a
second note line ``collecting`` and its ``lines:`` list has one source key per
sales line, in line order, so the lines of one work order can be replaced.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from ledgerlink_quickbooks import settings, statuses

__all__ = [
    "CREDIT_PREFIX",
    "MAX_DOC_NUMBER",
    "NOTE_PREFIX",
    "digest",
    "doc_number",
    "is_collecting",
    "is_credit_key",
    "note_for",
    "parse_note",
    "request_id",
]

#: How a ledgerlink key starts in PrivateNote and a customer id in Notes.
NOTE_PREFIX = "ledgerlink:"
LINES_PREFIX = "lines:"
#: The note line marking an invoice that still collects work (a "draft").
COLLECTING = "collecting"
#: How a credit note's key starts (see ``ledgerlink.plans.Credit``).
CREDIT_PREFIX = "credit:"
#: QuickBooks' limit on PrivateNote.
MAX_NOTE = 4000
#: QuickBooks' limit on DocNumber.
MAX_DOC_NUMBER = 21
#: Characters a DocNumber derived from a key may hold.
_DOC_CHARS = re.compile(r"^[A-Za-z0-9\-_/.]+$")
_INVOICE_KEY = re.compile(r"^inv:(?P<id>.+?)(?::r(?P<rev>\d+))?$")
_DRAFT_KEY = re.compile(r"^draft:(?P<customer>.+):(?P<n>\d+)$")
#: Characters of blake2b's base32 in a hashed DocNumber.
HASHED_DOC_CHARS = 12


def is_credit_key(key: str) -> bool:
    """True for the key of a credit note (a CreditMemo in QuickBooks)."""
    return key.startswith(CREDIT_PREFIX)


def _readable(key: str) -> str | None:
    draft = _DRAFT_KEY.match(key)
    if draft:
        return f"{draft['customer']}-D{draft['n']}"
    credit = is_credit_key(key)
    found = _INVOICE_KEY.match(key[len(CREDIT_PREFIX):] if credit else key)
    if not found:
        return None
    number = found["id"] if found["rev"] is None else f"{found['id']}-R{found['rev']}"
    return f"{number}-C" if credit else number


def doc_number(key: str) -> str:
    """The DocNumber an invoice or credit note keyed ``key`` gets (≤ 21 characters)."""
    number = _readable(key)
    if (number is not None and len(number) <= MAX_DOC_NUMBER and _DOC_CHARS.match(number)
            and number.upper() != "AUTO_GENERATE"):
        return number
    hashed = hashlib.blake2b(key.encode("utf-8"), digest_size=10).digest()
    return "LL" + base64.b32encode(hashed).decode("ascii")[:HASHED_DOC_CHARS]


def request_id(realm_id: str, operation: str, key: str) -> str:
    """The ``requestid`` of one logical write: the same write always gets the same id."""
    text = f"{realm_id}|{operation}|{key}"
    value = hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
    assert len(value) <= settings.MAX_REQUEST_ID
    return value


def digest(body: bytes) -> str:
    """A short fingerprint of a request body (part of a write's requestid key)."""
    return hashlib.blake2b(body, digest_size=8).hexdigest()


def note_for(key: str, source_keys: Iterable[str | None], *, collecting: bool = False) -> str:
    """PrivateNote for an invoice keyed ``key`` billing lines tagged ``source_keys``.

    A final invoice lists its source keys once each, sorted, and drops the list
    when it would not fit. A collecting one lists one key per sales line in line
    order (``""`` for an untagged line) and must keep it: ValueError when it
    does not fit, as its lines could no longer be told apart.
    """
    if collecting:
        keys = [k or "" for k in source_keys]
        note = f"{NOTE_PREFIX}{key}\n{COLLECTING}\n{LINES_PREFIX}{','.join(keys)}"
        if len(note) > MAX_NOTE:
            raise ValueError(f"{len(keys)} lines do not fit a {MAX_NOTE}-character note")
        return note
    head = f"{NOTE_PREFIX}{key}"
    unique = sorted({k for k in source_keys if k})
    if not unique:
        return head
    full = f"{head}\n{LINES_PREFIX}{','.join(unique)}"
    return full if len(full) <= MAX_NOTE else head


def is_collecting(note: str | None) -> bool:
    """True when the note marks an invoice that still collects work."""
    return isinstance(note, str) and COLLECTING in note.splitlines()[1:2]


def parse_note(note: str | None) -> tuple[str | None, tuple[str, ...]]:
    """The ledgerlink key and line source keys in a PrivateNote (void's marker ignored)."""
    text = note if isinstance(note, str) else ""  # a number in an answer is no note of ours
    if text.startswith(statuses.VOID_MARKER):
        text = text[len(statuses.VOID_MARKER):].lstrip(" -:\n")
    if not text.startswith(NOTE_PREFIX):
        return None, ()
    first, _, rest = text.partition("\n")
    key = first[len(NOTE_PREFIX):]
    lines: tuple[str, ...] = ()
    for row in rest.splitlines():
        if row.startswith(LINES_PREFIX):
            lines = tuple(row[len(LINES_PREFIX):].split(","))
            if row == LINES_PREFIX:
                lines = ()
    return key, lines
