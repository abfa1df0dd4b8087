"""Invoices: create with lines, read, approve (numbers, irreversible), update, delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from ledgerlink_billy.emulator import BillyEmulator, Organization
from tests.ledgerlink_billy.emulator.support import (
    invalid,
    invoice_body,
    load_billy,
    ok,
    refused,
)

Make = Callable[..., dict[str, Any]]


def test_a_draft_is_created_with_its_lines_in_one_request(
        client: httpx.Client, contact: dict[str, Any], product: dict[str, Any]) -> None:
    """The answer holds the invoice and its lines, keyed by plural name; totals computed."""
    body = ok(client.post("/v2/invoices", json=invoice_body(contact["id"], product["id"])))
    invoice, = body["invoices"]
    line, = body["invoiceLines"]
    assert (invoice["state"], invoice["sentState"], invoice["invoiceNo"]) == (
        "draft", "unsent", None)
    assert (invoice["amount"], invoice["tax"], invoice["grossAmount"]) == (600, 150, 750)
    assert (invoice["balance"], invoice["isPaid"]) == (750, False)
    assert invoice["dueDate"] == "2026-06-05"
    assert invoice["lineDescription"] == "Vinduespudsning: Vinduespudsning"
    assert invoice["downloadUrl"].endswith("/draft-invoice.pdf")
    assert (line["invoiceId"], line["amount"], line["tax"], line["priority"]) == (
        invoice["id"], 600, 150, 1)
    assert "lines" not in invoice


def test_an_invoice_without_lines_is_refused_as_billy_words_it(
        client: httpx.Client, contact: dict[str, Any], product: dict[str, Any]) -> None:
    """No lines (or an empty list): the captured INVALID_RECORD answer, word for word."""
    example = load_billy("examples/error_bad_request.json")
    for lines in ([], None):
        body = invoice_body(contact["id"], product["id"], lines=lines)
        if lines is None:
            del body["invoice"]["lines"]
        assert client.post("/v2/invoices", json=body).json() == example
    assert ok(client.get("/v2/invoices"))["invoices"] == []


def test_a_bad_line_creates_nothing(client: httpx.Client, contact: dict[str, Any],
                                    product: dict[str, Any]) -> None:
    """A line naming an unknown product refuses the invoice and every line (atomic)."""
    body = invoice_body(contact["id"], product["id"])
    body["invoice"]["lines"].append({"productId": "nope", "unitPrice": 1})
    invalid(client.post("/v2/invoices", json=body), "invoice.lines[1].productId")
    assert ok(client.get("/v2/invoices"))["invoices"] == []
    assert ok(client.get("/v2/invoiceLines"))["invoiceLines"] == []


def test_lines_are_returned_only_when_included(client: httpx.Client, draft: Make) -> None:
    """GET leaves lines out; embed puts them in the invoice, sideload beside it."""
    made = draft()
    assert "lines" not in ok(client.get(f"/v2/invoices/{made['id']}"))["invoice"]
    embedded = ok(client.get(f"/v2/invoices/{made['id']}",
                             params={"include": "invoice.lines:embed"}))["invoice"]
    assert [line["unitPrice"] for line in embedded["lines"]] == [300]
    side = ok(client.get(f"/v2/invoices/{made['id']}", params={"include": "invoice.lines"}))
    assert side["invoice"]["lineIds"] == [side["invoiceLines"][0]["id"]]
    lines = ok(client.get("/v2/invoiceLines", params={"invoiceId": made["id"]}))
    assert len(lines["invoiceLines"]) == 1


def test_a_contact_is_sideloaded_with_its_invoice(client: httpx.Client, draft: Make,
                                                  contact: dict[str, Any]) -> None:
    """include=invoice.contact:sideload lists the contact beside the invoice."""
    made = draft()
    body = ok(client.get(f"/v2/invoices/{made['id']}",
                         params={"include": "invoice.contact:sideload"}))
    assert [c["id"] for c in body["contacts"]] == [contact["id"]]
    refused(client.get(f"/v2/invoices/{made['id']}", params={"include": "invoice.nothing"}),
            400, "INVALID_PARAMETER")


def test_approval_assigns_the_next_number(client: httpx.Client, draft: Make) -> None:
    """state approved: numbers 1, 2 in approval order, approvedTime set, the PDF renamed."""
    first, second = draft(), draft()
    approve = {"invoice": {"state": "approved"}}
    numbered = ok(client.put(f"/v2/invoices/{second['id']}", json=approve))["invoices"][0]
    assert (numbered["state"], numbered["invoiceNo"]) == ("approved", "1")
    assert numbered["approvedTime"] == "2026-05-28T09:30:00"
    assert numbered["downloadUrl"].endswith("/invoice-no-1.pdf")
    again = ok(client.put(f"/v2/invoices/{first['id']}", json=approve))["invoices"][0]
    assert again["invoiceNo"] == "2"


def test_approval_is_irreversible(client: httpx.Client, approved: Make) -> None:
    """An approved invoice cannot go back to draft nor be changed; approving again is a no-op."""
    made = approved()
    path = f"/v2/invoices/{made['id']}"
    invalid(client.put(path, json={"invoice": {"state": "draft"}}), "invoice.state")
    invalid(client.put(path, json={"invoice": {"contactMessage": "x"}}), "invoice")
    same = ok(client.put(path, json={"invoice": {"state": "approved"}}))["invoices"][0]
    assert same["invoiceNo"] == made["invoiceNo"]


def test_an_invoice_created_approved_is_numbered(client: httpx.Client, draft: Make) -> None:
    """state approved on create approves at once."""
    made = draft(state="approved")
    assert (made["state"], made["invoiceNo"]) == ("approved", "1")


def test_a_chosen_number_is_kept_and_must_be_unique(client: httpx.Client, draft: Make) -> None:
    """invoiceNo set on create survives approval; a second invoice cannot take it."""
    made = draft(invoiceNo="1001")
    approved = ok(client.put(f"/v2/invoices/{made['id']}",
                             json={"invoice": {"state": "approved"}}))["invoices"][0]
    assert approved["invoiceNo"] == "1001"
    answer = client.post("/v2/invoices", json=invoice_body(
        made["contactId"], _product_of(client, made), invoiceNo="1001"))
    invalid(answer, "invoice.invoiceNo")


def _product_of(client: httpx.Client, invoice: dict[str, Any]) -> str:
    lines = ok(client.get("/v2/invoiceLines", params={"invoiceId": invoice["id"]}))
    return str(lines["invoiceLines"][0]["productId"])


def test_lines_and_entry_date_are_not_put_after_create(client: httpx.Client,
                                                       draft: Make) -> None:
    """PUT with lines or entryDate is refused: they "must not be set" once created [B1]."""
    made = draft()
    path = f"/v2/invoices/{made['id']}"
    invalid(client.put(path, json={"invoice": {"lines": []}}), "invoice.lines")
    invalid(client.put(path, json={"invoice": {"entryDate": "2026-06-01"}}), "invoice.entryDate")
    invalid(client.put(path, json={"invoice": {"contactId": made["contactId"]}}),
            "invoice.contactId")


def test_a_draft_changes_only_what_is_sent(client: httpx.Client, draft: Make) -> None:
    """PUT on a draft is partial and recomputes what depends on it (due date, totals)."""
    made = draft()
    changed = ok(client.put(f"/v2/invoices/{made['id']}", json={"invoice": {
        "paymentTermsDays": 30, "taxMode": "incl", "contactMessage": "Tak"}}))
    invoice = changed["invoices"][0]
    assert (invoice["dueDate"], invoice["contactMessage"]) == ("2026-06-27", "Tak")
    assert (invoice["amount"], invoice["tax"], invoice["grossAmount"]) == (480, 120, 600)
    assert changed["invoiceLines"][0]["tax"] == 120


def test_lines_are_added_to_a_draft_through_invoice_lines(client: httpx.Client, draft: Make,
                                                          product: dict[str, Any]) -> None:
    """POST /v2/invoiceLines adds a line and answers the invoice's new totals."""
    made = draft()
    body = {"invoiceLine": {"invoiceId": made["id"], "productId": product["id"],
                            "unitPrice": 100, "description": "Ekstra"}}
    answer = ok(client.post("/v2/invoiceLines", json=body))
    assert answer["invoiceLines"][0]["priority"] == 2
    assert (answer["invoices"][0]["amount"], answer["invoices"][0]["grossAmount"]) == (700, 875)


