"""The request plumbing the Dinero connector's parts share.

:class:`DineroRequests` sends through the connector's
:class:`~ledgerlink.http.ProviderClient`: paths under the organisation, JSON
bodies from :mod:`.wire`, list paging (0-based), creates carrying our GUID
(:meth:`DineroRequests._create`) and writes under a Timestamp re-read once
after error 58 (:meth:`DineroRequests._fresh`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from ledgerlink.connector import BaseConnector
from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import ConflictError, NotFoundError, ProviderError, TransientProviderError
from ledgerlink.http.client import ProviderClient
from ledgerlink.http.redact import redact_text
from ledgerlink_dinero import settings
from ledgerlink_dinero.faults import ITEM_DELETED, STALE_TIMESTAMP
from ledgerlink_dinero.queries import Clause, Entity, list_params
from ledgerlink_dinero.wire import DineroInvoice, converter, dumps, loads

__all__ = ["ALREADY_EXISTS", "PAGE_SIZE", "DineroRequests", "Gone", "already", "or_none"]

#: Dinero's "validation failed" code, also its answer to a GUID that already exists.
ALREADY_EXISTS = "42"
#: Rows per list page (Dinero allows 1000).
PAGE_SIZE = settings.MAX_PAGE_SIZE
_JSON = {"Content-Type": "application/json"}
#: How much of an unreadable answer an error quotes.
_EXCERPT_CHARS = 120

T = TypeVar("T")


class DineroRequests(BaseConnector):
    """Request helpers; the connector sets ``organisation_id`` and ``_http``."""

    organisation_id: str
    _http: ProviderClient

    def _path(self, rest: str, version: str = "v1") -> str:
        return settings.organization_path(self.organisation_id, rest, version=version)

    def _get(self, rest: str, **kwargs: Any) -> Any:
        return loads(self._http.get(self._path(rest), **kwargs).text)

    def _send(self, method: str, rest: str, payload: object, *, idempotent: bool,
              version: str = "v1") -> Any:
        """Send a write; Dinero's answer (a JSON object), or None for an empty one (204).

        Raises:
            TransientProviderError: a success whose body is not a JSON object. Dinero
                never answers so; something between us and it did, after the write
                may have been done. Like a timeout, its outcome is unknown, so the
                runner reconciles it (an email is never counted as sent on it).
        """
        response = self._http.request(method, self._path(rest, version), content=dumps(payload),
                                      headers=_JSON, idempotent=idempotent)
        if not response.content:
            return None
        try:
            answer = loads(response.text)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            excerpt = self._http.secrets.scrub(redact_text(response.text[:_EXCERPT_CHARS]))
            raise TransientProviderError(
                f"{method} {rest} was answered HTTP {response.status_code} with a body Dinero "
                f"never sends ({excerpt.strip()!r}); whether it was done is unknown",
                provider=self.name, status=response.status_code)
        return answer

    def _list(self, entity: Entity, rest: str, *, where: Sequence[Clause] = (),
              fields: Sequence[str] = (), **options: Any) -> Iterator[Any]:
        """Every row of a list, page by page (0-based)."""
        page = settings.FIRST_PAGE
        while True:
            params = list_params(entity, where=where, fields=fields, page=page,
                                 page_size=PAGE_SIZE, **options)
            rows = list(self._get(rest, params=params).get("Collection") or [])
            yield from rows
            if len(rows) < PAGE_SIZE:
                return
            page += 1

    def _create(self, rest: str, payload: object, *, lookup: Callable[[], T | None],
                existing: Callable[[], T | None],
                receipt: Callable[[Any], None] | None = None) -> T | None:
        """POST a create carrying our GUID; None when it was made now.

        After an ambiguous failure (sent, no answer) the object is looked up with
        ``lookup`` (by ExternalReference) before the create is sent once more.
        When Dinero already has our GUID (error 42) ``existing()`` reads it back
        (None: not ours, the error stands; NotFoundError: it was deleted, Gone).
        ``receipt`` gets Dinero's answer to a create made now (GUID, Timestamp).
        """
        take = receipt or (lambda answer: None)
        try:
            take(self._send("POST", rest, payload, idempotent=False))
            return None
        except TransientProviderError:
            found = lookup()
            if found is not None:
                return found
            try:
                take(self._send("POST", rest, payload, idempotent=True))
                return None
            except ProviderError as err:
                if err.code != ALREADY_EXISTS:
                    raise
                return already(existing, err)
        except ProviderError as err:
            if err.code != ALREADY_EXISTS:
                raise
            return already(existing, err)

    def _fresh(self, provider_id: str, action: Callable[[DineroInvoice], T]) -> T:
        """``action(invoice just read)``; on a stale Timestamp (58) re-read and retry once."""
        for attempt in range(2):
            current = self._read(provider_id)
            try:
                return action(current)
            except ConflictError as err:
                if err.code != STALE_TIMESTAMP or attempt:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _read(self, provider_id: str) -> DineroInvoice:
        return converter.structure(self._get(f"invoices/{provider_id}"), DineroInvoice)

    def _remote(self, invoice: DineroInvoice) -> RemoteInvoice:
        """The domain view, with the payments read where they decide the balance."""
        from ledgerlink_dinero.changefeed import current_invoice

        return current_invoice(self, invoice)


class Gone(Exception):
    """The object with our GUID exists only as deleted."""


def or_none(read: Callable[[], T | None]) -> T | None:
    """``read()``, or None when Dinero has no such object."""
    try:
        return read()
    except NotFoundError:
        return None


def already(existing: Callable[[], T | None], err: ProviderError) -> T:
    """After a 42 on a create: the existing object if it is ours; Gone if Dinero keeps it
    only as deleted (65); otherwise ``err`` (a 42 about something else) stands."""
    try:
        found = existing()
    except NotFoundError as missing:
        if missing.code == ITEM_DELETED:
            raise Gone() from err
        raise err from None
    if found is None:
        raise err
    return found
