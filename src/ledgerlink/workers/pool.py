"""Internal: starting a worker of the pool, and queueing companies, with procrastinate loaded
only here: the SQLite default and every other command work without the ``workers`` extra.
"""

from __future__ import annotations

import importlib
from datetime import timedelta
from types import ModuleType
from typing import Any

from ledgerlink.errors import WorkersUnavailable
from ledgerlink.store import Store

__all__ = ["WorkersUnavailable", "enqueue", "load", "run"]

#: What to install for the worker pool.
EXTRA = "pip install 'ledgerlink[workers]'"


def load() -> ModuleType:
    """:mod:`ledgerlink.workers.queue`, or WorkersUnavailable naming the extra."""
    try:
        return importlib.import_module("ledgerlink.workers.queue")
    except ImportError as err:
        if getattr(err, "name", None) not in ("procrastinate", "psycopg", "psycopg_pool"):
            raise
        raise WorkersUnavailable(f"the worker pool needs procrastinate ({err.name} is not "
                                 f"installed): {EXTRA}") from None


def _postgres(store: Store) -> None:
    if not store.url.startswith("postgresql"):
        raise WorkersUnavailable("the worker pool runs on a PostgreSQL store "
                                 "(--store postgresql+psycopg://...); SQLite has no queue: "
                                 "use `ledgerlink run` for one book")


def run(store: Store, *, concurrency: int = 1, heartbeat: float = 10.0,
        stalled_after: float = 30.0, nightly_hour: int | None = None,
        share_limits: bool = True, wait: bool = True, name: str | None = None,
        keep_jobs: timedelta | None = None, keep_failed: timedelta | None = None) -> None:
    """Run a worker until it is stopped (SIGINT/SIGTERM), or, without ``wait``, until the
    queue is empty. Creates procrastinate's schema first when it is missing.

    ``share_limits`` counts provider rate limits in the store, shared with every
    other worker on the same account; ``heartbeat`` and ``stalled_after`` (seconds)
    say how soon the jobs of a worker that died are taken again. Finished jobs are
    removed from the queue's tables ``keep_jobs`` after they finished (default
    :data:`~ledgerlink.workers.queue.KEEP_JOBS`); failed ones ``keep_failed`` after,
    or never when it is None (ValueError when it is shorter than ``keep_jobs``).
    """
    _postgres(store)
    queue = load()
    queue.settings.keep(queue.KEEP_JOBS if keep_jobs is None else keep_jobs, keep_failed)
    queue.apply_schema(store)
    queue.settings.store = store
    queue.settings.stalled_after = stalled_after
    if nightly_hour is not None:
        queue.settings.nightly_hour = nightly_hour
    if share_limits:
        from ledgerlink.http.limits import use_limiters
        from ledgerlink.http.shared_limits import StoreLimiterRegistry

        use_limiters(StoreLimiterRegistry(store))
    app = queue.make_app(store.url)
    options: dict[str, Any] = {"queues": [queue.QUEUE], "concurrency": concurrency,
                               "wait": wait, "update_heartbeat_interval": heartbeat,
                               "stalled_worker_timeout": stalled_after}
    if name is not None:
        options["name"] = name
    app.run_worker(**options)


def enqueue(store: Store, names: list[str] | None = None) -> dict[str, bool]:
    """Queue the nightly run of ``names`` (default: every registered company) now:
    name → queued (False: it was already waiting)."""
    from ledgerlink.workers.books import find

    _postgres(store)
    queue = load()
    queue.apply_schema(store)
    app = queue.make_app(store.url)
    with app.open():
        if names is None:
            return dict(queue.enqueue_all(app, store))
        return {name: queue.enqueue_company(app, find(store, name)) for name in names}
