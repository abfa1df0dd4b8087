"""QuickBooks' changes since a moment, in about ⌈changed / 1000⌉ requests, deletions included.

Three sources, cheapest first:

* change data capture (``GET /cdc``): one call answers "which invoices changed
  since then", full objects for the changed ones and ``{"status": "Deleted",
  "Id": ...}`` stubs for the deleted ones, and the server's ``time``. When the
  answer holds fewer than :data:`MAX_OBJECTS` objects it is complete, and that
  one request is the whole read.
* past that (one answer holds at most 1000 objects, and which are left out is
  not documented; the deleted stubs come last) or past CDC's 30-day look-back:
  pages of ``SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= since``
  ordered by that time (:func:`changed_rows`). Each page starts at the last
  stamp the previous one ended on, not at a position: an invoice that changes
  while the pages are read moves to the end of the order, where it is read
  again, and never shifts an unread one past the reader. Only when one page is
  all one stamp (1000 invoices changed in one second — more than QuickBooks'
  rate limits let an app write) is that second read by position
  (``LastUpdatedTime = second``), and the pages go on after it (``>``); an
  invoice of that second seen later with a newer stamp (it changed meanwhile)
  has the second read once more, as its leaving may have shifted another one
  past the reader. A change within the second an answer was given keeps its
  stamp and may be read as it was; ``until`` is no later than that second, so
  the next read has it.

  That second is read again once only, and a change during the re-read can
  pass another invoice of it over again. No status is lost by that: the
  passed-over invoice is not in the pages' answer, so when it is followed it
  is among those asked for by Id below and read as it is now (in this same
  refresh); one the caller does not follow is not its concern. And the invoice
  whose change shifted it changed after ``until`` (the first answer's time),
  so the next read, which starts there, has its new state.
* the query never shows a deleted invoice (QuickBooks forgets them), so the
  followed invoices (``known``) that the query did not report are asked for by
  Id, 1000 a page (``Id IN (...)`` in the body of ``POST /query``); those not
  answered are deleted.

Without ``known`` there is nothing to check deletions against, so a full CDC
answer or a ``since`` beyond the look-back raises
:class:`~ledgerlink.errors.ChangeFeedWindowError`, as QuickBooks' own refusal of
an out-of-window ``changedSince`` (code 6000) does.

``until``, the next call's ``since``, is QuickBooks' own clock (``time``) of the
first answer: everything changed after it is in the next read. Stamps are
whole seconds and the next read includes the second it starts in (``>=``), so
a change in that second is read twice rather than missed — an overlap of one
second's changes, not a step back that repeats a large refresh.

Every part of the answer is checked (ProviderError naming the part): the
``CDCResponse`` and ``QueryResponse`` lists, each Invoice against its wire
shape, each deleted stub's Id, ``time`` and each ``MetaData.LastUpdatedTime``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from ledgerlink.connector import Changes, KnownVersions
from ledgerlink.errors import ChangeFeedWindowError, ProviderError
from ledgerlink_quickbooks import queries, settings
from ledgerlink_quickbooks.lookup import pages

if TYPE_CHECKING:
    from ledgerlink_quickbooks.api import QuickBooksApi, Row

__all__ = ["LOOKBACK", "MAX_OBJECTS", "SAFETY", "changed_rows", "changes"]

#: How far back ``changedSince`` may reach.
LOOKBACK = timedelta(days=30)
#: Most objects one CDC answer holds, across the requested entities.
MAX_OBJECTS = 1000
#: Kept clear of the look-back limit, for our clock running ahead of QuickBooks'.
SAFETY = timedelta(hours=1)
#: QuickBooks' code for a business-rule refusal (an out-of-window ``changedSince``).
BUSINESS_VALIDATION = "6000"
#: The field the query pages are ordered and bounded by.
STAMP = "MetaData.LastUpdatedTime"

#: The operation errors name.
OPERATION = "read the change feed"
QUERY_OPERATION = "query changed invoices"


@attrs.frozen
class _Feed:
    """What one CDC call said: changed objects, deleted ids, QuickBooks' time, complete?"""

    rows: tuple[Row, ...]
    deleted: tuple[str, ...]
    until: datetime
    complete: bool


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


def _instant(api: QuickBooksApi, stamp: object, what: str, operation: str,
             response: httpx.Response) -> datetime:
    if not isinstance(stamp, str) or not stamp:
        raise api.malformed(f"{what}: expected a date and time, got {stamp!r}",
                            operation=operation, response=response)
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise api.malformed(f"{what}: {stamp!r} is not a date and time", operation=operation,
                            response=response) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _cdc(api: QuickBooksApi, since: datetime) -> _Feed:
    """One ``/cdc`` call from ``since`` (whole seconds, UTC)."""
    try:
        body, response = api.fetch("/cdc", operation=OPERATION, params={
            "entities": "Invoice", "changedSince": since.isoformat(timespec="seconds")})
    except ProviderError as err:
        if err.code == BUSINESS_VALIDATION and "changedSince" in str(err):
            raise ChangeFeedWindowError(err.message, provider=err.provider, status=err.status,
                                        code=err.code, request_id=err.request_id) from err
        raise
    objects = list(_objects(api, body, response))
    rows: list[Row] = []
    deleted: list[str] = []
    for where, raw in objects:
        stub = isinstance(raw, Mapping) and str(raw.get("status", "")).lower() == "deleted"
        row = api.checked(raw, "Invoice", operation=OPERATION, response=response, where=where,
                          deleted=stub)
        if stub:
            deleted.append(str(row["Id"]))
        else:
            rows.append(row)
    until = _instant(api, body.get("time"), "time", OPERATION, response)
    return _Feed(tuple(rows), tuple(deleted), until, len(objects) < MAX_OBJECTS)


