"""Webhooks: the ``INVOICE_BOOKED`` event, delivered with a shared secret in a header.

e-conomic lets an agreement register one webhook per event type, posting to
its URL with up to five custom headers; no signature is documented [E6][E11],
so a receiver checks a shared secret sent as a custom header. The emulator
queues one delivery per booked invoice (never bundled [E11]) and posts the
queue when asked (:meth:`Webhooks.deliver`), so a test decides when the
receiver hears of it.
"""

from __future__ import annotations

import threading
from typing import Any

import attrs
import httpx

from ledgerlink_economic.emulator.state import Agreement

__all__ = ["INVOICE_BOOKED", "Delivery", "Webhooks"]

INVOICE_BOOKED = "INVOICE_BOOKED"


@attrs.frozen
class Delivery:
    """One event to post.

    Attributes:
        url: The receiver.
        headers: The webhook's custom headers (the shared secret among them).
        payload: The JSON posted.
    """

    url: str
    headers: dict[str, str]
    payload: dict[str, Any]


class Webhooks:
    """Registered webhooks per agreement and the deliveries waiting."""

    def __init__(self) -> None:
        self._hooks: dict[tuple[int, str], tuple[str, dict[str, str]]] = {}
        self.pending: list[Delivery] = []
        self.delivered: list[tuple[Delivery, int]] = []
        self._lock = threading.Lock()

    def register(self, agreement: Agreement, url: str, *, event_type: str = INVOICE_BOOKED,
                 custom_headers: dict[str, str] | None = None) -> None:
        """Post ``event_type`` events of ``agreement`` to ``url`` (one hook per type)."""
        headers = dict(custom_headers or {})
        if len(headers) > 5:
            raise ValueError("e-conomic allows at most 5 custom headers")
        with self._lock:
            self._hooks[(agreement.agreement_number, event_type)] = (url, headers)

    def invoice_booked(self, agreement: Agreement, invoice: dict[str, Any]) -> None:
        """Queue the event for a booked invoice (when the agreement has the hook)."""
        with self._lock:
            hook = self._hooks.get((agreement.agreement_number, INVOICE_BOOKED))
            if hook is not None:
                self.pending.append(Delivery(hook[0], hook[1], {
                    "eventType": INVOICE_BOOKED,
                    "agreementNumber": agreement.agreement_number,
                    "bookedInvoiceNumber": invoice["bookedInvoiceNumber"]}))

    def deliver(self, client: httpx.Client | None = None) -> list[int]:
        """Post every queued delivery; the receivers' statuses (a failed one is queued
        again, as e-conomic retries [E11])."""
        with self._lock:
            queued, self.pending = self.pending, []
        statuses: list[int] = []
        owned = client is None
        sender = client or httpx.Client(timeout=10.0)
        try:
            for delivery in queued:
                try:
                    status = sender.post(delivery.url, json=delivery.payload,
                                         headers=delivery.headers).status_code
                except httpx.HTTPError:
                    status = 0
                statuses.append(status)
                with self._lock:
                    if 200 <= status < 300:
                        self.delivered.append((delivery, status))
                    else:
                        self.pending.append(delivery)
        finally:
            if owned:
                sender.close()
        return statuses
