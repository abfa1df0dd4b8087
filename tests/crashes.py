"""Killing a job process mid-run, for the crash tests of the runner and each connector.

A timer would mostly hit the interpreter's start-up, so a job is killed once the
progress it makes (rows written, writes an emulator answered) has grown by a
random amount; the number of kills is bounded, so a test always ends.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections.abc import Callable

__all__ = ["kill_mid_run"]


def kill_mid_run(start: Callable[[], subprocess.Popen[bytes]], progress: Callable[[], int],
                 rng: random.Random, *, attempts: int, least: int, most: int,
                 wait_seconds: float, poll: float = 0.001) -> int:
    """Start ``attempts`` jobs one after another, SIGKILL each once ``progress()`` has grown
    by a random ``least..most`` (or let it end, or stop waiting after ``wait_seconds``);
    how many were killed."""
    kills = 0
    for _ in range(attempts):
        target = progress() + rng.randint(least, most)
        job = start()
        deadline = time.monotonic() + wait_seconds
        while job.poll() is None and progress() < target and time.monotonic() < deadline:
            time.sleep(poll)
        if job.poll() is None:
            job.send_signal(signal.SIGKILL)
            kills += 1
        job.communicate(timeout=wait_seconds * 4)
    return kills
