"""No redundant calls: booking reads the draft once and sending a booked invoice reads nothing."""

from __future__ import annotations

import attrs

from ledgerlink.testing.factories import make_customer, make_invoice_draft
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import DineroEmulator


def _calls(emulator: DineroEmulator, since: int) -> list[tuple[str, str]]:
    return [(r.method, r.path.split("/invoices/", 1)[-1]) for r in emulator.requests[since:]]


def test_book_then_send_makes_one_read_and_two_writes(
    dinero: DineroConnector, emulator: DineroEmulator
) -> None:
    customer = make_customer()
    ref = dinero.create_customer(customer)
    draft = dinero.create_invoice(make_invoice_draft(customer=customer), ref, {})
    guid = draft.provider_id
    before = len(emulator.requests)
    booked = dinero.book(guid)
    after_book = len(emulator.requests)
    dinero.send(guid)
    assert _calls(emulator, before) == [("GET", guid), ("POST", f"{guid}/book"),
                                        ("POST", f"{guid}/email")]
    assert after_book - before == 2
    assert booked.booked and booked.number is not None and booked.balance == booked.total
    # What book answered is what Dinero holds (sent since: the e-mail went out).
    now = dinero.get_invoice(guid)
    assert now.sent and attrs.evolve(now, sent=booked.sent) == booked
