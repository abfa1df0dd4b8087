"""Internal: recovery: turning a crashed run's intents into facts, by asking the provider.

Each unresolved journal row (state ``intent``) is reconciled by what its
operation leaves behind at the provider. The invoices are looked up in bulk,
``find_invoices`` over a chunk of keys (a few requests per chunk where the
connector batches its look-ups), and each chunk's resolutions are committed
before the next is looked up, so a kill during recovery loses at most one chunk:

========================  ===========================================  =====================
operation                 how the provider tells whether it happened    if it did not
========================  ===========================================  =====================
create invoice / credit   ``find_invoice(ledgerlink key)``              rolled back, re-planned
book                      the invoice is booked                         rolled back, re-planned
send                      ``RemoteInvoice.sent`` (``None``: cannot tell) rolled back; unknown →
                                                                        ``ambiguous``, never re-sent
deliver                   by its journaled route: the provider's e-mail  rolled back when the
                          as send; a channel that refuses a repeat of    channel refuses a
                          the same key is simply asked again; any        repeat; else
                          other (e-mail) cannot tell                     ``ambiguous``
replace lines             idempotent: replaying it is harmless          rolled back, re-planned
ensure customer/product   find-before-create makes replay harmless      rolled back, re-planned
void / delete / send of   the voided / deleted / sent flags             rolled back, not done
one invoice, by a person  (:mod:`ledgerlink.invoice_actions`)           again; unknown send →
                                                                        ``ambiguous``
========================  ===========================================  =====================

:func:`sync_drafts` (closing the drafts a person booked, voided or deleted) lives in
:mod:`ledgerlink.draft_sync` and is named here too, where runs have always found it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ledgerlink.connector import Connector, find_each
from ledgerlink.delivering import PROVIDER_EMAIL, Courier
from ledgerlink.domain import RemoteInvoice
from ledgerlink.draft_sync import sync_drafts
from ledgerlink.errors import ProviderError
from ledgerlink.invoice_actions import OP_KINDS, reconcile_action, record_unknown_send
from ledgerlink.plans import CREDIT_PREFIX, DeliveryRecord
from ledgerlink.results import Outcome
from ledgerlink.store import OpRecord, Transaction

__all__ = ["RECOVERY_CHUNK", "RECOVERY_ORDER", "reconcile", "reconcile_delivery", "recover",
           "sync_drafts"]

#: Intents reconciled per look-up and per commit.
RECOVERY_CHUNK = 1000
#: The order crashed operations are reconciled in (dependencies first): a book or
#: send of an invoice needs the provider id that reconciling its create reveals.
RECOVERY_ORDER = {kind: rank for rank, kind in enumerate(
    ("ensure_customer", "ensure_product", "update_customer", "create_invoice", "credit",
     "replace_lines", "book", "send", "deliver", *OP_KINDS.values()))}

#: The journal kinds of the actions a person asks for on one invoice.
ACTION_KINDS = frozenset(OP_KINDS.values())

AMBIGUOUS_DELIVERY = (
    "the run stopped while delivering this invoice by {channel}, which cannot tell whether "
    "it went out; it is not delivered again — check with the customer, and resend it with "
    "`ledgerlink deliver --resend {key}` if needed"
)

AMBIGUOUS_SEND = (
    "the run stopped while emailing this invoice and the provider cannot tell whether the "
    "email went out; it is not sent again — check with the customer and send by hand if needed"
)


def recover(
    connector: Connector, ops: Sequence[OpRecord], invoice_ids: Mapping[str, str], run_id: str,
    commit: Callable[[Transaction], None], book: str, *,
    deliveries: Mapping[str, DeliveryRecord] | None = None, courier: Courier | None = None,
) -> list[Outcome]:
    """Reconcile ``ops`` (a dead run's intents) chunk by chunk; each chunk is committed.

    ``deliveries`` (the journal's delivery rows) and ``courier`` (the run's
    channels) tell how a delivery a dead run started may have gone.
    """
    ids = dict(invoice_ids)
    outcomes: list[Outcome] = []
    ordered = sorted(ops, key=lambda op: RECOVERY_ORDER.get(op.kind, len(RECOVERY_ORDER)))
    for start in range(0, len(ordered), RECOVERY_CHUNK):
        chunk = ordered[start:start + RECOVERY_CHUNK]
        tx = Transaction(book)
        try:
            found: Mapping[str, RemoteInvoice] | ProviderError = _find_many(
                connector, _lookup_keys(chunk, ids))
        except ProviderError as err:
            found = err
        for op in chunk:
            if op.kind == "deliver":
                outcome = reconcile_delivery(connector, op, ids, tx, run_id, found,
                                             (deliveries or {}).get(op.subject), courier)
            elif op.kind in ACTION_KINDS:
                outcome = reconcile_action(connector, op, ids, tx, run_id)
            else:
                outcome = reconcile(connector, op, ids, tx, run_id, found)
            if op.kind == "create_invoice" and outcome.invoice is not None:
                ids[op.subject] = outcome.invoice.provider_id
            outcomes.append(outcome)
        commit(tx)
    return outcomes


def _find_many(connector: Connector, keys: Sequence[str]) -> Mapping[str, RemoteInvoice]:
    """``find_invoices(keys)``; a plugin written before it existed is asked key by key."""
    batched = getattr(connector, "find_invoices", None)
    if batched is not None:
        return dict(batched(keys))
    return find_each(connector.find_invoice, keys)


def _lookup_keys(ops: Sequence[OpRecord], invoice_ids: Mapping[str, str]) -> list[str]:
    """The ledgerlink keys whose invoices tell what ``ops`` did."""
    keys: list[str] = []
    for op in ops:
        if op.kind == "create_invoice":
            keys.append(op.subject)
        elif op.kind == "credit":
            keys.append(f"{CREDIT_PREFIX}{op.subject}")
        elif op.kind in ("book", "send", "deliver") and op.subject in invoice_ids:
            keys.append(op.subject)
    return list(dict.fromkeys(keys))


def reconcile(
    connector: Connector, op: OpRecord, invoice_ids: Mapping[str, str], tx: Transaction,
    run_id: str, found: Mapping[str, RemoteInvoice] | ProviderError | None = None,
) -> Outcome:
    """Resolve one intent; record the result in ``tx``; return the Outcome.

    ``found`` holds the invoices already looked up by key (or the error the
    look-up met); without it the provider is asked for this one operation.
    """
    def lookup(key: str) -> RemoteInvoice | None:
        if isinstance(found, ProviderError):
            raise found
        if found is None:
            return connector.find_invoice(key)
        return found.get(key)

    def current(key: str, remote_id: str) -> RemoteInvoice:
        """The invoice now: from the look-up by key when it is the same invoice."""
        invoice = lookup(key)
        if invoice is not None and invoice.provider_id == remote_id:
            return invoice
        return connector.get_invoice(remote_id)

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
            invoice = lookup(op.subject)
            if invoice is None:
                tx.forget_invoice(op.subject)
                return rolled_back("the invoice never reached the provider; it is planned again")
            tx.update_invoice(op.subject, pending=False, remote_id=invoice.provider_id,
                              booked=invoice.booked, number=invoice.number,
                              total=str(invoice.total))
            return done(invoice, "the provider has the invoice; recorded it")
        if op.kind == "credit":
            credit = lookup(f"{CREDIT_PREFIX}{op.subject}")
            if credit is None:
                return rolled_back("the credit note never reached the provider")
            tx.update_invoice(op.subject, credited=True, closed=True)
            tx.update_work(op.subject, credited=True)
            return done(credit, "the provider has the credit note; recorded it")
        if op.kind in ("book", "send"):
            remote_id = invoice_ids.get(op.subject)
            if remote_id is None:
                return rolled_back("the invoice was never created")
            invoice = current(op.subject, remote_id)
            if op.kind == "book":
                if not invoice.booked:
                    return rolled_back("the invoice is not booked; it is planned again")
                tx.update_invoice(op.subject, booked=True, number=invoice.number,
                                  total=str(invoice.total))
                return done(invoice, "the provider booked it; recorded it")
            if invoice.sent is None:
                record_unknown_send(tx, op, run_id, remote_id, AMBIGUOUS_SEND)
                return Outcome(op, "ambiguous", AMBIGUOUS_SEND, remote_id, invoice)
            if not invoice.sent:
                return rolled_back("the invoice was not emailed; it is planned again")
            tx.update_invoice(op.subject, sent=True)
            tx.delivery(op.subject, op.customer_id, PROVIDER_EMAIL, "sent",
                        message="the provider e-mailed it")
            return done(invoice, "the provider emailed it; recorded it")
        return rolled_back("replaying this operation is harmless; it is planned again")
    except ProviderError as err:
        # Leave the intent in place: the next run tries to reconcile it again.
        tx.log(run_id, op.customer_id, op.kind, op.subject, "failed",
               message=f"could not reconcile: {err.message}")
        return Outcome(op, "failed", err.message)


def reconcile_delivery(
    connector: Connector, op: OpRecord, invoice_ids: Mapping[str, str], tx: Transaction,
    run_id: str, found: Mapping[str, RemoteInvoice] | ProviderError | None,
    record: DeliveryRecord | None, courier: Courier | None,
) -> Outcome:
    """Resolve a dead run's delivery by the route it journaled (module docstring table)."""
    attempt = record.attempt if record is not None else 0
    document = record.document if record is not None else None

    def settle(outcome: str, state: str, note: str) -> Outcome:
        tx.resolve(op.op_key, outcome if outcome != "recovered" else "done", run_id, note)
        tx.log(run_id, op.customer_id, op.kind, op.subject, outcome,
               remote_id=invoice_ids.get(op.subject), message=note)
        if state == "planned again":
            # A first delivery is planned again; a resend stays on record for a person.
            if attempt:
                tx.delivery(op.subject, op.customer_id, record.channel if record else "-",
                            "failed", attempt=attempt, message=note, document=document)
            else:
                tx.forget_delivery(op.subject)
        else:
            tx.delivery(op.subject, op.customer_id, record.channel if record else "-", state,
                        attempt=attempt, message=note, document=document)
            tx.update_invoice(op.subject, sent=True if state == "sent" else None)
        return Outcome(op, outcome, note)

    if record is None or record.state != "pending":
        return settle("rolled_back", "planned again",
                      "the run stopped before the invoice was handed to a channel")
    if record.channel == PROVIDER_EMAIL:
        remote_id = invoice_ids.get(op.subject)
        if remote_id is None:
            return settle("rolled_back", "planned again", "the invoice was never created")
        try:
            invoice = (found.get(op.subject) if isinstance(found, Mapping) else None) or (
                connector.get_invoice(remote_id))
        except ProviderError as err:
            tx.log(run_id, op.customer_id, op.kind, op.subject, "failed",
                   message=f"could not reconcile: {err.message}")
            return Outcome(op, "failed", err.message)
        if invoice.sent is None:
            return settle("ambiguous", "unknown", AMBIGUOUS_SEND)
        if not invoice.sent:
            return settle("rolled_back", "planned again", "the provider did not e-mail it")
        return settle("recovered", "sent", "the provider e-mailed it; recorded it")
    if courier is not None and courier.refuses_repeats(record.channel):
        return settle("rolled_back", "planned again",
                      f"the {record.channel} channel refuses a repeat of the same delivery, "
                      "so it is simply asked again")
    return settle("ambiguous", "unknown",
                  AMBIGUOUS_DELIVERY.format(channel=record.channel, key=op.subject))
