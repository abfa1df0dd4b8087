"""No redundant calls: a draft this connector just made is booked and sent without reads."""

from __future__ import annotations

import time

import attrs

from ledgerlink.testing.factories import make_customer, make_invoice_draft
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import DineroEmulator


def _calls(emulator: DineroEmulator, since: int) -> list[tuple[str, str]]:
    return [(r.method, r.path.split("/invoices/", 1)[-1]) for r in emulator.requests[since:]]


def test_book_then_send_of_a_fresh_draft_is_two_writes_and_no_read(
    dinero: DineroConnector, emulator: DineroEmulator
) -> None:
    """Booking and sending a fresh draft takes two writes and no read, and book tells the truth."""
    customer = make_customer()
    ref = dinero.create_customer(customer)
    draft = dinero.create_invoice(make_invoice_draft(customer=customer), ref, {})
    guid = draft.provider_id
    before = len(emulator.requests)
    booked = dinero.book(guid)
    after_book = len(emulator.requests)
    dinero.send(guid)
    # The create's answer gave the Timestamp /book needs; booked invoices need no check.
    assert _calls(emulator, before) == [("POST", f"{guid}/book"), ("POST", f"{guid}/email")]
    assert after_book - before == 1
    assert booked.booked and booked.number is not None and booked.balance == booked.total
    # What book answered is what Dinero holds (sent since: the e-mail went out).
    now = dinero.get_invoice(guid)
    # Booking answers no UpdatedAt: its version is a bound (see test_versions.py).
    assert booked.version is not None
    assert now.sent and attrs.evolve(now, sent=booked.sent, version=booked.version) == booked


def test_a_draft_edited_since_its_creation_is_read_once_then_booked(
    dinero: DineroConnector, emulator: DineroEmulator
) -> None:
    """A stale Timestamp from the create (58: a person changed the draft) is not fatal:
    the draft is read and booked with its current Timestamp."""
    customer = make_customer()
    ref = dinero.create_customer(customer)
    guid = dinero.create_invoice(make_invoice_draft(customer=customer), ref, {}).provider_id
    organisation = emulator.organisations[dinero.organisation_id]
    organisation.touch(organisation.invoices[guid], time.time())  # a person's edit
    before = len(emulator.requests)
    booked = dinero.book(guid)
    assert booked.booked and booked.number is not None
    assert _calls(emulator, before) == [("POST", f"{guid}/book"), ("GET", guid),
                                        ("POST", f"{guid}/book")]
