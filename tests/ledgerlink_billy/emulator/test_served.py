"""The emulator over real HTTP on 127.0.0.1, its faults, latency and rate limit."""

from __future__ import annotations

import httpx
import pytest

from ledgerlink.emulation import Limits as KitLimits
from ledgerlink.emulation.statefile import decode_state, encode_state
from ledgerlink_billy.emulator import BillyEmulator, Limits, Organization
from ledgerlink_billy.emulator.served import SPEC, control
from ledgerlink_billy.emulator.throttle import REQUESTS_PER_MINUTE
from tests.clocks import FakeClock
from tests.ledgerlink_billy.emulator.support import (
    BASE_URL,
    contact_body,
    ok,
    refused,
)


def test_a_whole_invoice_flow_over_http(emu: BillyEmulator, org: Organization) -> None:
    """Contact, product, invoice, approval, e-mail and PDF over a socket on 127.0.0.1."""
    with emu.serve() as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        headers = {"X-Access-Token": org.access_token}
        with httpx.Client(base_url=server.base_url, headers=headers) as http:
            made = ok(http.post("/v2/contacts", json=contact_body()))
            product = ok(http.post("/v2/products", json={"product": {"name": "P"}}))
            invoice = ok(http.post("/v2/invoices", json={"invoice": {
                "contactId": made["contacts"][0]["id"], "entryDate": "2026-05-28",
                "currencyId": "DKK", "paymentTermsDays": 8, "state": "approved",
                "lines": [{"productId": product["products"][0]["id"], "unitPrice": 100}]}}))
            approved = invoice["invoices"][0]
            ok(http.post(f"/v2/invoices/{approved['id']}/emails", json={"email": {
                "contactPersonId": made["contactPersons"][0]["id"], "emailSubject": "S",
                "emailBody": "B"}}))
            assert approved["downloadUrl"].startswith(server.base_url + "/v2/downloads/")
            pdf = http.get(approved["downloadUrl"])
            assert pdf.content.startswith(b"%PDF")
    assert len(emu.emails(org.id)) == 1


def test_injected_faults_answer_in_billys_shape(emu: BillyEmulator,
                                                client: httpx.Client) -> None:
    """A counted 503 and 429 come first, in the error envelope; then calls succeed."""
    emu.faults.fail_next(1)
    emu.faults.fail_next(1, status=429)
    refused(client.get("/v2/organization"), 503, "INTERNAL_ERROR")
    refused(client.get("/v2/organization"), 429, "TOO_MANY_REQUESTS")
    ok(client.get("/v2/organization"))
    assert emu.faults.injected == {"5xx": 1, "429": 1, "drop": 0}


def test_a_dropped_write_still_committed(emu: BillyEmulator, client: httpx.Client,
                                         org: Organization) -> None:
    """drop_after_commit cuts the answer of a write whose contact was created."""
    emu.faults.drop_after_commit()
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/v2/contacts", json=contact_body())
    assert len(ok(client.get("/v2/contacts"))["contacts"]) == 1
    assert emu.records[0].status == 0


def test_latency_is_waited_for_every_call(clock: FakeClock, emu: BillyEmulator,
                                          client: httpx.Client) -> None:
    """emu.latency seconds are slept (on the fake clock) per call."""
    emu.latency = 0.5
    ok(client.get("/v2/organization"))
    ok(client.get("/v2/contacts"))
    assert clock.slept == pytest.approx(1.0)


def test_the_default_rate_limit_refuses_a_hammering_client(clock: FakeClock) -> None:
    """By default 120 calls a minute per token; the next is a 429 until the minute passes."""
    emu = BillyEmulator(clock, sleep=clock.sleep)
    org = emu.create_organization("Hurtig ApS")
    headers = {"X-Access-Token": org.access_token}
    with httpx.Client(transport=emu.transport(), base_url=BASE_URL, headers=headers) as http:
        for _ in range(REQUESTS_PER_MINUTE):
            ok(http.get("/v2/organization"))
        refused(http.get("/v2/organization"), 429, "TOO_MANY_REQUESTS")
        clock.advance(60)
        ok(http.get("/v2/organization"))
    assert emu.throttle.rejected == 1


def test_the_rate_limit_is_configurable(clock: FakeClock) -> None:
    """Limits(per_minute=2) allows two calls a minute per token."""
    emu = BillyEmulator(clock, limits=Limits(per_minute=2))
    first, second = emu.create_organization("A"), emu.create_organization("B")
    for org in (first, second):
        headers = {"X-Access-Token": org.access_token}
        with httpx.Client(transport=emu.transport(), base_url=BASE_URL,
                          headers=headers) as http:
            ok(http.get("/v2/organization"))
            ok(http.get("/v2/organization"))
            refused(http.get("/v2/organization"), 429, "TOO_MANY_REQUESTS")
    assert isinstance(emu.throttle.limits, KitLimits)


def test_the_served_spec_prepares_a_company_and_keeps_state() -> None:
    """SPEC makes one company, says how to connect, and its dump loads into a new emulator."""
    emu = SPEC.build()
    account = SPEC.prepare(emu)
    assert SPEC.prepare(emu) == account
    info = SPEC.connection(emu, "http://127.0.0.1:1", account)
    token = info["access_token"]
    assert isinstance(token, str)
    with httpx.Client(transport=emu.transport(), base_url=BASE_URL,
                      headers={"X-Access-Token": token}) as http:
        ok(http.post("/v2/contacts", json=contact_body()))
    restored = SPEC.build()
    SPEC.load(restored, decode_state(encode_state(SPEC.dump(emu))))
    with httpx.Client(transport=restored.transport(), base_url=BASE_URL,
                      headers={"X-Access-Token": token}) as http:
        assert len(ok(http.get("/v2/contacts"))["contacts"]) == 1
    assert control(restored).state()["organizations"][account]["contacts"] == 1
