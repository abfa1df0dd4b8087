"""Drafts with server-priced lines, booking into numbered invoices, the status collections
and the PDFs."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx

from ledgerlink_economic.emulator import EconomicEmulator
from tests.ledgerlink_economic.emulator.support import FakeClock, draft_body, error_fields


def _draft(client: httpx.Client, **extra: object) -> dict[str, object]:
    response = client.post("/invoices/drafts", json=draft_body(**extra))
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


def test_a_draft_is_priced_by_the_server_with_vat_by_zone(client: httpx.Client) -> None:
    """2 x 100 in the Domestic zone is net 200, VAT 50, gross 250; EU is zero-rated."""
    draft = client.post("/invoices/drafts", json=draft_body()).json()
    assert (draft["netAmount"], draft["vatAmount"], draft["grossAmount"]) == (200, 50, 250)
    line = draft["lines"][0]
    assert (line["lineNumber"], line["totalNetAmount"], line["vatRate"]) == (1, 200, 25)
    assert draft["dueDate"] == "2026-06-05"
    assert draft["paymentTerms"]["name"] == "Netto 8 dage"
    assert draft["recipient"]["vatZone"]["name"] == "Domestic"
    eu = client.post("/invoices/drafts", json=draft_body(zone=2)).json()
    assert (eu["vatAmount"], eu["grossAmount"]) == (0, 200)


def test_a_line_takes_the_products_price_and_name_when_it_omits_them(client: httpx.Client
                                                                      ) -> None:
    """A product line with only a quantity is priced at the product's sales price."""
    draft = client.post("/invoices/drafts", json=draft_body(
        lines=[{"product": {"productNumber": "1"}, "quantity": 1.5}])).json()
    assert draft["lines"][0]["description"] == "Timer"
    assert draft["netAmount"] == 750


def test_a_line_with_a_price_but_no_product_is_refused(client: httpx.Client) -> None:
    """Quantity or price without a product answers E04500 at lines[0].product."""
    response = client.post("/invoices/drafts", json=draft_body(
        lines=[{"description": "Løs", "quantity": 1, "unitNetPrice": 10}]))
    assert response.status_code == 400
    entry = error_fields(response)["lines"][0]
    assert entry["arrayIndex"] == 0 and entry["product"]["errors"][0]["errorCode"] == "E04500"


def test_a_draft_is_read_replaced_extended_and_deleted(client: httpx.Client) -> None:
    """GET has the lines, the list omits them, PUT replaces, lines are added, DELETE removes."""
    number = _draft(client)["draftInvoiceNumber"]
    assert client.get(f"/invoices/drafts/{number}").json()["lines"]
    assert "lines" not in client.get("/invoices/drafts").json()["collection"][0]
    replaced = client.put(f"/invoices/drafts/{number}", json=draft_body(
        lines=[{"product": {"productNumber": "1"}, "quantity": 1, "unitNetPrice": 40}]))
    assert replaced.status_code == 200 and replaced.json()["netAmount"] == 40
    added = client.post(f"/invoices/drafts/{number}/lines", json={
        "lines": [{"product": {"productNumber": "1"}, "quantity": 2, "unitNetPrice": 30}]})
    assert added.status_code == 201
    assert [line["lineNumber"] for line in added.json()["lines"]] == [1, 2]
    assert added.json()["grossAmount"] == 125
    deleted = client.delete(f"/invoices/drafts/{number}")
    assert deleted.json() == {"message": "Deleted invoice.", "deletedCount": 1,
                              "deletedItems": [{"draftInvoiceNumber": number,
                                                "self": deleted.json()["deletedItems"][0]["self"]}]}
    assert client.get(f"/invoices/drafts/{number}").status_code == 404


def test_the_drafts_collection_is_never_deleted(client: httpx.Client) -> None:
    """DELETE /invoices/drafts without a number is not served (405) and drafts remain."""
    _draft(client)
    assert client.delete("/invoices/drafts").status_code == 405
    assert client.get("/invoices/drafts").json()["pagination"]["results"] == 1


