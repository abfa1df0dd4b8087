"""The Webhooks API (problem+json errors, one hook per event type, objectVersion) and the
INVOICE_BOOKED deliveries it configures."""

from __future__ import annotations

import httpx

from ledgerlink_economic.emulator import EconomicEmulator
from tests.ledgerlink_economic.emulator.support import BASE_URL, draft_body

HOOKS = "/webhooksapi/v1.0.0/webhooks"
HOOK = {"eventType": "INVOICE_BOOKED", "name": "ledgerlink",
        "url": "https://receiver.example/booked/[INVOICENO]", "contentType": "application/json",
        "postData": '{"invoice": [INVOICENO]}',
        "customHeaders": [{"key": "X-Ledgerlink-Secret", "value": "s3cret"}]}


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert {"title", "status", "traceId", "errorCode"} <= set(body)
    assert body["status"] == status
    return body


def test_a_webhook_is_created_read_listed_and_deleted(client: httpx.Client) -> None:
    """POST answers 201 with the event type; GET reads it; DELETE answers 204 then 404."""
    created = client.post(HOOKS, json=HOOK)
    assert created.status_code == 201 and created.json() == {"eventType": "INVOICE_BOOKED"}
    read = client.get(f"{HOOKS}/INVOICE_BOOKED").json()
    assert read["url"] == HOOK["url"] and read["objectVersion"] == "1"
    assert [hook["eventType"] for hook in client.get(HOOKS).json()["items"]] == [
        "INVOICE_BOOKED"]
    assert client.delete(f"{HOOKS}/INVOICE_BOOKED").status_code == 204
    _problem(client.get(f"{HOOKS}/INVOICE_BOOKED"), 404)
    names = [event["name"] for event in client.get("/webhooksapi/v1.0.0/EventTypes").json()]
    assert "INVOICE_BOOKED" in names


def test_the_webhooks_api_refuses_in_problem_json(emu: EconomicEmulator,
                                                  client: httpx.Client) -> None:
    """A second hook for one event type, a missing url and missing tokens are problem+json."""
    client.post(HOOKS, json=HOOK)
    _problem(client.post(HOOKS, json=HOOK), 400)
    missing = _problem(client.post(HOOKS, json={**HOOK, "eventType": "CUSTOMER_UPDATED",
                                                 "url": ""}), 400)
    assert missing["errors"] == [{"message": "url is required.", "errorCode": "E00100",
                                  "property": "url"}]
    with httpx.Client(transport=emu.transport(), base_url=BASE_URL) as anonymous:
        _problem(anonymous.get(HOOKS), 401)


def test_an_update_needs_the_current_object_version(client: httpx.Client) -> None:
    """PUT with the read objectVersion answers 204; the same version again is 409."""
    client.post(HOOKS, json=HOOK)
    version = client.get(f"{HOOKS}/INVOICE_BOOKED").json()["objectVersion"]
    changed = {**HOOK, "name": "renamed", "objectVersion": version}
    assert client.put(HOOKS, json=changed).status_code == 204
    assert client.get(f"{HOOKS}/INVOICE_BOOKED").json()["name"] == "renamed"
    _problem(client.put(HOOKS, json=changed), 409)


def test_a_booking_delivers_the_template_with_the_secret_header(
        emu: EconomicEmulator, client: httpx.Client) -> None:
    """[INVOICENO] is filled in the URL and body; the custom header carries the secret."""
    client.post(HOOKS, json=HOOK)
    number = client.post("/invoices/drafts", json=draft_body()).json()["draftInvoiceNumber"]
    client.post("/invoices/booked", json={"draftInvoice": {"draftInvoiceNumber": number}})
    seen: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    with httpx.Client(transport=httpx.MockTransport(receiver)) as sender:
        assert emu.webhooks.deliver(sender) == [204]
    (request,) = seen
    assert str(request.url) == "https://receiver.example/booked/1"
    assert request.content == b'{"invoice": 1}'
    assert request.headers["x-ledgerlink-secret"] == "s3cret"
    assert request.headers["content-type"] == "application/json"


def test_a_disabled_webhook_delivers_nothing(emu: EconomicEmulator,
                                             client: httpx.Client) -> None:
    """isDisabled true: a booking queues no delivery."""
    client.post(HOOKS, json={**HOOK, "isDisabled": True})
    number = client.post("/invoices/drafts", json=draft_body()).json()["draftInvoiceNumber"]
    client.post("/invoices/booked", json={"draftInvoice": {"draftInvoiceNumber": number}})
    assert emu.webhooks.pending == []
