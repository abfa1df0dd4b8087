"""Webhooks: the Webhooks API v1.0.0 and the deliveries of ``INVOICE_BOOKED``.

An agreement has at most one webhook per event type [E6], created and read
through ``/webhooksapi/v1.0.0/webhooks`` (served beside the REST API; errors in
that service's ``application/problem+json`` shape, see :mod:`.problems`). A
webhook names its ``url``, ``contentType``, an optional ``postData`` template
and up to five ``customHeaders``; no signature is documented [E6][E11], so a
receiver checks a shared secret sent as a custom header. ``[INVOICENO]`` in the
URL or the template is replaced by the booked invoice's number [E11]; without a
template the emulator posts a small JSON document (inferred). One delivery per
booked invoice, never bundled [E11], queued and posted when asked
(:meth:`Webhooks.deliver`) so a test decides when the receiver hears of it; a
failed one stays queued, as e-conomic retries.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import attrs
import httpx

from ledgerlink_economic.emulator.state import Agreement

__all__ = ["INVOICE_BOOKED", "MERGE_INVOICE_NUMBER", "Delivery", "Webhooks"]

INVOICE_BOOKED = "INVOICE_BOOKED"
#: The merge field of the invoice-booked event [E11].
MERGE_INVOICE_NUMBER = "[INVOICENO]"


@attrs.frozen
class Delivery:
    """One event to post.

    Attributes:
        url: The receiver (merge fields filled in).
        headers: The webhook's custom headers and its content type.
        content: The body posted.
    """

    url: str
    headers: dict[str, str]
    content: bytes


class Webhooks:
    """Webhooks per agreement and event type, and the deliveries waiting."""

    def __init__(self) -> None:
        self.hooks: dict[tuple[int, str], dict[str, Any]] = {}
        self.pending: list[Delivery] = []
        self.delivered: list[tuple[Delivery, int]] = []
        self.lock = threading.Lock()

    def register(self, agreement: Agreement, url: str, *, event_type: str = INVOICE_BOOKED,
                 custom_headers: dict[str, str] | None = None,
                 content_type: str = "application/json", post_data: str | None = None
                 ) -> None:
        """Set ``agreement``'s webhook for ``event_type`` (as the API's POST does)."""
        headers = [{"key": k, "value": v} for k, v in (custom_headers or {}).items()]
        if len(headers) > 5:
            raise ValueError("e-conomic allows at most 5 custom headers")
        hook: dict[str, Any] = {"eventType": event_type, "name": event_type, "url": url,
                                "contentType": content_type, "customHeaders": headers,
                                "isDisabled": False, "objectVersion": "1"}
        if post_data is not None:
            hook["postData"] = post_data
        with self.lock:
            self.hooks[(agreement.agreement_number, event_type)] = hook

    def invoice_booked(self, agreement: Agreement, invoice: dict[str, Any]) -> None:
        """Queue the event for a booked invoice (when the agreement has an enabled hook)."""
        number = str(invoice["bookedInvoiceNumber"])
        with self.lock:
            hook = self.hooks.get((agreement.agreement_number, INVOICE_BOOKED))
            if hook is None or hook.get("isDisabled"):
                return
            template = hook.get("postData")
            content = (template.replace(MERGE_INVOICE_NUMBER, number).encode()
                       if template is not None else json.dumps({
                           "eventType": INVOICE_BOOKED,
                           "agreementNumber": agreement.agreement_number,
                           "bookedInvoiceNumber": invoice["bookedInvoiceNumber"]}).encode())
            headers = {pair["key"]: pair["value"] for pair in hook.get("customHeaders", [])}
            headers["content-type"] = hook["contentType"]
            self.pending.append(Delivery(hook["url"].replace(MERGE_INVOICE_NUMBER, number),
                                         headers, content))

    def deliver(self, client: httpx.Client | None = None) -> list[int]:
        """Post every queued delivery; the receivers' statuses (0: not reached). A delivery
        not answered 2xx is queued again."""
        with self.lock:
            queued, self.pending = self.pending, []
        statuses: list[int] = []
        owned = client is None
        sender = client or httpx.Client(timeout=10.0)
        try:
            for delivery in queued:
                try:
                    status = sender.post(delivery.url, content=delivery.content,
                                         headers=delivery.headers).status_code
                except httpx.HTTPError:
                    status = 0
                statuses.append(status)
                with self.lock:
                    if 200 <= status < 300:
                        self.delivered.append((delivery, status))
                    else:
                        self.pending.append(delivery)
        finally:
            if owned:
                sender.close()
        return statuses
