"""``python -m ledgerlink_economic.emulator``: the emulator served in a process of its own.

Options (see :func:`ledgerlink.emulation.serve_main`): ``--port 0`` (any free
port), ``--faults 5xx=0.1,429=0.05,drop=0.02``, ``--seed 1``. The first line
on stdout is the base URL; it serves until SIGTERM or SIGINT. One agreement is
made at start; ``POST /_emulator/connect?account=<agreement number>`` gives its
tokens and ``GET /_emulator/state`` what each agreement holds
(:func:`~.served.state`).
"""

from __future__ import annotations

import sys

from ledgerlink.emulation import Control, serve_main
from ledgerlink_economic.emulator.core import EconomicEmulator
from ledgerlink_economic.emulator.served import DEFAULT_NAME, control

__all__ = ["main"]


def _build() -> tuple[EconomicEmulator, Control]:
    emulator = EconomicEmulator()
    emulator.create_agreement(DEFAULT_NAME)
    return emulator, control(emulator)


def main(argv: list[str] | None = None) -> int:
    """Serve until stopped (see the module docstring)."""
    return serve_main("python -m ledgerlink_economic.emulator", _build, argv)


if __name__ == "__main__":
    sys.exit(main())
