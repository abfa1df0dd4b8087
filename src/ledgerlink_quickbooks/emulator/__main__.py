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
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from ledgerlink.emulation import Control, serve_main
from ledgerlink_quickbooks.emulator.core import QuickBooksEmulator
from ledgerlink_quickbooks.keys import parse_note

__all__ = ["main", "state"]


def state(emulator: QuickBooksEmulator) -> dict[str, Any]:
    """Counts for checking a run: per realm, customers, invoices by ledgerlink key (from
    PrivateNote; a void's marker ignored), e-mails sent per invoice Id, credit memos
    and deleted invoices; the faults injected and the requests answered."""
    realms: dict[str, Any] = {}
    for realm_id, realm in list(emulator.realms.items()):
        with realm.lock:
            invoices = list(realm.entities["Invoice"].values())
            emails = Counter(event.entity_id for event in realm.events
                             if event.name == "Invoice" and event.operation == "Emailed")
            realms[realm_id] = {
                "customers": len(realm.entities["Customer"]),
                "invoices": len(invoices),
                "invoices_per_key": dict(Counter(
                    key for row in invoices
                    if (key := parse_note(row.get("PrivateNote"))[0]) is not None)),
                "emails_per_invoice": dict(emails),
                "credit_memos": len(realm.entities["CreditMemo"]),
                "deleted_invoices": len(realm.deleted["Invoice"]),
            }
    return {"realms": realms, "faults": emulator.faults.injected,
            "requests": len(emulator.requests)}


def _build() -> tuple[QuickBooksEmulator, Control]:
    emulator = QuickBooksEmulator()
    return emulator, Control(state=lambda: state(emulator), authorize=emulator.authorize,
                             connect=emulator.connect)


def main(argv: list[str] | None = None) -> int:
    """Serve until stopped (see the module docstring)."""
    return serve_main("python -m ledgerlink_quickbooks.emulator", _build, argv)


if __name__ == "__main__":
    sys.exit(main())
