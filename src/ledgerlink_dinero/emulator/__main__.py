"""``python -m ledgerlink_dinero.emulator``: the emulator served in a process of its own.

Options (see :func:`ledgerlink.emulation.serve_main`): ``--port 0`` (any free
port), ``--faults 5xx=0.1,429=0.05,drop=0.02`` (shares of calls answered 503,
answered 429 with Dinero's quota text, and writes cut after their commit),
``--seed 1``. The first line on stdout is the base URL; it serves until
SIGTERM or SIGINT.

Test-only paths, for the parent process:

* ``POST /_emulator/authorize?account=<organisation>``: ``{"code": ...}`` for
  the OAuth code exchange at the token endpoint (the organisation is created);
* ``POST /_emulator/connect?account=<organisation>``: a token response;
* ``GET /_emulator/state``: what each organisation holds (:func:`state`).

``ledgerlink emulate dinero`` serves the same emulator for people, with an
organisation made at start and its state kept in a file
(:mod:`~ledgerlink_dinero.emulator.served`).
"""

from __future__ import annotations

import sys

from ledgerlink.emulation import Control, serve_main
from ledgerlink_dinero.emulator.core import DineroEmulator
from ledgerlink_dinero.emulator.served import control, state

__all__ = ["main", "state"]


def _build() -> tuple[DineroEmulator, Control]:
    emulator = DineroEmulator()
    return emulator, control(emulator)


def main(argv: list[str] | None = None) -> int:
    """Serve until stopped (see the module docstring)."""
    return serve_main("python -m ledgerlink_dinero.emulator", _build, argv)


if __name__ == "__main__":
    sys.exit(main())
