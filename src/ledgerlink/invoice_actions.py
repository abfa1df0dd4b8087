"""Internal: what a person does with one invoice: void, delete, e-mail it, its PDF, its web page.

An invoice is named by its ledgerlink key (the journal knows its provider id)
or by the provider's id. Void, delete and send change the invoice at the
provider, so each is journaled exactly once like the runner's writes: holding
the book's lease, the operation's intent is committed before the call and its
outcome after it, and an intent a killed process left behind is resolved by
asking the provider (:func:`reconcile_action`, called by recovery) — never by
doing it again blindly:

========  ==========================================  ===========================
action    the provider tells it happened by            when it cannot tell
========  ==========================================  ===========================
void      ``RemoteInvoice.voided``                     —
delete    ``RemoteInvoice.deleted``, or NotFoundError  —
send      ``RemoteInvoice.sent``                       ``ambiguous``, never re-sent
========  ==========================================  ===========================

An action already done (by ledgerlink or by a person in the provider's app)
is not done again: it is reported as already done. After each action the
invoice's status facts in the journal are brought up to date, as a status
refresh would, so ``ledgerlink status`` shows them at once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

import attrs

from ledgerlink.connector import Capability, Connector
from ledgerlink.delivering import PROVIDER_EMAIL
from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import (
    CapabilityError,
    NotFoundError,
    ProviderError,
    TransientProviderError,
    ValidationError,
)
from ledgerlink.results import Outcome
from ledgerlink.store import OpRecord, Store, Transaction
from ledgerlink.store.leases import Fence

__all__ = ["ACTION_CAPABILITIES", "OP_KINDS", "PROVIDER_PREFIX", "ActionName", "ActionResult",
           "InvoiceRef", "WriteName", "find_ref", "perform", "reconcile_action",
           "record_unknown_send", "require"]

ActionName = Literal["void", "delete", "send", "pdf", "web_url"]
WriteName = Literal["void", "delete", "send"]

#: The capability each action needs.
ACTION_CAPABILITIES: dict[str, Capability] = {
    "void": Capability.VOID, "delete": Capability.DELETE, "send": Capability.EMAIL,
    "pdf": Capability.PDF, "web_url": Capability.WEB_URL,
}
#: The journal's operation kind of each write: apart from the plan's own kinds, so
#: recovery knows these were asked for by a person and are not planned again.
OP_KINDS: dict[str, str] = {"void": "void_invoice", "delete": "delete_invoice",
                            "send": "send_invoice"}
#: The journal subject of an invoice this journal does not hold: its provider id, prefixed.
PROVIDER_PREFIX = "provider:"

#: Each write's outcome, in words.
DONE_WORDS = {"void": "voided", "delete": "deleted", "send": "e-mailed by the provider"}

AMBIGUOUS_ACTION_SEND = (
    "the process stopped while the provider e-mailed this invoice and the provider cannot "
    "tell whether it went out; it is not sent again — check with the customer"
)


@attrs.frozen
class InvoiceRef:
    """One invoice an action is about.

    Attributes:
        provider_id: the provider's id.
        key: the ledgerlink key, when ledgerlink made it (None otherwise).
        customer_id: the local customer id ("" for an invoice ledgerlink did not make).
        journaled: the journal holds the invoice (its status facts are kept).
    """

    provider_id: str
    key: str | None = None
    customer_id: str = ""
    journaled: bool = False

    @property
    def subject(self) -> str:
        """What the journal and the transfer log call the invoice: its key when journaled,
        else its provider id (which recovery can ask about without the journal)."""
        if self.journaled and self.key:
            return self.key
        return f"{PROVIDER_PREFIX}{self.provider_id}"

    @property
    def name(self) -> str:
        """How messages name the invoice: its ledgerlink key, or else its provider id."""
        return self.key or self.provider_id

    def op_key(self, action: WriteName) -> str:
        """The journal key of ``action`` on this invoice: one of each, ever.

        ``send:<key>`` is also the key of a run's own e-mail of the invoice, so
        an invoice a run e-mailed is not e-mailed again by hand, nor the reverse.
        """
        return f"{action}:{self.subject}"


@attrs.frozen
class ActionResult:
    """What an action on one invoice did.

    Attributes:
        action: ``"void"``, ``"delete"`` or ``"send"``.
        provider_id: the provider's id of the invoice.
        key: its ledgerlink key (None for an invoice ledgerlink did not make).
        status: ``"done"`` (done now) or ``"already_done"`` (done before, by
            ledgerlink or by hand: nothing was changed).
        message: what happened, in words.
        invoice: the invoice as the provider holds it now (None once deleted).
        run_id: the journal's run id the action was recorded under.
    """

    action: str
    provider_id: str
    key: str | None
    status: Literal["done", "already_done"]
    message: str
    invoice: RemoteInvoice | None
    run_id: str

    @property
    def already_done(self) -> bool:
        """True when the action had been done before and nothing changed now."""
        return self.status == "already_done"


def require(connector: Connector, action: ActionName) -> None:
    """CapabilityError naming the capability unless ``connector`` declares it."""
    capability = ACTION_CAPABILITIES[action]
    if capability not in connector.capabilities:
        raise CapabilityError(connector.name, capability.value)


def find_ref(connector: Connector, store: Store, invoice: str) -> InvoiceRef:
    """The invoice named ``invoice``: a journaled key, a journaled provider id, an invoice
    at the provider carrying that ledgerlink key, or else a provider id as given."""
    name = invoice.strip()
    if not name:
        raise ValidationError("name the invoice by its ledgerlink key or provider id",
                              field="invoice", value=invoice)
    facts = {f.key: f for f in store.invoice_facts(connector.account)}
    found = facts.get(name) or next(
        (f for f in facts.values() if f.remote_id == name), None)
    if found is not None:
        assert found.remote_id is not None
        return InvoiceRef(found.remote_id, found.key, found.customer_id, journaled=True)
    remote = connector.find_invoice(name)
    if remote is not None:
        return InvoiceRef(remote.provider_id, remote.key or name)
    return InvoiceRef(name)


def _current(connector: Connector, provider_id: str) -> RemoteInvoice | None:
    """The invoice as the provider holds it now; None when it forgot it (deleted)."""
    try:
        return connector.get_invoice(provider_id)
    except NotFoundError:
        return None


def _happened(action: str, invoice: RemoteInvoice | None) -> bool | None:
    """Whether the provider shows ``action`` done on ``invoice`` (None: it cannot tell)."""
    if action == "delete":
        return invoice is None or invoice.deleted
    if invoice is None:
        return False
    if action == "void":
        return invoice.voided
    return invoice.sent


def _refuse(action: str, ref: InvoiceRef, invoice: RemoteInvoice | None) -> None:
    """Refuse what cannot be done to the invoice as it is, before anything is written."""
    if invoice is None or invoice.deleted:
        raise ValidationError(f"invoice {ref.name} is deleted at the provider",
                              field="invoice", value=ref.name)
    if action == "send" and not invoice.booked:
        raise ValidationError(f"invoice {ref.name} is a draft: book it before sending it",
                              field="invoice", value=ref.name)
    if action == "send" and invoice.voided:
        raise ValidationError(f"invoice {ref.name} is void and is not sent",
                              field="invoice", value=ref.name)


def _record(tx: Transaction, action: str, ref: InvoiceRef, invoice: RemoteInvoice | None,
            draft: bool) -> str:
    """Keep what the action left in the journal; return its words."""
    if action == "send":
        if ref.journaled:
            tx.update_invoice(ref.subject, sent=True)
            if invoice is not None:
                tx.record_facts(ref.subject, invoice)
            tx.delivery(ref.subject, ref.customer_id, PROVIDER_EMAIL, "sent",
                        message="the provider e-mailed it")
        return DONE_WORDS["send"]
    if action == "void":
        if ref.journaled and invoice is not None:
            tx.record_facts(ref.subject, invoice)
        return DONE_WORDS["void"]
    if not ref.journaled:
        return "deleted"
    tx.record_deleted(ref.subject)
    if draft:
        # As for a draft a person deletes in the provider's app: its work is billable again.
        tx.update_invoice(ref.subject, closed=True)
        tx.release_work(ref.subject)
        return "deleted; its work is billable again"
    return "deleted"


def _write(connector: Connector, action: str, provider_id: str,
           email: str | None) -> RemoteInvoice | None:
    """Make the action's one remote write; the invoice as it is after it."""
    if action == "void":
        return connector.void(provider_id)
    if action == "delete":
        connector.delete(provider_id)
        return _current(connector, provider_id)
    connector.send(provider_id, email)
    return _current(connector, provider_id)


