"""A process racing for a schedule slot, for test_schedule_claims.py beside it and
tests/postgres/test_schedule_store.py (not a test module).

Usage: ``python claim_worker.py DB JOB_ID DAY NOW GO_FILE WORKER``. Waits until
GO_FILE exists (so the racers start together), claims the due slot of DAY and
prints the claim as JSON (null when another process holds it).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from ledgerlink.scheduling.jobstore import JobStore
from ledgerlink.store import Store


def main() -> None:
    db, job_id, day, now, go, worker = sys.argv[1:7]
    schedules = JobStore(Store(db))
    while not Path(go).exists():
        time.sleep(0.005)
    run = schedules.claim_run(job_id, date.fromisoformat(day), trigger="due", job_version=1,
                              worker=worker, now=datetime.fromisoformat(now),
                              lease=timedelta(minutes=5))
    print(json.dumps(None if run is None else {"run_id": run.run_id, "resumed": run.resumed}))


if __name__ == "__main__":
    main()
