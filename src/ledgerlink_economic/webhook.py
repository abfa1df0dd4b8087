"""The INVOICE_BOOKED webhook: registering it, and from a delivery to "these invoices changed".

e-conomic posts one request per booked invoice to the webhook's URL, with the
webhook's custom headers and its ``postData`` template (``[INVOICENO]`` filled
in) [E6][E11]. No signature is documented, so the webhook carries a shared
secret in a custom header (:data:`SECRET_HEADER`), and :func:`booked_numbers`
compares it in constant time before the body is read at all. The body is the
template :data:`POST_DATA` writes: ``{"eventType": "INVOICE_BOOKED",
"bookedInvoiceNumber": <n>}``. :func:`refresh_from_webhook` then refreshes the
status of exactly the invoice named (one read to learn its provider id, one to
refresh it).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import ledgerlink
from ledgerlink.errors import ValidationError, WebhookSignatureError
from ledgerlink_economic.mapping import provider_id

if TYPE_CHECKING:
    from ledgerlink import RefreshResult, Store
    from ledgerlink_economic.connector import EconomicConnector

__all__ = ["EVENT", "POST_DATA", "SECRET_HEADER", "WEBHOOKS_PATH", "booked_numbers",
           "refresh_from_webhook", "register_webhook"]

EVENT = "INVOICE_BOOKED"
#: The custom header carrying the shared secret (e-conomic allows five [E6]).
SECRET_HEADER = "X-Ledgerlink-Secret"
#: The delivery's body, ``[INVOICENO]`` being e-conomic's merge field [E11].
POST_DATA = '{"eventType": "INVOICE_BOOKED", "bookedInvoiceNumber": [INVOICENO]}'
#: The Webhooks API beside the REST API [E6][E12].
WEBHOOKS_PATH = "webhooksapi/v1.0.0/webhooks"
#: A secret shorter than this is refused when registering.
MIN_SECRET = 16


def register_webhook(connector: EconomicConnector, url: str, secret: str) -> Mapping[str, Any]:
    """Set the agreement's INVOICE_BOOKED webhook to post to ``url`` with ``secret``."""
    if len(secret) < MIN_SECRET:
        raise ValidationError(f"the shared secret needs at least {MIN_SECRET} characters",
                              field="secret")
    connector.api.http.secrets.add(secret)
    body = {"eventType": EVENT, "name": "ledgerlink", "url": url,
            "contentType": "application/json", "postData": POST_DATA,
            "customHeaders": [{"key": SECRET_HEADER, "value": secret}], "isDisabled": False}
    return connector.api.write("POST", WEBHOOKS_PATH, body,
                               operation="register the INVOICE_BOOKED webhook")


def booked_numbers(body: bytes, secret_header: str | None, secret: str) -> list[int]:
    """The booked invoice numbers a delivery names, after its secret is checked.

    Raises:
        WebhookSignatureError: the secret header is missing or wrong; nothing was read.
        ValidationError: the body is not the INVOICE_BOOKED document.
    """
    given = (secret_header or "").encode("utf-8")
    if not secret or not hmac.compare_digest(given, secret.encode("utf-8")):
        raise WebhookSignatureError(f"the {SECRET_HEADER} header is missing or wrong",
                                    field=SECRET_HEADER)
    try:
        document = json.loads(body)
        number = document["bookedInvoiceNumber"]
    except (ValueError, KeyError, TypeError):
        raise ValidationError("not an INVOICE_BOOKED delivery", field="body") from None
    if document.get("eventType", EVENT) != EVENT or isinstance(number, bool) or \
            not isinstance(number, int):
        raise ValidationError("not an INVOICE_BOOKED delivery", field="bookedInvoiceNumber",
                              value=number)
    return [number]


def refresh_from_webhook(connector: EconomicConnector, store: Store, body: bytes,
                         secret_header: str | None, secret: str, *,
                         today: date | None = None) -> RefreshResult:
    """Check a delivery, then refresh the status of the invoice it names (invoices
    ledgerlink did not make are ignored by the refresh)."""
    ids = [provider_id(connector.lookup.booked(number))
           for number in booked_numbers(body, secret_header, secret)]
    return ledgerlink.refresh(connector, store=store, today=today, ids=ids)
