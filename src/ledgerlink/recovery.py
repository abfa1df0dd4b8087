"""Recovery: turning a crashed run's intents into facts, by asking the provider.

Each unresolved journal row (state ``intent``) is reconciled by what its
operation leaves behind at the provider:

========================  ===========================================  =====================
operation                 how the provider tells whether it happened    if it did not
========================  ===========================================  =====================
create invoice / credit   ``find_invoice(ledgerlink key)``              rolled back, re-planned
book                      the invoice is booked                         rolled back, re-planned
send                      ``RemoteInvoice.sent`` (``None``: cannot tell) rolled back; unknown →
                                                                        ``ambiguous``, never re-sent
replace lines             idempotent: replaying it is harmless          rolled back, re-planned
ensure customer           find-before-create makes replay harmless      rolled back, re-planned
========================  ===========================================  =====================
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from ledgerlink.connector import Connector
from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import NotFoundError, ProviderError
from ledgerlink.store import InvoiceFacts, OpRecord, Store, Transaction

if TYPE_CHECKING:
    from ledgerlink.refreshing import Fetched
    from ledgerlink.runner import Outcome

__all__ = ["reconcile", "sync_drafts"]

AMBIGUOUS_SEND = (
    "the run stopped while emailing this invoice and the provider cannot tell whether the "
    "email went out; it is not sent again — check with the customer and send by hand if needed"
)


def reconcile(
    connector: Connector, op: OpRecord, invoice_ids: Mapping[str, str], tx: Transaction,
    run_id: str,
) -> Outcome:
    """Resolve one intent; record the result in ``tx``; return the Outcome."""
    from ledgerlink.runner import Outcome

    def done(invoice: RemoteInvoice | None, note: str) -> Outcome:
        tx.resolve(op.op_key, "done", run_id, note)
        tx.log(run_id, op.customer_id, op.kind, op.subject, "recovered",
               remote_id=invoice.provider_id if invoice else None,
               number=invoice.number if invoice else None,
               amount=str(invoice.total) if invoice else None,
               currency=invoice.currency if invoice else None, message=note)
        return Outcome(op, "recovered", note, invoice.provider_id if invoice else None, invoice)

    def rolled_back(note: str) -> Outcome:
        tx.resolve(op.op_key, "rolled_back", run_id, note)
        tx.log(run_id, op.customer_id, op.kind, op.subject, "rolled_back", message=note)
        return Outcome(op, "rolled_back", note)

    try:
        if op.kind == "create_invoice":
            invoice = connector.find_invoice(op.subject)
            if invoice is None:
                tx.forget_invoice(op.subject)
                return rolled_back("the invoice never reached the provider; it is planned again")
            tx.update_invoice(op.subject, pending=False, remote_id=invoice.provider_id,
                              booked=invoice.booked, number=invoice.number,
                              total=str(invoice.total))
            return done(invoice, "the provider has the invoice; recorded it")
        if op.kind == "credit":
            credit = connector.find_invoice(f"credit:{op.subject}")
            if credit is None:
                return rolled_back("the credit note never reached the provider")
            tx.update_invoice(op.subject, credited=True, closed=True)
            tx.update_work(op.subject, credited=True)
            return done(credit, "the provider has the credit note; recorded it")
        if op.kind in ("book", "send"):
            remote_id = invoice_ids.get(op.subject)
            if remote_id is None:
                return rolled_back("the invoice was never created")
            invoice = connector.get_invoice(remote_id)
            if op.kind == "book":
                if not invoice.booked:
                    return rolled_back("the invoice is not booked; it is planned again")
                tx.update_invoice(op.subject, booked=True, number=invoice.number,
                                  total=str(invoice.total))
                return done(invoice, "the provider booked it; recorded it")
            if invoice.sent is None:
                tx.update_invoice(op.subject, sent=None)
                tx.resolve(op.op_key, "ambiguous", run_id, AMBIGUOUS_SEND)
                tx.log(run_id, op.customer_id, op.kind, op.subject, "ambiguous",
                       remote_id=remote_id, message=AMBIGUOUS_SEND)
                return Outcome(op, "ambiguous", AMBIGUOUS_SEND, remote_id, invoice)
            if not invoice.sent:
                return rolled_back("the invoice was not emailed; it is planned again")
            tx.update_invoice(op.subject, sent=True)
            return done(invoice, "the provider emailed it; recorded it")
        return rolled_back("replaying this operation is harmless; it is planned again")
    except ProviderError as err:
        # Leave the intent in place: the next run tries to reconcile it again.
        tx.log(run_id, op.customer_id, op.kind, op.subject, "failed",
               message=f"could not reconcile: {err.message}")
        return Outcome(op, "failed", err.message)


def sync_drafts(connector: Connector, store: Store, run_id: str) -> int:
    """Close drafts a person booked, voided or deleted in the accounting system.

    Work on a deleted draft becomes billable again (nothing is lost); work on a
    draft that was booked stays invoiced there. With CHANGE_FEED this is one
    ``changes`` call instead of a read per open draft, and the status facts of
    every changed invoice are recorded with it (it is a status refresh too).
    Each open draft is read instead when the feed cannot reach back far enough,
    or when a status refresh running at the same time recorded the feed first.
    """
    from ledgerlink.connector import Capability
    from ledgerlink.refreshing import Fetched, read_feed
    from ledgerlink.store.facts import WatermarkMovedError

    book = connector.account
    drafts = store.open_drafts(book)
    if not drafts:
        return 0
    if Capability.CHANGE_FEED in connector.capabilities:
        journaled = store.invoice_facts(book)
        fed = read_feed(connector, store.feed_watermark(book), journaled)
        if isinstance(fed, Fetched):
            try:
                return _close_drafts(connector, store, run_id, drafts, (fed, journaled))
            except WatermarkMovedError:
                pass  # rolled back; the reads below decide from the provider's state now
    return _close_drafts(connector, store, run_id, drafts, None)


def _close_drafts(connector: Connector, store: Store, run_id: str, drafts: Mapping[str, str],
                  feed: tuple[Fetched, list[InvoiceFacts]] | None) -> int:
    """Close the changed drafts, from the feed's answer or by reading each draft."""
    from ledgerlink.refreshing import apply_fetched

    changed = 0
    with store.transaction(connector.account) as tx:
        if feed is not None:
            apply_fetched(feed[0], feed[1], tx, date.today())
        for key, remote_id in drafts.items():
            invoice: RemoteInvoice | None
            if feed is not None:
                if remote_id not in feed[0].states:
                    continue  # unchanged since the feed was last read
                invoice = feed[0].states[remote_id]
            else:
                try:
                    invoice = connector.get_invoice(remote_id)
                except NotFoundError:
                    invoice = None
                if invoice is None:
                    tx.record_deleted(key)
                else:
                    tx.record_facts(key, invoice)
            if invoice is not None and not (invoice.booked or invoice.deleted or invoice.voided):
                continue
            changed += 1
            customer = key.split(":", 1)[1].rsplit(":", 1)[0]
            if invoice is None or invoice.deleted:
                tx.update_invoice(key, closed=True)
                tx.release_work(key)
                note = "draft deleted in the accounting system; its work is billable again"
            else:
                tx.update_invoice(key, closed=True, booked=invoice.booked,
                                  number=invoice.number, total=str(invoice.total))
                note = ("draft voided in the accounting system" if invoice.voided
                        else f"draft booked by hand as invoice {invoice.number}")
            tx.log(run_id, customer, "sync_draft", key, "ok", remote_id=remote_id,
                   number=invoice.number if invoice else None, message=note)
    return changed
