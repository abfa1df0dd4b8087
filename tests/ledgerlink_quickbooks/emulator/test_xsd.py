"""Every answer of the emulator fits the official v3 XSD type of its entity: names, types,
single vs repeated elements and required elements."""

from __future__ import annotations

from functools import cache
from typing import Any

import httpx
import pytest

from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from ledgerlink_quickbooks.emulator.contract import SCHEMAS, XsdContract
from tests.ledgerlink_quickbooks.emulator.support import REALM, api, invoice_body
from tests.paths import SHARED


@cache
def _contract() -> XsdContract:
    folder = SHARED / "providers" / "quickbooks" / "xsd"
    if not (folder / SCHEMAS[0]).is_file():
        pytest.skip(f"official QuickBooks XSDs not found in {folder} (set LEDGERLINK_SHARED)")
    return XsdContract(folder)


def test_answered_fields_exist_in_xsd(client: httpx.Client, seeded: dict[str, Any]) -> None:
    """Customer, Item, Invoice (sent, paid), Payment and Account answers fit their XSD types."""
    customer, item = seeded["customer"], seeded["item"]
    body = invoice_body(customer, item, BillEmail={"Address": "x@y.io"}, PrivateNote="n")
    invoice = client.post(api("invoice"), json=body).json()["Invoice"]
    client.post(api(f"invoice/{invoice['Id']}/send"))
    link = [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]
    payment = client.post(
        api("payment"),
        json={
            "CustomerRef": {"value": customer["Id"]},
            "TotalAmt": 10,
            "Line": [{"Amount": 10, "LinkedTxn": link}],
        },
    ).json()["Payment"]
    answers = {
        "Customer": client.get(api(f"customer/{customer['Id']}")).json()["Customer"],
        "Item": client.get(api(f"item/{item['Id']}")).json()["Item"],
        "Invoice": client.get(api(f"invoice/{invoice['Id']}")).json()["Invoice"],
        "Payment": payment,
        "Account": client.get(api("account/1")).json()["Account"],
    }
    problems = [f"{p.path}: {p.detail}" for name, obj in answers.items()
                for p in _contract().problems(obj, name)]
    assert problems == [], "\n".join(problems)


def test_tax_and_credit_memo_fields_exist_in_xsd(
    client: httpx.Client, emulator: QuickBooksEmulator, seeded: dict[str, Any]
) -> None:
    """TaxCode, TaxRate, a taxed Invoice (TxnTaxDetail) and a CreditMemo fit their XSD types."""
    realm = emulator.realms[REALM]
    code = next(iter(realm.entities["TaxCode"].values()))
    rate_id = code["SalesTaxRateList"]["TaxRateDetail"][0]["TaxRateRef"]["value"]
    body = invoice_body(seeded["customer"], seeded["item"], PrivateNote="n")
    body["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] = {"value": code["Id"]}
    answers = {
        "TaxCode": client.get(api(f"taxcode/{code['Id']}")).json()["TaxCode"],
        "TaxRate": client.get(api(f"taxrate/{rate_id}")).json()["TaxRate"],
        "Invoice": client.post(api("invoice"), json=body).json()["Invoice"],
        "CreditMemo": client.post(api("creditmemo"), json=body).json()["CreditMemo"],
    }
    assert answers["Invoice"]["TxnTaxDetail"]["TaxLine"], "the invoice was taxed"
    problems = [f"{p.path}: {p.detail}" for name, obj in answers.items()
                for p in _contract().problems(obj, name)]
    assert problems == [], "\n".join(problems)
