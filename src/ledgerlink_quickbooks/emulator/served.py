"""The QuickBooks emulator as a user serves it: ``ledgerlink emulate quickbooks``.

:data:`SPEC` (registered by :mod:`ledgerlink_quickbooks.plugin`) builds an
emulator with every documented limit (10 requests a second included), makes a
company with a service item on first start, and says how to connect to it:
``ledgerlink quickbooks connect --base-url ...`` prints Intuit's consent URL;
the same URL on the emulator's host (:data:`~.auth.CONSENT_PATH`) consents at
once and redirects to the redirect URI with ``code``, ``state`` and ``realmId``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ledgerlink.emulation import Control, EmulatorSpec, oauth_connection
from ledgerlink_quickbooks.emulator import persist
from ledgerlink_quickbooks.emulator.auth import (
    CONSENT_PATH,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
)
from ledgerlink_quickbooks.emulator.core import QuickBooksEmulator
from ledgerlink_quickbooks.emulator.throttle import DOCUMENTED_LIMITS
from ledgerlink_quickbooks.keys import parse_note

__all__ = ["DEFAULT_REALM", "SPEC", "state"]

#: The company made on first start.
DEFAULT_REALM = "9130"
#: The service item made with it (invoice lines need an item).
DEFAULT_ITEM = "Services"
#: Intuit's consent page, which the emulator's host stands in for.
INTUIT_CONSENT = "https://appcenter.intuit.com"


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
            "requests": len(emulator.requests), "throttled": emulator.throttle.rejected}


def control(emulator: QuickBooksEmulator) -> Control:
    """The test-only paths: state, an authorization code, a token response."""
    return Control(state=lambda: state(emulator), authorize=emulator.authorize,
                   connect=emulator.connect)


def _prepare(emulator: QuickBooksEmulator) -> str:
    realm_id = next(iter(emulator.realms), DEFAULT_REALM)
    realm = emulator.add_realm(realm_id)
    with realm.lock:
        has_item = any(item.get("Name") == DEFAULT_ITEM
                       for item in realm.entities["Item"].values())
    if not has_item:
        emulator.seed(realm_id, "Item", {"Name": DEFAULT_ITEM, "Type": "Service"})
    emulator.consent_realm = realm_id
    return realm_id


def _item_id(emulator: QuickBooksEmulator, realm_id: str) -> str:
    realm = emulator.realms[realm_id]
    with realm.lock:
        return next(str(item["Id"]) for item in realm.entities["Item"].values()
                    if item.get("Name") == DEFAULT_ITEM)


def _connection(emulator: QuickBooksEmulator, base_url: str, realm_id: str) -> dict[str, object]:
    return oauth_connection(
        provider="quickbooks", base_url=base_url, client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_CLIENT_SECRET, consent_host=INTUIT_CONSENT,
        consent_path=CONSENT_PATH, callback="code, state and realmId",
        account_option="realm_id", account=realm_id,
        options={"default_item": _item_id(emulator, realm_id)})


SPEC: EmulatorSpec[QuickBooksEmulator] = EmulatorSpec(
    name="quickbooks",
    description="QuickBooks Online (Accounting API v3, OAuth 2.0) with its documented limits",
    build=lambda: QuickBooksEmulator(limits=DOCUMENTED_LIMITS),
    control=control,
    prepare=_prepare,
    connection=_connection,
    dump=persist.dump,
    load=persist.load,
)
