"""Internal: keeping a scheduled run's lease while it runs.

A run holds its slot under a lease so that a dead worker's run can be resumed
by another. A live run that outlasts its lease (a large bulk run against a
provider's rate limit can take longer than half an hour) must renew it, or a
second worker would resume it while it still runs. The keeper renews from the
runner's progress callback, which the runner calls after each wave's outcomes
are committed; when renewing fails because another worker has taken the run,
it raises :class:`LeaseLost` there, and this worker stops as a crashed one
would: the journal's intents are left for the worker that now holds the run.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from ledgerlink.errors import LeaseLost
from ledgerlink.store.schedules import ScheduleStore

__all__ = ["LeaseKeeper", "LeaseLost"]


class LeaseKeeper:
    """A runner progress callback that renews ``run_id``'s lease every third of it.

    Lease times are counted from the run's ``moment`` (the instant it was
    claimed for, which tests and catch-ups may set) plus the real time elapsed
    since, so a run for a given instant renews on the same clock it claimed on.
    """

    def __init__(self, jobs: ScheduleStore, run_id: str, *, worker: str, lease: timedelta,
                 moment: datetime) -> None:
        self.jobs = jobs
        self.run_id = run_id
        self.worker = worker
        self.lease = lease
        self.moment = moment
        self.started = self.renewed = time.monotonic()
        self.renewals = 0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.renewed < self.lease.total_seconds() / 3:
            return
        self.renewed = now
        at = self.moment + timedelta(seconds=now - self.started)
        if not self.jobs.renew_lease(self.run_id, worker=self.worker, now=at, lease=self.lease):
            raise LeaseLost(f"run {self.run_id}: another worker took it over after its lease "
                            f"ran out ({done} of {total} steps done here)")
        self.renewals += 1
