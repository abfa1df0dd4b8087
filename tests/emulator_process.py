"""Running a provider emulator in a process of its own (``python -m <package>``)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["served_module"]


@contextmanager
def served_module(module: str) -> Iterator[str]:
    """Start ``python -m module --port 0``, yield the base URL it prints first, then stop it
    with SIGTERM and check it exited cleanly."""
    with subprocess.Popen([sys.executable, "-m", module, "--port", "0"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            base_url = process.stdout.readline().strip()
            assert base_url.startswith("http://127.0.0.1:")
            yield base_url
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)
    assert process.returncode == 0
