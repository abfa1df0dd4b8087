"""Internal: a registered company's book, opened and invoiced from what the store holds.

What ``ledgerlink run`` takes from its command line (connector and options,
input files, policy file) a registered company keeps in the store
(:mod:`ledgerlink.store.companies`); this module turns that into a connector,
the work and the customers, and runs :func:`ledgerlink.api.invoice` or the
company's due scheduled jobs. No task queue is needed here: the worker pool
(:mod:`ledgerlink.workers.queue`) calls these, and so can any process.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from ledgerlink import api
from ledgerlink.domain import Company
from ledgerlink.errors import ValidationError
from ledgerlink.store import Store
from ledgerlink.store import companies as registry
from ledgerlink.store.companies import CompanyRecord

if TYPE_CHECKING:
    from ledgerlink.connector import Connector
    from ledgerlink.runner import RunResult
    from ledgerlink.scheduling.runs import JobRun

__all__ = ["BUSY_WAIT", "find", "invoice_company", "open_connector", "run_due_jobs"]

#: How long a queued run waits for a book held outside the queue (a person's
#: ``ledgerlink run``) before it fails and procrastinate's retry takes it again.
BUSY_WAIT = timedelta(minutes=5)


def find(store: Store, name: str) -> CompanyRecord:
    """The company registered as ``name``; ValidationError naming it when there is none."""
    record = registry.get(store.engine, name)
    if record is None:
        raise ValidationError("no company registered under this name", field="company",
                              value=name)
    return record


def open_connector(record: CompanyRecord, store: Store) -> Connector:
    """The company's connector, built with its options (secrets included) and the store."""
    from ledgerlink.plugins import get_plugin_manager

    options: dict[str, Any] = record.options()
    connectors = get_plugin_manager().connectors()
    accepted = connectors.get(record.connector).options.accepted
    # OAuth tokens live in the same journal: hand over the open store (a new one
    # per job would cost a connection pool and a schema check each time).
    if "token_store" in accepted:
        options.setdefault("token_store", store)
    elif "store" in accepted:
        options.setdefault("store", store.url)
    return connectors.create(record.connector, **options)


def _inputs(record: CompanyRecord) -> tuple[list[Any], list[Any], Company, Any]:
    """Work orders, customers (policy overrides applied), company and the policy file."""
    from ledgerlink import loading
    from ledgerlink.sources import open_source

    source = open_source(record.source, **record.source_options)
    try:
        people = list(source.customers())
        orders = list(source.work_orders())
    finally:
        source.close()
    company = Company(record.name, time_zone=record.time_zone)
    policy = None
    if record.policy is not None:
        policy = loading.load_policy(record.policy)
        company = attrs.evolve(policy.company, time_zone=record.time_zone)
        people = loading.apply_overrides(people, policy.overrides, source=record.policy,
                                          deliveries=policy.deliveries)
    return orders, people, company, policy


def invoice_company(store: Store, name: str, *, now: datetime | None = None,
                    wait: timedelta = BUSY_WAIT) -> RunResult:
    """The company's nightly run: its source's work invoiced exactly once in its book."""
    from ledgerlink.delivery import DeliveryChannels

    record = find(store, name)
    orders, people, company, policy = _inputs(record)
    delivery = (DeliveryChannels.from_settings(policy.channels)
                if policy is not None and policy.channels else None)
    connector = open_connector(record, store)
    try:
        return api.invoice(orders, people, company, connector, now=now, store=store,
                           wait=wait, delivery=delivery)
    finally:
        closing = getattr(connector, "close", None)
        if callable(closing):
            closing()


def run_due_jobs(store: Store, name: str, *, now: datetime | None = None) -> list[JobRun]:
    """The company's scheduled jobs whose time has come (the 22:00 jobs), each run once."""
    from ledgerlink.scheduling.files import load_projects
    from ledgerlink.scheduling.runs import Scheduler, Workspace

    record = find(store, name)
    if record.projects is None:
        return []
    _orders, people, company, _policy = _inputs(record)
    connector = open_connector(record, store)
    workspace = Workspace(company, load_projects(record.projects), people, connector)

    def workspaces(wanted: str) -> Workspace:
        return workspace

    return Scheduler(store, workspaces).run_due(now=now, company=company.name)
