"""Internal: a batch of invoice creates in one request, each item keeping its own outcome.

A connector that declares BATCH takes several drafts in one request and answers
each with the invoice made or the error that refused it; the runner journals
every item on its own, so one refused draft never fails its neighbours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ledgerlink.connector import BatchItem, Connector
from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import LedgerlinkError, ProviderError, TransientProviderError
from ledgerlink.plans import Action, CreateInvoice
from ledgerlink.results import Outcome

__all__ = ["execute_batch"]


def execute_batch(connector: Connector, actions: Sequence[Action],
                  customer_refs: Mapping[str, str],
                  product_refs: Mapping[str, str]) -> list[Outcome]:
    """Create the invoices of ``actions`` (all CreateInvoice) in one request; an outcome
    per action, in order. Never raises for provider or validation errors."""
    outcomes: dict[int, Outcome] = {}
    items: list[BatchItem] = []
    positions: list[int] = []
    for position, action in enumerate(actions):
        assert isinstance(action, CreateInvoice)
        ref = customer_refs.get(action.customer_id)
        if ref is None:
            outcomes[position] = Outcome(action, "failed",
                                         "customer is not linked to the provider")
            continue
        items.append(BatchItem(action.draft(), ref))
        positions.append(position)
    if items:
        try:
            created = connector.create_invoices(items, product_refs)
            if len(created) != len(items):
                raise LedgerlinkError(
                    f"{connector.name} answered {len(created)} results for a batch "
                    f"of {len(items)} invoices")
        except LedgerlinkError as err:
            # The whole request failed: none, some or all may exist. A transient
            # failure leaves intents for the next run to reconcile by key.
            created = [err] * len(items)
        for position, answer in zip(positions, created, strict=True):
            outcomes[position] = _item_outcome(actions[position], answer)
    return [outcomes[i] for i in range(len(actions))]


def _item_outcome(action: Action, answer: RemoteInvoice | LedgerlinkError) -> Outcome:
    if isinstance(answer, RemoteInvoice):
        return Outcome(action, "ok", remote_id=answer.provider_id, invoice=answer)
    if isinstance(answer, TransientProviderError):
        return Outcome(action, "failed", answer.message, retry_later=True)
    if isinstance(answer, ProviderError):
        return Outcome(action, "failed", answer.message)
    return Outcome(action, "failed", str(answer))