def test_lines_of_an_approved_invoice_stay_as_they_are(client: httpx.Client, approved: Make,
                                                       product: dict[str, Any]) -> None:
    """Adding, changing or removing a line of an approved invoice is refused."""
    made = approved()
    line = ok(client.get("/v2/invoiceLines", params={"invoiceId": made["id"]}))["invoiceLines"][0]
    body = {"invoiceLine": {"invoiceId": made["id"], "productId": product["id"], "unitPrice": 1}}
    invalid(client.post("/v2/invoiceLines", json=body), "invoiceLine")
    invalid(client.put(f"/v2/invoiceLines/{line['id']}",
                       json={"invoiceLine": {"unitPrice": 1}}), "invoiceLine")
    invalid(client.delete(f"/v2/invoiceLines/{line['id']}"), "invoiceLine")


def test_a_draft_keeps_at_least_one_line(client: httpx.Client, draft: Make,
                                         product: dict[str, Any]) -> None:
    """Deleting the last line is refused; another line goes, idempotently."""
    made = draft()
    only = ok(client.get("/v2/invoiceLines", params={"invoiceId": made["id"]}))["invoiceLines"]
    invalid(client.delete(f"/v2/invoiceLines/{only[0]['id']}"), "invoice")
    body = {"invoiceLine": {"invoiceId": made["id"], "productId": product["id"], "unitPrice": 1}}
    extra = ok(client.post("/v2/invoiceLines", json=body))["invoiceLines"][0]
    gone = ok(client.delete(f"/v2/invoiceLines/{extra['id']}"))
    assert gone["meta"]["deletedRecords"] == {"invoiceLines": [extra["id"]]}
    assert ok(client.delete(f"/v2/invoiceLines/{extra['id']}"))["meta"]["deletedRecords"] == {}


