"""Internal: running the store's Alembic migrations programmatically.

Alembic is imported only when the schema is behind, so opening an up-to-date
store stays cheap.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ledgerlink.errors import StoreError
from ledgerlink.store.schema import SCHEMA_REVISION

__all__ = ["alembic_config", "current_revision", "upgrade"]

#: Where the migration scripts live (a package resource, so it works when installed).
SCRIPT_LOCATION = "ledgerlink.store:migrations"
#: PostgreSQL advisory lock key that serialises migrations ("ledgerlink" as bytes).
MIGRATION_LOCK = int.from_bytes(b"ldgrlink", "big") & 0x7FFF_FFFF_FFFF_FFFF


def current_revision(conn: Connection) -> str | None:
    """The store's Alembic revision, or None for an empty database."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def alembic_config(conn: Connection | None = None):  # type: ignore[no-untyped-def]
    """An Alembic Config for the store's migrations, bound to ``conn``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = conn
    return config


def upgrade(engine: Engine) -> None:
    """Upgrade the store to the newest revision; refuse a store newer than this code."""
    from alembic import command
    from alembic.script import ScriptDirectory

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Workers starting together on a new database would all see it empty
            # and race to create the same tables (SQLite's BEGIN IMMEDIATE already
            # serialises them). The lock is held to the commit; who waited then
            # finds the schema at head and has nothing to do.
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK)))
        config = alembic_config(conn)
        known = {s.revision for s in ScriptDirectory.from_config(config).walk_revisions()}
        revision = current_revision(conn)
        if revision is not None and revision not in known:
            raise StoreError(
                f"the store is at schema revision {revision!r}, newer than this ledgerlink "
                f"(which knows up to {SCHEMA_REVISION!r}); upgrade ledgerlink"
            )
        command.upgrade(config, "head")
