"""A stateful QuickBooks Online v3 emulator, in-process (httpx transport) or on 127.0.0.1.

Quick start::

    emu = QuickBooksEmulator()
    tokens = emu.connect("9130")                 # realm + token pair
    client = httpx.Client(transport=EmulatorTransport(emu), base_url="https://qbo.test")
    client.get("/v3/company/9130/query", params={"query": "select * from Customer"},
               headers={"Authorization": f"Bearer {tokens['access_token']}"})

    with EmulatorServer(emu) as server:           # the same emulator over real HTTP
        httpx.get(server.base_url + "/v3/company/9130/customer/1", headers=...)

Entities: Customer, Item, Invoice, Payment and CreditMemo (written over the
API, in batch, CDC and webhooks); TaxCode and TaxRate (read-only, seeded per
realm: ``add_realm(realm_id, vat_rates=...)``, default :data:`DEFAULT_VAT_RATES`).
Lines whose ``TaxCodeRef`` names a TaxCode are taxed per rate (see
:mod:`~ledgerlink_quickbooks.emulator.taxes`).

Strict as QuickBooks: every JSON write is held to the official XSD (unknown
fields, wrong JSON types, single vs repeated elements, enumerations: 2010;
required elements: 2020; documented string lengths: 2050) and must be sent as
``application/json`` (415); a line Amount that is not Qty × UnitPrice is 6070;
an Item that posts sales needs an Income account, found with ``select * from
Account where AccountType = 'Income'`` (``add_realm(..., accounts=...)``,
default :data:`~.accounts.DEFAULT_ACCOUNTS`). See :mod:`.strict` and
:mod:`.accounts`; ``seed`` follows the same rules but fills an Item's income
account.

Faults: ``emu.faults`` (counted, or seeded shares of calls: see
:class:`ledgerlink.emulation.Faults`). In a process of its own:
``python -m ledgerlink_quickbooks.emulator --port 0 --faults 5xx=0.1 --seed 1``
(see :mod:`~ledgerlink_quickbooks.emulator.__main__`).
"""

from __future__ import annotations

from ledgerlink_quickbooks.emulator.auth import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    REVOKE_PATH,
    TOKEN_PATH,
    AuthServer,
)
from ledgerlink_quickbooks.emulator.core import Faults, QuickBooksEmulator, RequestRecord
from ledgerlink_quickbooks.emulator.server import EmulatorServer
from ledgerlink_quickbooks.emulator.state import ChangeEvent, Realm
from ledgerlink_quickbooks.emulator.taxes import DEFAULT_VAT_RATES
from ledgerlink_quickbooks.emulator.throttle import Limits
from ledgerlink_quickbooks.emulator.transport import EmulatorTransport
from ledgerlink_quickbooks.emulator.webhooks import (
    SIGNATURE_HEADER,
    cloudevents_payload,
    deliver,
    legacy_payload,
    sign,
    verify,
)
from ledgerlink_quickbooks.emulator.wire import EmuRequest, EmuResponse

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_VAT_RATES",
    "REVOKE_PATH",
    "SIGNATURE_HEADER",
    "TOKEN_PATH",
    "AuthServer",
    "ChangeEvent",
    "EmuRequest",
    "EmuResponse",
    "EmulatorServer",
    "EmulatorTransport",
    "Faults",
    "Limits",
    "QuickBooksEmulator",
    "Realm",
    "RequestRecord",
    "cloudevents_payload",
    "deliver",
    "legacy_payload",
    "sign",
    "verify",
]
