"""The emulator's agreements as JSON-ready data and back, for ``ledgerlink emulate
economic --state FILE`` (see :mod:`ledgerlink.emulation.statefile`).

Kept: the app's secret, each agreement's name, grant, tables and next booked
number, and the webhooks. Not kept: request records, the bucket, kept idempotent
answers, deliveries waiting.
"""

from __future__ import annotations

from typing import Any

from ledgerlink.emulation import versioned
from ledgerlink_economic.emulator.core import EconomicEmulator
from ledgerlink_economic.emulator.state import Agreement

__all__ = ["dump", "load"]

#: Bumped when the layout below changes; a file of another version is refused.
VERSION = 1


def dump(emulator: EconomicEmulator) -> dict[str, Any]:
    """Every agreement the emulator holds, JSON-ready (amounts stay Decimal)."""
    agreements: dict[str, Any] = {}
    for number, agreement in list(emulator.agreements.items()):
        with agreement.lock:
            agreements[str(number)] = {
                "name": agreement.name, "grant": agreement.agreement_grant_token,
                "tables": agreement.tables, "next_booked": agreement.next_booked}
    with emulator.webhooks.lock:
        hooks = [{"agreement": number, **hook}
                 for (number, _), hook in emulator.webhooks.hooks.items()]
    return {"version": VERSION, "app_secret_token": emulator.app_secret_token,
            "agreements": agreements, "webhooks": hooks}


def load(emulator: EconomicEmulator, data: Any) -> None:
    """Restore what :func:`dump` returned (agreements already present are replaced).

    Raises:
        ValueError: not a state this version wrote.
    """
    kept = versioned(data, VERSION, "e-conomic emulator state")
    emulator.app_secret_token = kept["app_secret_token"]
    for number, agreement in kept["agreements"].items():
        emulator.add(Agreement(int(number), agreement["name"], agreement["grant"],
                               emulator.app_secret_token, tables=agreement["tables"],
                               next_booked=agreement["next_booked"]))
    with emulator.webhooks.lock:
        for kept_hook in kept["webhooks"]:
            hook = {k: v for k, v in kept_hook.items() if k != "agreement"}
            emulator.webhooks.hooks[(int(kept_hook["agreement"]), hook["eventType"])] = hook