def _stamp(api: QuickBooksApi, row: Row, response: httpx.Response) -> datetime:
    meta = row.get("MetaData")
    value = meta.get("LastUpdatedTime") if isinstance(meta, Mapping) else None
    return _instant(api, value, f"Invoice {row['Id']}.{STAMP}", QUERY_OPERATION, response)


def _page(api: QuickBooksApi, op: str, stamp: datetime,
          start: int) -> tuple[list[Row], datetime, httpx.Response]:
    """One page of the invoices whose stamp is ``op`` ``stamp``, in stamp order."""
    text = queries.select("Invoice", [(STAMP, op, stamp.astimezone(UTC))], start=start,
                          max_results=api.page_size, order_by=STAMP)
    body, response = api.fetch("/query", operation=QUERY_OPERATION, params={"query": text})
    rows = api.rows(body, "Invoice", operation=QUERY_OPERATION, response=response)
    return rows, _instant(api, body.get("time"), "time", QUERY_OPERATION, response), response


def _second(api: QuickBooksApi, stamp: datetime) -> dict[str, Row]:
    """Every invoice stamped ``stamp``, by position (see the module docstring)."""
    found: dict[str, Row] = {}
    start = 1
    while True:
        rows, _, _ = _page(api, "=", stamp, start)
        found.update((str(row["Id"]), row) for row in rows)
        if len(rows) < api.page_size:
            return found
        start += len(rows)


def changed_rows(api: QuickBooksApi, since: datetime) -> tuple[dict[str, Row], datetime]:
    """Every Invoice changed at or after ``since`` (its newest state read), by Id, and
    QuickBooks' time of the first answer; pages as the module docstring says."""
    found: dict[str, Row] = {}
    op, stamp = ">=", since
    until: datetime | None = None
    crowded: dict[datetime, set[str]] = {}  # a second read by position → the Ids it held
    while True:
        rows, answered, response = _page(api, op, stamp, 1)
        until = until or answered
        stamps = [_stamp(api, row, response) for row in rows]
        found.update((str(row["Id"]), row) for row in rows)
        if len(rows) < api.page_size:
            break
        if stamps[0] == stamps[-1]:  # a whole page of one second: read it by position
            second = _second(api, stamps[0])
            found.update(second)
            crowded[stamps[0]] = set(second) | {str(row["Id"]) for row in rows}
            op, stamp = ">", stamps[0]
        else:
            op, stamp = ">=", stamps[-1]
    # An invoice of a crowded second seen later with a newer stamp left it while it was
    # read by position, which may have shifted another one past the reader: read it again.
    for moment, ids in sorted(crowded.items()):
        if any(_stamp(api, found[pid], response) > moment for pid in ids):
            found.update(_second(api, moment))
    return found, until


def _present(api: QuickBooksApi, ids: Collection[str]) -> dict[str, Row]:
    """Those of ``ids`` QuickBooks still has, by Id (1000 a page, ``POST /query``)."""
    found: dict[str, Row] = {}
    for page in pages(sorted(ids), max_keys=api.page_size):
        statement = queries.select("Invoice", [("Id", "IN", page)], max_results=api.page_size)
        found.update((str(row["Id"]), row) for row in api.query_posted("Invoice", statement))
    return found


def changes(api: QuickBooksApi, since: datetime, known: KnownVersions | None = None) -> Changes:
    """Invoices changed or deleted since ``since`` (see the module docstring).

    Raises ChangeFeedWindowError, without ``known`` only, when ``since`` is beyond
    the 30-day look-back or more than the 1000 objects one CDC answer holds changed.
    """
    if since.tzinfo is None:
        raise ChangeFeedWindowError("since needs a time zone", provider=settings.PROVIDER)
    start = since.astimezone(UTC).replace(microsecond=0)
    feed: _Feed | None = None
    if since < datetime.now(UTC) - LOOKBACK + SAFETY:
        if known is None:
            raise ChangeFeedWindowError(
                f"the change feed looks back at most {LOOKBACK.days} days; "
                f"{since.isoformat()} is too long ago", provider=settings.PROVIDER)
    else:
        try:
            feed = _cdc(api, start)
        except ChangeFeedWindowError:
            if known is None:
                raise
    if feed is not None and feed.complete:
        return Changes(tuple(api.invoice(row) for row in feed.rows), feed.deleted, feed.until)
    if known is None:
        assert feed is not None
        raise ChangeFeedWindowError(
            f"{len(feed.rows) + len(feed.deleted)} invoices changed since {start.isoformat()}, "
            "as many as one change feed answer holds; deleted invoices may be missing from it",
            provider=settings.PROVIDER)
    found, until = changed_rows(api, start)
    deleted = [pid for pid in (feed.deleted if feed else ()) if pid not in found]
    unseen = [pid for pid in known if pid not in found and pid not in deleted]
    present = _present(api, unseen)
    found.update(present)
    deleted += [pid for pid in unseen if pid not in present]
    return Changes(tuple(api.invoice(row) for row in found.values()), tuple(deleted),
                   feed.until if feed is not None else until)
