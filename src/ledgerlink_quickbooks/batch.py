"""Batch creates: up to 30 invoices in one ``/batch`` request, each answered on its own.

Items refused before any write (an unlinked line, another currency) and items
QuickBooks refuses keep their own error; the others are created. The batch's
requestid derives from its items, so a retried batch is answered from
QuickBooks' replay store; a replayed refusal of a malformed batch (a run cut
off mid-request) does not trap the items: they are looked up by key and the
rest sent again under the next generation's requestid (:mod:`.replays`).
A batch counts against the realm's ``batch`` limit
(40 a minute) as well as the general one, which makes 40 × 30 = 1,200 invoices
a minute the ceiling of one company.

The answer is checked before any item is taken from it: ``BatchItemResponse``
must be a list of objects, each with a ``bId`` that was sent and not answered
twice; otherwise nothing in it can be trusted and the whole batch raises
TransientProviderError (some invoices may have been created: the runner
reconciles them by key). An item sent but not answered, or answered with the
invoice of another key, gets a TransientProviderError of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from ledgerlink.connector import BatchItem, BatchResult, ProductRefs
from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import (
    ConflictError,
    LedgerlinkError,
    ProviderError,
    TransientProviderError,
    ValidationError,
)
from ledgerlink.http.errors import Fault, error_from_fault
from ledgerlink_quickbooks import lookup, settings
from ledgerlink_quickbooks.faults import item_fault
from ledgerlink_quickbooks.keys import digest, parse_note, request_id
from ledgerlink_quickbooks.replays import GENERATIONS, generation_key, is_malformed
from ledgerlink_quickbooks.wire import dumps

if TYPE_CHECKING:
    from ledgerlink_quickbooks.api import QuickBooksApi
    from ledgerlink_quickbooks.customers import Customers
    from ledgerlink_quickbooks.mapping import InvoiceBodies

__all__ = ["BATCH_LIMIT", "OPERATION", "create_invoices"]

#: The named limit batch requests count against as well (settings.LIMITS).
BATCH_LIMIT = "batch"
#: The operation errors name.
OPERATION = "batch create invoices"
Results = dict[int, RemoteInvoice | LedgerlinkError]


def create_invoices(api: QuickBooksApi, bodies: InvoiceBodies, customers: Customers,
                    items: Sequence[BatchItem], products: ProductRefs) -> BatchResult:
    """Create ``items`` in one request; one result (invoice or error) per item, in order."""
    if len(items) > settings.MAX_BATCH_ITEMS:
        raise ValidationError(f"a batch holds at most {settings.MAX_BATCH_ITEMS} invoices",
                              field="items", value=len(items))
    customers.prefetch(item.customer_ref for item in items)
    results: Results = {}
    requests: list[dict[str, Any]] = []
    for position, item in enumerate(items):
        try:
            body = bodies.invoice(item.draft, item.customer_ref, products)
        except LedgerlinkError as err:
            results[position] = err
            continue
        requests.append({"bId": str(position), "operation": "create", "Invoice": body})
    if requests:
        _send(api, items, requests, results)
    return [results[position] for position in range(len(items))]


def _send(api: QuickBooksApi, items: Sequence[BatchItem], requests: list[dict[str, Any]],
          results: Results) -> None:
    """Send ``requests`` in one batch; after a malformed refusal (a replayed one: see
    :mod:`.replays`) look the items up by key and send the rest as the next generation."""
    pending = requests
    for generation in range(GENERATIONS):
        payload = dumps({"BatchItemRequest": pending})
        keys = "|".join(items[int(r["bId"])].draft.key for r in pending)
        rid = request_id(api.realm_id, "batch-create-invoices",
                         generation_key(f"{keys}|{digest(payload)}", generation))
        try:
            body, response = api.post_batch(payload, rid)
        except ProviderError as err:
            if not is_malformed(err) or generation == GENERATIONS - 1:
                raise
            found = lookup.find_invoices(api, [items[int(r["bId"])].draft.key for r in pending])
            for request in pending:
                position = int(request["bId"])
                if items[position].draft.key in found:
                    results[position] = found[items[position].draft.key]
            pending = [r for r in pending if items[int(r["bId"])].draft.key not in found]
            if not pending:
                return
            continue
        answers = _answers(api, body, {r["bId"] for r in pending}, response)
        for request in pending:
            position = int(request["bId"])
            results[position] = _answer(api, items[position].draft.key,
                                        answers.get(request["bId"]), response)
        return


def _answers(api: QuickBooksApi, body: Mapping[str, Any], sent: set[str],
             response: httpx.Response) -> dict[str, Mapping[str, Any]]:
    """The answered items by bId; a malformed list, an item that is no object, a bId not
    sent or answered twice: TransientProviderError for the whole batch."""
    listed = body.get("BatchItemResponse")
    if not isinstance(listed, list):
        raise api.malformed(f"BatchItemResponse: expected a list, got {type(listed).__name__}",
                            operation=OPERATION, response=response, unclear=True)
    answers: dict[str, Mapping[str, Any]] = {}
    for index, answer in enumerate(listed):
        where = f"BatchItemResponse[{index}]"
        if not isinstance(answer, Mapping):
            raise api.malformed(f"{where}: expected an object, got {type(answer).__name__}",
                                operation=OPERATION, response=response, unclear=True)
        bid = answer.get("bId")
        if not isinstance(bid, str) or bid not in sent:
            raise api.malformed(f"{where}.bId {bid!r} was not sent", operation=OPERATION,
                                response=response, unclear=True)
        if bid in answers:
            raise api.malformed(f"{where}.bId {bid!r} is answered twice", operation=OPERATION,
                                response=response, unclear=True)
        answers[bid] = answer
    return answers


def _answer(api: QuickBooksApi, key: str, answer: Mapping[str, Any] | None,
            response: httpx.Response) -> RemoteInvoice | LedgerlinkError:
    """One item's outcome; a duplicate number that is ours for ``key`` is ours."""
    if answer is None:
        return TransientProviderError(
            f"QuickBooks answered no item for invoice {key} in the batch",
            provider=settings.PROVIDER, status=response.status_code)
    if "Invoice" in answer:
        try:
            raw = api.checked(answer["Invoice"], "Invoice", operation=f"{OPERATION} ({key})",
                              response=response, unclear=True)
        except ProviderError as refused:
            return refused
        if parse_note(raw.get("PrivateNote"))[0] != key:
            return api.malformed(
                f"the item for invoice {key} was answered with invoice {raw['Id']!r} carrying "
                f"another key; it is not linked", operation=OPERATION, response=response,
                unclear=True)
        return api.invoice(raw)
    fault = item_fault(answer) or Fault("QuickBooks answered an empty batch item")
    err = error_from_fault(fault, provider=settings.PROVIDER)
    if isinstance(err, ConflictError):
        try:
            return lookup.ours_or(api, key, err)
        except LedgerlinkError as final:
            return final
    return err
