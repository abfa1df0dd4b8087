"""``python -m ledgerlink_pipedrive.emulator``: the emulator served in a process of its own.

Options (see :func:`ledgerlink.emulation.serve_main`): ``--port 0`` (any free
port), ``--faults 5xx=0.1,429=0.05,drop=0.02``, ``--seed 1``. The first line
on stdout is the base URL; it serves until SIGTERM or SIGINT. One company is
made at start; ``POST /_emulator/authorize?account=<company id>`` gives its API
token, ``POST /_emulator/connect?account=<company id>`` OAuth tokens too, and
``GET /_emulator/state`` what each company holds (:func:`~.served.state`).
"""

from __future__ import annotations

import sys

from ledgerlink.emulation import Control, serve_main
from ledgerlink_pipedrive.emulator.core import PipedriveEmulator
from ledgerlink_pipedrive.emulator.served import DEFAULT_NAME, control

__all__ = ["main"]


def _build() -> tuple[PipedriveEmulator, Control]:
    emulator = PipedriveEmulator()
    emulator.create_company(DEFAULT_NAME)
    return emulator, control(emulator)


def main(argv: list[str] | None = None) -> int:
    """Serve until stopped (see the module docstring)."""
    return serve_main("python -m ledgerlink_pipedrive.emulator", _build, argv)


if __name__ == "__main__":
    sys.exit(main())
