"""Internal: what a run did: one :class:`Outcome` per action, gathered in a :class:`RunResult`."""

from __future__ import annotations

from typing import Any

import attrs

from ledgerlink.delivering import Handover
from ledgerlink.domain import RemoteInvoice
from ledgerlink.plans import (
    Action,
    Book,
    CreateInvoice,
    Credit,
    Deliver,
    EnsureCustomer,
    NoticeKind,
    Plan,
    ReplaceLines,
    Send,
    UpdateCustomer,
)
from ledgerlink.store import OpRecord, Store, TransferLog
from ledgerlink.tabular import MAX_ROWS, Rows, html_table, to_frame

__all__ = ["SUMMARY_LABELS", "Outcome", "RunResult", "outcome_rows"]

#: The summary counts of a run, in the order people read them, with their labels.
SUMMARY_LABELS = {
    "invoices_created": "Invoices created",
    "booked": "Booked",
    "emailed": "Emailed",
    "not_emailed": "Not sent (no address, no channel...)",
    "delivered": "Delivered by ledgerlink (e-mail, letter, e-invoice)",
    "delivery_unknown": "Delivery unknown: a person decides",
    "collected_on_drafts": "Work collected on drafts",
    "drafts_created": "Drafts opened",
    "credited": "Invoices credited",
    "customers_linked": "Customers linked",
    "skipped_by_policy": "Skipped by policy",
    "not_due": "Not due yet",
    "blocked": "Blocked",
    "failed": "Failed",
    "already_done": "Already done earlier",
    "already_invoiced": "Already invoiced, unchanged",
    "recovered": "Recovered from a crash",
}


@attrs.frozen
class Outcome:
    """What happened to one action.

    Attributes:
        action: the action (or, for recovery, a description of the operation).
        status: ``ok``, ``failed``, ``already_done``, ``skipped``, ``recovered``,
            ``rolled_back`` or ``ambiguous``.
        message: the provider's error text, or a note.
        remote_id: the provider id written.
        invoice: the remote invoice after the action, where there is one.
        retry_later: the failure may have reached the provider; the next run reconciles.
        handover: for a delivery, the channel and how it ended.
    """

    action: Action | OpRecord
    status: str
    message: str = ""
    remote_id: str | None = None
    invoice: RemoteInvoice | None = None
    retry_later: bool = False
    handover: Handover | None = None

    @property
    def kind(self) -> str:
        return self.action.kind

    @property
    def customer_id(self) -> str:
        return self.action.customer_id


@attrs.frozen
class RunResult:
    """The outcome of one run.

    Attributes:
        run_id: the run's id in the store.
        book: the connector account it ran against.
        plan: the plan it ran.
        outcomes: one per action, in execution order.
        recovered: outcomes of reconciling a previous crashed run.
        store: where the transfer log lives.
    """

    run_id: str
    book: str
    plan: Plan
    outcomes: tuple[Outcome, ...]
    recovered: tuple[Outcome, ...]
    store: Store = attrs.field(repr=False)

    @property
    def summary(self) -> dict[str, int]:
        """Counts for people: invoices created, booked, emailed, collected, skipped..."""
        counts = dict.fromkeys(
            ("invoices_created", "booked", "emailed", "delivered", "delivery_unknown",
             "not_emailed", "collected_on_drafts",
             "drafts_created",
             "credited", "customers_linked", "customers_updated", "skipped_by_policy",
             "not_due", "blocked",
             "failed", "already_done", "recovered", "already_invoiced"), 0)
        for outcome in self.outcomes:
            action = outcome.action
            if outcome.status == "failed":
                counts["failed"] += 1
            elif outcome.status == "already_done":
                counts["already_done"] += 1
            elif outcome.status == "ambiguous" and isinstance(action, Deliver):
                counts["delivery_unknown"] += 1
            elif outcome.status != "ok":
                continue
            elif isinstance(action, CreateInvoice):
                if action.target == "draft":
                    counts["drafts_created"] += 1
                    counts["collected_on_drafts"] += len(action.work)
                else:
                    counts["invoices_created"] += 1
            elif isinstance(action, ReplaceLines):
                counts["collected_on_drafts"] += 0 if action.remove else 1
            elif isinstance(action, Book):
                counts["booked"] += 1
            elif isinstance(action, Send):
                counts["emailed"] += 1
            elif isinstance(action, Deliver):
                counts["delivered"] += 1
            elif isinstance(action, Credit):
                counts["credited"] += 1
            elif isinstance(action, EnsureCustomer):
                counts["customers_linked"] += 1
            elif isinstance(action, UpdateCustomer):
                counts["customers_updated"] += int(outcome.message == "updated")
        for notice in self.plan.notices:
            if notice.kind is NoticeKind.POLICY:
                counts["skipped_by_policy"] += 1
            elif notice.kind is NoticeKind.NOT_DUE:
                counts["not_due"] += 1
            elif notice.kind in (NoticeKind.BLOCKED, NoticeKind.CREDIT_NEEDED):
                counts["blocked"] += 1
            elif notice.kind is NoticeKind.NOT_SENT:
                counts["not_emailed"] += 1
        counts["recovered"] = sum(1 for o in self.recovered if o.status == "recovered")
        counts["already_invoiced"] = self.plan.already_invoiced
        return counts

    @property
    def failed(self) -> list[Outcome]:
        """The outcomes that failed, with the provider's messages."""
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed

    @property
    def log(self) -> TransferLog:
        """This run's transfer log."""
        return self.store.log(run_id=self.run_id)

    def __repr__(self) -> str:
        return (f"<RunResult {self.run_id} on {self.book}: {len(self.outcomes)} outcomes, "
                f"{len(self.failed)} failed, {len(self.recovered)} recovered>")

    def _repr_html_(self) -> str:
        counts = html_table(("outcome", "count"),
                            ((SUMMARY_LABELS[k], v) for k, v in self.summary.items() if v),
                            f"Run {self.run_id}")
        failures = [(o.customer_id, o.kind, o.message) for o in self.failed[:MAX_ROWS]]
        if not failures:
            return counts
        return counts + html_table(("customer", "action", "provider message"), failures,
                                   "Failures")

    def to_pandas(self) -> Any:
        """One row per outcome (recovery first); needs the pandas extra.

        ``amount`` is the invoice's gross as Decimal, where the action wrote one.
        """
        return to_frame(outcome_rows(self))


def outcome_rows(result: RunResult) -> Rows:
    """One row per outcome (recovered ones first), with the provider's message."""
    rows: list[tuple[Any, ...]] = []
    for phase, outcomes in (("recovery", result.recovered), ("run", result.outcomes)):
        for o in outcomes:
            invoice = o.invoice
            rows.append((phase, o.customer_id, o.kind, o.action.subject, o.status,
                         o.remote_id, invoice.number if invoice else None,
                         invoice.total if invoice else None,
                         invoice.currency if invoice else None, o.message))
    return Rows(("phase", "customer_id", "kind", "subject", "status", "remote_id", "number",
                 "amount", "currency", "message"), rows)
