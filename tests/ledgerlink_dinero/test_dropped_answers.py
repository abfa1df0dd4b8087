"""Writes whose answer never arrived: a repeat meets the write already done and says so.

Booking, deleting and booking a credit note are sent again after a lost answer
(they carry a Timestamp, so a repeat cannot change anything twice); the repeat
finds the work done and returns what is there. An email answered 200 with a
body Dinero never sends is ambiguous, like a timeout: never counted as sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ledgerlink.errors import TransientProviderError
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.store import Store
from ledgerlink.testing.factories import make_customer, make_invoice_draft
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DineroEmulator
from tests.ledgerlink_dinero.support import (
    build_connector,
    connect_organisation,
    fresh_organisation,
)


@pytest.fixture(params=["in-process", "served"])
def connected(request: pytest.FixtureRequest, emulator: DineroEmulator,
              tmp_path: Path) -> Iterator[DineroConnector]:
    """A connector reaching the emulator in-process, or over HTTP on 127.0.0.1."""
    if request.param == "in-process":
        with build_connector(emulator, tmp_path) as dinero:
            yield dinero
        return
    organisation = fresh_organisation()
    emulator.add_organisation(organisation)
    store = Store(tmp_path / "tokens.db")
    connect_organisation(emulator, organisation, store)
    with emulator.serve() as server, DineroConnector(
            organisation_id=organisation, client_id=DEFAULT_CLIENT_ID,
            client_secret=DEFAULT_CLIENT_SECRET, token_store=store,
            base_url=server.base_url, limiters=LimiterRegistry()) as dinero:
        yield dinero
    store.close()


def _draft(dinero: DineroConnector) -> str:
    customer = make_customer()
    ref = dinero.create_customer(customer)
    return dinero.create_invoice(make_invoice_draft(customer=customer), ref, {}).provider_id


def _books(emulator: DineroEmulator, guid: str) -> list[int]:
    return [r.status for r in emulator.requests
            if r.method == "POST" and r.path.endswith(f"{guid}/book")]


def test_a_book_whose_answer_was_lost_returns_the_booked_invoice(
    connected: DineroConnector, emulator: DineroEmulator
) -> None:
    """Booking a just-created draft, the answer cut after the commit: the repeat meets a
    booked invoice and returns it (numbered once), as booking a booked invoice does."""
    guid = _draft(connected)
    emulator.faults.drop_after_commit(1)
    booked = connected.book(guid)
    assert booked.booked and booked.number == "1"
    assert _books(emulator, guid)[0] == 0  # the first answer was cut
    assert booked == connected.get_invoice(guid)
    assert connected.book(guid) == booked


def test_a_book_after_a_read_whose_answer_was_lost_returns_the_booked_invoice(
    connected: DineroConnector, emulator: DineroEmulator
) -> None:
    """The same through the read-then-book path (a draft this connector did not just make)."""
    guid = _draft(connected)
    connected.invoices.forget()  # as a later run sees it: nothing remembered
    emulator.faults.drop_after_commit(1)
    booked = connected.book(guid)
    assert booked.booked and booked.number == "1"
    assert booked == connected.get_invoice(guid)


def test_a_delete_whose_answer_was_lost_is_done(
    connected: DineroConnector, emulator: DineroEmulator
) -> None:
    """Deleting a draft, the answer cut: the repeat finds it deleted and does not fail."""
    guid = _draft(connected)
    emulator.faults.drop_after_commit(1)
    connected.delete(guid)
    assert emulator.organisations[connected.organisation_id].invoices[guid].deleted_at
    deletes = [r.status for r in emulator.requests
               if r.method == "DELETE" and r.path.endswith(guid)]
    assert deletes == [0, 404]  # cut after the commit, then the repeat found it deleted


def test_a_credit_note_book_whose_answer_was_lost_returns_the_booked_note(
    connected: DineroConnector, emulator: DineroEmulator
) -> None:
    """Crediting: the note is created, its booking's answer is cut; the repeat returns the
    booked note, numbered once, and crediting again with the key returns the same note."""
    guid = _draft(connected)
    connected.book(guid)
    org = emulator.organisations[connected.organisation_id]
    emulator.faults.drop_after_commit(2)  # the create's answer and the book's answer
    note = connected.credit(guid, "credit:wo-1")
    assert note.booked and note.number == "1" and len(org.credit_notes) == 1
    assert connected.credit(guid, "credit:wo-1") == note


class GarbledOk(httpx.BaseTransport):
    """Passes requests to the emulator, but answers the email call 200 with ``body``
    (after the emulator did send it, when ``deliver``)."""

    def __init__(self, inner: httpx.BaseTransport, body: bytes, *, deliver: bool) -> None:
        self.inner = inner
        self.body = body
        self.deliver = deliver

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/email"):
            if self.deliver:
                self.inner.handle_request(request).close()
            return httpx.Response(200, content=self.body, request=request,
                                  headers={"Content-Type": "text/html"})
        return self.inner.handle_request(request)


@pytest.mark.parametrize("body", [b"<html>gateway says hi</html>", b"[]", b"\x00\xff",
                                  b"null"])
def test_an_email_answered_200_with_an_unreadable_body_is_ambiguous(
    emulator: DineroEmulator, tmp_path: Path, body: bytes
) -> None:
    """A 200 whose body is not Dinero's JSON object raises TransientProviderError (may have
    reached Dinero), never counts as sent, and is not sent a second time."""
    transport = GarbledOk(emulator.transport(), body, deliver=True)
    with build_connector(emulator, tmp_path, transport=transport) as dinero:
        guid = _draft(dinero)
        dinero.book(guid)
        with pytest.raises(TransientProviderError) as caught:
            dinero.send(guid)
        assert "unknown" in caught.value.message and caught.value.provider == "dinero"
        assert len(emulator.organisations[dinero.organisation_id].mails) == 1
        assert dinero.get_invoice(guid).sent  # what recovery reads decides it


def test_an_email_answered_with_dineros_json_object_is_sent(
    emulator: DineroEmulator, tmp_path: Path
) -> None:
    """The answer Dinero gives (a JSON object) is a plain success."""
    with build_connector(emulator, tmp_path) as dinero:
        guid = _draft(dinero)
        dinero.book(guid)
        dinero.send(guid)
        assert dinero.get_invoice(guid).sent
