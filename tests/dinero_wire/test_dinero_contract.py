"""The endpoint-matrix contract accepts good requests and names what is wrong with bad ones."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx

from ledgerlink_dinero.contract import NOTES_OPERATIONS, EndpointContract
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
