"""The Dinero request object every part of the connector sends through.

:class:`DineroApi` holds the organisation's :class:`~ledgerlink.http.ProviderClient`
and the wire format (:data:`.wire.WIRE`), and has one public method per request
shape the connector's helpers need: paths under the organisation, reads of one
object, list pages (0-based) with their ``Pagination`` checked, writes and their
receipts, creates carrying our GUID (:meth:`DineroApi.create`), writes under a
Timestamp re-read once after error 58 (:meth:`DineroApi.fresh`) and the PDF.

Every answer is read through the wire format with an operation name, so one that
is not what Dinero documents is a :class:`~ledgerlink.errors.ProviderError`
naming the operation and what was wrong, with the status and request id; never a
raw exception and never a wrong link. The answer to a write is "unclear" when it
is malformed: the write may have been done, so the error is a
:class:`~ledgerlink.errors.TransientProviderError` and the runner reconciles by key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import attrs
import httpx

from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import ConflictError, NotFoundError, ProviderError, TransientProviderError
from ledgerlink.http.client import ProviderClient
from ledgerlink.http.wire import WireFormat
from ledgerlink_dinero import settings
from ledgerlink_dinero.faults import ITEM_DELETED, STALE_TIMESTAMP
from ledgerlink_dinero.mapping import remote_invoice
from ledgerlink_dinero.queries import Clause, Entity, list_params
from ledgerlink_dinero.statuses import paid_amount, payments_decide
from ledgerlink_dinero.wire import (
    WIRE,
    DineroInvoice,
    DineroInvoicePayments,
    DineroOrganization,
    DineroPagination,
    DineroReceipt,
)

__all__ = ["ALREADY_EXISTS", "PAGE_SIZE", "PDF_MAGIC", "DineroApi", "Gone", "ListPage",
           "already", "or_none"]

#: Dinero's "validation failed" code, also its answer to a GUID that already exists.
ALREADY_EXISTS = "42"
#: Rows per list page (Dinero allows 1000).
PAGE_SIZE = settings.MAX_PAGE_SIZE
#: How every PDF document begins.
PDF_MAGIC = b"%PDF-"
_JSON = {"Content-Type": "application/json"}

T = TypeVar("T")


@attrs.frozen
class ListPage:
    """One page of a list read: its rows as JSON objects, its ``Pagination`` (absent in
    some answers [D18]) and the answer (for its ``Date`` header)."""

    rows: tuple[Any, ...]
    pagination: DineroPagination | None
    response: httpx.Response


class DineroApi:
    """Requests to one Dinero organisation, every answer read through :data:`.wire.WIRE`.

    Args:
        http: the organisation's client (limits, retries, OAuth, error mapping).
        organisation_id: the organisation in every path.
        wire: the wire format answers are read with.
    """

    def __init__(self, http: ProviderClient, organisation_id: str,
                 wire: WireFormat = WIRE) -> None:
        self.http = http
        self.organisation_id = organisation_id
        # Errors about an answer never quote the connection's secrets.
        self.wire = wire.bound(http.secrets)
        self.provider = wire.provider
        #: Rows asked for per list page.
        self.page_size = PAGE_SIZE

    def path(self, rest: str, version: str = "v1") -> str:
        """The path of ``rest`` under the organisation."""
        return settings.organization_path(self.organisation_id, rest, version=version)

    def structure(self, data: object, cls: type[T], *, operation: str,
                  response: httpx.Response | None = None, where: str | None = None) -> T:
        """``data`` (part of an answer) as ``cls``; every problem a ProviderError."""
        return self.wire.structure(data, cls, operation=operation, response=response,
                                   where=where)

    # --- reads ------------------------------------------------------------------------

    def get(self, rest: str, cls: type[T], *, operation: str, **kwargs: Any) -> T:
        """``GET`` one object of the organisation, read as ``cls``."""
        response = self.http.get(self.path(rest), **kwargs)
        return self.wire.read(response, cls, operation=operation)

    def read(self, rest: str, cls: type[T], *, field: str, guid: str, operation: str) -> T:
        """``GET`` the object with GUID ``guid`` as ``cls``; an answer whose ``field`` names
        another object is refused (NotFoundError when Dinero has none)."""
        found = self.get(rest, cls, operation=operation)
        self.same_guid(getattr(found, field), guid, field, operation=operation)
        return found

    def organisations(self) -> list[DineroOrganization]:
        """The organisations the token reaches (``GET /v1/organizations``)."""
        operation = "list organisations"
        response = self.http.get("/v1/organizations")
        body = self.wire.body(response, operation=operation)
        return self.wire.read_list(body, DineroOrganization, operation=operation,
                                   response=response)

    def read_invoice(self, guid: str) -> DineroInvoice:
        """The invoice with that GUID (NotFoundError if none); an answer naming another
        invoice is refused."""
        return self.read(f"invoices/{guid}", DineroInvoice, field="Guid", guid=guid,
                         operation=f"read invoice {guid}")

    def read_payments(self, guid: str) -> DineroInvoicePayments:
        """``GET invoices/{guid}/payments``: the invoice's payments (credit notes among them)."""
        return self.get(f"invoices/{guid}/payments", DineroInvoicePayments,
                        operation=f"read payments of invoice {guid}")

    def remote(self, invoice: DineroInvoice) -> RemoteInvoice:
        """The domain view of ``invoice``, its payments read where they decide the balance."""
        if invoice.Guid is None or not payments_decide(invoice):
            return remote_invoice(invoice)
        payments = self.read_payments(invoice.Guid).Payments
        return remote_invoice(invoice, paid=paid_amount(payments, invoice.Currency))

    def pdf(self, guid: str) -> bytes:
        """The booked invoice as PDF; an answer that is not a PDF document is refused."""
        response = self.http.get(self.path(f"invoices/{guid}"),
                                 headers={"Accept": settings.PDF_ACCEPT})
        if not response.content.startswith(PDF_MAGIC):
            shown = response.content[:len(PDF_MAGIC) * 4].decode("latin-1")
            raise self.wire.malformed(f"not a PDF document: {shown!r}",
                                      operation=f"PDF of invoice {guid}", response=response)
        return response.content

    def same_guid(self, answered: str | None, wanted: str, field: str, *, operation: str,
                  response: httpx.Response | None = None, unclear: bool = False) -> str:
        """``answered``, which must be ``wanted``: an answer about another object is never
        taken for the one asked about."""
        found = self.wire.required(answered, field, operation=operation, response=response,
                                   unclear=unclear)
        if found.lower() != wanted.lower():
            raise self.wire.malformed(f"{field} {found!r} answered for {wanted!r}",
                                      operation=operation, response=response,
                                      unclear=unclear)
        return wanted

    # --- lists ------------------------------------------------------------------------

    def page(self, entity: Entity, rest: str, *, operation: str, page: int,
             where: Sequence[Clause] = (), fields: Sequence[str] = (),
             **options: Any) -> ListPage:
        """One list page. Its ``Collection`` must be a list of objects and its
        ``Pagination``, when given, the page asked for: paging stops at the first
        short page, so a page of another size or number would lose rows."""
        size = self.page_size
        params = list_params(entity, where=where, fields=fields, page=page, page_size=size,
                             **options)
        response = self.http.get(self.path(rest), params=params)
        rows, pagination = self._page_of(response, operation=operation, page=page,
                                         size=size)
        return ListPage(tuple(rows), pagination, response)

    def _page_of(self, response: httpx.Response, *, operation: str, page: int,
                 size: int) -> tuple[list[Any], DineroPagination | None]:
        body = self.wire.mapping(self.wire.body(response, operation=operation),
                                 operation=operation, response=response)
        rows = body.get("Collection")
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise self.wire.malformed("Collection: expected a list of objects",
                                      operation=operation, response=response)
        pagination = None
        if body.get("Pagination") is not None:
            pagination = self.wire.structure(body["Pagination"], DineroPagination,
                                             operation=operation, response=response,
                                             where="Pagination")
            if (pagination.Page, pagination.PageSize) != (page, size):
                raise self.wire.malformed(
                    f"Pagination: page {pagination.Page} of size {pagination.PageSize} "
                    f"answered for page {page} of size {size}",
                    operation=operation, response=response)
        if len(rows) > size:
            raise self.wire.malformed(f"Collection: {len(rows)} rows on a page of {size}",
                                      operation=operation, response=response)
        return rows, pagination

    def pages(self, entity: Entity, rest: str, *, operation: str,
              where: Sequence[Clause] = (), fields: Sequence[str] = (),
              **options: Any) -> Iterator[ListPage]:
        """Every page of a list, from the first (0) to the first short one."""
        number = settings.FIRST_PAGE
        while True:
            listed = self.page(entity, rest, operation=operation, page=number, where=where,
                               fields=fields, **options)
            yield listed
            if len(listed.rows) < self.page_size:
                return
            number += 1

    def list(self, entity: Entity, rest: str, cls: type[T], *, operation: str,
             where: Sequence[Clause] = (), fields: Sequence[str] = (),
             **options: Any) -> Iterator[T]:
        """Every row of a list, read as ``cls``, page by page."""
        for listed in self.pages(entity, rest, operation=operation, where=where,
                                 fields=fields, **options):
            for index, row in enumerate(listed.rows):
                yield self.structure(row, cls, operation=operation, response=listed.response,
                                     where=f"Collection[{index}]")

    # --- writes -----------------------------------------------------------------------

    def send(self, method: str, rest: str, payload: object, *, operation: str,
             idempotent: bool, version: str = "v1") -> DineroReceipt | None:
        """Send a write; Dinero's receipt, or None for an empty 204 answer (see
        :meth:`send_answered`)."""
        return self.send_answered(method, rest, payload, operation=operation,
                                  idempotent=idempotent, version=version)[0]

    def send_answered(self, method: str, rest: str, payload: object, *, operation: str,
                      idempotent: bool, version: str = "v1",
                      ) -> tuple[DineroReceipt | None, httpx.Response]:
        """Send a write; Dinero's receipt (None for an empty 204 answer) and the response.

        Raises:
            TransientProviderError: a success whose body is not a receipt (not JSON,
                an empty 200, an HTML page, not an object, a field of a wrong type).
                Dinero never answers so; something between us and it did, after the
                write may have been done. Like a timeout, its outcome is unknown, so
                the runner reconciles it (an email is never counted as sent on it).
        """
        response = self.http.request(method, self.path(rest, version),
                                     content=self.wire.dumps(payload), headers=_JSON,
                                     idempotent=idempotent)
        if response.status_code == httpx.codes.NO_CONTENT and not response.content:
            return None, response
        try:
            return self.wire.read(response, DineroReceipt, operation=operation,
                                  unclear=True), response
        except TransientProviderError as err:
            raise _outcome_unknown(err) from None

    def receipt_id(self, receipt: DineroReceipt | None, field: str, wanted: str | None, *,
                   operation: str) -> str:
        """The id a create's receipt carries in ``field`` (``wanted``, when we chose it).

        A receipt without the id, or naming another object than the GUID we sent, is
        not taken: the create may have been done, so the runner reconciles by key.
        """
        answered: str | None = getattr(receipt, field) if receipt is not None else None
        try:
            if wanted is not None:
                return self.same_guid(answered, wanted, field, operation=operation,
                                      unclear=True)
            return self.wire.required(answered, field, operation=operation, unclear=True)
        except TransientProviderError as err:
            raise _outcome_unknown(err) from None

    def create(self, rest: str, payload: object, *, operation: str, field: str,
               guid: str | None, lookup: Callable[[], T | None],
               existing: Callable[[], T | None],
               receipt: Callable[[DineroReceipt], None] | None = None) -> T | None:
        """POST a create carrying our GUID ``guid``; None when it was made now.

        After an ambiguous failure (sent, no answer) the object is looked up with
        ``lookup`` (by ExternalReference) before the create is sent once more.
        When Dinero already has our GUID (error 42) ``existing()`` reads it back
        (None: not ours, the error stands; NotFoundError: it was deleted, Gone).
        ``receipt`` gets Dinero's answer to a create made now, once its ``field``
        is checked to be ``guid``.
        """
        def post(idempotent: bool) -> None:
            answer = self.send("POST", rest, payload, operation=operation, idempotent=idempotent)
            self.receipt_id(answer, field, guid, operation=operation)
            if receipt is not None and answer is not None:
                receipt(answer)

        try:
            post(idempotent=False)
            return None
        except TransientProviderError:
            found = lookup()
            if found is not None:
                return found
            try:
                post(idempotent=True)
                return None
            except ProviderError as err:
                if err.code != ALREADY_EXISTS:
                    raise
                return already(existing, err)
        except ProviderError as err:
            if err.code != ALREADY_EXISTS:
                raise
            return already(existing, err)

    def fresh(self, guid: str, action: Callable[[DineroInvoice], T]) -> T:
        """``action(invoice just read)``; on a stale Timestamp (58) re-read and retry once."""
        for attempt in range(2):
            current = self.read_invoice(guid)
            try:
                return action(current)
            except ConflictError as err:
                if err.code != STALE_TIMESTAMP or attempt:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def timestamp(self, invoice: DineroInvoice, *, operation: str) -> str:
        """The Timestamp a write under ``invoice`` sends back; a read without one is refused."""
        return self.wire.required(invoice.Timestamp, "TimeStamp", operation=operation)


def _outcome_unknown(err: TransientProviderError) -> TransientProviderError:
    return TransientProviderError(f"{err.message}; whether it was done is unknown",
                                  provider=err.provider, status=err.status, code=err.code,
                                  request_id=err.request_id)


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
