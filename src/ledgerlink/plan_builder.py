"""Internal: a plan being made: the builder the planner's rules add actions and notices to.

:mod:`ledgerlink.planning` makes plans from work; :mod:`ledgerlink.sending` adds
the e-mails and deliveries of invoices already made. Both add to one
:class:`PlanBuilder`, which keeps each customer's actions in one lane.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import attrs

from ledgerlink.connector import Capability
from ledgerlink.domain import Company, Customer, WorkOrder
from ledgerlink.plans import (
    Action,
    EnsureCustomer,
    JournalState,
    Notice,
    NoticeKind,
    UpdateCustomer,
    WorkRecord,
)
from ledgerlink.policy import EffectivePolicy, Timing

__all__ = ["PlanBuilder"]


@attrs.define
class PlanBuilder:
    """A plan being made: each customer's actions, the notices, and what the journal says."""

    company: Company
    now_local: datetime
    state: JournalState
    capabilities: frozenset[Capability]
    actions: dict[str, list[Action]] = attrs.Factory(dict)
    notices: list[Notice] = attrs.Factory(list)
    already: int = 0
    #: Invoices this plan credits (their credit notes are delivered with the Credit).
    credited: set[str] = attrs.Factory(set)
    _billed_on: dict[str, list[WorkRecord]] | None = None

    def billed_on(self) -> dict[str, list[WorkRecord]]:
        """Invoice key → the work it bills (built once, when first asked)."""
        if self._billed_on is None:
            self._billed_on = {}
            for work in self.state.work.values():
                self._billed_on.setdefault(work.invoice_key, []).append(work)
        return self._billed_on

    def lane(self, customer: Customer) -> list[Action]:
        """The customer's action list, starting with EnsureCustomer if it is not linked,
        or with UpdateCustomer if its details changed since they were written (only
        with CUSTOMER_UPDATES)."""
        lane = self.actions.get(customer.id)
        if lane is None:
            lane = self.actions[customer.id] = []
            if customer.id not in self.state.customers:
                lane.append(EnsureCustomer(customer))
            elif (Capability.CUSTOMER_UPDATES in self.capabilities
                  and self.state.customer_details.get(customer.id)
                  != customer.details_fingerprint()):
                lane.append(UpdateCustomer(customer))
        return lane

    def add(self, customer: Customer, action: Action) -> None:
        self.lane(customer).append(action)

    def notice(self, kind: NoticeKind, subject: str, customer_id: str, reason: str) -> None:
        self.notices.append(Notice(kind, subject, customer_id, reason))

    def dates(self, policy: EffectivePolicy, order: WorkOrder | None) -> tuple[date, date]:
        """Issue and due date of an invoice for ``order`` (None: by the run day only)."""
        if order is not None and order.invoice_date is not None:
            return order.invoice_date, order.invoice_date + timedelta(
                days=policy.payment_terms_days)
        issue = self.now_local.date()
        if (order is not None and policy.timing is Timing.BEFORE_WORK
                and order.planned_date is not None and order.planned_date > issue):
            issue = order.planned_date
        return issue, issue + timedelta(days=policy.payment_terms_days)
