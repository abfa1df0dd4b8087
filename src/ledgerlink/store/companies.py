"""Internal: the companies registered in the store for the worker pool.

A company is everything a worker needs to run its nightly invoicing without
files passed on a command line: the connector and its options, the work
source and its options, the policy (and projects) files, the time zone. The
connector's secret options are kept in the store as OAuth tokens are (the
tokens table): readable by whoever can read the journal, never printed;
:meth:`CompanyRecord.shown` masks them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ledgerlink.errors import ValidationError
from ledgerlink.store import schema as t
from ledgerlink.store.transaction import utcnow

__all__ = ["MASK", "CompanyRecord", "add", "get", "listing", "looks_secret", "remove"]

#: What a secret option's value is shown as.
MASK = "***"
#: Words in an option's name that make it a secret even when given as a plain option.
SECRET_WORDS = ("secret", "token", "password", "api_key", "apikey", "private")


def looks_secret(key: str) -> bool:
    """True for an option whose name says it holds a credential (``client_secret``...)."""
    lowered = key.lower()
    return any(word in lowered for word in SECRET_WORDS)


@attrs.frozen
class CompanyRecord:
    """One registered company.

    Attributes:
        name: the company's key (unique in the store).
        book: the connector's account: one runner at a time per book.
        connector: the registered connector name.
        connector_options: the connector's options that are not secret.
        secrets: the connector's secret options (never printed).
        source: the work source's name (``files``...).
        source_options: the source's options (file paths, ...).
        policy: the policy file (company settings, per-customer overrides), if any.
        projects: the projects file the company's scheduled jobs bill, if any.
        time_zone: the company's IANA time zone (its nightly run is by its clock).
    """

    name: str
    book: str
    connector: str
    connector_options: Mapping[str, Any] = attrs.field(factory=dict)
    secrets: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    source: str = "files"
    source_options: Mapping[str, Any] = attrs.field(factory=dict)
    policy: str | None = None
    projects: str | None = None
    time_zone: str = "UTC"

    def options(self) -> dict[str, Any]:
        """Every connector option, the secrets included: what the connector is built with."""
        return {**self.connector_options, **self.secrets}

    def shown(self) -> dict[str, Any]:
        """The company as printable data: the secrets' names with their values masked."""
        return {
            "name": self.name, "book": self.book, "connector": self.connector,
            "connector_options": {**self.connector_options,
                                  **dict.fromkeys(sorted(self.secrets), MASK)},
            "source": self.source, "source_options": dict(self.source_options),
            "policy": self.policy, "projects": self.projects, "time_zone": self.time_zone,
        }


def _check_zone(zone: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("not an IANA time zone", field="time_zone", value=zone) from None


def add(engine: Engine, record: CompanyRecord) -> None:
    """Register ``record``, replacing a company of the same name."""
    if not record.name.strip():
        raise ValidationError("a company needs a name", field="name", value=record.name)
    _check_zone(record.time_zone)
    row = {
        "name": record.name, "book": record.book, "connector": record.connector,
        "connector_options": json.dumps(dict(record.connector_options), sort_keys=True),
        "secrets": json.dumps(dict(record.secrets), sort_keys=True),
        "source": record.source,
        "source_options": json.dumps(dict(record.source_options), sort_keys=True),
        "policy": record.policy, "projects": record.projects, "time_zone": record.time_zone,
        "updated_at": utcnow(),
    }
    with engine.begin() as conn:
        conn.execute(sa.delete(t.companies).where(t.companies.c.name == record.name))
        conn.execute(sa.insert(t.companies).values(**row))


def _record(row: Any) -> CompanyRecord:
    return CompanyRecord(
        row.name, row.book, row.connector, json.loads(row.connector_options),
        json.loads(row.secrets), row.source, json.loads(row.source_options), row.policy,
        row.projects, row.time_zone)


def get(engine: Engine, name: str) -> CompanyRecord | None:
    """The company registered as ``name``, or None."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(t.companies).where(t.companies.c.name == name)).first()
    return None if row is None else _record(row)


def listing(engine: Engine) -> list[CompanyRecord]:
    """Every registered company, by name."""
    with engine.connect() as conn:
        return [_record(r) for r in conn.execute(
            sa.select(t.companies).order_by(t.companies.c.name))]


def remove(engine: Engine, name: str) -> bool:
    """Forget the company ``name`` (its journal stays); False when none was registered."""
    with engine.begin() as conn:
        return conn.execute(sa.delete(t.companies).where(
            t.companies.c.name == name)).rowcount > 0
