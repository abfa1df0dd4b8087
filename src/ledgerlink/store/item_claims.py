"""Internal: billed-item claims: which run put each billable item on which work order.

A scheduled run claims its items before it invoices them, so two runs (two
jobs matching the same project, or a run and its resumed self) never bill the
same item twice. A claim is *live* while

* its work order is in the journal's ``invoiced_work`` for the book (any
  revision: the item was invoiced, possibly credited and re-invoiced), or
* its run is ``running`` under a lease that has not run out.

Any other claim is dead (the run ended or crashed without the invoice coming
to be) and another run may take it over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledgerlink.store import schema as t
from ledgerlink.store.schedule_records import ItemClaim

__all__ = ["CHUNK", "Raced", "claim", "live_items"]

#: Item ids per IN (...) list: well under SQLite's bound-parameter limit.
CHUNK = 500

_claims = t.billed_items
_runs = t.schedule_runs
_work = t.invoiced_work


class Raced(Exception):  # an internal signal, never seen by users
    """Another transaction changed a claim between reading and taking it over."""


def _live(now: str) -> sa.ColumnElement[bool]:
    invoiced = sa.exists().where(_work.c.book == _claims.c.book,
                                 _work.c.work_order_id == _claims.c.work_order_id)
    running = sa.and_(_runs.c.state == "running", _runs.c.lease_until > now)
    return sa.or_(invoiced, running)


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _joined() -> Any:
    return _claims.outerjoin(_runs, _runs.c.run_id == _claims.c.run_id)


def live_items(conn: Connection, book: str, item_ids: Iterable[str], now: str, *,
               except_run: str | None = None) -> set[str]:
    """The ``item_ids`` of ``book`` whose claim is live at ``now`` (a store stamp),
    leaving out those ``except_run`` holds."""
    found: set[str] = set()
    for chunk in _chunks(list(dict.fromkeys(item_ids))):
        query = (sa.select(_claims.c.item_id).select_from(_joined())
                 .where(_claims.c.book == book, _claims.c.item_id.in_(chunk), _live(now)))
        if except_run is not None:
            query = query.where(_claims.c.run_id != except_run)
        found.update(conn.execute(query).scalars())
    return found


def _existing(conn: Connection, book: str, item_ids: list[str],
              now: str) -> dict[str, tuple[ItemClaim, bool]]:
    live = sa.case((_live(now), True), else_=False).label("live")
    out: dict[str, tuple[ItemClaim, bool]] = {}
    for chunk in _chunks(item_ids):
        query = (sa.select(_claims, live).select_from(_joined())
                 .where(_claims.c.book == book, _claims.c.item_id.in_(chunk)))
        for row in conn.execute(query):
            out[row.item_id] = (ItemClaim.from_row(row), bool(row.live))
    return out


def claim(conn: Connection, book: str, claims: Mapping[str, str], *, job_id: str,
          run_id: str, now: str) -> dict[str, ItemClaim]:
    """Claim ``claims`` (item id → work order id) for ``run_id`` on ``conn``'s transaction.

    Returns the items left unclaimed, each with the live claim of another run.
    An item this run already claimed stays claimed, moved to the work order
    given now (a resumed run may group items differently, and a claim must
    point at the work order that bills it). Raises :class:`Raced` when a dead
    claim changed hands meanwhile (the caller retries the transaction), and
    IntegrityError when another transaction inserted the same item first.
    """
    existing = _existing(conn, book, list(claims), now)
    refused: dict[str, ItemClaim] = {}
    inserts: list[dict[str, Any]] = []
    moves: list[dict[str, Any]] = []
    for item_id, work_order_id in claims.items():
        row = dict(book=book, item_id=item_id, job_id=job_id, run_id=run_id,
                   work_order_id=work_order_id, claimed_at=now)
        found = existing.get(item_id)
        if found is None:
            inserts.append(row)
            continue
        held, live = found
        if held.run_id == run_id:
            if held.work_order_id != work_order_id:
                moves.append({**row, "w_run_id": run_id})
        elif live:
            refused[item_id] = held
        else:
            moves.append({**row, "w_run_id": held.run_id})
    if inserts:
        conn.execute(sa.insert(_claims), inserts)
    if moves:
        # Conditional on the holder read above, so of two runs taking over the
        # same dead claim only one matches.
        update = sa.update(_claims).where(
            _claims.c.book == sa.bindparam("w_book"),
            _claims.c.item_id == sa.bindparam("w_item_id"),
            _claims.c.run_id == sa.bindparam("w_run_id"),
        ).values(job_id=sa.bindparam("v_job_id"), run_id=sa.bindparam("v_run_id"),
                 work_order_id=sa.bindparam("v_work_order_id"),
                 claimed_at=sa.bindparam("v_claimed_at"))
        params = [{"w_book": m["book"], "w_item_id": m["item_id"], "w_run_id": m["w_run_id"],
                   "v_job_id": m["job_id"], "v_run_id": m["run_id"],
                   "v_work_order_id": m["work_order_id"], "v_claimed_at": m["claimed_at"]}
                  for m in moves]
        if conn.dialect.supports_sane_multi_rowcount:
            # One executemany (pipelined on PostgreSQL, not a round trip per item);
            # its rowcount is the sum, so any move that matched nothing shows.
            if conn.execute(update, params).rowcount != len(params):
                raise Raced(f"{len(params)} dead claims")
        else:
            for param in params:
                if conn.execute(update, param).rowcount != 1:
                    raise Raced(param["w_item_id"])
    return refused
