"""A stateful Pipedrive API emulator, in-process (httpx transport) or on 127.0.0.1.

Quick start::

    emu = PipedriveEmulator()
    company = emu.create_company("Sælg ApS")            # standard fields, an API token
    org = emu.seed_organization(company, "Kunde A/S")
    person = emu.seed_person(company, "Jane Doe", email="jane@kunde.dk", org_id=org["id"])
    product = emu.seed_product(company, "Consulting hour", price=1000)
    emu.seed_deal(company, "Website", person_id=person["id"], org_id=org["id"],
                  products=[(product["id"], 1000, 10)])
    client = httpx.Client(transport=emu.transport(), base_url="https://api.pipedrive.com",
                          headers={"x-api-token": company.api_token})
    client.get("/api/v2/deals", params={"status": "won"})
    with emu.serve() as server:                         # the same over real HTTP
        httpx.get(server.base_url + "/api/v2/deals", headers=...)

Served, as the notes in the shared ``crm/pipedrive`` folder describe Pipedrive
(facts cited there by section; what the material leaves open is marked inferred
in each module): v2 deals (filters ``status``, ``ids``, ``owner_id``,
``person_id``, ``org_id``, ``pipeline_id``, ``stage_id``, ``updated_since``,
``updated_until``, sorting, ``include_fields=products_count``,
``custom_fields``; create, update, delete), deal products (list, add), persons,
organizations and products (list, get, create), the four ``*Fields`` lists in
v2 (cursor) and v1 (offset) and v1's field creation; v1's deal list and deal
with their nested person, organization and user objects (:mod:`.v1deals`);
every body held strictly to its fields (:mod:`.schema`); the API token (header
or query) and OAuth bearer tokens
(:meth:`PipedriveEmulator.issue_access_token`); the daily token budget and the
2-second burst window with their headers and 429 (:mod:`.budget`); faults and
latency (``emu.faults``); seed helpers (:mod:`.seeding`); ``ledgerlink emulate
pipedrive`` (:mod:`.served`). Not served: webhooks, v1 writes (but fields), leads,
activities.
"""

from __future__ import annotations

from ledgerlink.emulation import EmulatorServer, EmulatorTransport, EmuRequest, EmuResponse
from ledgerlink_pipedrive.emulator.budget import Plan
from ledgerlink_pipedrive.emulator.core import PipedriveEmulator, RequestRecord
from ledgerlink_pipedrive.emulator.state import Company
from ledgerlink_pipedrive.emulator.wire import PipedriveError

__all__ = [
    "Company",
    "EmuRequest",
    "EmuResponse",
    "EmulatorServer",
    "EmulatorTransport",
    "PipedriveEmulator",
    "PipedriveError",
    "Plan",
    "RequestRecord",
]
