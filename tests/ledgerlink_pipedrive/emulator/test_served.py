"""The emulator over real HTTP on 127.0.0.1, as ``ledgerlink emulate pipedrive`` serves it,
its state file and its registration."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgerlink.emulation import run_emulator
from ledgerlink.emulation.statefile import decode_state, encode_state
from ledgerlink.plugins import get_plugin_manager
from ledgerlink_pipedrive.emulator import Company, PipedriveEmulator
from ledgerlink_pipedrive.emulator.served import SPEC, control, state


def test_a_won_deal_is_read_over_http(emu: PipedriveEmulator, company: Company) -> None:
    """Over a socket on 127.0.0.1: the won deal, its products, person and organization."""
    org = emu.seed_organization(company, "Kunde A/S")
    person = emu.seed_person(company, "Jane Doe", email="jane@kunde.dk", org_id=org["id"])
    product = emu.seed_product(company, "Consulting hour", price=1000)
    deal = emu.seed_deal(company, "Website", person_id=person["id"], org_id=org["id"],
                         products=[(product["id"], 1000, 3)])
    emu.seed_deal(company, "Still open", status="open")
    with emu.serve() as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=server.base_url + "/api/v2",
                          headers={"x-api-token": company.api_token}) as http:
            won = http.get("/deals", params={"status": "won"}).json()["data"]
            assert [item["id"] for item in won] == [deal["id"]]
            lines = http.get(f"/deals/{deal['id']}/products").json()["data"]
            contact = http.get(f"/persons/{won[0]['person_id']}").json()["data"]
            company_row = http.get(f"/organizations/{won[0]['org_id']}").json()["data"]
            assert http.get("/deals", headers={"x-api-token": "x"}).status_code == 401
    assert [(line["name"], line["sum"]) for line in lines] == [("Consulting hour", 3000)]
    assert contact["emails"][0] == {"value": "jane@kunde.dk", "primary": True, "label": "work"}
    assert company_row["name"] == "Kunde A/S" and won[0]["value"] == 3000


def test_the_spec_serves_a_company_and_says_how_to_connect() -> None:
    """run_emulator announces the base URL, company and API token, which then reads deals."""
    stop = threading.Event()
    seen: dict[str, Any] = {}

    def announce(info: dict[str, object]) -> None:
        seen.update(info)
        answer = httpx.get(f"{info['api_v2_url']}/deals",
                           headers={"x-api-token": str(info["api_token"])})
        seen["status"] = answer.status_code
        stop.set()

    emulator = run_emulator(SPEC, stop=stop, announce=announce)
    assert seen["emulator"] == "pipedrive" and seen["status"] == 200
    assert seen["account"] == seen["company_id"] == str(next(iter(emulator.companies)))
    assert state(emulator)["companies"][seen["account"]]["deals"] == 0


def test_the_state_survives_a_dump_and_load(emu: PipedriveEmulator, company: Company) -> None:
    """Records, fields, amounts, the token and the next ids come back from the state text."""
    emu.add_field(company, "PO", "varchar")
    product = emu.seed_product(company, "Hour", price=1000)
    deal = emu.seed_deal(company, "Website", products=[(product["id"], Decimal("999.95"), 2)],
                         custom={"PO": "PO-1"})
    restored = PipedriveEmulator()
    SPEC.load(restored, decode_state(encode_state(SPEC.dump(emu))))
    held = restored.company(company.id)
    assert held.api_token == company.api_token
    assert restored.seed(held, "GET", f"/api/v2/deals/{deal['id']}") == deal
    assert held.tables == company.tables and held.fields == company.fields
    assert held.tables["deal_products"][1]["sum"] == Decimal("1999.90")
    assert restored.seed_deal(held, "Next")["id"] == deal["id"] + 1
    with pytest.raises(ValueError, match="version"):
        SPEC.load(restored, {"version": 0})


def test_the_control_paths_give_a_companys_tokens(emu: PipedriveEmulator,
                                                   company: Company) -> None:
    """``authorize`` gives the API token, ``connect`` a working bearer token; an unknown
    company is refused."""
    paths = control(emu)
    assert paths.authorize(str(company.id)) == company.api_token
    tokens = paths.connect(str(company.id))
    with httpx.Client(transport=emu.transport(), base_url="https://api.pipedrive.com") as http:
        answer = http.get("/api/v2/deals",
                          headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert answer.status_code == 200
    with pytest.raises(ValueError, match="42"):
        paths.authorize("42")


def test_the_plugin_registers_the_emulator() -> None:
    """The installed entry point makes ``pipedrive`` one of the emulators ``ledgerlink
    emulate`` offers, with this spec."""
    registry = get_plugin_manager().emulators()
    assert registry.get("pipedrive") is SPEC


def test_concurrent_writes_over_http_get_distinct_ids(emu: PipedriveEmulator,
                                                      company: Company) -> None:
    """Eight threads each making two deals over sockets get sixteen distinct ids."""
    made: list[int] = []
    lock = threading.Lock()

    def make(base_url: str, number: int) -> None:
        with httpx.Client(base_url=base_url, headers={"x-api-token": company.api_token}) as http:
            for copy in range(2):
                answer = http.post("/api/v2/deals", json={"title": f"Deal {number}.{copy}"})
                with lock:
                    made.append(answer.json()["data"]["id"])

    with emu.serve() as server:
        threads = [threading.Thread(target=make, args=(server.base_url, number))
                   for number in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(made) == list(range(1, 17))
