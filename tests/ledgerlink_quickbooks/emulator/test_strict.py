"""The emulator refuses what QuickBooks refuses, in QuickBooks' own fault shape."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerlink_quickbooks.emulator import EmulatorTransport, QuickBooksEmulator, strict
from ledgerlink_quickbooks.emulator.schema import load_schema
from ledgerlink_quickbooks.emulator.wire import QBOFault
from tests.ledgerlink_quickbooks.emulator.support import (
    BASE_URL,
    BUSINESS_VALIDATION,
    REALM,
    api,
    error_of,
    invoice_body,
)
from tests.paths import SHARED

FIXTURE_OK = [HealthCheck.function_scoped_fixture]
#: Entity of each official example folder that holds write requests.
EXAMPLE_ENTITIES = {"invoice": "Invoice", "customer": "Customer", "item": "Item",
                    "payment": "Payment"}


def test_an_unknown_field_is_2010_naming_it(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """An unknown top-level or nested field is code 2010 with QuickBooks' wording."""
    body = invoice_body(seeded["customer"], seeded["item"], Colour="red")
    error = error_of(client.post(api("invoice"), json=body))
    assert (error["code"], error["Message"]) == (
        "2010", "Request has invalid or unsupported property")
    assert 'Unrecognized field "Colour"' in error["Detail"]
    assert "com.intuit.schema.finance.v3.Invoice" in error["Detail"]
    assert error["element"] == "Colour"
    nested = invoice_body(seeded["customer"], seeded["item"])
    nested["Line"][0]["SalesItemLineDetail"]["Discount"] = 5
    error = error_of(client.post(api("invoice"), json=nested))
    assert (error["code"], error["element"]) == ("2010", "Line.SalesItemLineDetail.Discount")
    assert client.get(api("query"), params={"query": "select * from Invoice"}).json()[
        "QueryResponse"] == {}, "nothing was written"


@settings(max_examples=25, suppress_health_check=FIXTURE_OK)
@given(amount=st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False))
def test_an_amount_sent_as_a_string_is_2010(
    client: httpx.Client, seeded: dict[str, Any], amount: Decimal
) -> None:
    """Any decimal written as a JSON string (Amount, Qty, UnitPrice) is refused as 2010."""
    for field in ("Amount", "Qty", "UnitPrice"):
        body = invoice_body(seeded["customer"], seeded["item"])
        line = body["Line"][0]
        (line if field == "Amount" else line["SalesItemLineDetail"])[field] = str(amount)
        error = error_of(client.post(api("invoice"), json=body))
        assert error["code"] == "2010"
        assert error["element"].endswith(field)
        assert "expected decimal" in error["Detail"]


@pytest.mark.parametrize(
    ("entity", "body", "element"),
    [
        ("customer", {"DisplayName": "Flag", "Active": "false"}, "Active"),
        ("customer", {"DisplayName": "Mail", "PrimaryEmailAddr": [{"Address": "a@b.co"}]},
         "PrimaryEmailAddr"),
        ("item", {"Name": "Kind", "Type": "Labour", "IncomeAccountRef": {"value": "1"}}, "Type"),
        ("item", {"Name": "Priced", "UnitPrice": True, "IncomeAccountRef": {"value": "1"}},
         "UnitPrice"),
        ("payment", {"CustomerRef": {"value": "1"}, "TotalAmt": 5, "TxnDate": "2026-13-01"},
         "TxnDate"),
    ],
)
def test_wrong_types_cardinality_and_enumerations_are_2010(
    client: httpx.Client, seeded: dict[str, Any], entity: str, body: dict[str, Any],
    element: str,
) -> None:
    """A boolean as text, an array for one value, an unknown enum value, a bad date: 2010."""
    error = error_of(client.post(api(entity), json=body))
    assert (error["code"], error["element"]) == ("2010", element)


