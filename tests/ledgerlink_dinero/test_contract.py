"""The endpoint-matrix contract accepts good requests and names what is wrong with bad ones."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import attrs
import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerlink_dinero.contract import NOTES_OPERATIONS, EndpointContract
from ledgerlink_dinero.emulator import schema
from ledgerlink_dinero.queries import list_params
from ledgerlink_dinero.settings import API_ORIGIN, organization_path
from ledgerlink_dinero.wire import DineroBook, DineroInvoice, DineroProductLine, dumps

ORG = "123456"
INVOICE = "2aa6fda2-9649-483e-82ec-094567eedfd6"
CONTACT = "716a3105-e8fd-4fdd-a886-0490b047986f"
LINE = DineroProductLine(Quantity=Decimal(1), AccountNumber=1000, Description="Hours",
                         Unit="hours", BaseAmountValue=Decimal("80.5"))


def test_good_requests_have_no_problems(matrix: EndpointContract) -> None:
    """Create, update (v1.2), book, delete with its Timestamp body, email and list all fit."""
    invoices = organization_path(ORG, "invoices")
    assert matrix.problems("POST", invoices, body={"ProductLines": [], "Currency": "DKK"}) == []
    assert matrix.problems("PUT", organization_path(ORG, f"invoices/{INVOICE}", version="v1.2"),
                           body={"ProductLines": [], "Timestamp": "01"}) == []
    assert matrix.problems("POST", f"{invoices}/{INVOICE}/book", body={"Timestamp": "01"}) == []
    assert matrix.problems("DELETE", f"{invoices}/{INVOICE}", body={"Timestamp": "01"}) == []
    assert matrix.problems("POST", f"{invoices}/{INVOICE}/email",
                           body={"ShouldAddTrustPilotEmailAsBcc": False,
                                 "Message": "[link-to-pdf]"}) == []
    assert matrix.problems("GET", invoices, list_params(
        "invoices", where=[("ExternalReference", "eq", "k")], fields=["Guid"],
        deleted_only=True)) == []
    assert matrix.problems("GET", "/v1/organizations", {"fields": "id,name,isPro"}) == []
    assert matrix.problems("POST", organization_path(ORG, "contacts"), body={
        "Name": "Firma", "CountryKey": "DK", "IsPerson": False, "IsMember": False,
        "UseCvr": True, "ContactGuid": CONTACT, "ExternalReference": "ll:1"}) == []


def test_unknown_operations_are_named(matrix: EndpointContract) -> None:
    """A path on the wrong version, an unknown path or method is not an operation."""
    invoice = organization_path(ORG, f"invoices/{INVOICE}")
    assert matrix.problems("PUT", invoice, body={"ProductLines": [], "Timestamp": "1"}) == [
        f"unknown operation PUT {invoice}"]  # update only exists on /v1.2
    assert matrix.problems("GET", organization_path(ORG, "webhooks")) != []
    assert matrix.problems("PATCH", organization_path(ORG, "invoices")) != []


def test_missing_required_fields_and_unknown_keys_are_named(matrix: EndpointContract) -> None:
    """Required fields of the operation's model, unknown body keys, bodies where none belong."""
    invoices = organization_path(ORG, "invoices")
    assert matrix.problems("POST", f"{invoices}/{INVOICE}/book", body={"Number": 5}) == [
        "invoices book: BookModel requires Timestamp"]
    assert matrix.problems("POST", invoices, body={"ProductLines": [], "TimeStamp": "1"}) == [
        "invoices create: InvoiceCreateModel has no field TimeStamp"]
    problems = matrix.problems("POST", organization_path(ORG, "contacts"), body={"Name": "A"})
    assert problems == [f"contacts create: ContactCreateModel requires {f}"
                        for f in ("CountryKey", "IsMember", "IsPerson", "UseCvr")]
    assert matrix.problems("POST", f"{invoices}/{INVOICE}/email", body={}) == [
        "invoices send: ApiMailoutModel requires ShouldAddTrustPilotEmailAsBcc"]
    assert matrix.problems("GET", f"{invoices}/{INVOICE}", body={"x": 1}) == [
        "invoices get: takes no body"]
    assert matrix.problems("POST", invoices, body=[1]) == [
        "invoices create: the body must be a JSON object (InvoiceCreateModel)"]


