"""The Billy emulator as a user serves it: ``ledgerlink emulate billy``.

:data:`SPEC` (registered by :mod:`ledgerlink_billy.plugin`) builds an
emulator with its default rate limit, makes a company on first start and
prints its access token: Billy has no OAuth, a company's token is pasted
(``ledgerlink billy connect``) [B1]. The test-only paths answer the state,
and for ``authorize`` and ``connect`` the token of the company named by its id.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ledgerlink.emulation import Control, EmulatorSpec
from ledgerlink_billy.emulator import persist
from ledgerlink_billy.emulator.core import BillyEmulator

__all__ = ["DEFAULT_NAME", "SPEC", "control", "state"]

#: The company made on first start.
DEFAULT_NAME = "Emulator ApS"


def state(emulator: BillyEmulator) -> dict[str, Any]:
    """Counts for checking a run: per organisation, contacts, invoices by ``externalId``,
    e-mails per invoice and payments; the faults injected and the requests answered."""
    organizations: dict[str, Any] = {}
    for org_id, org in list(emulator.organizations.items()):
        with org.lock:
            invoices = org.rows("invoices")
            organizations[org_id] = {
                "contacts": len(org.tables["contacts"]),
                "invoices": len(invoices),
                "invoices_per_key": dict(Counter(str(r["externalId"]) for r in invoices
                                                 if r.get("externalId"))),
                "emails_per_invoice": dict(Counter(str(e["invoiceId"]) for e in org.emails)),
                "bank_payments": len(org.tables["bankPayments"]),
            }
    return {"organizations": organizations, "faults": emulator.faults.injected,
            "requests": len(emulator.records), "throttled": emulator.throttle.rejected}


def _token(emulator: BillyEmulator, organization_id: str) -> str:
    org = emulator.organizations.get(organization_id)
    if org is None:
        raise ValueError(f"no organisation {organization_id!r}")
    return org.access_token


def control(emulator: BillyEmulator) -> Control:
    """The test-only paths: state; ``authorize`` and ``connect`` give a company's token."""
    return Control(state=lambda: state(emulator),
                   authorize=lambda account: _token(emulator, account),
                   connect=lambda account: {"access_token": _token(emulator, account),
                                            "organization_id": account})


def _prepare(emulator: BillyEmulator) -> str:
    existing = next(iter(emulator.organizations), None)
    if existing is not None:
        return existing
    return emulator.create_organization(DEFAULT_NAME).id


def _connection(emulator: BillyEmulator, base_url: str, organization_id: str
                ) -> dict[str, object]:
    token = _token(emulator, organization_id)
    return {
        "organization_id": organization_id,
        "access_token": token,
        "connect_command": f"ledgerlink billy connect --base-url {base_url} "
                           "--store ledgerlink.db (paste the access token)",
        "run_options": f"--connector billy -o base_url={base_url}",
    }


SPEC: EmulatorSpec[BillyEmulator] = EmulatorSpec(
    name="billy",
    description="Billy (API v2, X-Access-Token per company) with a conservative rate limit",
    build=BillyEmulator,
    control=control,
    prepare=_prepare,
    connection=_connection,
    dump=persist.dump,
    load=persist.load,
)
