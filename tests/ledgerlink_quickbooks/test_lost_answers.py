"""Book, void and delete called again after their answer was lost (the write committed,
the connection was cut, the caller gave up): each keeps the connector contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import NotFoundError, TransientProviderError
from ledgerlink.testing.factories import make_customer, make_invoice_draft
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from tests.ledgerlink_quickbooks.support import build_connector


def _invoice(quickbooks: QuickBooksConnector) -> RemoteInvoice:
    customer = make_customer(currency="USD")
    return quickbooks.create_invoice(make_invoice_draft(customer=customer),
                                     quickbooks.create_customer(customer), {})


def _lose_next_answer(quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator) -> None:
    """The next write commits, its answer is cut, and no retry follows (the caller is
    left with a TransientProviderError, as a run killed there would be left with nothing)."""
    emulator.faults.drop_after_commit(1)
    quickbooks.api.http.attempts = 1


def _writes(emulator: QuickBooksEmulator, quickbooks: QuickBooksConnector, since: int) -> list[str]:
    return [r.path for r in emulator.requests[since:]
            if r.realm_id == quickbooks.realm_id and r.method == "POST" and r.path != "query"]


def test_booking_again_after_a_lost_answer_returns_the_booked_invoice(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """The book committed but its answer was lost: booking again writes nothing and
    returns the invoice booked, with its number."""
    quickbooks = build_connector(emulator, tmp_path, drafts="true")
    try:
        draft = _invoice(quickbooks)
        assert not draft.booked
        _lose_next_answer(quickbooks, emulator)
        with pytest.raises(TransientProviderError):
            quickbooks.book(draft.provider_id)
        since = len(emulator.requests)
        again = quickbooks.book(draft.provider_id)
        assert (again.booked, again.number, again.key) == (True, again.number, draft.key)
        assert again.number
        assert _writes(emulator, quickbooks, since) == []
    finally:
        quickbooks.close()


def test_voiding_again_after_a_lost_answer_returns_the_voided_invoice(
    quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator
) -> None:
    """The void committed but its answer was lost: voiding again writes nothing, returns
    the voided invoice, and the invoice is still found by its key."""
    invoice = _invoice(quickbooks)
    _lose_next_answer(quickbooks, emulator)
    with pytest.raises(TransientProviderError):
        quickbooks.void(invoice.provider_id)
    since = len(emulator.requests)
    again = quickbooks.void(invoice.provider_id)
    assert again.voided and again.key == invoice.key and again.total == 0
    assert _writes(emulator, quickbooks, since) == []
    found = quickbooks.find_invoice(str(invoice.key))
    assert found is not None and found.voided and found.provider_id == invoice.provider_id
    stored = emulator.realms[quickbooks.realm_id].entities["Invoice"][invoice.provider_id]
    note = stored["PrivateNote"]
    assert note.count("Voided") == 1


def test_deleting_again_after_a_lost_answer_is_done(
    quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator
) -> None:
    """The delete committed but its answer was lost: deleting again is done, not a
    "not found" failure, and the invoice stays gone."""
    invoice = _invoice(quickbooks)
    _lose_next_answer(quickbooks, emulator)
    with pytest.raises(TransientProviderError):
        quickbooks.delete(invoice.provider_id)
    quickbooks.delete(invoice.provider_id)
    assert quickbooks.find_invoice(str(invoice.key)) is None
    with pytest.raises(NotFoundError):
        quickbooks.get_invoice(invoice.provider_id)
    assert invoice.provider_id in emulator.realms[quickbooks.realm_id].deleted["Invoice"]


def test_a_dropped_answer_retried_by_the_http_layer_is_replayed(
    quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator
) -> None:
    """With retries on, the void's dropped answer is fetched again under the same requestid:
    one void, answered from QuickBooks' replay store."""
    invoice = _invoice(quickbooks)
    emulator.faults.drop_after_commit(1)
    voided = quickbooks.void(invoice.provider_id)
    assert voided.voided
    replayed = [r for r in emulator.requests if r.replayed]
    assert [r.path for r in replayed] == ["invoice"]