def test_unknown_and_mistyped_query_parameters_are_named(matrix: EndpointContract) -> None:
    """Only the operation's parameters, with their types (integer, boolean)."""
    contacts = organization_path(ORG, "contacts")
    assert matrix.problems("GET", contacts, {"statusFilter": "x", "page": "first",
                                             "deletedOnly": "yes"}) == [
        "contacts list: unknown query parameter statusFilter",
        "contacts list: query parameter page='first' is not an integer",
        "contacts list: query parameter deletedOnly='yes' is not a boolean"]


def test_httpx_requests_are_checked_from_url_and_json_body(matrix: EndpointContract) -> None:
    """What a MockTransport sees: path, query string and the JSON the wire module wrote."""
    invoices = API_ORIGIN + organization_path(ORG, "invoices")
    good = httpx.Request("POST", invoices, content=dumps(DineroInvoice(ProductLines=(LINE,))))
    assert matrix.request_problems(good) == []
    book = httpx.Request("POST", f"{invoices}/{INVOICE}/book",
                         content=dumps(DineroBook(Timestamp="01")))
    assert matrix.request_problems(book) == []
    listing = httpx.Request("GET", invoices, params={"pageSize": "ten"})
    assert matrix.request_problems(listing) == [
        "invoices list: query parameter pageSize='ten' is not an integer"]
    empty = httpx.Request("POST", invoices, content=json.dumps({"Currency": "DKK"}))
    assert matrix.request_problems(empty) == [
        "invoices create: InvoiceCreateModel requires ProductLines"]


def test_operations_from_the_notes_are_opt_in(matrix: EndpointContract,
                                             matrix_path: Path) -> None:
    """Credit notes are outside the extract: unknown unless the notes' operations are added."""
    path = organization_path(ORG, "sales/creditnotes")
    body = {"CreditNoteFor": INVOICE, "ProductLines": []}
    assert matrix.problems("POST", path, body=body) == [f"unknown operation POST {path}"]
    with_notes = EndpointContract.from_file(matrix_path, NOTES_OPERATIONS)
    assert with_notes.problems("POST", path, body=body) == []
    assert with_notes.problems("POST", f"{path}/{INVOICE}/book", body={}) == [
        "creditnotes book: BookModel requires Timestamp"]
    assert with_notes.problems("POST", organization_path(ORG, f"invoices/{INVOICE}/payments"),
                               body={"Amount": 1}) == [
        "invoices payments create: PaymentCreateModel requires Timestamp"]


def _invoice_problems(matrix: EndpointContract, **body: object) -> list[str]:
    return matrix.problems("POST", organization_path(ORG, "invoices"),
                           body={"ProductLines": [GOOD_LINE], **body})


GOOD_LINE = {"Description": "Hours", "Quantity": 2, "AccountNumber": 1000, "Unit": "hours",
             "BaseAmountValue": 80.5, "Comments": "ledgerlink:a", "LineType": "Product"}


