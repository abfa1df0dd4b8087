"""Send, PDF, void, delete and payments on invoices in the QuickBooks emulator."""

from __future__ import annotations

from typing import Any

import httpx

from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from tests.ledgerlink_quickbooks.emulator.support import REALM, api, invoice_body, load_official


def _create(client: httpx.Client, seeded: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = invoice_body(seeded["customer"], seeded["item"], **extra)
    invoice: dict[str, Any] = client.post(api("invoice"), json=body).json()["Invoice"]
    return invoice


def test_send_sets_email_status_and_delivery_info(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """Sending marks EmailSent, fills DeliveryInfo, and sendTo overwrites BillEmail."""
    invoice = _create(client, seeded, BillEmail={"Address": "old@example.com"})
    response = client.post(
        api(f"invoice/{invoice['Id']}/send"),
        params={"sendTo": "new@example.com"},
        headers={"Content-Type": "application/octet-stream"},
    )
    sent = response.json()["Invoice"]
    official = load_official("examples/invoice/send.response.partial.json")["Invoice"]
    assert set(official) <= set(sent)
    assert set(official["DeliveryInfo"]) <= set(sent["DeliveryInfo"])
    assert sent["EmailStatus"] == "EmailSent"
    assert sent["BillEmail"] == {"Address": "new@example.com"}


def test_send_without_any_address_fails(client: httpx.Client, seeded: dict[str, Any]) -> None:
    """Without BillEmail or sendTo, send is refused."""
    invoice = _create(client, seeded)
    assert client.post(api(f"invoice/{invoice['Id']}/send")).status_code == 400


def test_pdf_is_pdf_bytes(client: httpx.Client, seeded: dict[str, Any]) -> None:
    """The PDF endpoint answers application/pdf bytes."""
    invoice = _create(client, seeded)
    response = client.get(
        api(f"invoice/{invoice['Id']}/pdf"), headers={"Accept": "application/pdf"}
    )
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_void_zeroes_amounts_and_notes_voided(client: httpx.Client, seeded: dict[str, Any]) -> None:
    """Void keeps the record, zeroes amounts and quantities and prefixes "Voided"."""
    invoice = _create(client, seeded)
    response = client.post(
        api("invoice"),
        params={"operation": "void"},
        json={"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]},
    )
    voided = response.json()["Invoice"]
    official = load_official("examples/invoice/void.response.json")["Invoice"]
    assert (voided["TotalAmt"], voided["Balance"]) == (official["TotalAmt"], official["Balance"])
    assert voided["PrivateNote"].startswith(official["PrivateNote"])
    assert voided["SyncToken"] == "1"
    assert voided["Line"][0]["Amount"] == 0
    assert voided["Line"][0]["SalesItemLineDetail"]["Qty"] == 0
    assert client.get(api(f"invoice/{invoice['Id']}")).status_code == 200


def test_delete_removes_invoice(client: httpx.Client, seeded: dict[str, Any]) -> None:
    """Delete answers the Deleted stub; later reads give Fault 610."""
    invoice = _create(client, seeded)
    response = client.post(
        api("invoice"), params={"operation": "delete"}, json={"Id": invoice["Id"], "SyncToken": "0"}
    )
    body = response.json()
    official = load_official("examples/invoice/delete.response.json")
    assert set(official) == set(body)
    assert set(official["Invoice"]) == set(body["Invoice"])
    assert body["Invoice"]["status"] == "Deleted"
    read = client.get(api(f"invoice/{invoice['Id']}"))
    assert read.json()["Fault"]["Error"][0]["code"] == "610"


def test_delete_with_stale_token_is_5010(client: httpx.Client, seeded: dict[str, Any]) -> None:
    """Delete checks the SyncToken too."""
    invoice = _create(client, seeded)
    response = client.post(
        api("invoice"), params={"operation": "delete"}, json={"Id": invoice["Id"], "SyncToken": "7"}
    )
    assert response.json()["Fault"]["Error"][0]["code"] == "5010"


def test_payments_reduce_balance(
    emulator: QuickBooksEmulator, client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """A partial then a final payment move Balance from TotalAmt to 0."""
    invoice = _create(client, seeded, DueDate="2020-01-01")
    assert invoice["DueDate"] == "2020-01-01"  # overdue: Balance > 0 and DueDate in the past

    def pay(amount: int) -> httpx.Response:
        body = {
            "CustomerRef": {"value": seeded["customer"]["Id"]},
            "TotalAmt": amount,
            "Line": [
                {"Amount": amount, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
            ],
        }
        return client.post(api("payment"), json=body)

    payment = pay(40).json()["Payment"]
    official = load_official("examples/payment/create.response.json")["Payment"]
    assert set(official) <= set(payment)
    partial = client.get(api(f"invoice/{invoice['Id']}")).json()["Invoice"]
    assert (partial["TotalAmt"], partial["Balance"]) == (100, 60)
    assert {"TxnId": payment["Id"], "TxnType": "Payment"} in partial["LinkedTxn"]
    assert pay(70).status_code == 400  # more than the balance
    pay(60)
    paid = client.get(api(f"invoice/{invoice['Id']}")).json()["Invoice"]
    assert paid["Balance"] == 0
    customer = client.get(api(f"customer/{seeded['customer']['Id']}")).json()["Customer"]
    assert customer["Balance"] == 0
    assert len(emulator.realms[REALM].entities["Payment"]) == 2


def test_payment_delete_and_void_reopen_invoice(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """Deleting or voiding a payment gives the invoice its balance back."""
    invoice = _create(client, seeded)
    link = [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]
    body = {
        "CustomerRef": {"value": seeded["customer"]["Id"]},
        "TotalAmt": 100,
        "Line": [{"Amount": 100, "LinkedTxn": link}],
    }
    first = client.post(api("payment"), json=body).json()["Payment"]
    client.post(
        api("payment"),
        params={"operation": "delete"},
        json={"Id": first["Id"], "SyncToken": first["SyncToken"]},
    )
    assert client.get(api(f"invoice/{invoice['Id']}")).json()["Invoice"]["Balance"] == 100
    second = client.post(api("payment"), json=body).json()["Payment"]
    voided = client.post(
        api("payment"),
        params={"operation": "update", "include": "void"},
        json={"Id": second["Id"], "SyncToken": second["SyncToken"], "sparse": True},
    ).json()["Payment"]
    assert voided["TotalAmt"] == 0
    assert client.get(api(f"invoice/{invoice['Id']}")).json()["Invoice"]["Balance"] == 100


def test_invoice_with_payment_cannot_be_deleted(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """An invoice with an applied payment must be unlinked before delete."""
    invoice = _create(client, seeded)
    client.post(
        api("payment"),
        json={
            "CustomerRef": {"value": seeded["customer"]["Id"]},
            "TotalAmt": 10,
            "Line": [{"Amount": 10, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
        },
    )
    current = client.get(api(f"invoice/{invoice['Id']}")).json()["Invoice"]
    response = client.post(
        api("invoice"),
        params={"operation": "delete"},
        json={"Id": current["Id"], "SyncToken": current["SyncToken"]},
    )
    assert response.status_code == 400
