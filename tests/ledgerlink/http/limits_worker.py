"""A process sending requests under an account's rate limit, for test_shared_limits.py beside
it and tests/postgres/test_shared_limits.py (not a test module).

Usage: ``python limits_worker.py STORE|- PER_WINDOW WINDOW REQUESTS GO_FILE``. Waits until
GO_FILE exists (so the processes start together), takes REQUESTS slots of the limit
(PER_WINDOW requests a WINDOW seconds long "minute"), each held for a few milliseconds
as a request would be, counted in STORE (``-``: in this process alone), and prints
each request's start and answer instants (wall clock) as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from ledgerlink.http.limits import AccountLimiter, Limit
from ledgerlink.http.shared_limits import StoreLimiterRegistry
from ledgerlink.store import Store

#: How long each request takes, in seconds.
REQUEST_TIME = 0.005


def main() -> None:
    target, per_window, window, requests, go = sys.argv[1:6]
    limits = {"default": Limit(per_minute=int(per_window))}
    limiter = (AccountLimiter(limits, time.time, window=float(window)) if target == "-"
               else StoreLimiterRegistry(Store(target), window=float(window))
               .get("emulated", "account-1", limits))
    while not Path(go).exists():
        time.sleep(0.005)
    spans = []
    for _ in range(int(requests)):
        with limiter.acquire(("default",), max_wait=60):
            started = time.time()
            time.sleep(REQUEST_TIME)
            # The answer as it arrives, before the limiter logs it (a moment later).
            spans.append((started, time.time()))
    print(json.dumps(spans))


if __name__ == "__main__":
    main()