def test_a_draft_is_deleted_idempotently(client: httpx.Client, draft: Make,
                                         emu: BillyEmulator, org: Organization) -> None:
    """DELETE removes a draft and its lines; the second DELETE answers 200 with nothing."""
    made = draft()
    first = ok(client.delete(f"/v2/invoices/{made['id']}"))["meta"]["deletedRecords"]
    assert first["invoices"] == [made["id"]] and len(first["invoiceLines"]) == 1
    assert ok(client.delete(f"/v2/invoices/{made['id']}"))["meta"]["deletedRecords"] == {}
    assert emu.invoices(org.id) == []


def test_an_approved_invoice_is_not_deleted(client: httpx.Client, approved: Make) -> None:
    """Approved invoices are credited, not deleted."""
    made = approved()
    invalid(client.delete(f"/v2/invoices/{made['id']}"), "invoice")
    ok(client.get(f"/v2/invoices/{made['id']}"))


def test_external_id_is_kept_and_filterable(client: httpx.Client, draft: Make) -> None:
    """externalId (a documented list filter) is stored on create and found by the filter."""
    made = draft(externalId="ledgerlink:wo-1")
    draft(externalId="ledgerlink:wo-2")
    found = ok(client.get("/v2/invoices", params={"externalId": "ledgerlink:wo-1"}))
    assert [i["id"] for i in found["invoices"]] == [made["id"]]
    invalid(client.put(f"/v2/invoices/{made['id']}", json={"invoice": {"externalId": "x"}}),
            "invoice.externalId")


def test_the_exchange_rate_follows_the_currency(client: httpx.Client, draft: Make) -> None:
    """A EUR draft gets the EUR rate to DKK unless one is given; changing currency updates it."""
    euro = draft(currencyId="EUR")
    assert euro["exchangeRate"] == 7.46
    assert draft(currencyId="EUR", exchangeRate=7.5)["exchangeRate"] == 7.5
    changed = ok(client.put(f"/v2/invoices/{euro['id']}", json={"invoice": {"currencyId": "DKK"}}))
    assert changed["invoices"][0]["exchangeRate"] == 1
