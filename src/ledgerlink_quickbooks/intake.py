"""Webhook intake: from a signed QuickBooks delivery to "these invoices changed".

An app's webhook endpoint hands the raw body and the ``intuit-signature``
header to :func:`invoice_notice` (or straight to :func:`refresh_from_webhook`)
and answers QuickBooks at once; the refresh reads only the invoices named.
Nothing is trusted before the signature is checked over the raw bytes; both
payload formats (legacy ``eventNotifications`` and CloudEvents) are read by
:mod:`ledgerlink_quickbooks.webhooks`. A delivery may carry several companies'
events: only the connector's realm is kept, and only Invoice entities.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol

import attrs

import ledgerlink
from ledgerlink.connector import Connector
from ledgerlink.errors import WebhookSignatureError
from ledgerlink_quickbooks.webhooks import EntityChange, check_signature, parse_notifications

if TYPE_CHECKING:
    from ledgerlink import RefreshResult, Store

__all__ = ["InvoiceNotice", "RealmConnector", "WebhookSignatureError", "invoice_notice",
           "refresh_from_webhook"]


class RealmConnector(Connector, Protocol):
    """A connector to one QuickBooks company (the QuickBooks connector)."""

    realm_id: str


@attrs.frozen
class InvoiceNotice:
    """The invoices of one realm a delivery says changed.

    Attributes:
        changed: Invoice ids created, updated, voided or emailed, first-seen order.
        deleted: Invoice ids deleted (an id deleted in the delivery is only here).
    """

    changed: tuple[str, ...]
    deleted: tuple[str, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        """Every invoice id named, changed first."""
        return self.changed + self.deleted


def _invoices_of(changes: Sequence[EntityChange], realm_id: str) -> InvoiceNotice:
    ours = [c for c in changes if c.realm_id == realm_id and c.entity.lower() == "invoice"]
    deleted = dict.fromkeys(c.entity_id for c in ours if c.operation.lower() == "delete")
    changed = dict.fromkeys(c.entity_id for c in ours if c.entity_id not in deleted)
    return InvoiceNotice(tuple(changed), tuple(deleted))


def invoice_notice(body: bytes, signature: str | None, verifier_token: str,
                   realm_id: str) -> InvoiceNotice:
    """Verify a delivery and return the invoices of ``realm_id`` it names.

    Args:
        body: the request body, exactly as received (the signature covers these bytes).
        signature: the ``intuit-signature`` header, or None when it was absent.
        verifier_token: the app's webhook verifier token.
        realm_id: the company to keep events of.

    Raises:
        WebhookSignatureError: the signature is missing, malformed or wrong; nothing
            was parsed.
        ValidationError: the signed body is neither payload format, or is malformed
            (the error names what is wrong).
    """
    check_signature(body, signature, verifier_token)
    return _invoices_of(parse_notifications(body), realm_id)


def refresh_from_webhook(connector: RealmConnector, store: Store, body: bytes,
                         signature: str | None, verifier_token: str, *,
                         today: date | None = None) -> RefreshResult:
    """Verify a delivery, then refresh the statuses of exactly the invoices it names.

    Invoices ledgerlink did not make are ignored; a deleted one is recorded
    deleted (QuickBooks no longer finds it).
    """
    notice = invoice_notice(body, signature, verifier_token, connector.realm_id)
    return ledgerlink.refresh(connector, store=store, today=today, ids=notice.ids)
