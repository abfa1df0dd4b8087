"""Start-up time of the command line: ``ledgerlink --help`` against ``import ledgerlink``.

Each figure is the median of several fresh interpreters (nothing cached in the
process), so what it measures is what a user waits for. Run with the project's
interpreter: ``python benchmarks/startup.py [--runs N]``. The last line printed
is one JSON object with the medians in seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

#: The console script next to this interpreter (as installed by pip), else the same
#: entry point through ``-c``.
_SCRIPT = Path(sys.executable).with_name("ledgerlink")
_HELP = ([str(_SCRIPT), "--help"] if _SCRIPT.exists() else
         [sys.executable, "-c", "import sys; from ledgerlink.cli import main; "
                                "sys.argv = ['ledgerlink', '--help']; main()"])

#: What is timed: a name and the command line.
CASES: dict[str, list[str]] = {
    "ledgerlink_help": _HELP,
    "import_ledgerlink": [sys.executable, "-c", "import ledgerlink"],
    "python_baseline": [sys.executable, "-c", "pass"],
}


def timed(command: list[str]) -> float:
    """Seconds one fresh process takes to run ``command`` (output discarded)."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="Runs per case (median reported).")
    runs = parser.parse_args().runs
    medians: dict[str, float] = {}
    for name, command in CASES.items():
        timed(command)  # warm the file cache once; not counted
        samples = [timed(command) for _ in range(runs)]
        medians[name] = round(statistics.median(samples), 4)
        print(f"{name:20} median {medians[name]:.3f} s  "
              f"(min {min(samples):.3f}, max {max(samples):.3f}, {runs} runs)")
    print(json.dumps({"runs": runs, "median_seconds": medians}))


if __name__ == "__main__":
    main()
