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
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from ledgerlink.emulation import Control, serve_main
from ledgerlink_dinero.emulator.core import DineroEmulator

__all__ = ["main", "state"]


def state(emulator: DineroEmulator) -> dict[str, Any]:
    """Counts for checking a run: per organisation, contacts, invoices (not deleted) by
    ExternalReference, e-mails sent per invoice Guid and credit notes; the faults
    injected and the requests answered."""
    organisations: dict[str, Any] = {}
    for organisation_id, org in list(emulator.organisations.items()):
        with org.lock:
            live = [r for r in org.invoices.values() if r.deleted_at is None]
            organisations[organisation_id] = {
                "contacts": len(org.contacts),
                "invoices": len(live),
                "invoices_per_key": dict(Counter(
                    str(r.data["ExternalReference"]) for r in live
                    if r.data.get("ExternalReference"))),
                "emails_per_invoice": dict(Counter(str(m["InvoiceGuid"]) for m in org.mails)),
                "credit_notes": len(org.credit_notes),
            }
    return {"organisations": organisations, "faults": emulator.faults.injected,
            "requests": len(emulator.requests)}


def _build() -> tuple[DineroEmulator, Control]:
    emulator = DineroEmulator()
    return emulator, Control(state=lambda: state(emulator),
                             authorize=lambda account: emulator.authorize(account),
                             connect=lambda account: emulator.connect(account))


def main(argv: list[str] | None = None) -> int:
    """Serve until stopped (see the module docstring)."""
    return serve_main("python -m ledgerlink_dinero.emulator", _build, argv)


if __name__ == "__main__":
    sys.exit(main())
