"""Internal: provider rate limits counted in the store, shared by every process on an account.

Each request a process sends is a row per named limit it counts against:
running while ``answered_at`` is NULL, then in the window until ``answered_at``
plus the window (the same rule as :class:`ledgerlink.http.limits.AccountLimiter`,
whose per-limit arithmetic this reuses). Counting and taking happen in one
transaction holding the account's row lock: ``SELECT ... FOR UPDATE`` on
PostgreSQL, the store's ``BEGIN IMMEDIATE`` on SQLite, so two processes never
both take the last slot of a window. A running row of a process that died stops
counting at ``held_until``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from ledgerlink.store import schema as t

__all__ = ["Counts", "count", "release", "take"]

rows = t.rate_requests


def _lock_account(conn: Connection, account: str) -> None:
    """Hold ``account``'s row until the transaction ends (SQLite: the write lock already)."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(postgresql.insert(t.rate_accounts).values(account=account)
                 .on_conflict_do_nothing(index_elements=["account"]))
    conn.execute(sa.select(t.rate_accounts.c.account)
                 .where(t.rate_accounts.c.account == account).with_for_update())


def count(conn: Connection, account: str, name: str, now: float,
          window: float) -> tuple[int, list[float]]:
    """Requests running and the answers still in the window for one limit, oldest first."""
    query = sa.select(rows.c.answered_at).where(
        rows.c.account == account, rows.c.limit_name == name,
        sa.or_(rows.c.answered_at > now - window,
               sa.and_(rows.c.answered_at.is_(None), rows.c.held_until > now)))
    found = list(conn.execute(query).scalars())
    return sum(1 for a in found if a is None), sorted(a for a in found if a is not None)


#: A limit's requests running and the answers in its window, oldest first.
Counts = dict[str, tuple[int, list[float]]]


def take(engine: Engine, account: str, wanted: Sequence[str], *, holder: str, now: float,
         window: float, hold: float,
         decide: Callable[[Counts], float | None]) -> tuple[list[int], float | None]:
    """Count, then take one slot of each limit in ``wanted`` when ``decide`` allows it.

    ``decide(counts)`` gets ``{name: (running, answered)}`` and returns 0.0 to go,
    seconds to wait, or None (only a release can help). Returns the rows taken
    (empty when not allowed) and the wait.
    """
    with engine.begin() as conn:
        _lock_account(conn, account)
        conn.execute(sa.delete(rows).where(
            rows.c.account == account,
            sa.or_(rows.c.answered_at <= now - window,
                   sa.and_(rows.c.answered_at.is_(None), rows.c.held_until <= now))))
        counts = {name: count(conn, account, name, now, window) for name in wanted}
        wait = decide(counts)
        if wait != 0.0:
            return [], wait
        module = sqlite if conn.dialect.name == "sqlite" else postgresql
        taken = [conn.execute(module.insert(rows).values(
            account=account, limit_name=name, holder=holder, started_at=now,
            answered_at=None, held_until=now + hold).returning(rows.c.id)).scalar_one()
            for name in wanted]
    return taken, 0.0


def release(engine: Engine, ids: Sequence[int], answered: float) -> None:
    """Mark the requests ``ids`` answered at ``answered``: they count in the window now."""
    with engine.begin() as conn:
        conn.execute(sa.update(rows).where(rows.c.id.in_(list(ids)))
                     .values(answered_at=answered))