def test_each_product_line_is_checked_inside(matrix: EndpointContract) -> None:
    """Unknown fields, missing required ones, wrong types and the ProductGuid/Description
    rule inside each ProductLines entry, named by the line's index."""
    lines = [
        GOOD_LINE,
        {**GOOD_LINE, "VatRate": 25},
        {k: v for k, v in GOOD_LINE.items() if k != "Quantity"},
        {**GOOD_LINE, "Quantity": "2", "AccountNumber": 1000.0, "Discount": True},
        {**GOOD_LINE, "ProductGuid": INVOICE},
        {**GOOD_LINE, "Unit": None},
        "a line",
    ]
    assert matrix.problems("POST", organization_path(ORG, "invoices"),
                           body={"ProductLines": lines}) == [
        "invoices create: InvoiceCreateModel.ProductLines[1] has no field VatRate",
        "invoices create: InvoiceCreateModel.ProductLines[2] requires Quantity",
        "invoices create: InvoiceCreateModel.ProductLines[3].Quantity: "
        "Quantity must be a number, not '2'",
        "invoices create: InvoiceCreateModel.ProductLines[3].AccountNumber: "
        "AccountNumber must be a whole number, not 1000.0",
        "invoices create: InvoiceCreateModel.ProductLines[3].Discount: "
        "Discount must be a number, not True",
        "invoices create: InvoiceCreateModel.ProductLines[4].Description: "
        "If product guid is set, description should be null",
        "invoices create: InvoiceCreateModel.ProductLines[5] requires Unit",
        "invoices create: InvoiceCreateModel.ProductLines[6]: "
        "InvoiceLinesCreateModel must be a JSON object"]


def test_top_level_types_formats_and_limits_are_checked(matrix: EndpointContract) -> None:
    """Booleans, GUIDs, dates, the 128-character ExternalReference, documented value lists
    and ranges; Address is text (line breaks allowed), not an object."""
    assert sorted(_invoice_problems(
        matrix, ShowLinesInclVat="true", ContactGuid="c-1", Date="28/05/2026",
        ExternalReference="x" * 129, Language="de-DE", ReminderFee=101, Address={"City": "A"},
        PaymentConditionNumberOfDays="8")) == sorted([
        "invoices create: InvoiceCreateModel.ShowLinesInclVat: "
        "ShowLinesInclVat must be true or false, not 'true'",
        "invoices create: InvoiceCreateModel.ContactGuid: ContactGuid 'c-1' is not a valid GUID",
        "invoices create: InvoiceCreateModel.Date: "
        "Date '28/05/2026' is not a date in the format YYYY-MM-DD",
        "invoices create: InvoiceCreateModel.ExternalReference: "
        "ExternalReference can be at most 128 characters",
        "invoices create: InvoiceCreateModel.Language: Language must be one of: da-DK, en-GB",
        "invoices create: InvoiceCreateModel.ReminderFee: ReminderFee must be from 0 to 100",
        "invoices create: InvoiceCreateModel.Address: Address must be text, not dict",
        "invoices create: InvoiceCreateModel.PaymentConditionNumberOfDays: "
        "PaymentConditionNumberOfDays must be a whole number, not '8'"])
    assert _invoice_problems(matrix, Address="Vej 1\n8000 Aarhus C", ExternalReference="x" * 128,
                             ContactGuid=INVOICE, Date="2026-05-28") == []


