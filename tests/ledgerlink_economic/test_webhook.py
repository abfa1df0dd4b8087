"""The INVOICE_BOOKED webhook: registered with a shared secret in a custom header, checked in
constant time, and a delivery refreshing exactly the invoice it names."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import httpx
import pytest

import ledgerlink as ll
from ledgerlink.errors import ValidationError, WebhookSignatureError
from ledgerlink.status import InvoiceStatus
from ledgerlink.store import Store
from ledgerlink_economic import EconomicConnector
from ledgerlink_economic.emulator import Agreement, EconomicEmulator
from ledgerlink_economic.webhook import (
    SECRET_HEADER,
    booked_numbers,
    refresh_from_webhook,
    register_webhook,
)
from tests.ledgerlink_economic.crash_job import COMPANY, CUSTOMERS, NOW
from tests.runners import shared_work

SECRET = "webhook-secret-4f1b9c2d7e"


class Receiver(httpx.BaseTransport):
    """Where the emulator posts deliveries: kept, answered 200."""

    def __init__(self) -> None:
        self.received: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.received.append(request)
        return httpx.Response(200)


def test_a_delivery_refreshes_the_invoice_it_names(economic: EconomicConnector,
                                                   emulator: EconomicEmulator,
                                                   agreement: Agreement,
                                                   tmp_path: Path) -> None:
    """Registered with its secret, the webhook's delivery of a booking is accepted and
    refreshes that invoice's status from the booked invoice (one invoice read)."""
    register_webhook(economic, "https://hooks.example/economic", SECRET)
    store = Store(tmp_path / "journal.db")
    result = ll.invoice(shared_work(1, CUSTOMERS, NOW), CUSTOMERS, COMPANY, economic,
                        now=NOW, store=store)
    assert result.ok, result.summary
    receiver = Receiver()
    with httpx.Client(transport=receiver) as client:
        assert emulator.webhooks.deliver(client) == [200]
    (delivery,) = receiver.received
    assert delivery.headers[SECRET_HEADER] == SECRET
    (booked,) = emulator.invoices(agreement)
    emulator.pay(agreement, booked["bookedInvoiceNumber"], booked["grossAmount"])
    refreshed = refresh_from_webhook(economic, store, delivery.content,
                                     delivery.headers.get(SECRET_HEADER), SECRET,
                                     today=date(2026, 11, 23))
    assert refreshed.checked == 1
    (status,) = ll.statuses(economic, store=store, today=date(2026, 11, 23), refresh=False)
    assert status.status == InvoiceStatus.PAID
    store.close()


@pytest.mark.parametrize("given", [None, "", "webhook-secret-4f1b9c2d7f", SECRET + "x"])
def test_a_wrong_or_missing_secret_is_refused_before_reading(given: str | None) -> None:
    """A delivery without the secret, or with another, is refused before its body is read."""
    with pytest.raises(WebhookSignatureError):
        booked_numbers(b"not even json", given, SECRET)


def test_a_body_that_is_not_the_event_is_refused() -> None:
    """With the right secret, a body that does not name a booked invoice is a ValidationError."""
    for body in (b"[]", b'{"eventType": "CUSTOMER_UPDATED", "bookedInvoiceNumber": 3}',
                 b'{"bookedInvoiceNumber": "3"}'):
        with pytest.raises(ValidationError):
            booked_numbers(body, SECRET, SECRET)
    assert booked_numbers(json.dumps({"eventType": "INVOICE_BOOKED",
                                      "bookedInvoiceNumber": 7}).encode(), SECRET, SECRET) == [7]


def test_a_short_secret_is_not_registered(economic: EconomicConnector) -> None:
    """The shared secret must be long enough to be one."""
    with pytest.raises(ValidationError):
        register_webhook(economic, "https://hooks.example/economic", "short")
