"""``python -m ledgerlink_quickbooks.emulator``: the emulator served in a process of its own.

Options (see :func:`ledgerlink.emulation.serve_main`): ``--port 0`` (any free
port), ``--faults 5xx=0.1,429=0.05,drop=0.02`` (shares of calls answered 503,
answered 429 in QuickBooks' XML throttling shape, and writes cut after their
commit), ``--seed 1``. The first line on stdout is the base URL; it serves
until SIGTERM or SIGINT.

Test-only paths, for the parent process:

* ``POST /_emulator/authorize?account=<realm>``: ``{"code": ...}`` for the
  OAuth code exchange at the token endpoint (the realm is created);
* ``POST /_emulator/connect?account=<realm>``: a token response straight away;
* ``GET /_emulator/state``: what each realm holds (:func:`state`).

``ledgerlink emulate quickbooks`` serves the same emulator for people, with
every documented limit, a company made at start and its state kept in a file
(:mod:`~ledgerlink_quickbooks.emulator.served`).
"""

from __future__ import annotations

import sys

from ledgerlink.emulation import Control, serve_main
from ledgerlink_quickbooks.emulator.core import QuickBooksEmulator
from ledgerlink_quickbooks.emulator.served import control, state

__all__ = ["main", "state"]


def _build() -> tuple[QuickBooksEmulator, Control]:
    emulator = QuickBooksEmulator()
    return emulator, control(emulator)


def main(argv: list[str] | None = None) -> int:
    """Serve until stopped (see the module docstring)."""
    return serve_main("python -m ledgerlink_quickbooks.emulator", _build, argv)


if __name__ == "__main__":
    sys.exit(main())
