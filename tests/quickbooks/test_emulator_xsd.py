"""Every field the emulator answers exists in the official v3 XSD type of its entity."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import cache
from typing import Any

import httpx
import pytest
from emulator_support import api, invoice_body, shared_dir

XS = "{http://www.w3.org/2001/XMLSchema}"
SCHEMAS = ("Finance.xsd", "IntuitBaseTypes.xsd", "IntuitNamesTypes.xsd")


@cache
def _types() -> dict[str, ET.Element]:
    folder = shared_dir() / "providers" / "quickbooks" / "xsd"
    if not (folder / SCHEMAS[0]).is_file():
        pytest.skip(f"official QuickBooks XSDs not found in {folder} (set LEDGERLINK_SHARED)")
    found: dict[str, ET.Element] = {}
    for name in SCHEMAS:
        root = ET.parse(folder / name).getroot()
        for kind in ("complexType", "group"):
            for node in root.iter(f"{XS}{kind}"):
                if node.get("name"):
                    found[f"{kind}:{node.get('name')}"] = node
    return found


def _fields(type_name: str) -> dict[str, str | None]:
    """Child element and attribute names of an XSD complex type (with its bases) → their types."""
    node = _types().get(f"complexType:{type_name.split(':')[-1]}")
    out: dict[str, str | None] = {}
    if node is None:
        return out
    if node.find(f"{XS}simpleContent") is not None:
        out["value"] = None  # JSON carries a simple-content type's text as "value"
    for child in node.iter():
        if child.tag in (f"{XS}element", f"{XS}attribute") and child.get("name"):
            out[str(child.get("name"))] = child.get("type")
        elif child.tag == f"{XS}extension" and child.get("base"):
            out.update(_fields(str(child.get("base"))))
        elif child.tag == f"{XS}group" and child.get("ref"):
            group = _types().get(f"group:{str(child.get('ref')).split(':')[-1]}")
            for element in group.iter(f"{XS}element") if group is not None else []:
                out[str(element.get("name"))] = element.get("type")
    return out


def _unknown(value: Any, type_name: str, path: str) -> list[str]:
    fields = _fields(type_name)
    if not fields:  # simple or unknown type: nothing to compare
        return []
    problems: list[str] = []
    for key, inner in value.items():
        if key not in fields:
            problems.append(f"{path}.{key}")
            continue
        child_type = fields[key]
        items = inner if isinstance(inner, list) else [inner]
        for item in items:
            if isinstance(item, dict) and child_type:
                problems += _unknown(item, child_type, f"{path}.{key}")
    return problems


def test_answered_fields_exist_in_xsd(client: httpx.Client, seeded: dict[str, Any]) -> None:
    """Customer, Item, Invoice (sent, paid) and Payment answers use only XSD field names."""
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
    }
    problems = [p for name, obj in answers.items() for p in _unknown(obj, name, name)]
    assert problems == [], "\n".join(problems)
