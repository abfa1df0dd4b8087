"""The sandbox's batched look-up by key (``find_invoices``)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from ledgerlink.domain import RemoteInvoice
from ledgerlink.sandbox import SandboxConnector
from ledgerlink.sandbox import connector as sandbox_connector

MakeInvoice = Callable[..., RemoteInvoice]


def test_find_invoices_answers_as_find_invoice_in_one_query_per_chunk(
    book: SandboxConnector, draft_for: MakeInvoice, booked_for: MakeInvoice,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Drafts, booked, deleted and credit notes come back as find_invoice gives them,
    absent keys are left out, and each chunk of keys costs one SELECT."""
    drafts = [draft_for() for _ in range(3)]
    booked = [booked_for() for _ in range(2)]
    book.delete(drafts[0].provider_id)
    credit = book.credit(booked[0].provider_id, f"credit:{booked[0].key}")
    keys = [str(i.key) for i in (*drafts, *booked)] + [str(credit.key), "inv:missing",
                                                        "credit:inv:missing", str(drafts[1].key)]
    monkeypatch.setattr(sandbox_connector, "FIND_CHUNK", 3)
    statements: list[str] = []
    book._book.conn.set_trace_callback(statements.append)
    try:
        found = book.find_invoices(keys)
    finally:
        book._book.conn.set_trace_callback(None)
    expected = {key: invoice for key in keys if (invoice := book.find_invoice(key)) is not None}
    assert found == expected
    assert set(found) == {str(i.key) for i in (*drafts, *booked, credit)}
    assert found[str(drafts[0].key)].deleted and found[str(credit.key)].credit_for
    unique = len(dict.fromkeys(keys))
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == math.ceil(unique / 3)


def test_find_invoices_of_no_keys_is_empty(book: SandboxConnector) -> None:
    """No keys need no query and find nothing."""
    assert book.find_invoices([]) == {}
