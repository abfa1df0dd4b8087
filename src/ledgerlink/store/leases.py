"""Internal: book leases: one run at a time per book, across processes and hosts.

A run takes its book's lease before it recovers, plans or writes, and gives it
back when it ends. The lease is renewed inside every journal commit the run
makes (:meth:`Fence.renew` runs in the commit's own database transaction), so
a run that lost its lease cannot commit another intent: the fence stops it
before any further remote write. A lease that ran out belongs to a runner that
died (or stalled for longer than the lease); the next run takes it over, and
with it the dead run's unresolved intents.

Instants come from each worker's clock (UTC); hosts sharing a PostgreSQL
journal need clocks in step to well within a lease.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from ledgerlink.errors import BookBusyError, LeaseLost
from ledgerlink.store import schema as t

__all__ = ["Fence", "Holding", "new_holder"]

#: Attempts at taking a lease whose row another run inserts and deletes meanwhile.
ACQUIRE_TRIES = 5


def new_holder() -> str:
    """A name for this worker that no other process or host shares: host, pid, token."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _dead_here(holder: str) -> bool:
    """True when ``holder`` is a process of this host that no longer exists.

    Its lease need not run out: a process that is gone has no request in
    flight either. A pid reused by another process reads as alive, which only
    means waiting for the lease to run out.
    """
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname()[:120] or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, under another user
    return _zombie(pid)


def _zombie(pid: int) -> bool:
    """True when ``pid`` has exited and only waits for its parent to reap it (Linux's
    /proc says so; elsewhere it reads as alive). A SIGKILLed worker whose parent has
    not waited for it yet is one: it answers signals, but holds nothing in flight."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] in (["Z"], ["X"])


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@attrs.frozen
class Holding:
    """A lease this worker holds on ``book``.

    Attributes:
        book: the book.
        holder: this worker's name.
        run_id: the run holding it.
        taken_over: the holder it was taken from (whose lease had run out), if any.
    """

    book: str
    holder: str
    run_id: str
    taken_over: str | None = None


def acquire(engine: Engine, book: str, holder: str, run_id: str, lease: timedelta,
            now: datetime | None = None) -> Holding:
    """Take ``book``'s lease for ``lease``; BookBusyError while another live run holds it."""
    for _ in range(ACQUIRE_TRIES):
        moment = now or datetime.now(UTC)
        with engine.begin() as conn:
            outcome = _try(conn, engine.dialect.name, book, holder, run_id, _stamp(moment),
                           _stamp(moment + lease))
        if outcome is not None:
            return outcome
    # The lease changed hands between each try and its read (READ COMMITTED): it is
    # busy with runs that come and go; the caller's wait decides what follows.
    raise BookBusyError(book, "(changing hands)", "(changing hands)", _stamp(datetime.now(UTC)))


def _try(conn: Connection, dialect: str, book: str, holder: str, run_id: str, at: str,
         until: str) -> Holding | None:
    """One attempt: the Holding, BookBusyError, or None when the row vanished under us."""
    leases = t.book_leases
    columns = (leases.c.holder, leases.c.run_id, leases.c.lease_until)
    before = conn.execute(sa.select(*columns).where(leases.c.book == book)).first()
    # Conditional on the lease being free, expired or ours: of two workers taking
    # over the same expired lease, the row lock lets one match.
    taken = conn.execute(sa.update(leases).where(
        leases.c.book == book,
        sa.or_(leases.c.lease_until <= at, leases.c.holder == holder),
    ).values(holder=holder, run_id=run_id, acquired_at=at, lease_until=until)).rowcount > 0
    if not taken:
        module = sqlite if dialect == "sqlite" else postgresql
        # RETURNING, not rowcount: drivers report -1 for an INSERT ... ON CONFLICT.
        taken = conn.execute(module.insert(leases).values(
            book=book, holder=holder, run_id=run_id, acquired_at=at, lease_until=until,
        ).on_conflict_do_nothing(index_elements=["book"]).returning(leases.c.book)
        ).first() is not None
    if not taken and before is not None and _dead_here(before.holder):
        taken = conn.execute(sa.update(leases).where(
            leases.c.book == book, leases.c.holder == before.holder,
        ).values(holder=holder, run_id=run_id, acquired_at=at, lease_until=until)).rowcount > 0
    if taken:
        previous = before.holder if before is not None and before.holder != holder else None
        return Holding(book, holder, run_id, previous)
    current = conn.execute(sa.select(*columns).where(leases.c.book == book)).first()
    if current is None:
        return None  # inserted and released by another run since our insert met it
    raise BookBusyError(book, current.holder, current.run_id, current.lease_until)


def release(engine: Engine, holding: Holding) -> None:
    """Give the lease back (nothing happens when another worker took it meanwhile)."""
    leases = t.book_leases
    with engine.begin() as conn:
        conn.execute(sa.delete(leases).where(leases.c.book == holding.book,
                                             leases.c.holder == holding.holder))


@attrs.define
class Fence:
    """Renews a holding's lease inside journal commits; raises LeaseLost once it is gone."""

    holding: Holding
    lease: timedelta

    def renew(self, conn: Connection) -> None:
        """Extend the lease from now, in ``conn``'s transaction; LeaseLost if not ours."""
        leases = t.book_leases
        renewed = conn.execute(sa.update(leases).where(
            leases.c.book == self.holding.book, leases.c.holder == self.holding.holder,
            leases.c.run_id == self.holding.run_id,
        ).values(lease_until=_stamp(datetime.now(UTC) + self.lease))).rowcount
        if not renewed:
            raise LeaseLost(f"book {self.holding.book}: run {self.holding.run_id} lost its "
                            "lease to another run after it ran out; stopping without "
                            "writing more")