def perform(connector: Connector, store: Store, action: WriteName, invoice: str, *,
            email: str | None = None, wait: timedelta = timedelta(0)) -> ActionResult:
    """Do ``action`` on ``invoice`` exactly once, holding the book (see the module docstring).

    The intents of actions a killed process left are recovered first, so an
    action left half done is settled before it is asked for again. A dead
    run's other intents are left to the next run, which has the delivery
    channels to settle them with. Provider errors are raised after the
    journal recorded them.
    """
    from ledgerlink.recovery import recover
    from ledgerlink.runner import Runner

    require(connector, action)
    book = connector.account
    runner = Runner(connector, store, workers=1, wait=wait)
    with runner.holding() as holding:
        run_id = holding.run_id
        store.start_run(run_id, book, connector.name)
        fence = Fence(holding, runner.lease)
        dead = [op for op in store.unresolved(book) if op.kind in OP_KINDS.values()]
        if dead:
            recover(connector, dead, store.invoice_ids(book), run_id,
                    lambda tx: store.write(tx, fence), book)
        summary = {"failed": 1}
        try:
            result = _perform(connector, store, fence, run_id, action, invoice, email)
            summary = {result.status if result.already_done else action: 1}
        finally:
            store.finish_run(run_id, summary)
    return result


def _perform(connector: Connector, store: Store, fence: Fence, run_id: str, action: WriteName,
             invoice: str, email: str | None) -> ActionResult:
    book = connector.account
    ref = find_ref(connector, store, invoice)
    op_key = ref.op_key(action)
    earlier = store.ops(book, [op_key]).get(op_key)
    current = _current(connector, ref.provider_id)
    if current is None and not ref.journaled and earlier is None:
        raise ValidationError(
            f"no invoice {invoice!r}: neither a ledgerlink key in the journal nor an id "
            f"{connector.name} knows", field="invoice", value=invoice)

    def result(status: Literal["done", "already_done"], note: str,
               now: RemoteInvoice | None) -> ActionResult:
        return ActionResult(action, ref.provider_id, ref.key, status, note, now, run_id)

    if earlier is not None and earlier.state in ("done", "ambiguous"):
        note = (earlier.message if earlier.state == "ambiguous"
                else f"already {DONE_WORDS[action]} earlier (run {earlier.run_id})")
        return result("already_done", note, current)
    if _happened(action, current):
        tx = Transaction(book)
        _record(tx, action, ref, current, draft=False)
        note = f"found already {DONE_WORDS[action]} at the provider; nothing was changed"
        tx.op(op_key, OP_KINDS[action], "done", ref.customer_id, ref.subject, run_id, note)
        tx.log(run_id, ref.customer_id, OP_KINDS[action], ref.subject, "already_done",
               remote_id=ref.provider_id, message=note)
        store.write(tx, fence)
        return result("already_done", note, current)
    _refuse(action, ref, current)
    draft = current is not None and not current.booked
    intent = Transaction(book)
    intent.op(op_key, OP_KINDS[action], "intent", ref.customer_id, ref.subject, run_id)
    store.write(intent, fence)
    tx = Transaction(book)
    try:
        after = _write(connector, action, ref.provider_id, email)
    except ProviderError as err:
        # A refusal is final; an unclear answer leaves the intent for recovery to settle.
        if not isinstance(err, TransientProviderError):
            tx.resolve(op_key, "failed", run_id, err.message)
        tx.log(run_id, ref.customer_id, OP_KINDS[action], ref.subject, "failed",
               remote_id=ref.provider_id, message=err.message)
        store.write(tx, fence)
        raise
    note = _record(tx, action, ref, after, draft)
    tx.resolve(op_key, "done", run_id, note)
    tx.log(run_id, ref.customer_id, OP_KINDS[action], ref.subject, "ok",
           remote_id=ref.provider_id, number=after.number if after else None, message=note)
    store.write(tx, fence)
    return result("done", note, after)


