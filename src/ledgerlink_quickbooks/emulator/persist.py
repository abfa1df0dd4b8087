"""The emulator's companies as JSON-ready data and back, for ``ledgerlink emulate
quickbooks --state FILE`` (see :mod:`ledgerlink.emulation.statefile`).

Kept: each realm's entities, deletions, change times, change events and id
counters, and the tokens issued (a connection survives a restart). Not kept:
authorization codes, requestid replays and request records.
"""

from __future__ import annotations

import copy
from typing import Any

import attrs

from ledgerlink.emulation import versioned
from ledgerlink_quickbooks.emulator.core import QuickBooksEmulator
from ledgerlink_quickbooks.emulator.state import ENTITIES, READABLE, ChangeEvent, Realm

__all__ = ["dump", "load"]

#: Bumped when the layout below changes; a file of another version is refused.
VERSION = 1


def dump(emulator: QuickBooksEmulator) -> dict[str, Any]:
    """Every realm the emulator holds, JSON-ready (amounts stay Decimal)."""
    realms: dict[str, Any] = {}
    for realm_id, realm in list(emulator.realms.items()):
        with realm.lock:
            realms[realm_id] = {
                "home_currency": realm.home_currency,
                "entities": copy.deepcopy(realm.entities),
                "deleted": copy.deepcopy(realm.deleted),
                "updated_at": [[name, entity_id, at]
                               for (name, entity_id), at in realm.updated_at.items()],
                "events": [attrs.asdict(event) for event in realm.events],
                "next_id": realm.next_id,
                "next_doc_number": realm.next_doc_number,
                "next_tax_id": realm.next_tax_id,
            }
    return {"version": VERSION, "realms": realms, "tokens": emulator.auth.dump()}


def load(emulator: QuickBooksEmulator, data: Any) -> None:
    """Restore what :func:`dump` returned (realms already present are replaced).

    Raises:
        ValueError: not a state this version wrote.
    """
    for realm_id, kept in versioned(data, VERSION, "QuickBooks emulator state")["realms"].items():
        realm = Realm(realm_id, kept["home_currency"])
        realm.entities = {name: dict(kept["entities"].get(name, {})) for name in READABLE}
        realm.deleted = {name: dict(kept["deleted"].get(name, {})) for name in ENTITIES}
        realm.updated_at = {(name, entity_id): at for name, entity_id, at in kept["updated_at"]}
        realm.events = [ChangeEvent(**event) for event in kept["events"]]
        realm.next_id = kept["next_id"]
        realm.next_doc_number = kept["next_doc_number"]
        realm.next_tax_id = kept["next_tax_id"]
        realm.reindex()
        emulator.realms[realm_id] = realm
    emulator.auth.load(data.get("tokens", {}), str)
