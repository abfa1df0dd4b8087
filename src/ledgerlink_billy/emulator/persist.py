"""The emulator's organisations as JSON-ready data and back, for ``ledgerlink emulate
billy --state FILE`` (see :mod:`ledgerlink.emulation.statefile`).

Kept: each organisation's record, tables, sent e-mails, next invoice number,
e-mail texts and access token. Not kept: request records.
"""

from __future__ import annotations

from typing import Any

from ledgerlink.emulation import versioned
from ledgerlink_billy.emulator.core import BillyEmulator
from ledgerlink_billy.emulator.state import Organization

__all__ = ["dump", "load"]

#: Bumped when the layout below changes; a file of another version is refused.
VERSION = 1


def dump(emulator: BillyEmulator) -> dict[str, Any]:
    """Every organisation the emulator holds, JSON-ready (amounts stay Decimal)."""
    organizations: dict[str, Any] = {}
    for org_id, org in list(emulator.organizations.items()):
        with org.lock:
            organizations[org_id] = {
                "name": org.name, "access_token": org.access_token, "record": org.record,
                "tables": org.tables, "emails": org.emails,
                "next_invoice_no": org.next_invoice_no, "email_subject": org.email_subject,
                "email_body": org.email_body,
            }
    return {"version": VERSION, "organizations": organizations}


def load(emulator: BillyEmulator, data: Any) -> None:
    """Restore what :func:`dump` returned (organisations already present are replaced).

    Raises:
        ValueError: not a state this version wrote.
    """
    organizations = versioned(data, VERSION, "Billy emulator state")["organizations"]
    for org_id, kept in organizations.items():
        org = Organization(org_id, kept["name"], kept["access_token"], kept["record"],
                           tables=kept["tables"], emails=list(kept["emails"]),
                           next_invoice_no=kept["next_invoice_no"],
                           email_subject=kept["email_subject"], email_body=kept["email_body"])
        emulator.add(org)