def test_booking_numbers_the_invoice_and_removes_the_draft(client: httpx.Client,
                                                          emu: EconomicEmulator) -> None:
    """POST /invoices/booked answers 201 with bookedInvoiceNumber; the draft is gone."""
    number = _draft(client)["draftInvoiceNumber"]
    response = client.post("/invoices/booked", json={"draftInvoice": {
        "draftInvoiceNumber": number}})
    assert response.status_code == 201
    booked = response.json()
    assert booked["bookedInvoiceNumber"] == 1
    assert booked["remainder"] == booked["grossAmount"] == 250
    assert booked["references"] == {"other": "wo-1"}
    assert client.get(f"/invoices/drafts/{number}").status_code == 404
    assert client.get("/invoices/booked/1").json()["lines"][0]["totalNetAmount"] == 200
    again = client.post("/invoices/booked", json={"draftInvoice": {"draftInvoiceNumber": number}})
    assert error_fields(again)["draftInvoice"]["errors"][0]["errorCode"] == "E06000"
    second = _draft(client)["draftInvoiceNumber"]
    chosen = client.post("/invoices/booked", json={"draftInvoice": {
        "draftInvoiceNumber": second}, "bookWithNumber": 500}).json()
    assert chosen["bookedInvoiceNumber"] == 500
    assert [row["bookedInvoiceNumber"] for row in emu.invoices(1_000_001)] == [1, 500]


def test_a_booked_invoice_moves_from_unpaid_to_paid_by_its_remainder(
        client: httpx.Client, emu: EconomicEmulator, clock: FakeClock) -> None:
    """Unpaid until its remainder is 0; overdue after the due date; paid after the payment."""
    number = _draft(client)["draftInvoiceNumber"]
    client.post("/invoices/booked", json={"draftInvoice": {"draftInvoiceNumber": number}})

    def members(kind: str) -> list[int]:
        return [row["bookedInvoiceNumber"]
                for row in client.get(f"/invoices/{kind}").json()["collection"]]

    assert (members("unpaid"), members("not-due"), members("overdue"), members("paid")) == (
        [1], [1], [], [])
    clock.advance(10 * 86400)
    assert members("overdue") == [1] and members("not-due") == []
    emu.pay(1_000_001, 1, Decimal("100.00"))
    assert client.get("/invoices/booked/1").json()["remainder"] == 150
    assert members("unpaid") == [1]
    emu.pay(1_000_001, 1, Decimal("150.00"))
    assert (members("paid"), members("unpaid"), members("overdue")) == ([1], [], [])


def test_drafts_and_booked_invoices_have_pdfs(client: httpx.Client) -> None:
    """``/pdf`` of a draft and of a booked invoice answers a PDF document."""
    number = _draft(client)["draftInvoiceNumber"]
    draft_pdf = client.get(f"/invoices/drafts/{number}/pdf")
    assert draft_pdf.headers["content-type"] == "application/pdf"
    assert draft_pdf.content.startswith(b"%PDF")
    client.post("/invoices/booked", json={"draftInvoice": {"draftInvoiceNumber": number}})
    assert client.get("/invoices/booked/1/pdf").content.startswith(b"%PDF")
    assert client.get("/invoices/booked/2/pdf").status_code == 404


def test_booked_invoices_are_filtered_by_customer_and_reference(client: httpx.Client) -> None:
    """``references.other$eq:`` finds the invoice booked for a work order."""
    for reference in ("wo-1", "wo-2"):
        number = _draft(client, references={"other": reference})["draftInvoiceNumber"]
        client.post("/invoices/booked", json={"draftInvoice": {"draftInvoiceNumber": number}})
    found = client.get("/invoices/booked", params={"filter": "references.other$eq:wo-2"}).json()
    assert [row["bookedInvoiceNumber"] for row in found["collection"]] == [2]
    by_customer = client.get("/invoices/booked", params={
        "filter": "customer.customerNumber$eq:1$and:date$gte:2026-05-01"}).json()
    assert by_customer["pagination"]["results"] == 2


def test_a_date_that_only_contains_a_date_is_refused(client: httpx.Client) -> None:
    """``2026-13-45`` and ``x2026-05-28`` pass the schema's pattern but are refused by field."""
    for text in ("2026-13-45", "x2026-05-28"):
        response = client.post("/invoices/drafts", json=draft_body(date=text))
        assert response.status_code == 400
        assert error_fields(response)["date"]["errors"][0]["value"] == text


