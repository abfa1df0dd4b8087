"""A worker process for the scheduler's process tests in test_scheduler_runs.py:
``run_due`` once, print the runs (not a test module).

Usage: ``python scheduler_worker.py ROOT NOW [KILL_AFTER_WRITES]``. With a kill count
the sandbox book SIGKILLs this process right after that many committed writes.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

from ledgerlink.sandbox.connector import SandboxConnector

# Run as a script: the checkout's root on the path makes the tests package importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from tests.ledgerlink.scheduling.support import Books


def main() -> None:
    root, now = Path(sys.argv[1]), datetime.fromisoformat(sys.argv[2])
    books = Books(root)
    if len(sys.argv) > 3:
        books.connector = SandboxConnector(root / "book.db", kill_after_writes=int(sys.argv[3]))
    runs = books.scheduler(lease=timedelta(minutes=10)).run_due(now=now)
    print(json.dumps([[r.run.job_id, r.run.scheduled_for.isoformat(), r.run.state]
                      for r in runs]))


if __name__ == "__main__":
    main()
