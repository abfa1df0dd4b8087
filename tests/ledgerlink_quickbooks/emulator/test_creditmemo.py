"""CreditMemo in the QuickBooks emulator: create, read, query, update, delete, batch, CDC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ledgerlink_quickbooks.emulator import QuickBooksEmulator, legacy_payload
from tests.ledgerlink_quickbooks.emulator.support import REALM, FakeClock, api, invoice_body


def memo_body(seeded: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A credit memo of one 2 × 50 line, taxed at the seeded 25 % code."""
    body = invoice_body(seeded["customer"], seeded["item"], **extra)
    body["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] = {"value": seeded["vat25"]}
    return body


@pytest.fixture
def memo_seeded(emulator: QuickBooksEmulator, seeded: dict[str, Any]) -> dict[str, Any]:
    """``seeded`` plus the Id of the realm's 25 % TaxCode."""
    codes = emulator.realms[REALM].entities["TaxCode"].values()
    code = next(c for c in codes if c["Name"] == "VAT 25%")
    return {**seeded, "vat25": code["Id"]}


def test_create_reports_positive_totals_and_open_credit(
    client: httpx.Client, memo_seeded: dict[str, Any]
) -> None:
    """TotalAmt is net + VAT, positive; RemainingCredit and Balance start at it; DocNumber drawn."""
    customer = memo_seeded["customer"]
    answer = client.post(
        api("creditmemo"), json=memo_body(memo_seeded, PrivateNote="n", TxnDate="2026-05-01")
    )
    memo = answer.json()["CreditMemo"]
    assert answer.status_code == 200
    assert (memo["TotalAmt"], memo["RemainingCredit"], memo["Balance"]) == (125, 125, 125)
    assert memo["TxnTaxDetail"]["TotalTax"] == 25
    assert memo["DocNumber"] and memo["SyncToken"] == "0"
    assert (memo["PrivateNote"], memo["TxnDate"]) == ("n", "2026-05-01")
    assert memo["CurrencyRef"]["value"] == "USD"
    assert memo["CustomerRef"] == {"value": customer["Id"], "name": customer["DisplayName"]}
    assert client.get(api(f"creditmemo/{memo['Id']}")).json()["CreditMemo"] == memo
    balance = client.get(api(f"customer/{customer['Id']}")).json()["Customer"]["Balance"]
    assert balance == -125


def test_currency_must_match_the_customer(
    client: httpx.Client, memo_seeded: dict[str, Any]
) -> None:
    """A credit memo in another currency than its customer's is refused (6000)."""
    body = memo_body(memo_seeded, CurrencyRef={"value": "EUR"})
    response = client.post(api("creditmemo"), json=body)
    assert response.json()["Fault"]["Error"][0]["code"] == "6000"


def test_query_and_duplicate_doc_number(
    client: httpx.Client, memo_seeded: dict[str, Any]
) -> None:
    """A credit memo is found by DocNumber; a second one with that number is refused with 6210."""
    client.post(api("creditmemo"), json=memo_body(memo_seeded, DocNumber="CM-1"))
    query = "select * from CreditMemo where DocNumber = 'CM-1'"
    found = client.get(api("query"), params={"query": query}).json()["QueryResponse"]
    assert [m["DocNumber"] for m in found["CreditMemo"]] == ["CM-1"]
    again = client.post(api("creditmemo"), json=memo_body(memo_seeded, DocNumber="CM-1"))
    assert again.json()["Fault"]["Error"][0]["code"] == "6210"
    # Numbers are checked per transaction type, as for invoices.
    invoice = client.post(api("invoice"), json=memo_body(memo_seeded, DocNumber="CM-1"))
    assert invoice.status_code == 200


def test_sparse_update_recomputes_and_checks_the_token(
    client: httpx.Client, memo_seeded: dict[str, Any]
) -> None:
    """A sparse Line update retaxes the memo; a stale SyncToken is 5010."""
    memo = client.post(api("creditmemo"), json=memo_body(memo_seeded)).json()["CreditMemo"]
    lines = memo_body(memo_seeded)["Line"]
    lines[0]["Amount"] = 200
    lines[0]["SalesItemLineDetail"]["Qty"] = 4
    sparse = {"Id": memo["Id"], "SyncToken": "0", "sparse": True, "Line": lines}
    updated = client.post(api("creditmemo"), json=sparse).json()["CreditMemo"]
    totals = (updated["TotalAmt"], updated["RemainingCredit"], updated["SyncToken"])
    assert totals == (250, 250, "1")
    assert updated["DocNumber"] == memo["DocNumber"]
    stale = client.post(api("creditmemo"), json=sparse)
    assert stale.json()["Fault"]["Error"][0]["code"] == "5010"


def test_delete_and_no_void(
    client: httpx.Client, memo_seeded: dict[str, Any]
) -> None:
    """Delete answers the Deleted stub and forgets the memo; void is not a CreditMemo operation."""
    customer = memo_seeded["customer"]
    memo = client.post(api("creditmemo"), json=memo_body(memo_seeded)).json()["CreditMemo"]
    ref = {"Id": memo["Id"], "SyncToken": memo["SyncToken"]}
    void = client.post(api("creditmemo"), params={"operation": "void"}, json=ref)
    assert void.json()["Fault"]["Error"][0]["code"] == "500"
    gone = client.post(api("creditmemo"), params={"operation": "delete"}, json=ref)
    assert gone.json()["CreditMemo"] == {"status": "Deleted", "domain": "QBO", "Id": memo["Id"]}
    assert client.get(api(f"creditmemo/{memo['Id']}")).json()["Fault"]["Error"][0]["code"] == "610"
    assert client.get(api(f"customer/{customer['Id']}")).json()["Customer"]["Balance"] == 0


def test_requestid_replays_a_credit_memo_create(
    client: httpx.Client, emulator: QuickBooksEmulator, memo_seeded: dict[str, Any]
) -> None:
    """The same requestid answers the first credit memo again and creates nothing more."""
    body = memo_body(memo_seeded)
    first = client.post(api("creditmemo"), params={"requestid": "cm-1"}, json=body)
    second = client.post(api("creditmemo"), params={"requestid": "cm-1"}, json=body)
    assert first.json()["CreditMemo"] == second.json()["CreditMemo"]
    assert len(emulator.realms[REALM].entities["CreditMemo"]) == 1
    assert [r.replayed for r in emulator.requests if r.path == "creditmemo"] == [False, True]


def test_batch_cdc_and_webhook_events(
    client: httpx.Client, emulator: QuickBooksEmulator, memo_seeded: dict[str, Any],
    clock: FakeClock,
) -> None:
    """Batch creates and deletes credit memos; CDC and change events report them."""
    clock.advance(10)
    since = datetime.fromtimestamp(clock.now - 5, UTC).isoformat()
    items = [
        {"bId": "1", "operation": "create", "CreditMemo": memo_body(memo_seeded, DocNumber="B1")},
        {"bId": "2", "operation": "create", "CreditMemo": memo_body(memo_seeded, DocNumber="B2")},
        {"bId": "3", "operation": "create", "CreditMemo": memo_body(memo_seeded, DocNumber="B1")},
        {"bId": "4", "Query": "select * from CreditMemo"},
    ]
    answers = {
        a["bId"]: a
        for a in client.post(api("batch"), json={"BatchItemRequest": items}).json()[
            "BatchItemResponse"
        ]
    }
    kept, dropped = answers["1"]["CreditMemo"], answers["2"]["CreditMemo"]
    assert answers["3"]["Fault"]["Error"][0]["code"] == "6210"
    assert len(answers["4"]["QueryResponse"]["CreditMemo"]) == 2
    delete = [{"bId": "d", "operation": "delete",
               "CreditMemo": {"Id": dropped["Id"], "SyncToken": dropped["SyncToken"]}}]
    client.post(api("batch"), json={"BatchItemRequest": delete})
    cdc = client.get(api("cdc"), params={"entities": "CreditMemo", "changedSince": since}).json()
    [group] = cdc["CDCResponse"][0]["QueryResponse"]
    assert [(m["Id"], m.get("status")) for m in group["CreditMemo"]] == [
        (kept["Id"], None),
        (dropped["Id"], "Deleted"),
    ]
    events = [(e.name, e.entity_id, e.operation) for e in emulator.events(REALM, clock.now - 5)]
    assert events == [
        ("CreditMemo", kept["Id"], "Create"),
        ("CreditMemo", dropped["Id"], "Create"),
        ("CreditMemo", dropped["Id"], "Delete"),
    ]
    notified = legacy_payload(emulator.events(REALM, clock.now - 5))["eventNotifications"]
    entities = notified[0]["dataChangeEvent"]["entities"]
    assert [(x["name"], x["id"], x["operation"]) for x in entities] == events


def test_a_payment_applies_the_credit_to_an_invoice(
    client: httpx.Client, memo_seeded: dict[str, Any]
) -> None:
    """A 0 payment linking invoice and credit memo settles both; deleting it reopens both."""
    customer = memo_seeded["customer"]
    invoice = client.post(api("invoice"), json=memo_body(memo_seeded)).json()["Invoice"]
    memo = client.post(api("creditmemo"), json=memo_body(memo_seeded)).json()["CreditMemo"]

    def lines(amount: int) -> list[dict[str, Any]]:
        return [
            {"Amount": amount, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]},
            {"Amount": amount, "LinkedTxn": [{"TxnId": memo["Id"], "TxnType": "CreditMemo"}]},
        ]

    def apply(amount: int, extra: int = 0) -> httpx.Response:
        body = {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 0, "Line": lines(amount)}
        body["Line"][1]["Amount"] += extra
        return client.post(api("payment"), json=body)

    assert apply(100, extra=10).json()["Fault"]["Error"][0]["code"] == "6000"
    payment = apply(125).json()["Payment"]
    assert payment["UnappliedAmt"] == 0

    def state() -> tuple[Any, ...]:
        inv = client.get(api(f"invoice/{invoice['Id']}")).json()["Invoice"]
        cm = client.get(api(f"creditmemo/{memo['Id']}")).json()["CreditMemo"]
        owed = client.get(api(f"customer/{customer['Id']}")).json()["Customer"]["Balance"]
        return inv["Balance"], cm["RemainingCredit"], cm["Balance"], owed

    assert state() == (0, 0, 0, 0)
    current = client.get(api(f"creditmemo/{memo['Id']}")).json()["CreditMemo"]
    sparse = {"Id": memo["Id"], "SyncToken": current["SyncToken"], "sparse": True,
              "PrivateNote": "used"}
    updated = client.post(api("creditmemo"), json=sparse).json()["CreditMemo"]
    assert (updated["TotalAmt"], updated["RemainingCredit"]) == (125, 0)
    ref = {"Id": memo["Id"], "SyncToken": updated["SyncToken"]}
    refused = client.post(api("creditmemo"), params={"operation": "delete"}, json=ref)
    assert refused.json()["Fault"]["Error"][0]["code"] == "6000"
    client.post(api("payment"), params={"operation": "delete"},
                json={"Id": payment["Id"], "SyncToken": payment["SyncToken"]})
    assert state() == (125, 125, 125, 0)
