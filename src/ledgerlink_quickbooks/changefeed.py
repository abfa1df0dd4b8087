"""QuickBooks' change data capture (``GET /cdc``) as the connector's change feed.

One call answers "which invoices changed since then": full objects for the
changed ones, ``{"status": "Deleted", "Id": ...}`` stubs for the deleted ones,
and the server's ``time``, which becomes :attr:`Changes.until`.

QuickBooks' limits, and what is done about them:

* it looks back at most 30 days: an older ``since`` is refused here, before
  any call, with :class:`~ledgerlink.errors.ChangeFeedWindowError` (and the
  server's own refusal is turned into that error too); the status refresh
  then reads the invoices one by one.
* one answer holds at most 1000 objects, and which are left out is not
  documented (the deleted stubs come after the changed objects, so they go
  first). ``/cdc`` has no upper bound to page by, and a query on
  ``MetaData.LastUpdatedTime`` would find the changed invoices but never the
  deleted ones, which QuickBooks forgets. A full answer therefore raises
  ChangeFeedWindowError too: reading one by one is slow but misses nothing.
* it stamps whole seconds, so ``changedSince`` is sent truncated to the second:
  a change in the same second as ``until`` may be reported twice, never missed.

Every part of the answer is checked (ProviderError naming the part): the
``CDCResponse`` and ``QueryResponse`` lists, each changed Invoice against its
wire shape, each deleted stub's Id, and ``time``, a date and time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from ledgerlink.connector import Changes
from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import ChangeFeedWindowError, ProviderError
from ledgerlink_quickbooks import settings

if TYPE_CHECKING:
    from ledgerlink_quickbooks.api import QuickBooksApi

__all__ = ["LOOKBACK", "MAX_OBJECTS", "SAFETY", "changes"]

#: How far back ``changedSince`` may reach.
LOOKBACK = timedelta(days=30)
#: Most objects one answer holds, across the requested entities.
MAX_OBJECTS = 1000
#: Kept clear of the look-back limit, for our clock running ahead of QuickBooks'.
SAFETY = timedelta(hours=1)
#: QuickBooks' code for a business-rule refusal (an out-of-window ``changedSince``).
BUSINESS_VALIDATION = "6000"


#: The operation errors name.
OPERATION = "read the change feed"


def _list(api: QuickBooksApi, parent: Mapping[str, Any], key: str, where: str,
          response: httpx.Response) -> list[Any]:
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise api.malformed(f"{where}{key}: expected a list, got {type(value).__name__}",
                            operation=OPERATION, response=response)
    return value


def _objects(api: QuickBooksApi, body: Mapping[str, Any],
             response: httpx.Response) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(where, object) of every Invoice object and deleted stub in the answer."""
    for i, answer in enumerate(_list(api, body, "CDCResponse", "", response)):
        at = f"CDCResponse[{i}]"
        answer = api.wire.mapping(answer, operation=OPERATION, response=response)
        for j, group in enumerate(_list(api, answer, "QueryResponse", f"{at}.", response)):
            inner = f"{at}.QueryResponse[{j}]"
            group = api.wire.mapping(group, operation=OPERATION, response=response)
            for k, raw in enumerate(_list(api, group, "Invoice", f"{inner}.", response)):
                yield f"{inner}.Invoice[{k}]", raw


def _until(api: QuickBooksApi, stamp: object, response: httpx.Response) -> datetime:
    if not isinstance(stamp, str) or not stamp:
        raise api.malformed(f"time: expected a date and time, got {stamp!r}",
                            operation=OPERATION, response=response)
    try:
        until = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise api.malformed(f"time: {stamp!r} is not a date and time", operation=OPERATION,
                            response=response) from None
    return until if until.tzinfo is not None else until.replace(tzinfo=UTC)


def changes(api: QuickBooksApi, since: datetime) -> Changes:
    """Invoices changed or deleted since ``since``, from one ``/cdc`` call.

    Raises ChangeFeedWindowError when ``since`` is beyond the 30-day look-back
    or when more than the 1000 objects one answer holds changed.
    """
    if since.tzinfo is None:
        raise ChangeFeedWindowError("since needs a time zone", provider=settings.PROVIDER)
    if since < datetime.now(UTC) - LOOKBACK + SAFETY:
        raise ChangeFeedWindowError(
            f"the change feed looks back at most {LOOKBACK.days} days; "
            f"{since.isoformat()} is too long ago", provider=settings.PROVIDER)
    changed_since = since.astimezone(UTC).isoformat(timespec="seconds")
    try:
        body, response = api.fetch("/cdc", operation=OPERATION,
                                   params={"entities": "Invoice", "changedSince": changed_since})
    except ProviderError as err:
        if err.code == BUSINESS_VALIDATION and "changedSince" in str(err):
            raise ChangeFeedWindowError(err.message, provider=err.provider, status=err.status,
                                        code=err.code, request_id=err.request_id) from err
        raise
    objects = list(_objects(api, body, response))
    if len(objects) >= MAX_OBJECTS:
        raise ChangeFeedWindowError(
            f"{len(objects)} invoices changed since {changed_since}, as many as one change "
            "feed answer holds; deleted invoices may be missing from it",
            provider=settings.PROVIDER)
    invoices: list[RemoteInvoice] = []
    deleted: list[str] = []
    for where, raw in objects:
        stub = isinstance(raw, Mapping) and str(raw.get("status", "")).lower() == "deleted"
        row = api.checked(raw, "Invoice", operation=OPERATION, response=response, where=where,
                          deleted=stub)
        if stub:
            deleted.append(str(row["Id"]))
        else:
            invoices.append(api.invoice(row))
    return Changes(tuple(invoices), tuple(deleted), _until(api, body.get("time"), response))
