"""The Billy request object every part of the connector sends through.

:class:`BillyApi` holds the company's :class:`~ledgerlink.http.ProviderClient`
and the wire format (:data:`.wire.WIRE`), with one method per request shape
Billy's conventions give [B1]:

* ``GET /v2/<plural>/:id`` answers ``{"<singular>": {...}}`` (:meth:`BillyApi.get`);
* ``GET /v2/<plural>`` answers ``{"<plural>": [...], "meta": {"paging": ...}}``,
  1-based pages of at most 1000 (:meth:`BillyApi.pages`, :meth:`BillyApi.list`);
* ``POST``/``PUT`` send ``{"<singular>": {...}}`` and answer every record the
  request changed, keyed by plural name (:meth:`BillyApi.write`,
  :meth:`BillyApi.created`);
* ``DELETE`` is idempotent and names what it removed in ``meta.deletedRecords``.

Every answer is read through the wire format with an operation name: one that is
not what Billy documents is a :class:`~ledgerlink.errors.ProviderError` naming
the operation, never a raw exception. A malformed answer to a write is
"unclear" (:class:`~ledgerlink.errors.TransientProviderError`): the write may
have been done, so the runner reconciles it by key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import attrs
import httpx

from ledgerlink.errors import TransientProviderError
from ledgerlink.http.client import ProviderClient
from ledgerlink.http.wire import WireFormat
from ledgerlink_billy import settings
from ledgerlink_billy.wire import WIRE, BillyMeta, BillyOrganization

__all__ = ["BillyApi", "ListPage"]

_JSON = {"Content-Type": "application/json"}
T = TypeVar("T")


@attrs.frozen
class ListPage:
    """One list page: its rows (JSON objects), its ``meta`` and the answer."""

    rows: tuple[Any, ...]
    meta: BillyMeta
    response: httpx.Response


class BillyApi:
    """Requests to one Billy company, every answer read through :data:`.wire.WIRE`.

    Args:
        http: the company's client (limits, retries, token, error mapping).
        wire: the wire format answers are read with.
    """

    def __init__(self, http: ProviderClient, wire: WireFormat = WIRE) -> None:
        self.http = http
        # Errors about an answer never quote the access token.
        self.wire = wire.bound(http.secrets)
        self.provider = wire.provider
        #: Rows asked for per list page.
        self.page_size = settings.MAX_PAGE_SIZE

    def structure(self, data: object, cls: type[T], *, operation: str,
                  response: httpx.Response | None = None, where: str | None = None,
                  unclear: bool = False) -> T:
        """``data`` (part of an answer) as ``cls``; every problem a ProviderError."""
        return self.wire.structure(data, cls, operation=operation, response=response,
                                   where=where, unclear=unclear)

    # --- reads ------------------------------------------------------------------------

    def get(self, path: str, root: str, cls: type[T], *, operation: str,
            params: Mapping[str, str] | None = None) -> T:
        """``GET /v2/<path>``: the ``root`` object of the answer as ``cls``."""
        response = self.http.get(f"/v2/{path}", params=dict(params or {}))
        return self.wire.read(response, cls, operation=operation, key=root)

    def organization(self) -> BillyOrganization:
        """``GET /v2/organization``: the company the token belongs to."""
        return self.get("organization", "organization", BillyOrganization,
                        operation="read organization")

    def page(self, path: str, root: str, *, operation: str, page: int,
             params: Mapping[str, str] | None = None) -> ListPage:
        """One list page (1-based). Its ``root`` must be a list of objects of at most a
        page, and its ``meta.paging`` (when given) the page asked for: a page of another
        number would lose rows."""
        query = {**(params or {}), "page": str(page), "pageSize": str(self.page_size)}
        response = self.http.get(f"/v2/{path}", params=query)
        body = self.wire.mapping(self.wire.body(response, operation=operation),
                                 operation=operation, response=response)
        rows = body.get(root)
        if not isinstance(rows, list) or not all(isinstance(row, Mapping) for row in rows):
            raise self.wire.malformed(f"{root}: expected a list of objects",
                                      operation=operation, response=response)
        meta = self.structure(body.get("meta") or {}, BillyMeta, operation=operation,
                              response=response, where="meta")
        if meta.paging is not None and meta.paging.page != page:
            raise self.wire.malformed(f"meta.paging: page {meta.paging.page} answered for "
                                      f"page {page}", operation=operation, response=response)
        if len(rows) > self.page_size:
            raise self.wire.malformed(f"{root}: {len(rows)} rows on a page of "
                                      f"{self.page_size}", operation=operation,
                                      response=response)
        return ListPage(tuple(rows), meta, response)

    def pages(self, path: str, root: str, *, operation: str,
              params: Mapping[str, str] | None = None) -> Iterator[ListPage]:
        """Every page of a list, from page 1 to the last (``pageCount``, or a short page)."""
        number = settings.FIRST_PAGE
        while True:
            listed = self.page(path, root, operation=operation, page=number, params=params)
            yield listed
            paging = listed.meta.paging
            last = (number >= paging.pageCount if paging is not None
                    and paging.pageCount is not None else len(listed.rows) < self.page_size)
            if last or not listed.rows:
                return
            number += 1

    def list(self, path: str, root: str, cls: type[T], *, operation: str,
             params: Mapping[str, str] | None = None) -> Iterator[T]:
        """Every row of a list, read as ``cls``, page by page."""
        for listed in self.pages(path, root, operation=operation, params=params):
            for index, row in enumerate(listed.rows):
                yield self.structure(row, cls, operation=operation, response=listed.response,
                                     where=f"{root}[{index}]")

    # --- writes -----------------------------------------------------------------------

    def write(self, method: str, path: str, root: str, record: object, *, operation: str,
              idempotent: bool, params: Mapping[str, str] | None = None) -> Mapping[str, Any]:
        """``method /v2/<path>`` with ``{root: record}``; the answer's records by plural name.

        Raises:
            TransientProviderError: a success whose body is not Billy's JSON object
                (the write may have been done: the runner reconciles by key).
        """
        content = self.wire.dumps({root: self.wire.unstructure(record)})
        response = self.http.request(method, f"/v2/{path}", content=content, headers=_JSON,
                                     idempotent=idempotent, params=dict(params or {}))
        return self.wire.mapping(self.wire.body(response, operation=operation, unclear=True),
                                 operation=operation, response=response, unclear=True)

    def create_unrepeated(self, path: str, root: str, record: object, *, operation: str,
                          find: Callable[[], str | None], forget: Callable[[], None]
                          ) -> Mapping[str, Any] | str:
        """``POST /v2/<path>`` of a record Billy would make again on each repeat (no unique
        key): never retried by the HTTP layer. When the answer is lost, ``forget`` drops
        what was read and ``find`` looks for what the post made: its id is returned
        instead of an answer, else the post is made once more. A second lost answer
        is raised, after ``forget``, so the run's next look-up sees what it made."""
        try:
            return self.write("POST", path, root, record, operation=operation, idempotent=False)
        except TransientProviderError:
            forget()
            found = find()
            if found is not None:
                return found
            try:
                return self.write("POST", path, root, record, operation=operation,
                                  idempotent=False)
            except TransientProviderError:
                forget()
                raise

    def created(self, answer: Mapping[str, Any], plural: str, cls: type[T], *,
                operation: str) -> T:
        """The first record of ``plural`` in a create's answer (``invoices.0``), which must
        carry its ``id``; anything else leaves the outcome unknown."""
        rows = answer.get(plural)
        if not isinstance(rows, list) or not rows:
            raise self.wire.malformed(f"{plural!r}: expected the created record",
                                      operation=operation, unclear=True)
        record = self.structure(rows[0], cls, operation=operation, where=f"{plural}[0]",
                                unclear=True)
        self.wire.required(getattr(record, "id", None), f"{plural}[0].id",
                           operation=operation, unclear=True)
        return record

    def delete(self, path: str, *, operation: str) -> None:
        """``DELETE /v2/<path>``: idempotent at Billy (200 for a record already gone)."""
        response = self.http.request("DELETE", f"/v2/{path}", idempotent=True)
        if response.content:
            self.wire.body(response, operation=operation, unclear=True)
