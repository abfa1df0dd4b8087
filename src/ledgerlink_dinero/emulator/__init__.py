"""A stateful Dinero API emulator, in-process (httpx transport) or on 127.0.0.1.

Quick start::

    emu = DineroEmulator()
    tokens = emu.connect("12345")                 # organisation + token response
    client = httpx.Client(transport=emu.transport(), base_url="https://api.dinero.dk",
                          headers={"Authorization": f"Bearer {tokens['access_token']}"})
    client.post("/v1/12345/contacts", json={"Name": "Kunde", "CountryKey": "DK",
                                            "IsPerson": False, "IsMember": False, "UseCvr": True})

    with emu.serve() as server:                   # the same emulator over real HTTP
        httpx.get(server.base_url + "/v1/organizations", headers=...)

Served: the Visma Connect token endpoint (``/connect/token``), organisations,
contacts, products, invoices (draft, full update by ``Timestamp``, book,
email, PDF, payments, delete) and credit notes; ``queryFilter``, ``fields``,
``changesSince``, ``deletedOnly`` and 0-based paging on lists; the Pro plan
check (403), 100 requests/min per organisation and client id (429), and
injectable latency and faults (``emu.faults``).

Bodies are held to the swagger's request models (:mod:`.schema`): a field the
model lacks, a value of the wrong JSON type, a missing required field, a value
over a documented limit (e.g. ``ExternalReference`` over 128 characters), a
product line with both ``ProductGuid`` and ``Description``, or a query parameter
the endpoint does not document is answered 400 with Dinero's error body, code 42,
every offending field named in ``validationErrors`` (``ProductLines[1].Quantity``).
"""

from __future__ import annotations

from ledgerlink_dinero.emulator.auth import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_SCOPES,
    TOKEN_PATH,
    Grant,
    TokenServer,
)
from ledgerlink_dinero.emulator.core import DineroEmulator, RequestRecord
from ledgerlink_dinero.emulator.faults import Faults
from ledgerlink_dinero.emulator.routes import ROUTES, Route
from ledgerlink_dinero.emulator.server import EmulatorServer
from ledgerlink_dinero.emulator.state import Organisation
from ledgerlink_dinero.emulator.throttle import Limits
from ledgerlink_dinero.emulator.transport import EmulatorTransport
from ledgerlink_dinero.emulator.vat import DEFAULT_ACCOUNTS, Account
from ledgerlink_dinero.emulator.wire import EmuRequest, EmuResponse

__all__ = [
    "DEFAULT_ACCOUNTS",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_SCOPES",
    "ROUTES",
    "TOKEN_PATH",
    "Account",
    "DineroEmulator",
    "EmuRequest",
    "EmuResponse",
    "EmulatorServer",
    "EmulatorTransport",
    "Faults",
    "Grant",
    "Limits",
    "Organisation",
    "RequestRecord",
    "Route",
    "TokenServer",
]
