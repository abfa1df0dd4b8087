"""Internal: who may invoice, and what a scheduled run invoices with.

A job names its invoice creator; before a run writes anything, the creator is
checked by an :data:`Authorizer` the app passes in and by every plugin's
``ledgerlink_authorize_invoicing`` hook. Any refusal wins.

A run invoices through the billing-policy machinery with the job's choices laid
over the company's policy: the job's status becomes the posting, its send flag
the send, and timing is "on completion" (scheduled items are billable once
their day is within the cutoff). A customer's own overrides still apply to
payment terms and sending; a customer whose posting is "none" is not invoiced
by any job (the planner's notice says so). A customer's draft/book override
gives way to the job's status, which is what the job was created to decide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from ledgerlink.domain import Company, Customer
from ledgerlink.policy import Posting, Timing
from ledgerlink.scheduling.model import InvoiceStatusToCreate, ScheduledJob

__all__ = ["Authorizer", "job_company", "job_customers", "refusals"]

#: ``(actor, job, company) -> reason or None``: an app's say on who may invoice.
Authorizer = Callable[[str, ScheduledJob, Company], "str | None"]


def refusals(
    actor: str, job: ScheduledJob, company: Company, *,
    authorize: Authorizer | None, plugin_manager: Any | None,
) -> list[str]:
    """Every reason given for refusing ``actor``; empty when they may invoice."""
    reasons: list[str] = []
    if authorize is not None and (reason := authorize(actor, job, company)):
        reasons.append(reason)
    if plugin_manager is not None:
        answers = plugin_manager.hook.ledgerlink_authorize_invoicing(
            actor=actor, job=job, company=company)
        reasons.extend(str(a) for a in answers if a)
    return reasons


def job_company(company: Company, job: ScheduledJob) -> Company:
    """``company`` with the job's status and send flag as its billing policy."""
    posting = (Posting.BOOK if job.generation.status is InvoiceStatusToCreate.BOOKED
               else Posting.DRAFT)
    policy = attrs.evolve(company.policy, posting=posting, send=job.generation.send,
                          timing=Timing.ON_COMPLETION)
    return attrs.evolve(company, policy=policy)


def job_customers(customers: Iterable[Customer] | Mapping[str, Customer]) -> dict[str, Customer]:
    """Customers by id, their overrides reduced to what a job leaves them (see module doc)."""
    people = customers.values() if isinstance(customers, Mapping) else customers
    out: dict[str, Customer] = {}
    for customer in people:
        override = customer.policy
        if override is not None and (override.posting not in (None, Posting.NONE)
                                     or override.timing is not None):
            override = attrs.evolve(override, posting=None, timing=None)
            customer = attrs.evolve(customer, policy=override)
        out[customer.id] = customer
    return out