def record_unknown_send(tx: Transaction, op: OpRecord, run_id: str, provider_id: str,
                        message: str, *, journaled: bool = True) -> None:
    """Journal an e-mail whose fate the provider cannot tell: ambiguous, never sent again."""
    if journaled:
        tx.update_invoice(op.subject, sent=None)
        tx.delivery(op.subject, op.customer_id, PROVIDER_EMAIL, "unknown", message=message)
    tx.resolve(op.op_key, "ambiguous", run_id, message)
    tx.log(run_id, op.customer_id, op.kind, op.subject, "ambiguous", remote_id=provider_id,
           message=message)


def reconcile_action(connector: Connector, op: OpRecord, invoice_ids: dict[str, str],
                     tx: Transaction, run_id: str) -> Outcome:
    """Resolve a dead process's void, delete or send of one invoice by asking the provider."""
    action = next(name for name, kind in OP_KINDS.items() if kind == op.kind)
    journaled = not op.subject.startswith(PROVIDER_PREFIX)
    provider_id = (invoice_ids.get(op.subject) if journaled
                   else op.subject.removeprefix(PROVIDER_PREFIX))
    if provider_id is None:
        note = "the invoice is not in the journal; nothing was done"
        tx.resolve(op.op_key, "rolled_back", run_id, note)
        return Outcome(op, "rolled_back", note)
    ref = InvoiceRef(provider_id, op.subject if journaled else None, op.customer_id, journaled)
    try:
        invoice = _current(connector, provider_id)
    except ProviderError as err:
        tx.log(run_id, op.customer_id, op.kind, op.subject, "failed",
               message=f"could not reconcile: {err.message}")
        return Outcome(op, "failed", err.message)
    happened = _happened(action, invoice)
    if happened is None:
        record_unknown_send(tx, op, run_id, provider_id, AMBIGUOUS_ACTION_SEND,
                            journaled=journaled)
        return Outcome(op, "ambiguous", AMBIGUOUS_ACTION_SEND, provider_id, invoice)
    if not happened:
        note = f"the {action} never reached the provider; ask for it again if still wanted"
        tx.resolve(op.op_key, "rolled_back", run_id, note)
        tx.log(run_id, op.customer_id, op.kind, op.subject, "rolled_back",
               remote_id=provider_id, message=note)
        return Outcome(op, "rolled_back", note, provider_id, invoice)
    draft = invoice is not None and not invoice.booked
    note = _record(tx, action, ref, invoice, draft) + "; recorded it"
    tx.resolve(op.op_key, "done", run_id, note)
    tx.log(run_id, op.customer_id, op.kind, op.subject, "recovered", remote_id=provider_id,
           message=note)
    return Outcome(op, "recovered", note, provider_id, invoice)
