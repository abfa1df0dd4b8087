"""Finding invoices by key: one key (:func:`find_invoice`), many at once (:func:`find_invoices`),
and the invoice behind a duplicate-number refusal (:func:`ours_or`).

:func:`find_invoice` queries the key's DocNumber among Invoices and CreditMemos
(a credit key among CreditMemos first) and accepts only a row whose
PrivateNote carries the key: a person's invoice with the same number is not ours.

Recovery reconciles every unresolved intent of a crashed run, which may be
thousands; asking :func:`find_invoice` for
each would cost two queries per key that never reached QuickBooks.
:func:`find_invoices` asks instead, per entity, one query per page of
DocNumbers:

1. ``Invoice`` for the invoice keys and, in the same pass, ``CreditMemo`` for
   the credit keys (``credit:...``);
2. then only for the keys still missing: ``CreditMemo`` for invoice keys and
   ``Invoice`` for credit keys, as :meth:`find_invoice` looks in both.

A row counts for a key under the rule :meth:`find_invoice` applies: its
DocNumber is the key's (:func:`.keys.doc_number`, compared without case as
QuickBooks compares) and its PrivateNote carries the key. Rows become
:class:`~ledgerlink.domain.RemoteInvoice` values through the connector's own
readers (:class:`~.api.QuickBooksApi`), so they equal what ``find_invoice`` and
``get_invoice`` answer.

Limits: a page holds at most :data:`~.queries.MAX_RESULTS` (1000) DocNumbers,
QuickBooks' most rows per answer, and a statement at most
:data:`MAX_QUERY_CHARS` characters. Statements go in the body of ``POST
/query`` (``Content-Type: application/text``, Intuit's documented second
form), as a thousand DocNumbers would make a URL longer than the 8,000
octets HTTP servers are only asked to accept. A page answered full is read on
with ``STARTPOSITION``, in case a company allows repeated DocNumbers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import ConflictError
from ledgerlink_quickbooks import queries
from ledgerlink_quickbooks.keys import doc_number, is_credit_key, parse_note

if TYPE_CHECKING:
    from ledgerlink_quickbooks.api import QuickBooksApi

__all__ = ["DUPLICATE_DOC_NUMBER", "MAX_QUERY_CHARS", "find_invoice", "find_invoices",
           "ours_or", "pages"]

#: QuickBooks' refusal of a DocNumber its transaction type already has.
DUPLICATE_DOC_NUMBER = "6210"

#: Longest statement sent. Intuit publishes no limit for the POST form; this
#: bound holds a full page of the longest DocNumbers (1000 × 21 characters,
#: quoted and separated: 25,000) and keeps any statement from growing unbounded.
MAX_QUERY_CHARS = 32_000
#: The statement around the IN list: ``SELECT * FROM CreditMemo WHERE DocNumber IN
#: () STARTPOSITION n MAXRESULTS 1000``, with room for a long start position.
_FRAME_CHARS = 100
INVOICE = "Invoice"
CREDIT_MEMO = "CreditMemo"


def pages(numbers: Sequence[str], *, max_keys: int = queries.MAX_RESULTS,
          max_chars: int = MAX_QUERY_CHARS) -> Iterator[list[str]]:
    """``numbers`` cut into IN lists of at most ``max_keys`` values and ``max_chars``."""
    page: list[str] = []
    size = _FRAME_CHARS
    for number in numbers:
        width = len(queries.quote(number)) + 2  # ", " between values
        if page and (len(page) >= max_keys or size + width > max_chars):
            yield page
            page, size = [], _FRAME_CHARS
        page.append(number)
        size += width
    if page:
        yield page


def find_invoice(api: QuickBooksApi, key: str) -> RemoteInvoice | None:
    """The invoice or credit note whose DocNumber derives from ``key`` and whose note
    carries it; a key found in neither entity costs two queries."""
    entities = (CREDIT_MEMO, INVOICE) if is_credit_key(key) else (INVOICE, CREDIT_MEMO)
    number = doc_number(key)
    for entity in entities:
        for row in api.query(entity, [("DocNumber", "=", number)], max_results=10):
            if parse_note(row.get("PrivateNote"))[0] == key:
                return _read(api, entity, row)
    return None


def ours_or(api: QuickBooksApi, key: str, err: ConflictError) -> RemoteInvoice:
    """After a refused create: the invoice for ``key`` when the refusal is a duplicate
    DocNumber (6210) and that invoice is ours, else ``err``."""
    if err.code == DUPLICATE_DOC_NUMBER:
        ours = find_invoice(api, key)
        if ours is not None:
            return ours
    raise err


def _rows(api: QuickBooksApi, entity: str, numbers: list[str]) -> Iterator[Any]:
    """Every row of ``entity`` whose DocNumber is in ``numbers`` (one POST per page)."""
    start = 1
    while True:
        text = queries.select(entity, [("DocNumber", "IN", numbers)], start=start)
        rows = api.query_posted(entity, text)
        yield from rows
        if len(rows) < queries.MAX_RESULTS:
            return
        start += len(rows)


def _search(api: QuickBooksApi, entity: str,
            keys: Sequence[str]) -> dict[str, RemoteInvoice]:
    """The rows of ``entity`` carrying ``keys``, read as find_invoice reads them."""
    by_number: dict[str, set[str]] = {}
    for key in keys:
        by_number.setdefault(doc_number(key).casefold(), set()).add(key)
    found: dict[str, RemoteInvoice] = {}
    numbers = list(dict.fromkeys(doc_number(key) for key in keys))
    for page in pages(numbers):
        for row in _rows(api, entity, page):
            ours = parse_note(row.get("PrivateNote"))[0]
            number = str(row.get("DocNumber") or "").casefold()
            if ours is None or ours in found or ours not in by_number.get(number, ()):
                continue  # not ours, or a second row for a key already answered
            found[ours] = _read(api, entity, row)
    return found


def _read(api: QuickBooksApi, entity: str, row: Mapping[str, Any]) -> RemoteInvoice:
    return api.credit(row) if entity == CREDIT_MEMO else api.invoice(row)


def find_invoices(api: QuickBooksApi, keys: Sequence[str]) -> dict[str, RemoteInvoice]:
    """The invoices and credit memos carrying ``keys``, by key (see the module docstring)."""
    unique = list(dict.fromkeys(keys))
    invoice_keys = [key for key in unique if not is_credit_key(key)]
    credit_keys = [key for key in unique if is_credit_key(key)]
    found = _search(api, INVOICE, invoice_keys) if invoice_keys else {}
    # Credit keys' first look and invoice keys' second share the CreditMemo pass.
    memo_keys = credit_keys + [key for key in invoice_keys if key not in found]
    if memo_keys:
        found.update(_search(api, CREDIT_MEMO, memo_keys))
    late = [key for key in credit_keys if key not in found]
    if late:
        found.update(_search(api, INVOICE, late))
    return {key: found[key] for key in unique if key in found}
