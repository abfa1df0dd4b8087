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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

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
from ledgerlink.http.limits import DEFAULT_LIMIT
from ledgerlink_quickbooks import queries
from ledgerlink_quickbooks.faults import item_fault
from ledgerlink_quickbooks.keys import digest, request_id
from ledgerlink_quickbooks.replays import GENERATIONS, generation_key, is_malformed
from ledgerlink_quickbooks.wire import dumps, loads

if TYPE_CHECKING:
    from ledgerlink_quickbooks.connector import QuickBooksConnector

__all__ = ["BATCH_LIMIT", "create_invoices"]

#: The named limit batch requests count against as well (settings.LIMITS).
BATCH_LIMIT = "batch"


def create_invoices(connector: QuickBooksConnector, items: Sequence[BatchItem],
                    products: ProductRefs) -> BatchResult:
    """Create ``items`` in one request; one result (invoice or error) per item, in order."""
    if len(items) > connector.max_batch:
        raise ValidationError(f"a batch holds at most {connector.max_batch} invoices",
                              field="items", value=len(items))
    _prefetch_customers(connector, {item.customer_ref for item in items})
    results: dict[int, RemoteInvoice | LedgerlinkError] = {}
    requests: list[dict[str, Any]] = []
    for position, item in enumerate(items):
        try:
            body = connector._invoice_body(item.draft, item.customer_ref, products)
        except LedgerlinkError as err:
            results[position] = err
            continue
        requests.append({"bId": str(position), "operation": "create", "Invoice": body})
    if requests:
        _send(connector, items, requests, results)
    return [results[position] for position in range(len(items))]


def _send(connector: QuickBooksConnector, items: Sequence[BatchItem],
          requests: list[dict[str, Any]],
          results: dict[int, RemoteInvoice | LedgerlinkError]) -> None:
    """Send ``requests`` in one batch; after a malformed refusal (a replayed one: see
    :mod:`.replays`) look the items up by key and send the rest as the next generation."""
    pending = requests
    for generation in range(GENERATIONS):
        payload = dumps({"BatchItemRequest": pending})
        keys = "|".join(items[int(r["bId"])].draft.key for r in pending)
        rid = request_id(connector.realm_id, "batch-create-invoices",
                         generation_key(f"{keys}|{digest(payload)}", generation))
        try:
            response = connector._http.post(
                "/batch", params={"requestid": rid}, content=payload,
                headers={"Content-Type": "application/json"}, idempotent=True,
                limits=(DEFAULT_LIMIT, BATCH_LIMIT))
        except ProviderError as err:
            if not is_malformed(err) or generation == GENERATIONS - 1:
                raise
            found = connector.find_invoices([items[int(r["bId"])].draft.key for r in pending])
            for request in pending:
                position = int(request["bId"])
                if items[position].draft.key in found:
                    results[position] = found[items[position].draft.key]
            pending = [r for r in pending if items[int(r["bId"])].draft.key not in found]
            if not pending:
                return
            continue
        answers = {str(a.get("bId")): a
                   for a in loads(response.text).get("BatchItemResponse") or []}
        for request in pending:
            position = int(request["bId"])
            results[position] = _answer(connector, items[position].draft.key,
                                        answers.get(request["bId"]))
        return


def _answer(connector: QuickBooksConnector, key: str,
            answer: Mapping[str, Any] | None) -> RemoteInvoice | LedgerlinkError:
    """One item's outcome; a duplicate number that is ours for ``key`` is ours."""
    if answer is None:
        return TransientProviderError(
            f"QuickBooks answered no item for invoice {key} in the batch",
            provider=connector.name)
    if "Invoice" in answer:
        return connector._remote(answer["Invoice"])
    fault = item_fault(answer) or Fault("QuickBooks answered an empty batch item")
    err = error_from_fault(fault, provider=connector.name)
    if isinstance(err, ConflictError):
        try:
            return connector._ours_or(key, err)
        except LedgerlinkError as final:
            return final
    return err


def _prefetch_customers(connector: QuickBooksConnector, refs: set[str]) -> None:
    """Learn the currency and e-mail of unseen customers in one query."""
    unknown = sorted(ref for ref in refs if ref not in connector._customers)
    for start in range(0, len(unknown), queries.MAX_RESULTS):
        chunk = unknown[start:start + queries.MAX_RESULTS]
        for row in connector._query("Customer", [("Id", "IN", chunk)]):
            connector._remember(row)
