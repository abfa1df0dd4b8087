"""The emulator over real HTTP, as ``ledgerlink emulate economic`` serves it, its state file
and its INVOICE_BOOKED webhook."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from ledgerlink.emulation import run_emulator
from ledgerlink.emulation.statefile import decode_state, encode_state
from ledgerlink_economic.emulator import Agreement, EconomicEmulator
from ledgerlink_economic.emulator.served import SPEC, control, state
from tests.ledgerlink_economic.emulator.support import customer_body, draft_body


def test_a_whole_invoice_flow_over_http(emu: EconomicEmulator, agreement: Agreement) -> None:
    """Draft, booking and PDF over a socket on 127.0.0.1 with both tokens."""
    headers = {"X-AppSecretToken": agreement.app_secret_token,
               "X-AgreementGrantToken": agreement.agreement_grant_token}
    with emu.serve() as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=server.base_url, headers=headers) as http:
            number = http.post("/invoices/drafts", json=draft_body()).json()[
                "draftInvoiceNumber"]
            booked = http.post("/invoices/booked", json={"draftInvoice": {
                "draftInvoiceNumber": number}}, headers={"Idempotency-Key": "b"})
            assert booked.status_code == 201
            assert http.get("/invoices/booked/1/pdf").content.startswith(b"%PDF")
            assert http.get("/customers", headers={"X-AgreementGrantToken": "x"}
                            ).status_code == 401
    assert [row["grossAmount"] for row in emu.invoices(agreement)] == [250]


def test_the_spec_serves_an_agreement_and_says_how_to_connect() -> None:
    """run_emulator announces the base URL, agreement and both tokens, which then work."""
    stop = threading.Event()
    seen: dict[str, Any] = {}

    def announce(info: dict[str, object]) -> None:
        seen.update(info)
        headers = {"X-AppSecretToken": str(info["app_secret_token"]),
                   "X-AgreementGrantToken": str(info["agreement_grant_token"])}
        seen["status"] = httpx.get(f"{info['base_url']}/layouts", headers=headers).status_code
        stop.set()

    emulator = run_emulator(SPEC, stop=stop, announce=announce)
    assert seen["emulator"] == "economic" and seen["status"] == 200
    assert seen["account"] == str(next(iter(emulator.agreements)))
    assert "ledgerlink economic connect" in seen["connect_command"]
    assert state(emulator)["agreements"][seen["account"]]["customers"] == 0


def test_the_state_survives_a_dump_and_load(emu: EconomicEmulator, agreement: Agreement) -> None:
    """Customers, drafts, booked invoices, tokens and webhooks come back from the state text."""
    emu.seed(agreement, "POST", "/invoices/drafts", draft_body())
    emu.seed(agreement, "POST", "/invoices/booked", {"draftInvoice": {"draftInvoiceNumber": 1}})
    emu.seed(agreement, "POST", "/invoices/drafts", draft_body())
    emu.webhooks.register(agreement, "https://receiver.example/hook",
                          custom_headers={"X-Secret": "s"})
    text = encode_state(SPEC.dump(emu))
    restored = EconomicEmulator()
    SPEC.load(restored, decode_state(text))
    assert restored.app_secret_token == emu.app_secret_token
    assert restored.invoices(agreement.agreement_number) == emu.invoices(agreement)
    assert len(restored.drafts(agreement.agreement_number)) == 1
    held = restored.agreements[agreement.agreement_number]
    assert held.next_booked == 2
    assert held.agreement_grant_token == agreement.agreement_grant_token
    assert restored.webhooks.hooks == emu.webhooks.hooks
    made = restored.seed(held, "POST", "/customers", customer_body())
    assert made["customerNumber"] == 2


def test_invoice_booked_is_posted_with_the_shared_secret(emu: EconomicEmulator,
                                                         agreement: Agreement,
                                                         client: httpx.Client) -> None:
    """One delivery per booked invoice carries the custom secret header; a failure is retried."""
    emu.webhooks.register(agreement, "https://receiver.example/hook",
                          custom_headers={"X-Ledgerlink-Secret": "s3cret"})
    for _ in range(2):
        number = client.post("/invoices/drafts", json=draft_body()).json()["draftInvoiceNumber"]
        client.post("/invoices/booked", json={"draftInvoice": {"draftInvoiceNumber": number}})
    received: list[tuple[str, dict[str, Any]]] = []
    answers = iter([500, 200, 200])

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append((request.headers["x-ledgerlink-secret"],
                         httpx.Response(200, content=request.content).json()))
        return httpx.Response(next(answers))

    with httpx.Client(transport=httpx.MockTransport(receiver)) as sender:
        assert emu.webhooks.deliver(sender) == [500, 200]
        assert emu.webhooks.deliver(sender) == [200]
    assert {secret for secret, _ in received} == {"s3cret"}
    assert sorted(payload["bookedInvoiceNumber"] for _, payload in received[1:]) == [1, 2]
    assert received[0][1]["eventType"] == "INVOICE_BOOKED"
    assert emu.webhooks.pending == []


def test_the_control_paths_give_an_agreements_tokens(emu: EconomicEmulator,
                                                      agreement: Agreement) -> None:
    """``authorize`` gives the grant, ``connect`` both tokens; an unknown number is refused."""
    paths = control(emu)
    number = str(agreement.agreement_number)
    assert paths.authorize(number) == agreement.agreement_grant_token
    assert paths.connect(number)["app_secret_token"] == agreement.app_secret_token
    for unknown in ("42", "x"):
        with pytest.raises(ValueError, match=unknown):
            paths.authorize(unknown)


def test_concurrent_retries_of_one_booking_book_once(emu: EconomicEmulator,
                                                     agreement: Agreement) -> None:
    """Eight threads posting the same booking with one key over HTTP get one invoice."""
    number = emu.seed(agreement, "POST", "/invoices/drafts", draft_body())["draftInvoiceNumber"]
    headers = {"X-AppSecretToken": agreement.app_secret_token,
               "X-AgreementGrantToken": agreement.agreement_grant_token,
               "Idempotency-Key": "book-once"}
    answers: list[tuple[int, int]] = []
    start = threading.Barrier(8)
    with emu.serve() as server:

        def book() -> None:
            start.wait()
            response = httpx.post(f"{server.base_url}/invoices/booked", headers=headers,
                                  json={"draftInvoice": {"draftInvoiceNumber": number}})
            answers.append((response.status_code, response.json()["bookedInvoiceNumber"]))

        threads = [threading.Thread(target=book) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert answers == [(201, 1)] * 8
    assert len(emu.invoices(agreement)) == 1
    assert sum(record.from_cache for record in emu.records) == 7
