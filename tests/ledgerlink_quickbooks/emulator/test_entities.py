"""Entity create/read/update rules of the QuickBooks emulator."""

from __future__ import annotations

from typing import Any

import httpx

from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from tests.ledgerlink_quickbooks.emulator.support import REALM, api, invoice_body, load_official


def test_customer_create_matches_official_shape(client: httpx.Client) -> None:
    """Creating a customer answers the keys of the official create response."""
    request = load_official("examples/customer/create.request.json")
    response = client.post(api("customer"), json=request)
    assert response.status_code == 200
    body = response.json()
    official = load_official("examples/customer/create.response.json")
    assert set(official) == set(body)
    missing = set(official["Customer"]) - set(body["Customer"])
    assert missing <= {"DefaultTaxCodeRef"}, missing
    assert body["Customer"]["SyncToken"] == "0"
    assert body["Customer"]["CurrencyRef"] == {"value": "USD", "name": "United States Dollar"}


def test_invoice_create_matches_official_shape(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """An invoice answer has the official keys, a subtotal line, TotalAmt and Balance."""
    body = invoice_body(seeded["customer"], seeded["item"], BillEmail={"Address": "a@b.co"})
    invoice = client.post(api("invoice"), json=body).json()["Invoice"]
    official = load_official("examples/invoice/create.response.json")["Invoice"]
    optional = {"ProjectRef", "ShipAddr", "BillAddr", "CustomField"}
    assert set(official) - optional <= set(invoice)
    assert invoice["TotalAmt"] == 100
    assert invoice["Balance"] == 100
    assert invoice["Line"][-1]["DetailType"] == "SubTotalLineDetail"
    assert invoice["CurrencyRef"]["value"] == "USD"
    assert invoice["DueDate"] > invoice["TxnDate"]
    assert invoice["CustomerRef"]["name"] == "Amy's Bird Sanctuary"


def test_read_and_sparse_update_bumps_sync_token(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """A sparse update changes only the fields sent and increments SyncToken."""
    customer = seeded["customer"]
    sparse = {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "MiddleName": "Mark"}
    updated = client.post(api("customer"), json=sparse).json()["Customer"]
    assert updated["SyncToken"] == "1"
    assert updated["MiddleName"] == "Mark"
    assert updated["PrimaryEmailAddr"] == {"Address": "amy@example.com"}
    read = client.get(api(f"customer/{customer['Id']}")).json()["Customer"]
    assert read == updated


def test_stale_sync_token_is_fault_5010(client: httpx.Client, seeded: dict[str, Any]) -> None:
    """An update with an old SyncToken is refused with the official 5010 Fault."""
    invoice = client.post(api("invoice"), json=invoice_body(seeded["customer"], seeded["item"]))
    inv = invoice.json()["Invoice"]
    first = {"Id": inv["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "one"}
    assert client.post(api("invoice"), json=first).status_code == 200
    stale = client.post(api("invoice"), json={**first, "PrivateNote": "two"})
    assert stale.status_code == 400
    error = stale.json()["Fault"]["Error"][0]
    official = load_official("examples/errors/faults.json")
    sample = next(e for e in official["entries"] if e["name"] == "stale_object_5010")
    assert error == sample["body"]["Fault"]["Error"][0]


def test_full_update_clears_omitted_fields(client: httpx.Client, seeded: dict[str, Any]) -> None:
    """A full (non-sparse) update sets omitted writable fields to NULL."""
    body = invoice_body(seeded["customer"], seeded["item"], PrivateNote="keep?")
    inv = client.post(api("invoice"), json=body).json()["Invoice"]
    full = invoice_body(seeded["customer"], seeded["item"], Id=inv["Id"], SyncToken="0")
    updated = client.post(api("invoice"), json=full).json()["Invoice"]
    assert "PrivateNote" not in updated
    assert updated["DocNumber"] == inv["DocNumber"]


def test_customer_currency_cannot_change(client: httpx.Client, seeded: dict[str, Any]) -> None:
    """Changing a customer's CurrencyRef after creation is refused."""
    customer = seeded["customer"]
    change = {
        "Id": customer["Id"],
        "SyncToken": customer["SyncToken"],
        "sparse": True,
        "CurrencyRef": {"value": "EUR"},
    }
    response = client.post(api("customer"), json=change)
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["code"] == "6000"


def test_invoice_currency_must_match_customer(client: httpx.Client, seeded: dict[str, Any]) -> None:
    """An invoice in another currency than its customer's is refused; that one is the default."""
    wrong = invoice_body(seeded["customer"], seeded["item"], CurrencyRef={"value": "EUR"})
    assert client.post(api("invoice"), json=wrong).status_code == 400
    right = invoice_body(seeded["eur_customer"], seeded["item"])
    invoice = client.post(api("invoice"), json=right).json()["Invoice"]
    assert invoice["CurrencyRef"]["value"] == "EUR"


def test_duplicate_display_name_is_6240(client: httpx.Client, seeded: dict[str, Any]) -> None:
    """A second customer with the same DisplayName gets Fault 6240."""
    response = client.post(api("customer"), json={"DisplayName": "amy's bird sanctuary"})
    assert response.json()["Fault"]["Error"][0]["code"] == "6240"


def test_duplicate_doc_number_is_6210(client: httpx.Client, seeded: dict[str, Any]) -> None:
    """Two invoices with one DocNumber: the second gets Fault 6210."""
    body = invoice_body(seeded["customer"], seeded["item"], DocNumber="LL-1")
    assert client.post(api("invoice"), json=body).status_code == 200
    assert client.post(api("invoice"), json=body).json()["Fault"]["Error"][0]["code"] == "6210"


def test_missing_required_field_is_2020(client: httpx.Client, seeded: dict[str, Any]) -> None:
    """An invoice without CustomerRef is refused with validation code 2020."""
    response = client.post(api("invoice"), json={"Line": []})
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["code"] == "2020"


def test_unknown_entity_read_is_610(client: httpx.Client) -> None:
    """Reading an Id that does not exist gives Fault 610 Object Not Found."""
    response = client.get(api("invoice/999"))
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["code"] == "610"


def test_requestid_replays_original_response(
    emulator: QuickBooksEmulator, client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """A repeated requestid returns the first answer and writes nothing more."""
    body = invoice_body(seeded["customer"], seeded["item"])
    first = client.post(api("invoice"), params={"requestid": "rq-1"}, json=body)
    second = client.post(api("invoice"), params={"requestid": "rq-1"}, json=body)
    assert first.content == second.content
    assert len(emulator.realms[REALM].entities["Invoice"]) == 1
    assert emulator.requests[-1].replayed


def test_requestid_over_50_chars_is_6000(client: httpx.Client, seeded: dict[str, Any]) -> None:
    """A requestid longer than 50 characters is refused with Fault 6000."""
    body = invoice_body(seeded["customer"], seeded["item"])
    response = client.post(api("invoice"), params={"requestid": "x" * 51}, json=body)
    assert response.json()["Fault"]["Error"][0]["code"] == "6000"


def test_minorversion_is_recorded(emulator: QuickBooksEmulator, client: httpx.Client) -> None:
    """The minorversion sent is recorded; values under 75 are answered as 75."""
    client.get(api("query"), params={"query": "select * from Item", "minorversion": "4"})
    record = emulator.requests[-1]
    assert record.minorversion == "4"
    assert record.effective_minorversion == 75


def test_minorversion_can_be_required(seeded: dict[str, Any], clock: Any) -> None:
    """With ``require_minorversion`` a call without it is refused (QuickBooks itself defaults)."""
    emulator = QuickBooksEmulator(clock=clock, require_minorversion=True)
    tokens = emulator.connect(REALM)
    from ledgerlink_quickbooks.emulator import EmulatorTransport

    http = httpx.Client(transport=EmulatorTransport(emulator), base_url="https://q")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    response = http.get(api("query"), params={"query": "select * from Item"}, headers=headers)
    assert response.status_code == 400


def test_item_create_matches_official_shape(client: httpx.Client) -> None:
    """Creating a service item answers the keys of the official response."""
    request = load_official("examples/item/create.request.service.json")
    item = client.post(api("item"), json=request).json()["Item"]
    official = load_official("examples/item/create.response.service.json")["Item"]
    assert set(official) <= set(item)
    assert item["Type"] == "Service"


def test_customer_sparse_update_matches_official_shape(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """A sparse customer update answers the official envelope."""
    request = load_official("examples/customer/sparse-update.request.json")
    request = {**request, "Id": seeded["customer"]["Id"], "SyncToken": "0"}
    body = client.post(api("customer"), json=request).json()
    official = load_official("examples/customer/sparse-update.response.json")
    assert set(official) == set(body)
    assert body["Customer"]["MiddleName"] == request["MiddleName"]


def test_inactive_customer_cannot_be_invoiced(client: httpx.Client, seeded: dict[str, Any]) -> None:
    """An invoice referring to an inactive customer gets Fault 610."""
    customer = seeded["customer"]
    client.post(
        api("customer"),
        json={"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Active": False},
    )
    response = client.post(api("invoice"), json=invoice_body(customer, seeded["item"]))
    assert response.json()["Fault"]["Error"][0]["code"] == "610"


def test_line_without_item_is_refused(client: httpx.Client, seeded: dict[str, Any]) -> None:
    """A sales line without ItemRef is refused (2020); an unknown item gives 610."""
    body = invoice_body(seeded["customer"], seeded["item"])
    del body["Line"][0]["SalesItemLineDetail"]["ItemRef"]
    missing = client.post(api("invoice"), json=body).json()["Fault"]["Error"][0]
    assert missing["code"] == "2020"
    body["Line"][0]["SalesItemLineDetail"]["ItemRef"] = {"value": "404"}
    unknown = client.post(api("invoice"), json=body).json()["Fault"]["Error"][0]
    assert unknown["code"] == "610"
