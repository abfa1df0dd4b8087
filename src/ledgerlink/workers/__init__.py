"""Many companies' books invoiced by a pool of worker processes on PostgreSQL.

Companies are registered in the journal store (:func:`add_company`); the
``ledgerlink worker --store postgresql://...`` processes, on any number of
hosts, take their nightly runs and scheduled jobs as jobs of procrastinate, a
PostgreSQL task queue, on the journal's own database (the ``workers`` extra).
One job at a time per book (procrastinate's ``lock``), a company queued once
at a time (its ``queueing_lock``), and the jobs of a worker that died retried
by the others. Provider rate limits are shared through the store by every
worker on an account (:mod:`ledgerlink.http.shared_limits`).

Registering and listing companies needs no task queue::

    from ledgerlink import workers

    workers.add_company("postgresql+psycopg://...", "acme", connector="dinero",
                        options={"organisation_id": "123"}, secrets={"client_secret": "..."},
                        source="files", source_options={"customers": "c.csv",
                                                         "work_orders": "w.csv"},
                        policy="policy.toml", time_zone="Europe/Copenhagen")
    workers.invoice_company(store, "acme")   # one run, in this process
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ledgerlink import api
from ledgerlink.store import Store
from ledgerlink.store import companies as registry
from ledgerlink.store.companies import CompanyRecord
from ledgerlink.workers.books import invoice_company, open_connector, run_due_jobs

__all__ = ["CompanyRecord", "add_company", "companies", "invoice_company", "remove_company",
           "run_due_jobs"]


def add_company(store: str | Path | Store, name: str, *, connector: str,
                options: Mapping[str, Any] | None = None,
                secrets: Mapping[str, str] | None = None, source: str = "files",
                source_options: Mapping[str, Any] | None = None,
                policy: str | Path | None = None, projects: str | Path | None = None,
                time_zone: str | None = None, book: str | None = None) -> CompanyRecord:
    """Register (or replace) company ``name`` in ``store``; returns it as stored.

    Options whose names say they hold a credential (``client_secret``, ``api_key``,
    ``token``...) are kept with ``secrets``: in the store, never printed. ``book``
    defaults to the connector's account, read by building the connector once;
    ``time_zone`` to the policy file's, else UTC.
    """
    opened = api.open_store(store)
    plain = {k: v for k, v in (options or {}).items() if not registry.looks_secret(k)}
    hidden = {**{k: str(v) for k, v in (options or {}).items() if registry.looks_secret(k)},
              **dict(secrets or {})}
    if time_zone is None:
        time_zone = "UTC"
        if policy is not None:
            from ledgerlink import loading

            time_zone = loading.load_policy(policy).company.time_zone
    record = CompanyRecord(name, book or "", connector, plain, hidden, source,
                           dict(source_options or {}),
                           None if policy is None else str(policy),
                           None if projects is None else str(projects), time_zone)
    if not book:
        opened_connector = open_connector(record, opened)
        record = attrs.evolve(record, book=opened_connector.account)
        closing = getattr(opened_connector, "close", None)
        if callable(closing):
            closing()
    registry.add(opened.engine, record)
    return record


def companies(store: str | Path | Store) -> list[CompanyRecord]:
    """Every company registered in ``store``, by name (print :meth:`CompanyRecord.shown`)."""
    return registry.listing(api.open_store(store).engine)


def remove_company(store: str | Path | Store, name: str) -> bool:
    """Forget company ``name`` (its journal and invoices stay); False if it was not there."""
    return registry.remove(api.open_store(store).engine, name)