def test_one_line_object_where_the_xsd_repeats_is_2010(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """``Line`` is repeated in the XSD: a single object instead of an array is refused."""
    body = invoice_body(seeded["customer"], seeded["item"])
    body["Line"] = body["Line"][0]
    error = error_of(client.post(api("invoice"), json=body))
    assert (error["code"], error["element"]) == ("2010", "Line")
    assert "expected an array" in error["Detail"]


@pytest.mark.parametrize(
    ("entity", "drop", "element"),
    [("invoice", "CustomerRef", "CustomerRef"), ("invoice", "Line", "Line"),
     ("payment", "TotalAmt", "TotalAmt")],
)
def test_fields_the_reference_requires_on_create_are_2020(
    client: httpx.Client, seeded: dict[str, Any], entity: str, drop: str, element: str
) -> None:
    """CustomerRef and Line of an invoice, TotalAmt of a payment: code 2020 naming the field."""
    if entity == "invoice":
        body = invoice_body(seeded["customer"], seeded["item"])
    else:
        body = {"CustomerRef": {"value": seeded["customer"]["Id"]}, "TotalAmt": 5}
    del body[drop]
    error = error_of(client.post(api(entity), json=body))
    assert (error["code"], error["element"]) == ("2020", element)
    assert error["Message"] == (
        "Required param missing, need to supply the required value for the API")
    assert error["Detail"] == f"Required parameter {element} is missing in the request"


def test_an_element_the_xsd_requires_is_2020(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """A group line without its GroupItemRef (minOccurs=1 in the XSD) is code 2020."""
    body = invoice_body(seeded["customer"], seeded["item"])
    body["Line"].append({"DetailType": "GroupLineDetail", "GroupLineDetail": {"Quantity": 1}})
    error = error_of(client.post(api("invoice"), json=body))
    assert (error["code"], error["element"]) == ("2020", "Line.GroupLineDetail.GroupItemRef")


@pytest.mark.parametrize(
    ("field", "limit"),
    [("DocNumber", 21), ("PrivateNote", 4000), ("BillEmail", 100), ("Description", 4000)],
)
def test_strings_longer_than_documented_are_2050(
    client: httpx.Client, seeded: dict[str, Any], field: str, limit: int
) -> None:
    """DocNumber 21, PrivateNote 4000, BillEmail 100, line Description 4000: one more is 2050."""
    def body_with(length: int) -> dict[str, Any]:
        body = invoice_body(seeded["customer"], seeded["item"])
        text = "x" * length
        if field == "BillEmail":
            body["BillEmail"] = {"Address": "a@b.co".rjust(length, "a")}
        elif field == "Description":
            body["Line"][0]["Description"] = text
        else:
            body[field] = text
        return body

    error = error_of(client.post(api("invoice"), json=body_with(limit + 1)))
    element = {"BillEmail": "BillEmail.Address", "Description": "Line.Description"}.get(
        field, field)
    assert (error["code"], error["element"]) == ("2050", element)
    assert error["Message"] == (
        "String length is either shorter or longer than supported by specification")
    assert f"Max:{limit} supported. Supplied length:{limit + 1}" in error["Detail"]
    assert client.post(api("invoice"), json=body_with(limit)).status_code == 200


def test_more_lines_than_a_transaction_holds_are_refused(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """750 lines are taken, 751 are refused with the business-validation fault."""
    body = invoice_body(seeded["customer"], seeded["item"])
    body["Line"] = body["Line"] * 751
    error = error_of(client.post(api("invoice"), json=body))
    assert (error["code"], error["Message"]) == ("6000", BUSINESS_VALIDATION)
    body["Line"] = body["Line"][:750]
    assert client.post(api("invoice"), json=body).status_code == 200


@settings(max_examples=40, suppress_health_check=FIXTURE_OK)
@given(
    qty=st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2),
    price=st.decimals(min_value=0, max_value=10000, places=3),
    off=st.sampled_from([Decimal("0.01"), Decimal("-0.01"), Decimal(1)]),
)
def test_a_line_amount_must_be_qty_times_unit_price(
    client: httpx.Client, seeded: dict[str, Any], qty: Decimal, price: Decimal, off: Decimal
) -> None:
    """Amount = Qty × UnitPrice (exact or rounded to the cent) is taken; one cent off is 6070."""
    product = qty * price
    rounded = product.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    for amount, taken in ((product, True), (rounded, True), (rounded + off, False)):
        body = invoice_body(seeded["customer"], seeded["item"])
        line = body["Line"][0]
        line["Amount"] = float(amount)  # at most 12 digits: the float's repr is exact
        line["SalesItemLineDetail"].update(Qty=float(qty), UnitPrice=float(price))
        answer = client.post(api("invoice"), json=body)
        if taken:
            assert answer.status_code == 200, (amount, answer.text)
            continue
        error = error_of(answer)
        assert (error["code"], error["element"]) == ("6070", "Line.Amount")
        assert error["Message"] == "Amount calculation incorrect in the request"
        assert error["Detail"].startswith("Amount is not equal to Qty * UnitPrice.")


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", None])
def test_a_json_write_not_sent_as_json_is_refused(
    client: httpx.Client, seeded: dict[str, Any], content_type: str | None
) -> None:
    """A write with another or no Content-Type is 415 with QuickBooks' code-500 fault."""
    body = json.dumps(invoice_body(seeded["customer"], seeded["item"]))
    headers = {"Content-Type": content_type} if content_type else {}
    for path in ("invoice", "batch"):
        error = error_of(client.post(api(path), content=body, headers=headers), status=415)
        assert (error["code"], error["Message"]) == ("500", "Unsupported Operation")
        assert error["Detail"] == "Operation Cannot consume content type is not supported."
    charset = {"Content-Type": "application/json; charset=utf-8"}
    assert client.post(api("invoice"), content=body, headers=charset).status_code == 200


def test_a_batch_item_is_checked_like_a_single_write(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """A batch item with an unknown field answers its own 2010 fault; the others are written."""
    good = invoice_body(seeded["customer"], seeded["item"])
    bad = invoice_body(seeded["customer"], seeded["item"], Colour="red")
    items = [{"bId": "1", "operation": "create", "Invoice": good},
             {"bId": "2", "operation": "create", "Invoice": bad}]
    answers = client.post(api("batch"), json={"BatchItemRequest": items}).json()
    first, second = answers["BatchItemResponse"]
    assert "Invoice" in first
    assert second["Fault"]["Error"][0]["code"] == "2010"
    assert second["Fault"]["Error"][0]["element"] == "Colour"


def test_an_invalid_bill_email_is_stored_as_quickbooks_does(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """The XSD: an invalid BillEmail gives no error on write; sending to it is refused."""
    body = invoice_body(seeded["customer"], seeded["item"], BillEmail={"Address": "nobody"})
    answer = client.post(api("invoice"), json=body)
    assert answer.status_code == 200
    invoice = answer.json()["Invoice"]
    assert invoice["BillEmail"] == {"Address": "nobody"}
    error = error_of(client.post(api(f"invoice/{invoice['Id']}/send")))
    assert (error["code"], error["Message"]) == ("6000", BUSINESS_VALIDATION)
    assert "nobody" in error["Detail"]


def test_minorversion_below_the_floor_or_missing_is_answered_as_75(
    emulator: QuickBooksEmulator, client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """NOTES §2: since 2025-08-01 values under 75 are ignored and an omitted one means 75."""
    path = api(f"customer/{seeded['customer']['Id']}")
    token = emulator.connect(REALM)["access_token"]
    with httpx.Client(transport=EmulatorTransport(emulator), base_url=BASE_URL,
                      headers={"Authorization": f"Bearer {token}"}) as bare:
        for sent in ("12", "74", None, "80"):
            params = {"minorversion": sent} if sent else {}
            assert bare.get(path, params=params).status_code == 200
    versions = [(r.minorversion, r.effective_minorversion) for r in emulator.requests[-4:]]
    assert versions == [("12", 75), ("74", 75), (None, 75), ("80", 80)]


def test_every_official_write_example_is_accepted_by_the_checks() -> None:
    """Intuit's sample requests (Invoice, Customer, Item, Payment) pass the strict checks."""
    folder = SHARED / "providers" / "quickbooks" / "examples"
    if not folder.is_dir():
        pytest.skip(f"official QuickBooks material not found at {folder}")
    checked = 0
    for path in sorted(folder.glob("*/*request*.json")):
        entity = EXAMPLE_ENTITIES.get(path.parent.name)
        if entity is None:
            continue
        body = {k: v for k, v in json.loads(path.read_text(), parse_float=Decimal).items()
                if not k.startswith("_")}  # "_request" notes how a constructed sample is sent
        operation = "delete" if "delete" in path.name else "create"
        strict.check_write(entity, operation, body)
        checked += 1
    assert checked >= 15


def test_every_official_answer_fits_the_shipped_table() -> None:
    """Intuit's sample answers fit the table, but for the void sample's published spellings."""
    folder = SHARED / "providers" / "quickbooks" / "examples"
    if not folder.is_dir():
        pytest.skip(f"official QuickBooks material not found at {folder}")
    schema = load_schema()
    found: list[str] = []
    for path in sorted(folder.glob("*/*response*.json")):
        answer = json.loads(path.read_text(), parse_float=Decimal)
        rows = [(name, answer[name]) for name in EXAMPLE_ENTITIES.values() if name in answer]
        for name, listed in answer.get("QueryResponse", {}).items():
            if isinstance(listed, list):
                rows += [(name, row) for row in listed]
        found += [f"{path.name}: {p.path} {p.detail}" for name, row in rows
                  for p in schema.problems(row, name)]
    assert found == [
        "void.response.json: Invoice.PrintStatus 'NEED_TO_PRINT' is not one of PrintStatusEnum",
        "void.response.json: Invoice.Line.DetailType 'SALES_ITEM_LINE_DETAIL' is not one of "
        "LineDetailTypeEnum",
    ]


def test_seeding_follows_the_same_type_rules(emulator: QuickBooksEmulator) -> None:
    """The seed back door checks types too: a string UnitPrice is refused."""
    with pytest.raises(ValueError, match="2010"):
        emulator.seed(REALM, "Item", {"Name": "Typed", "UnitPrice": "50"})


def test_check_write_raises_the_fault_object() -> None:
    """The checks are usable without HTTP: ``check_write`` raises the QBOFault."""
    with pytest.raises(QBOFault) as caught:
        strict.check_write("Customer", "create", {"DisplayName": "A", "Nickname": "B"})
    assert (caught.value.code, caught.value.element, caught.value.status) == (
        "2010", "Nickname", 400)


def test_a_long_batch_item_id_is_refused_with_a_requestid(
    client: httpx.Client, seeded: dict[str, Any]
) -> None:
    """With a requestid each bId holds at most 10 characters; without one any length is taken."""
    items = [{"bId": "b" * 11, "operation": "create",
              "Invoice": invoice_body(seeded["customer"], seeded["item"])}]
    refused = client.post(api("batch"), params={"requestid": "r-1"},
                          json={"BatchItemRequest": items})
    error = error_of(refused)
    assert (error["code"], error["Message"]) == ("6000", BUSINESS_VALIDATION)
    assert "bId" in error["Detail"]
    items[0]["bId"] = "b" * 10
    taken = client.post(api("batch"), params={"requestid": "r-2"},
                        json={"BatchItemRequest": items})
    assert "Invoice" in taken.json()["BatchItemResponse"][0]
    items[0]["bId"] = "b" * 11
    plain = client.post(api("batch"), json={"BatchItemRequest": items})
    assert "Invoice" in plain.json()["BatchItemResponse"][0]
