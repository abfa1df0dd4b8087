"""The change feed: what changed since a moment, from two list reads.

``GET invoices?changesSince=…&fields=…`` gives every changed invoice with the
fields its status needs, and the same with ``deletedOnly=true`` the deleted
ones: two list calls (more only past 1000 rows), never one read per invoice.
``changesSince`` is sent in whole seconds, truncated, and Dinero includes the
moment itself, so ``until`` is the start of the second the first read was
answered in (the response's ``Date``, Dinero's clock; ours when it has none):
a change in that second is read again next time rather than missed. Lists
carry no paid amount, so a partly paid invoice reports open here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from ledgerlink.connector import Changes
from ledgerlink_dinero import settings
from ledgerlink_dinero.mapping import remote_invoice
from ledgerlink_dinero.queries import INVOICE_FIELDS, list_params
from ledgerlink_dinero.wire import DineroInvoice, converter, loads

if TYPE_CHECKING:
    from ledgerlink_dinero.connector import DineroConnector

__all__ = ["changes", "provider_clock"]


def provider_clock(date_header: str | None) -> datetime:
    """The provider's time from an HTTP ``Date`` header (ours when absent), whole seconds."""
    moment = None
    if date_header:
        try:
            moment = parsedate_to_datetime(date_header)
        except (TypeError, ValueError, IndexError):
            moment = None
    if moment is None or moment.tzinfo is None:
        moment = datetime.now(UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def changes(connector: DineroConnector, since: datetime) -> Changes:
    """Invoices changed since ``since`` (as they are now) and those deleted since."""
    path = connector._path("invoices")
    until: datetime | None = None
    changed, deleted = [], []
    for deleted_only in (False, True):
        page = settings.FIRST_PAGE
        while True:
            params = list_params("invoices", since=since, deleted_only=deleted_only, page=page,
                                 page_size=settings.MAX_PAGE_SIZE,
                                 fields=("Guid",) if deleted_only else INVOICE_FIELDS)
            response = connector._http.get(path, params=params)
            if until is None:
                until = provider_clock(response.headers.get("date"))
            rows = list(loads(response.text).get("Collection") or [])
            for row in rows:
                if deleted_only:
                    deleted.append(str(row["Guid"]))
                else:
                    changed.append(remote_invoice(converter.structure(row, DineroInvoice)))
            if len(rows) < settings.MAX_PAGE_SIZE:
                break
            page += 1
    assert until is not None
    return Changes(invoices=tuple(changed), deleted=tuple(dict.fromkeys(deleted)),
                   until=max(until, since.astimezone(UTC).replace(microsecond=0)))
