"""A scheduler worker on a PostgreSQL journal, for test_scheduler_runs.py beside it (not a
test module).

Usage: ``python scheduler_worker.py URL ROOT NOW GO_FILE``. Waits until GO_FILE
exists (so the workers start together), runs ``run_due`` once with the journal
at URL and the sandbox book under ROOT, and prints the runs as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

# Run as a script: the checkout's root on the path makes the tests package importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ledgerlink.scheduling.model import Project
from ledgerlink.scheduling.runs import Scheduler
from ledgerlink.store import Store
from tests.ledgerlink.scheduling.support import Books


class PgBooks(Books):
    """The scheduler tests' company, with its journal in a PostgreSQL database."""

    def __init__(self, root: Path, url: str,
                 project_list: Sequence[Project] | None = None) -> None:
        super().__init__(root, project_list)
        self.url = url

    def scheduler(self, store: Store | None = None, **kwargs: Any) -> Scheduler:
        return super().scheduler(store or Store(self.url), **kwargs)


def main() -> None:
    url, root, now, go = sys.argv[1], Path(sys.argv[2]), datetime.fromisoformat(sys.argv[3]), \
        Path(sys.argv[4])
    books = PgBooks(root, url)
    scheduler = books.scheduler(lease=timedelta(minutes=10))
    while not go.exists():
        time.sleep(0.005)
    runs = scheduler.run_due(now=now)
    print(json.dumps([[r.run.job_id, r.run.scheduled_for.isoformat(), r.run.state]
                      for r in runs]))


if __name__ == "__main__":
    main()
