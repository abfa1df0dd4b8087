"""The e-conomic request object every part of the connector sends through.

:class:`EconomicApi` holds the agreement's :class:`~ledgerlink.http.ProviderClient`
and the wire format (:data:`.wire.WIRE`), with one method per request shape of
the REST API [E1][E4]:

* ``GET /<collection>/<number>`` answers the resource (:meth:`EconomicApi.get`);
* ``GET /<collection>`` answers ``{"collection": [...], "pagination": {...}}``,
  pages by ``skippages`` (from 0) and ``pagesize`` (at most 1000); ``filter`` is
  ``field$eq:value`` (:meth:`EconomicApi.pages`, :meth:`EconomicApi.list`);
* ``POST``/``PUT``/``DELETE`` carry an ``Idempotency-Key`` (:meth:`EconomicApi.write`):
  e-conomic keeps the answer for an hour and replays it to a request with the
  same key [E5][E10][E13], so the shared layer may retry such a write with the same
  key, and :func:`idempotency_key` derives the key from what the write does, so a
  second process doing the same write gets the same key.

Every answer is read through the wire format with an operation name: one that
is not what e-conomic documents is a :class:`~ledgerlink.errors.ProviderError`;
a malformed answer to a write is "unclear" (:class:`~ledgerlink.errors.TransientProviderError`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

import httpx

from ledgerlink.http.client import ProviderClient
from ledgerlink.http.wire import WireFormat
from ledgerlink_economic import settings
from ledgerlink_economic.wire import WIRE, EcoPagination

__all__ = ["EconomicApi", "eq_filter", "idempotency_key"]

_JSON = {"Content-Type": "application/json"}
T = TypeVar("T")


def idempotency_key(operation: str, body: object = None) -> str:
    """The ``Idempotency-Key`` of a write: the operation and a digest of its body, so the
    same write sent again (a retry, another process) is the same request to e-conomic."""
    digest = hashlib.sha256(repr((operation, body)).encode("utf-8")).hexdigest()[:32]
    return f"ledgerlink-{digest}"


def eq_filter(field: str, value: str | int) -> str:
    """``field$eq:value``; the query string is URL-encoded by the client [E1][E13]."""
    return f"{field}$eq:{value}"


class EconomicApi:
    """Requests to one e-conomic agreement, every answer read through :data:`.wire.WIRE`.

    Args:
        http: the agreement's client (limits, retries, tokens, error mapping).
        wire: the wire format answers are read with.
    """

    def __init__(self, http: ProviderClient, wire: WireFormat = WIRE) -> None:
        self.http = http
        self.provider = wire.provider
        #: The wire format bound to the agreement's tokens: errors about an answer never
        #: quote them.
        self.wire = wire.bound(http.secrets)
        #: Rows asked for per page (e-conomic's largest).
        self.page_size = settings.MAX_PAGE_SIZE

    # --- reads ------------------------------------------------------------------------

    def raw(self, path: str, *, operation: str) -> Mapping[str, Any]:
        """``GET /<path>``: the resource as a JSON object (kept whole for a full PUT)."""
        response = self.http.get(f"/{path}")
        return self.wire.mapping(self.wire.body(response, operation=operation),
                                 operation=operation, response=response)

    def get(self, path: str, cls: type[T], *, operation: str) -> T:
        """``GET /<path>`` read as ``cls``."""
        return self.wire.structure(self.raw(path, operation=operation), cls, operation=operation)

    def pages(self, path: str, *, operation: str, params: Mapping[str, str] | None = None
              ) -> Iterator[tuple[list[Mapping[str, Any]], httpx.Response]]:
        """Every page of a collection, from ``skippages=0`` until one without ``nextPage``
        (or an empty one)."""
        skip = 0
        while True:
            query = {**(params or {}), "skippages": str(skip), "pagesize": str(self.page_size)}
            response = self.http.get(f"/{path}", params=query)
            body = self.wire.mapping(self.wire.body(response, operation=operation),
                                     operation=operation, response=response)
            rows = body.get("collection")
            if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
                raise self.wire.malformed("collection: expected a list of objects",
                                          operation=operation, response=response)
            paging = self.wire.structure(body.get("pagination") or {}, EcoPagination,
                                    operation=operation, response=response,
                                    where="pagination")
            if paging.skipPages is not None and paging.skipPages != skip:
                raise self.wire.malformed(f"pagination.skipPages {paging.skipPages} answered "
                                          f"for {skip}", operation=operation, response=response)
            yield rows, response
            if not rows or paging.nextPage is None or len(rows) < self.page_size:
                return
            skip += 1

    def list(self, path: str, cls: type[T], *, operation: str,
             params: Mapping[str, str] | None = None) -> Iterator[T]:
        """Every row of a collection as ``cls``, page by page."""
        for rows, response in self.pages(path, operation=operation, params=params):
            for index, row in enumerate(rows):
                yield self.wire.structure(row, cls, operation=operation, response=response,
                                     where=f"collection[{index}]")

    def pdf(self, path: str, *, operation: str) -> bytes:
        """``GET /<path>`` as a PDF document."""
        response = self.http.get(f"/{path}", headers={"Accept": "application/pdf"})
        if not response.content.startswith(b"%PDF-"):
            raise self.wire.malformed(f"not a PDF document: {response.content[:20]!r}",
                                      operation=operation, response=response)
        return response.content

    # --- writes -----------------------------------------------------------------------

    def write(self, method: str, path: str, body: object, *, operation: str,
              key: str | None = None) -> Mapping[str, Any]:
        """``method /<path>`` with ``body`` and an ``Idempotency-Key`` (``key``, or one
        derived from the operation and body), retried with that key by the shared layer.

        Raises:
            TransientProviderError: a success whose body is not a JSON object (the
                write may have been done; the same key replays it within the hour).
        """
        content = self.wire.dumps(body) if body is not None else None
        headers = {**_JSON, settings.IDEMPOTENCY_HEADER: key or idempotency_key(
            f"{method} {path}", body)}
        response = self.http.request(method, f"/{path}", content=content, headers=headers,
                                     idempotent=True)
        return self.wire.mapping(self.wire.body(response, operation=operation, unclear=True),
                                 operation=operation, response=response, unclear=True)
