"""A stateful Billy (Billy's Billing API v2) emulator, in-process (httpx transport) or on
127.0.0.1.

Quick start::

    emu = BillyEmulator()
    org = emu.create_organization("Tømrer ApS")       # Danish defaults, a token
    client = httpx.Client(transport=emu.transport(), base_url="https://api.billysbilling.com",
                          headers={"X-Access-Token": org.access_token})
    client.get("/v2/organization")
    with emu.serve() as server:                       # the same over real HTTP
        httpx.get(server.base_url + "/v2/organization", headers=...)

Served: the organisation, contacts and contact persons, products and prices,
accounts, currencies, tax rates and sales tax rulesets, invoices and credit
notes (draft -> approved, numbers on approval, lines only when included),
invoice lines, e-mails (``emu.emails(org.id)``), the PDF behind
``downloadUrl``, bank payments and their balance modifiers, idempotent DELETE
with ``meta.deletedRecords``, the documented invoice filters and 1-based
paging; a rate limit per token (:mod:`.throttle`), latency and faults
(``emu.faults``). Every request body is held to the official resource tables
(:mod:`.schema`): unknown, read-only and (on update) immutable properties,
missing required ones and wrong JSON types are answered 400 ``INVALID_RECORD``
naming each property in ``validationErrors``. Facts are tagged with the
sources of NOTES-danish §2 ([B1] the official page, [B2] captured responses);
what the material leaves open is marked (inferred).
"""

from __future__ import annotations

from ledgerlink.emulation import EmulatorServer, EmulatorTransport
from ledgerlink_billy.emulator.core import BillyEmulator, RequestRecord
from ledgerlink_billy.emulator.state import Organization
from ledgerlink_billy.emulator.throttle import Limits
from ledgerlink_billy.emulator.wire import EmuRequest, EmuResponse

__all__ = [
    "BillyEmulator",
    "EmuRequest",
    "EmuResponse",
    "EmulatorServer",
    "EmulatorTransport",
    "Limits",
    "Organization",
    "RequestRecord",
]