def test_every_body_model_is_typed(matrix: EndpointContract, matrix_path: Path) -> None:
    """Update, book, delete, email, contacts, products, and the notes' credit notes and
    payments: types are checked in each, nested lines included."""
    invoice = organization_path(ORG, f"invoices/{INVOICE}")
    update = organization_path(ORG, f"invoices/{INVOICE}", version="v1.2")
    assert matrix.problems("PUT", update, body={
        "Timestamp": 1, "ProductLines": [{**GOOD_LINE, "Extra": 1}]}) == [
        "invoices update: InvoiceUpdateModel.ProductLines[0] has no field Extra",
        "invoices update: InvoiceUpdateModel.Timestamp: Timestamp must be text, not int"]
    assert matrix.problems("POST", f"{invoice}/book", body={"Timestamp": "1", "Number": "5"}) == [
        "invoices book: BookModel.Number: Number must be a whole number, not '5'"]
    assert matrix.problems("DELETE", invoice, body={"Timestamp": 5}) == [
        "invoices delete: TimestampObject.Timestamp: Timestamp must be text, not int"]
    assert matrix.problems("POST", f"{invoice}/email", body={
        "ShouldAddTrustPilotEmailAsBcc": "no", "CcToSender": 1}) == [
        "invoices send: ApiMailoutModel.CcToSender: CcToSender must be true or false, not 1",
        "invoices send: ApiMailoutModel.ShouldAddTrustPilotEmailAsBcc: "
        "ShouldAddTrustPilotEmailAsBcc must be true or false, not 'no'"]
    assert sorted(matrix.problems("POST", organization_path(ORG, "products"), body={
        "AccountNumber": "1000", "BaseAmountValue": 1, "Quantity": 1, "Unit": "stk",
        "Comment": "c" * 129})) == sorted([
        "products create: ProductCreateModel.AccountNumber: "
        "AccountNumber must be a whole number, not '1000'",
        "products create: ProductCreateModel.Unit: Unit must be one of: "
        + ", ".join(schema.UNITS),
        "products create: ProductCreateModel.Comment: Comment can be at most 128 characters"])
    with_notes = EndpointContract.from_file(matrix_path, NOTES_OPERATIONS)
    assert with_notes.problems("POST", organization_path(ORG, "sales/creditnotes"), body={
        "CreditNoteFor": INVOICE, "ProductLines": [{**GOOD_LINE, "ProductGuid": INVOICE}]}) == [
        "creditnotes create: CreditNoteCreateModel.ProductLines[0].Description: "
        "If product guid is set, description should be null"]
    assert with_notes.problems("POST", f"{invoice}/payments", body={
        "Timestamp": "1", "Amount": "100", "PaymentDate": "2026-5-1"}) == [
        "invoices payments create: PaymentCreateModel.Amount: Amount must be a number, not '100'",
        "invoices payments create: PaymentCreateModel.PaymentDate: "
        "PaymentDate '2026-5-1' is not a date in the format YYYY-MM-DD"]


def test_a_model_without_known_types_is_checked_by_name(matrix: EndpointContract) -> None:
    """Purchase vouchers are in the matrix but not typed here: names and required fields only."""
    path = organization_path(ORG, "vouchers/purchase", version="v1.2")
    assert matrix.problems("POST", path, body={"PurchaseType": "x", "Lines": "anything"}) == []
    assert matrix.problems("POST", path, body={"Foo": 1}) == [
        "purchase-vouchers create: PurchaseVoucherCreateModelV2 has no field Foo",
        "purchase-vouchers create: PurchaseVoucherCreateModelV2 requires PurchaseType"]


line_values = st.fixed_dictionaries({
    "Quantity": st.decimals(min_value=-1000, max_value=1000, places=3),
    "BaseAmountValue": st.decimals(min_value=-10**6, max_value=10**6, places=2),
    "Description": st.text(min_size=1, max_size=40),
    "Unit": st.sampled_from(schema.UNITS),
    "AccountNumber": st.integers(1000, 99999),
    "Discount": st.decimals(min_value=0, max_value=100, places=2),
})


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line_values)
def test_lines_the_wire_module_writes_fit_and_a_product_with_a_description_does_not(
    matrix: EndpointContract, values: dict[str, object]
) -> None:
    """Any line the wire module encodes (Decimal as JSON numbers) fits InvoiceLinesCreateModel;
    the same line naming a product too is refused by the swagger's rule."""
    invoices = API_ORIGIN + organization_path(ORG, "invoices")
    line = DineroProductLine(LineType="Product", **values)  # type: ignore[arg-type]
    good = httpx.Request("POST", invoices, content=dumps(DineroInvoice(ProductLines=(line,))))
    assert matrix.request_problems(good) == []
    both = attrs.evolve(line, ProductGuid=INVOICE)
    bad = httpx.Request("POST", invoices, content=dumps(DineroInvoice(ProductLines=(both,))))
    assert matrix.request_problems(bad) == [
        "invoices create: InvoiceCreateModel.ProductLines[0].Description: "
        f"{schema.DESCRIPTION_WITH_PRODUCT.rstrip('.')}"]
