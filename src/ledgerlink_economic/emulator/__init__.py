"""A stateful Visma e-conomic REST API emulator (``restapi.e-conomic.com``), in-process
(httpx transport) or on 127.0.0.1.

Quick start::

    emu = EconomicEmulator()
    grant = emu.create_agreement("Tømrer ApS")      # Danish defaults and a grant
    client = httpx.Client(transport=emu.transport(), base_url="https://restapi.e-conomic.com",
                          headers={"X-AppSecretToken": grant.app_secret_token,
                                   "X-AgreementGrantToken": grant.agreement_grant_token})
    client.get("/customers")
    with emu.serve() as server:                     # the same over real HTTP
        httpx.get(server.base_url + "/customers", headers=...)

Served: the two tokens and the read-only ``demo`` agreement; customers,
customer groups, products and payment terms (list, get, create, whole-replacing
PUT), layouts and VAT zones; draft invoices with server-priced lines (VAT by
the recipient's VAT zone), lines added to a draft, booking into numbered booked
invoices (``sendBy`` EAN listed under ``/invoices/sent``), the booked, paid,
unpaid, overdue and not-due collections, PDFs of drafts and booked invoices;
``filter`` and ``skippages``/``pagesize`` paging; ``Idempotency-Key`` replay
with ``X-ResultFromCache`` for an hour; the token bucket's headers and 429 and
the fair-use day count; the Webhooks API (under ``/webhooksapi/v1.0.0``, with
its problem+json errors) and INVOICE_BOOKED deliveries (``emu.webhooks``);
payments lowering a booked invoice's remainder (``emu.pay``); faults and
latency (``emu.faults``). Every REST request body is held to the official
draft-03 JSON schema of its endpoint and verb (:mod:`.validation`), shipped in
``schemas.json``. Facts are tagged with the sources of NOTES-danish §3; what the
material leaves open is marked (inferred).
"""

from __future__ import annotations

from ledgerlink.emulation import EmulatorServer, EmulatorTransport, EmuRequest, EmuResponse
from ledgerlink_economic.emulator.core import DEMO_TOKEN, EconomicEmulator, RequestRecord
from ledgerlink_economic.emulator.state import Agreement
from ledgerlink_economic.emulator.throttle import Bucket
from ledgerlink_economic.emulator.wire import EconomicError

__all__ = [
    "DEMO_TOKEN",
    "Agreement",
    "Bucket",
    "EconomicEmulator",
    "EconomicError",
    "EmuRequest",
    "EmuResponse",
    "EmulatorServer",
    "EmulatorTransport",
    "RequestRecord",
]
