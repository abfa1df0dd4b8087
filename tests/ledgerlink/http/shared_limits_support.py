"""Running limits_worker.py processes side by side and reading their requests back."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.paths import ROOT

__all__ = ["most_in_any_window", "race"]

WORKER = Path(__file__).with_name("limits_worker.py")


def race(target: str, processes: int, per_window: int, window: float, requests: int,
         go: Path) -> list[tuple[float, float]]:
    """Every process's requests (start, answer), the processes started together."""
    started = [subprocess.Popen([sys.executable, str(WORKER), target, str(per_window),
                                 str(window), str(requests), str(go)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(processes)]
    go.touch()
    spans: list[tuple[float, float]] = []
    for process in started:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-2000:]
        spans.extend((start, answer) for start, answer in json.loads(out))
    return spans


def most_in_any_window(spans: Sequence[tuple[float, float]], window: float) -> int:
    """The most requests a provider counting a sliding ``window`` could see at once: at
    each request's start, those started by then whose answer is less than a window ago."""
    return max(sum(1 for start, answer in spans if start <= moment < answer + window)
               for moment, _ in spans)
