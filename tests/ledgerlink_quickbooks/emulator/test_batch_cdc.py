"""Batch and change data capture in the QuickBooks emulator."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from tests.ledgerlink_quickbooks.emulator.support import FakeClock, api, invoice_body, load_official


def test_batch_items_succeed_or_fault_independently(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """Each BatchItemResponse carries its entity, QueryResponse or its own Fault."""
    customer, item = seeded["customer"], seeded["item"]
    requests = [
        {"bId": "1", "operation": "create", "Invoice": invoice_body(customer, item)},
        {"bId": "2", "operation": "create", "Customer": {"DisplayName": customer["DisplayName"]}},
        {"bId": "3", "operation": "delete", "Invoice": {"Id": "999", "SyncToken": "0"}},
        {
            "bId": "4",
            "operation": "update",
            "Customer": {"Id": customer["Id"], "SyncToken": "9", "sparse": True},
        },
        {"bId": "5", "Query": "select * from Item"},
    ]
    response = client.post(api("batch"), json={"BatchItemRequest": requests})
    assert response.status_code == 200
    answers = {a["bId"]: a for a in response.json()["BatchItemResponse"]}
    assert answers["1"]["Invoice"]["TotalAmt"] == 100
    codes = {b: answers[b]["Fault"]["Error"][0]["code"] for b in ("2", "3", "4")}
    assert codes == {"2": "6240", "3": "610", "4": "5010"}
    assert answers["5"]["QueryResponse"]["Item"][0]["Name"] == "Services"
    official = load_official("examples/batch/response.json")["BatchItemResponse"]
    official_fault = next(o for o in official if o["bId"] == "bid2")
    assert set(official_fault) == set(answers["3"])
    assert set(official_fault["Fault"]) == set(answers["3"]["Fault"])


def test_batch_over_30_items_is_refused(client: httpx.Client, seeded: dict[str, Any]) -> None:
    """A batch of 31 items is refused whole."""
    items = [{"bId": str(n), "Query": "select * from Item"} for n in range(31)]
    response = client.post(api("batch"), json={"BatchItemRequest": items})
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["code"] == "6000"


def test_cdc_reports_changes_and_deletes(
    client: httpx.Client, seeded: dict[str, Any], clock: FakeClock
) -> None:
    """CDC returns changed invoices in full and deleted ones as Deleted stubs after them."""
    customer, item = seeded["customer"], seeded["item"]
    kept = client.post(api("invoice"), json=invoice_body(customer, item)).json()["Invoice"]
    gone = client.post(api("invoice"), json=invoice_body(customer, item)).json()["Invoice"]
    clock.advance(10)
    since = datetime.fromtimestamp(clock.now - 5, UTC).isoformat()
    client.post(
        api("invoice"), params={"operation": "delete"}, json={"Id": gone["Id"], "SyncToken": "0"}
    )
    client.post(
        api("invoice"),
        json={"Id": kept["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "changed"},
    )
    body = client.get(
        api("cdc"), params={"entities": "Invoice,Customer", "changedSince": since}
    ).json()
    official = load_official("examples/cdc/response.json")
    assert set(official) == set(body)
    groups = body["CDCResponse"][0]["QueryResponse"]
    assert len(groups) == 1
    invoices = groups[0]["Invoice"]
    assert invoices[0]["Id"] == kept["Id"]
    assert invoices[0]["PrivateNote"] == "changed"
    deleted = invoices[-1]
    official_deleted = official["CDCResponse"][0]["QueryResponse"][1]["Estimate"][2]
    assert set(official_deleted) == set(deleted)
    assert (deleted["Id"], deleted["status"]) == (gone["Id"], "Deleted")


def test_cdc_without_changes_matches_official(
    emulator: QuickBooksEmulator, client: httpx.Client, clock: FakeClock
) -> None:
    """No changes answer the official empty shape."""
    clock.advance(60)
    since = datetime.fromtimestamp(clock.now - 30, UTC).isoformat()
    body = client.get(api("cdc"), params={"entities": "Invoice", "changedSince": since}).json()
    official = load_official("examples/cdc/response.no-changes.json")
    assert body["CDCResponse"] == official["CDCResponse"]


def test_cdc_look_back_is_limited(client: httpx.Client) -> None:
    """changedSince more than 30 days ago is refused."""
    response = client.get(api("cdc"), params={"entities": "Invoice", "changedSince": "2026-01-01"})
    assert response.status_code == 400
