"""Internal: the runner's delivery steps: routing customers, delivering one invoice,
journaling how it ended (see :mod:`ledgerlink.delivering` for the protocol).

How a delivery is journaled:

==========================  ==============================  =========================
how it ended                the delivery row                the next run
==========================  ==============================  =========================
sent                        ``sent``, the channel's words   nothing more
the channel said failed     ``failed``                      waits for ``--retry-failed``
unknown (may have gone)     ``unknown``                     never repeated by itself
nothing handed over         removed (a first delivery)      plans it again
==========================  ==============================  =========================
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping

import attrs

from ledgerlink.connector import Capability, Connector
from ledgerlink.convert import structure, unstructure
from ledgerlink.delivering import NO_COURIER, PROVIDER_EMAIL, Courier, Handover, Route
from ledgerlink.domain import DeliveryChannel, InvoiceDraft, RemoteInvoice
from ledgerlink.errors import (
    DeliveryError,
    LedgerlinkError,
    ProviderError,
    TransientProviderError,
    ValidationError,
)
from ledgerlink.plans import Deliver, Plan, Send
from ledgerlink.results import Outcome
from ledgerlink.store import Transaction

__all__ = ["RunDeliveries", "deliver_action", "deliver_invoice", "draft_of",
           "record_delivery", "route_customers"]

#: The outcome status of each way a hand-over ends.
_STATUS = {"sent": "ok", "failed": "failed", "unknown": "ambiguous"}


def route_customers(courier: Courier | None, actions: Iterable[Deliver], *,
                    provider_emails: bool,
                    map_each: Callable[[Callable[[Deliver], Route | str], list[Deliver]],
                                       Iterable[Route | str]] = map,
                    ) -> dict[str, Route | str]:
    """Customer id → its route, or why it has none, for every customer ``actions`` deliver to.

    ``map_each`` maps the routing over one action per customer (a thread pool's
    ``map`` routes them concurrently: ``auto`` may wait on PEPPOL).
    """
    first: dict[str, Deliver] = {}
    for action in actions:
        first.setdefault(action.customer_id, action)
    if courier is None:
        return dict.fromkeys(first, NO_COURIER)

    def route(action: Deliver) -> Route | str:
        try:
            return courier.route(action.company, action.customer,
                                 provider_emails=provider_emails)
        except LedgerlinkError as err:
            return str(err)

    return dict(zip(first, map_each(route, list(first.values())), strict=True))


def draft_of(action: Deliver, invoice: RemoteInvoice) -> InvoiceDraft | None:
    """The lines to deliver ``invoice`` with: from the work in this run's input, else as an
    earlier e-invoice delivery kept them; None when neither has them.

    A credit note carries the lines of the invoice it credits, under its own key.
    The booked invoice's dates are the ones the customer is told.
    """
    if action.source is not None:
        draft = action.source.draft()
    elif action.document is not None:
        draft = structure(json.loads(action.document), InvoiceDraft)
    else:
        return None
    return attrs.evolve(draft, key=action.invoice_key, issue_date=invoice.issue_date,
                        due_date=invoice.due_date)


def deliver_invoice(connector: Connector, courier: Courier | None, route: Route,
                    action: Deliver, invoice: RemoteInvoice,
                    credited: RemoteInvoice | None = None) -> Handover:
    """Deliver ``invoice`` (booked; a credit note of ``credited``) by ``route``: the
    provider's e-mail, or a channel.

    Errors before anything was handed over are raised (nothing went out: the
    run plans it again); what the channel says about its hand-over is the
    :class:`Handover`. An e-invoice's handover keeps its lines as JSON, for a
    later credit note or resend.
    """
    customer = action.customer
    if route.channel == PROVIDER_EMAIL:
        try:
            connector.send(invoice.provider_id, customer.email)
        except TransientProviderError as err:
            return Handover(route.channel, "unknown", f"the provider may have e-mailed it "
                            f"(its answer was lost: {err.message}); not sent again")
        except ProviderError as err:
            return Handover(route.channel, "failed", err.message)
        return Handover(route.channel, "sent",
                        f"e-mailed by {connector.name} to {customer.email}")
    if courier is None:
        raise DeliveryError(NO_COURIER)
    pdf = connector.pdf(invoice.provider_id)
    draft = draft_of(action, invoice)
    try:
        handover = courier.hand_over(route, action, invoice, pdf, draft, credited)
    except (ValidationError, DeliveryError) as err:
        handover = Handover(route.channel, "failed", f"not sent: {err}")
    if draft is not None and route.channel == DeliveryChannel.EINVOICE.value:
        handover = attrs.evolve(handover, document=json.dumps(unstructure(draft)))
    return handover


def deliver_action(connector: Connector, courier: Courier | None, route: Route | str | None,
                   action: Deliver, invoice: RemoteInvoice,
                   credited: RemoteInvoice | None = None) -> Outcome:
    """The outcome of delivering ``action``'s booked ``invoice`` by the customer's route."""
    if not isinstance(route, Route):
        return Outcome(action, "failed", route or "the customer was not routed")
    handover = deliver_invoice(connector, courier, route, action, invoice, credited)
    return Outcome(action, _STATUS[handover.state], f"{handover.channel}: {handover.message}",
                   remote_id=invoice.provider_id, invoice=invoice, handover=handover)


def record_delivery(tx: Transaction, outcome: Outcome, run_id: str,
                    route: Route | str | None) -> None:
    """Journal how a delivery (or a provider's e-mail) ended, and log it (table above)."""
    action = outcome.action
    assert isinstance(action, (Deliver, Send))
    handover = outcome.handover
    key, customer_id = action.invoice_key, action.customer_id
    attempt = action.attempt if isinstance(action, Deliver) else 0
    if isinstance(action, Send):
        state = "sent" if outcome.status == "ok" else "failed"
        tx.delivery(key, customer_id, PROVIDER_EMAIL, state, message=outcome.message)
    elif handover is not None:
        tx.delivery(key, customer_id, handover.channel, handover.state, attempt=attempt,
                    message=handover.message, reference=handover.reference,
                    document=handover.document or action.document)
    elif not attempt:
        tx.forget_delivery(key)
    else:
        # A resend a person asked for stays on record, as failed, for them to retry.
        channel = route.channel if isinstance(route, Route) else action.chosen.value
        tx.delivery(key, customer_id, channel, "failed", attempt=attempt,
                    message=outcome.message, document=action.document)
    if outcome.status != "failed":
        tx.update_invoice(key, sent=True if outcome.status == "ok" else None)
    state = {"ok": "done", "ambiguous": "ambiguous"}.get(outcome.status, "failed")
    tx.resolve(action.op_key, state, run_id, outcome.message)
    invoice = outcome.invoice
    tx.log(run_id, customer_id, action.kind, action.subject, outcome.status,
           remote_id=outcome.remote_id, number=invoice.number if invoice else None,
           message=outcome.message)


class RunDeliveries:
    """One run's deliveries, for the runner: the customers' routes, the intents, the
    hand-overs and what they leave in the journal.

    The booked invoices the run will deliver are kept as the provider last
    answered them (create, book, credit), which saves a read per delivery.
    """

    def __init__(self, connector: Connector, courier: Courier | None) -> None:
        self.connector = connector
        self.courier = courier
        self.routes: dict[str, Route | str] = {}
        self._wanted: set[str] = set()
        self._finals: dict[str, RemoteInvoice] = {}
        self._invoice_ids: Mapping[str, str] = {}

    def start(self, plan: Plan, invoice_ids: Mapping[str, str],
              map_each: Callable[..., Iterable[Route | str]]) -> None:
        """Route every delivering customer before the first write (``map_each`` maps
        concurrently: ``auto`` may ask PEPPOL); ``invoice_ids`` is the run's, kept current."""
        delivers = [a for a in plan.actions if isinstance(a, Deliver)]
        self._wanted = {a.invoice_key for a in delivers}
        self._finals = {}
        self._invoice_ids = invoice_ids
        emails = Capability.EMAIL in self.connector.capabilities
        self.routes = route_customers(self.courier, delivers, provider_emails=emails,
                                      map_each=map_each)

    def keep(self, key: str, invoice: RemoteInvoice) -> None:
        """Keep ``invoice`` (as the provider just answered) when this run delivers it."""
        if key in self._wanted:
            self._finals[key] = invoice

    def intent(self, tx: Transaction, action: Deliver) -> None:
        """Journal the delivery's route with its intent: recovery must know which channel
        a dead run may have handed the invoice to."""
        route = self.routes.get(action.customer_id)
        if isinstance(route, Route):
            tx.delivery(action.invoice_key, action.customer_id, route.channel, "pending",
                        attempt=action.attempt, message=route.why, document=action.document)

    def perform(self, action: Deliver) -> Outcome:
        """Deliver a booked invoice, or a credit note (found by its key in a later run)."""
        connector = self.connector
        invoice = self._finals.pop(action.invoice_key, None)
        if invoice is None:
            remote_id = self._invoice_ids.get(action.invoice_key)
            if remote_id is not None:
                invoice = connector.get_invoice(remote_id)
            elif action.credits is not None:
                invoice = connector.find_invoice(action.invoice_key)
            if invoice is None:
                return Outcome(action, "failed", f"{action.invoice_key} was never created")
        credited = None
        if action.credits is not None:
            credited_id = self._invoice_ids.get(action.credits)
            credited = connector.get_invoice(credited_id) if credited_id else None
        return deliver_action(connector, self.courier, self.routes.get(action.customer_id),
                              action, invoice, credited)

    def record(self, tx: Transaction, outcome: Outcome, run_id: str) -> None:
        """Journal how the delivery (or the provider's e-mail) ended."""
        record_delivery(tx, outcome, run_id, self.routes.get(outcome.action.customer_id))
