"""Internal: the planner's sending rules: how booked invoices go out, and finishing what
earlier runs did not send.

A booked invoice the policy sends goes out once: e-mailed by the accounting system
(a Send) when the customer's channel is ``provider_email``, else delivered by
ledgerlink (a Deliver: ``email``, ``letter``, ``einvoice``, ``auto``; with the
company's ``deliver_through_ledgerlink``, ``provider_email`` too). A credit note
goes the way ledgerlink delivered its invoice. What a run did not send the next
run sends; a failed e-mail by the accounting system is asked for again each run,
a failed delivery by ledgerlink waits for :func:`plan_deliveries` with
``retry_failed``, and one whose outcome is unknown is never repeated unless a
person names it in ``resend``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime

import attrs

from ledgerlink.connector import Capability
from ledgerlink.domain import Company, Customer, DeliveryChannel, WorkOrder
from ledgerlink.errors import ValidationError
from ledgerlink.plan_builder import PlanBuilder
from ledgerlink.plans import (
    ALL_CAPABILITIES,
    CREDIT_PREFIX,
    Book,
    CreateInvoice,
    Deliver,
    InvoiceRecord,
    JournalState,
    NoticeKind,
    Plan,
    Send,
)
from ledgerlink.policy import EffectivePolicy, resolve

__all__ = ["deliver_credit", "how_sent", "plan_deliveries", "plan_unfinished"]

#: A delivery's channel when the accounting system e-mailed the invoice.
_PROVIDER_EMAIL = DeliveryChannel.PROVIDER_EMAIL.value


def how_sent(
    company: Company, customer: Customer, policy: EffectivePolicy, caps: frozenset[Capability]
) -> tuple[str | DeliveryChannel | None, str]:
    """How the customer's booked invoices go out, or why they do not ("" = not wanted).

    An e-mail address (str): the provider e-mails them (a Send). A channel:
    ledgerlink delivers them (a Deliver; ``auto`` is resolved when the run starts).
    """
    if not policy.send:
        return None, ""
    chosen = customer.delivery or company.delivery
    by_provider = chosen is DeliveryChannel.PROVIDER_EMAIL
    if (by_provider or chosen is DeliveryChannel.EMAIL) and not customer.email:
        return None, "customer has no email address"
    if by_provider and not company.deliver_through_ledgerlink:
        if Capability.EMAIL not in caps:
            return None, (f"the connector cannot email invoices (no "
                          f"'{Capability.EMAIL.value}' capability); choose the 'email' "
                          f"delivery channel to have ledgerlink send them")
        return customer.email, ""
    return (DeliveryChannel.EMAIL if by_provider else chosen), ""


def source_of(b: PlanBuilder, record: InvoiceRecord, customer: Customer,
               orders: Mapping[str, WorkOrder]) -> CreateInvoice | None:
    """The create action of an invoice an earlier run made, rebuilt from this run's input
    (for its lines); None when any of its work is not in the input."""
    billed = b.billed_on().get(record.key, [])
    work = tuple((orders[w.work_order_id], w.revision) for w in billed
                 if w.work_order_id in orders)
    if not work or len(work) != len(billed):
        return None
    # The dates are the booked invoice's, read when it is delivered.
    issue = b.now_local.date()
    return CreateInvoice(record.key, customer.id, customer.currency, issue, issue, work,
                         "book", True)


def finish_sending(b: PlanBuilder, customer: Customer, policy: EffectivePolicy,
                    record: InvoiceRecord, orders: Mapping[str, WorkOrder],
                    attempt: int = 0) -> None:
    """Plan the e-mail or delivery of an invoice an earlier run booked but did not send."""
    how, why_not = how_sent(b.company, customer, policy, b.capabilities)
    if isinstance(how, str):
        b.add(customer, Send(record.key, customer.id, how))
    elif how is not None:
        delivered = b.state.deliveries.get(record.key)
        b.add(customer, Deliver(record.key, customer, b.company, how,
                                source_of(b, record, customer, orders), attempt,
                                document=delivered.document if delivered else None))
    elif why_not:
        b.notice(NoticeKind.NOT_SENT, record.key, customer.id, why_not)


def deliver_credit(b: PlanBuilder, customer: Customer, credited: str, *,
                    retry_failed: bool = False, resend: frozenset[str] = frozenset()) -> None:
    """Deliver the credit note of ``credited`` the way ledgerlink delivered the invoice (an
    invoice the accounting system e-mailed, or never sent, gets nothing from ledgerlink).

    Planned with its Credit, and by later runs while it has not gone out.
    """
    original = b.state.deliveries.get(credited)
    if original is None or original.channel == _PROVIDER_EMAIL:
        return
    key = f"{CREDIT_PREFIX}{credited}"
    delivery = b.state.deliveries.get(key)
    attempt = 0
    if delivery is not None:
        if key in resend:
            attempt = delivery.attempt + (delivery.state != "failed")
        elif delivery.state == "failed" and retry_failed:
            attempt = delivery.attempt
        else:
            return
    b.add(customer, Deliver(key, customer, b.company, DeliveryChannel(original.channel),
                            attempt=attempt, credits=credited, document=original.document))


def plan_unfinished(
    b: PlanBuilder, by_id: Mapping[str, Customer], policies: dict[str, EffectivePolicy],
    orders: Mapping[str, WorkOrder], *, retry_failed: bool = False,
    resend: frozenset[str] = frozenset(),
) -> None:
    """Finish invoices a crashed or failed run left created but not booked or sent;
    with ``retry_failed`` or ``resend``, deliver again as :func:`plan_deliveries` says."""
    for record in b.state.invoices.values():
        customer = by_id.get(record.customer_id)
        if record.credited and customer is not None and record.key not in b.credited:
            deliver_credit(b, customer, record.key, retry_failed=retry_failed, resend=resend)
        if record.target != "book" or record.closed or record.credited:
            continue
        if customer is None or record.remote_id is None:
            continue
        if not record.booked and Capability.BOOKING in b.capabilities:
            b.add(customer, Book(record.key, customer.id))
        policy = policies.get(customer.id) or resolve(b.company.policy, customer.policy)
        delivery = b.state.deliveries.get(record.key)
        if record.key in resend and delivery is not None:
            if delivery.channel == _PROVIDER_EMAIL:
                b.notice(NoticeKind.NOT_SENT, record.key, customer.id,
                         "the accounting system e-mailed it; send it again from there")
                continue
            # A resend is a new delivery (a new key); retrying a failed one is not.
            attempt = delivery.attempt + (delivery.state != "failed")
            finish_sending(b, customer, attrs.evolve(policy, send=True), record, orders,
                            attempt)
            continue
        # A provider's e-mail that failed is asked for again each run, as it always
        # was; ledgerlink's own failed deliveries wait for a person to retry them.
        again = delivery is None or (delivery.state == "failed" and (
            retry_failed or delivery.channel == _PROVIDER_EMAIL))
        if record.send and record.sent is False and again:
            finish_sending(b, customer, policy, record, orders,
                            delivery.attempt if delivery else 0)


def plan_deliveries(
    customers: Iterable[Customer] | Mapping[str, Customer],
    company: Company,
    *,
    now: datetime,
    state: JournalState,
    capabilities: Iterable[Capability] = ALL_CAPABILITIES,
    work_orders: Iterable[WorkOrder] = (),
    retry_failed: bool = False,
    resend: Collection[str] = (),
) -> Plan:
    """Plan only the sending of invoices already made: what ``ledgerlink deliver`` runs.

    Plans what a run would finish (booking, then the e-mail or delivery an earlier
    run did not get to), and also:

    * with ``retry_failed``, ledgerlink's own deliveries that failed (nothing
      went out: a refused address, a server that was down);
    * for each invoice key in ``resend``, a new delivery by its customer's
      channel, even when the last one was sent or its outcome is unknown: a
      person decided the customer does not have it.

    ``work_orders`` give the lines of invoices whose e-invoice is to be built
    (an e-invoice of an invoice whose work is not given fails, naming why).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValidationError("now must be timezone-aware", field="now", value=now)
    by_id = dict(customers) if isinstance(customers, Mapping) else {c.id: c for c in customers}
    unknown = sorted(set(resend) - set(state.deliveries))
    if unknown:
        raise ValidationError(f"no delivery of {', '.join(unknown)} to send again (the "
                              "journal holds deliveries of invoices ledgerlink delivered)",
                              field="resend", value=unknown[0])
    b = PlanBuilder(company, now.astimezone(company.zone), state, frozenset(capabilities))
    plan_unfinished(b, by_id, {}, {o.id: o for o in work_orders},
                     retry_failed=retry_failed, resend=frozenset(resend))
    actions = tuple(a for cid in sorted(b.actions) for a in b.actions[cid])
    return Plan(actions, tuple(b.notices), now, 0, b.capabilities)
