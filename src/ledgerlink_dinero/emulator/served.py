"""The Dinero emulator as a user serves it: ``ledgerlink emulate dinero``.

:data:`SPEC` (registered by :mod:`ledgerlink_dinero.plugin`) builds an
emulator with Dinero's limit, makes a Pro organisation on first start, and
says how to connect to it: ``ledgerlink dinero connect --base-url ...`` prints
Visma Connect's consent URL; the same URL on the emulator's host
(:data:`~.auth.CONSENT_PATH`) consents at once for every organisation the
emulator holds and redirects to the redirect URI with ``code`` and ``state``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ledgerlink.emulation import Control, EmulatorSpec, oauth_connection
from ledgerlink_dinero.emulator import persist
from ledgerlink_dinero.emulator.auth import CONSENT_PATH, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from ledgerlink_dinero.emulator.core import DineroEmulator

__all__ = ["DEFAULT_ORGANISATION", "SPEC", "control", "state"]

#: The organisation made on first start.
DEFAULT_ORGANISATION = "12345"
#: Visma Connect's host, which the emulator's stands in for on the consent page.
VISMA_CONNECT = "https://connect.visma.com"


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
            "requests": len(emulator.requests), "throttled": emulator.throttle.rejected}


def control(emulator: DineroEmulator) -> Control:
    """The test-only paths: state, an authorization code, a token response."""
    return Control(state=lambda: state(emulator),
                   authorize=lambda account: emulator.authorize(account),
                   connect=lambda account: emulator.connect(account))


def _prepare(emulator: DineroEmulator) -> str:
    organisation_id = next(iter(emulator.organisations), DEFAULT_ORGANISATION)
    emulator.add_organisation(organisation_id)
    return organisation_id


def _connection(emulator: DineroEmulator, base_url: str, organisation_id: str
                ) -> dict[str, object]:
    return oauth_connection(
        provider="dinero", base_url=base_url, client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_CLIENT_SECRET, consent_host=VISMA_CONNECT,
        consent_path=CONSENT_PATH, callback="code and state",
        account_option="organisation_id", account=organisation_id,
        connect_options=f" --organisation-id {organisation_id}")


SPEC: EmulatorSpec[DineroEmulator] = EmulatorSpec(
    name="dinero",
    description="Visma Dinero (public API v1, OAuth 2.0 via Visma Connect) with its limit",
    build=DineroEmulator,
    control=control,
    prepare=_prepare,
    connection=_connection,
    dump=persist.dump,
    load=persist.load,
)