def test_the_due_date_follows_the_payment_terms(client: httpx.Client) -> None:
    """Running month + 30 ends the month first; dueDate terms take the sent date or refuse."""
    month = client.post("/invoices/drafts", json=draft_body(
        paymentTerms={"paymentTermsNumber": 4})).json()
    assert month["dueDate"] == "2026-06-30"
    cash = client.post("/invoices/drafts", json=draft_body(
        paymentTerms={"paymentTermsNumber": 6})).json()
    assert cash["dueDate"] == "2026-05-28"
    terms = client.post("/payment-terms", json={"name": "Aftalt", "paymentTermsType": "dueDate"})
    fixed = {"paymentTermsNumber": terms.json()["paymentTermsNumber"]}
    chosen = client.post("/invoices/drafts", json=draft_body(paymentTerms=fixed,
                                                             dueDate="2026-07-15")).json()
    assert chosen["dueDate"] == "2026-07-15"
    missing = client.post("/invoices/drafts", json=draft_body(paymentTerms=fixed))
    assert "dueDate" in error_fields(missing)
    ignored = client.post("/invoices/drafts", json=draft_body(dueDate="2030-01-01")).json()
    assert ignored["dueDate"] == "2026-06-05"


def test_booking_by_ean_needs_an_ean_and_lists_the_invoice_as_sent(client: httpx.Client
                                                                   ) -> None:
    """sendBy EAN without a 13-digit recipient EAN is refused; with one it is under /sent."""
    plain = _draft(client)["draftInvoiceNumber"]
    refused = client.post("/invoices/booked", json={
        "draftInvoice": {"draftInvoiceNumber": plain}, "sendBy": "EAN"})
    assert "ean" in error_fields(refused)["recipient"]
    assert client.get(f"/invoices/drafts/{plain}").status_code == 200
    public = _draft(client, recipient={"name": "Kommunen", "ean": "5798000000001",
                                       "vatZone": {"vatZoneNumber": 1}})
    booked = client.post("/invoices/booked", json={
        "draftInvoice": {"draftInvoiceNumber": public["draftInvoiceNumber"]},
        "sendBy": "EAN"}).json()
    sent = client.get("/invoices/sent").json()["collection"]
    assert [(s["invoice"]["bookedInvoiceNumber"], s["sendBy"], s["recipient"]["ean"])
            for s in sent] == [(booked["bookedInvoiceNumber"], "ean", "5798000000001")]
    by_mail = client.post("/invoices/booked", json={
        "draftInvoice": {"draftInvoiceNumber": plain}, "sendBy": "Email"}).json()
    assert by_mail["sendBy"] == "Email"
    assert client.get("/invoices/sent").json()["pagination"]["results"] == 1


def test_a_draft_of_negative_lines_books_into_a_credit_note(client: httpx.Client,
                                                            emu: EconomicEmulator) -> None:
    """Negative quantities give negative totals and remainder; paying it back settles it."""
    draft = _draft(client, lines=[{"product": {"productNumber": "1"}, "quantity": -2,
                                   "unitNetPrice": 100}], references={"other": "credit wo-1"})
    credit = client.post("/invoices/booked", json={"draftInvoice": {
        "draftInvoiceNumber": draft["draftInvoiceNumber"]}}).json()
    assert (credit["netAmount"], credit["vatAmount"], credit["grossAmount"]) == (-200, -50, -250)
    assert credit["remainder"] == -250
    emu.pay(1_000_001, credit["bookedInvoiceNumber"], Decimal("-250"))
    assert [row["bookedInvoiceNumber"] for row in client.get("/invoices/paid").json()[
        "collection"]] == [credit["bookedInvoiceNumber"]]


def test_amounts_are_written_with_their_exact_digits(client: httpx.Client) -> None:
    """A large amount keeps every øre in the JSON text (not rounded through a float)."""
    response = client.post("/invoices/drafts", json=draft_body(lines=[
        {"product": {"productNumber": "1"}, "quantity": 1,
         "unitNetPrice": 123456789012.34}]))
    draft = json.loads(response.content, parse_float=Decimal)
    assert draft["netAmount"] == Decimal("123456789012.34")
    assert b'"vatAmount": 30864197253.09' in response.content
