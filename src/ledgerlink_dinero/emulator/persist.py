"""The emulator's organisations as JSON-ready data and back, for ``ledgerlink emulate
dinero --state FILE`` (see :mod:`ledgerlink.emulation.statefile`).

Kept: each organisation's settings, accounts, contacts, products, invoices,
credit notes, payments and sent mails, and the tokens issued (a connection
survives a restart). Not kept: authorization codes and request records.
"""

from __future__ import annotations

from typing import Any

import attrs

from ledgerlink.emulation import versioned
from ledgerlink_dinero.emulator.core import DineroEmulator
from ledgerlink_dinero.emulator.state import Organisation, Payment, Record
from ledgerlink_dinero.emulator.vat import Account

__all__ = ["dump", "load"]

#: Bumped when the layout below changes; a file of another version is refused.
VERSION = 1
#: The organisation's record tables, by attribute name.
TABLES = ("contacts", "products", "invoices", "credit_notes")


def dump(emulator: DineroEmulator) -> dict[str, Any]:
    """Every organisation the emulator holds, JSON-ready (amounts stay Decimal)."""
    organisations: dict[str, Any] = {}
    for organisation_id, org in list(emulator.organisations.items()):
        with org.lock:
            kept: dict[str, Any] = {
                "name": org.name,
                "is_pro": org.is_pro,
                "email": org.email,
                "accounts": [attrs.asdict(account) for account in org.accounts.values()],
                "rates": dict(org.rates),
                "payments": {guid: [attrs.asdict(p) for p in paid]
                             for guid, paid in org.payments.items()},
                "mails": org.mails,
                "last_timestamp": org.last_timestamp,
            }
            for table in TABLES:
                kept[table] = [attrs.asdict(record) for record in getattr(org, table).values()]
            organisations[organisation_id] = kept
    return {"version": VERSION, "organisations": organisations, "tokens": emulator.auth.dump()}


def load(emulator: DineroEmulator, data: Any) -> None:
    """Restore what :func:`dump` returned (organisations already present are replaced).

    Raises:
        ValueError: not a state this version wrote.
    """
    organisations = versioned(data, VERSION, "Dinero emulator state")["organisations"]
    for organisation_id, kept in organisations.items():
        accounts = {int(a["number"]): Account(**a) for a in kept["accounts"]}
        org = Organisation(organisation_id, kept["name"], is_pro=kept["is_pro"],
                           email=kept["email"], accounts=accounts, rates=kept["rates"])
        for table in TABLES:
            getattr(org, table).update({r["guid"]: Record(**r) for r in kept[table]})
        org.payments = {guid: [Payment(**p) for p in paid]
                        for guid, paid in kept["payments"].items()}
        org.mails = list(kept["mails"])
        org.last_timestamp = kept["last_timestamp"]
        emulator.organisations[organisation_id] = org
    emulator.auth.load(data.get("tokens", {}), frozenset)
