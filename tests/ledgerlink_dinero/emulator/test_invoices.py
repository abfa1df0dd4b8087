"""Invoices: drafts, Timestamp concurrency (58), booking numbers, PDF, email and delete."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgerlink_dinero.emulator import DineroEmulator
from tests.ledgerlink_dinero.emulator.support import api, error_code, invoice_body, ok

Maker = Callable[..., dict[str, Any]]
LINE = {"Description": "Ekstra", "Quantity": 1, "AccountNumber": 1000, "Unit": "parts"}


def test_draft_has_vat_totals_and_lines(client: httpx.Client, draft: Maker) -> None:
    """A draft has no number, VAT totals, a due date, total lines and account names."""
    created = draft()
    assert len(created["TimeStamp"]) == 16
    invoice = ok(client.get(api(f"invoices/{created['Guid']}")))
    assert invoice["Status"] == invoice["PaymentStatus"] == "Draft"
    assert invoice["Number"] is None
    assert (invoice["TotalExclVat"], invoice["TotalVat"], invoice["TotalInclVat"]) == (
        1000,
        250,
        1250,
    )
    assert invoice["PaymentDate"] == "2026-06-05"
    assert invoice["ExternalReference"] == "ledgerlink:wo-1"
    assert invoice["ContactName"] == "Hansen ApS"
    line = invoice["ProductLines"][0]
    assert line["AccountName"] == "Salg af varer/ydelser m/moms"
    assert (line["TotalAmount"], line["TotalAmountInclVat"]) == (1000, 1250)
    assert [row["Type"] for row in invoice["TotalLines"]] == ["SubTotal", "Vat", "Total"]


def test_client_guid_makes_a_retried_create_refuse(client: httpx.Client, contact: str) -> None:
    """An invoice created with a client guid keeps it, and a retry with it is refused."""
    guid = str(uuid.uuid4())
    body = invoice_body(contact, Guid=guid)
    assert ok(client.post(api("invoices"), json=body), 201)["Guid"] == guid
    assert error_code(client.post(api("invoices"), json=body), 400) == 42


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"ProductLines": []}, 45),
        ({"ProductLines": None}, 45),
        ({"Currency": "XXX"}, 42),
        ({"ContactGuid": "2aa6fda2-9649-483e-82ec-094567eedfd6"}, 42),
        ({"PaymentConditionType": "Someday"}, 42),
        ({"ExternalReference": "x" * 129}, 42),
        ({"ProductLines": [{**LINE, "Unit": None, "BaseAmountValue": 1}]}, 42),
        ({"ProductLines": [{**LINE}]}, 42),  # no BaseAmountValue and no product
        ({"ProductLines": [{**LINE, "BaseAmountValue": 1, "Discount": 101}]}, 42),
        ({"ProductLines": [{"LineType": "Text"}]}, 42),
    ],
)
def test_create_refusals(
    client: httpx.Client, contact: str, change: dict[str, Any], code: int
) -> None:
    """An invoice with no lines, a bad currency, contact, term, reference or line is refused."""
    response = client.post(api("invoices"), json=invoice_body(contact, **change))
    assert error_code(response, 400) == code


def test_contact_defaults_and_text_and_product_lines(client: httpx.Client) -> None:
    """An invoice takes the contact's payment terms and mixes text and product lines."""
    contact = ok(
        client.post(
            api("contacts"),
            json={
                "Name": "Kunde",
                "CountryKey": "DK",
                "IsPerson": True,
                "IsMember": False,
                "UseCvr": False,
                "PaymentConditionType": "CurrentMonthOut",
                "PaymentConditionNumberOfDays": 10,
            },
        ),
        201,
    )["ContactGuid"]
    product = ok(
        client.post(
            api("products"),
            json={
                "Name": "Vask",
                "BaseAmountValue": 80,
                "Quantity": 1,
                "AccountNumber": 1100,
                "Unit": "parts",
            },
        ),
        201,
    )["ProductGuid"]
    body = invoice_body(contact, PaymentConditionType=None, PaymentConditionNumberOfDays=None)
    body["ProductLines"] = [
        {"LineType": "Text", "Description": "Udført maj"},
        {"ProductGuid": product, "Quantity": 3, "AccountNumber": 1100, "Unit": "parts"},
    ]
    guid = ok(client.post(api("invoices"), json=body), 201)["Guid"]
    invoice = ok(client.get(api(f"invoices/{guid}")))
    assert invoice["PaymentConditionType"] == "CurrentMonthOut"
    assert invoice["PaymentDate"] == "2026-06-10"  # end of May + 10 days
    assert invoice["ProductLines"][1]["Description"] == "Vask"
    assert (invoice["TotalExclVat"], invoice["TotalVat"]) == (240, 0)
    assert invoice["TotalNonVatableAmount"] == 240


def test_full_update_needs_the_current_timestamp(client: httpx.Client, draft: Maker) -> None:
    """A full update needs the current timestamp; a stale or missing one changes nothing."""
    created = draft()
    path = api(f"invoices/{created['Guid']}", version="v1.2")
    body = invoice_body(None, Timestamp=created["TimeStamp"])
    body["ContactGuid"] = ok(client.get(api(f"invoices/{created['Guid']}")))["ContactGuid"]
    body["ProductLines"].append({**LINE, "BaseAmountValue": 100})
    updated = ok(client.put(path, json=body))
    assert updated["TimeStamp"] != created["TimeStamp"]
    invoice = ok(client.get(api(f"invoices/{created['Guid']}")))
    assert len(invoice["ProductLines"]) == 2
    assert invoice["TotalInclVat"] == 1375
    # The old Timestamp is stale now: error 58, nothing changed.
    stale = client.put(path, json={**body, "ProductLines": body["ProductLines"][:1]})
    assert error_code(stale, 400) == 58
    assert stale.json()["message"] == "Timestamp out of date"
    assert len(ok(client.get(api(f"invoices/{created['Guid']}")))["ProductLines"]) == 2
    missing = client.put(path, json={k: v for k, v in body.items() if k != "Timestamp"})
    assert error_code(missing, 400) == 42


def test_update_is_only_on_v1_2(client: httpx.Client, draft: Maker) -> None:
    """A full invoice update on the v1 path answers 405."""
    created = draft()
    response = client.put(api(f"invoices/{created['Guid']}"), json={})
    assert response.status_code == 405


def test_booking_assigns_consecutive_numbers(client: httpx.Client, draft: Maker) -> None:
    """Booking numbers invoices consecutively; a chosen free number is used and continued."""
    numbers = []
    for _ in range(3):
        created = draft()
        path = api(f"invoices/{created['Guid']}/book")
        booked = ok(client.post(path, json={"Timestamp": created["TimeStamp"]}))
        assert booked["TimeStamp"] != created["TimeStamp"]
        numbers.append(booked["Number"])
    assert numbers == [1, 2, 3]
    chosen = draft()
    taken = client.post(
        api(f"invoices/{chosen['Guid']}/book"), json={"Timestamp": chosen["TimeStamp"], "Number": 2}
    )
    assert error_code(taken, 400) == 42
    free = client.post(
        api(f"invoices/{chosen['Guid']}/book"),
        json={"Timestamp": chosen["TimeStamp"], "Number": 10},
    )
    assert ok(free)["Number"] == 10
    after = draft()
    assert (
        ok(
            client.post(
                api(f"invoices/{after['Guid']}/book"), json={"Timestamp": after["TimeStamp"]}
            )
        )["Number"]
        == 11
    )


def test_book_refusals(client: httpx.Client, draft: Maker) -> None:
    """Booking refuses a stale or missing timestamp, a second booking and a missing contact."""
    created = draft()
    path = api(f"invoices/{created['Guid']}/book")
    assert error_code(client.post(path, json={"Timestamp": "0000000000000001"}), 400) == 58
    assert error_code(client.post(path, json={}), 400) == 42
    ok(client.post(path, json={"Timestamp": created["TimeStamp"]}))
    twice = client.post(path, json={"Timestamp": created["TimeStamp"]})
    assert error_code(twice, 400) == 42
    no_contact = ok(client.post(api("invoices"), json=invoice_body(None)), 201)
    refused = client.post(
        api(f"invoices/{no_contact['Guid']}/book"), json={"Timestamp": no_contact["TimeStamp"]}
    )
    assert "ContactGuid" in refused.json()["validationErrors"]


def test_pdf_only_for_booked_invoices(client: httpx.Client, draft: Maker) -> None:
    """A PDF is served for a booked invoice only."""
    created = draft()
    path = api(f"invoices/{created['Guid']}")
    pdf = {"Accept": "application/octet-stream"}
    refused = client.get(path, headers=pdf)
    assert error_code(refused, 400) == 42
    assert "booked" in refused.text
    ok(client.post(path + "/book", json={"Timestamp": created["TimeStamp"]}))
    response = client.get(path, headers=pdf)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_email_rules(client: httpx.Client, draft: Maker, emulator: DineroEmulator) -> None:
    """Emailing needs a booked invoice, the PDF link in the message and the Trustpilot flag."""
    created = draft()
    path = api(f"invoices/{created['Guid']}")
    send = {"ShouldAddTrustPilotEmailAsBcc": False, "Message": "Se [link-to-pdf]"}
    assert error_code(client.post(path + "/email", json=send), 400) == 42  # still a draft
    ok(client.post(path + "/book", json={"Timestamp": created["TimeStamp"]}))
    no_link = client.post(path + "/email", json={**send, "Message": "Hej, her er fakturaen"})
    assert error_code(no_link, 400) == 42
    assert "[link-to-pdf]" in no_link.json()["validationErrors"]["Message"]
    no_flag = client.post(path + "/email", json={"Message": "[link-to-pdf]"})
    assert "ShouldAddTrustPilotEmailAsBcc" in no_flag.json()["validationErrors"]
    assert emulator.organisations[next(iter(emulator.organisations))].mails == []
    ok(client.post(path + "/email", json=send))
    mail = emulator.organisations[next(iter(emulator.organisations))].mails[0]
    assert (mail["Receiver"], mail["Subject"]) == ("bogholderi@hansen.dk", "Faktura 1")
    assert ok(client.get(path))["MailOutStatus"] == "Sent"


def test_email_without_any_receiver_is_error_55(client: httpx.Client) -> None:
    """Emailing an invoice with no receiver on it or its contact is error 55."""
    body = {"Name": "Uden mail", "CountryKey": "DK", "IsPerson": True, "IsMember": False}
    contact = ok(client.post(api("contacts"), json={**body, "UseCvr": False}), 201)
    created = ok(client.post(api("invoices"), json=invoice_body(contact["ContactGuid"])), 201)
    path = api(f"invoices/{created['Guid']}")
    ok(client.post(path + "/book", json={"Timestamp": created["TimeStamp"]}))
    response = client.post(path + "/email", json={"ShouldAddTrustPilotEmailAsBcc": False})
    assert error_code(response, 400) == 55
    given = {"ShouldAddTrustPilotEmailAsBcc": False, "Receiver": "a@b.dk"}
    ok(client.post(path + "/email", json=given))


def test_delete_only_drafts_with_the_current_timestamp(client: httpx.Client, draft: Maker) -> None:
    """Only a draft is deleted, with its current timestamp, and then lists as deleted."""
    created = draft()
    path = api(f"invoices/{created['Guid']}")
    stale = client.request("DELETE", path, json={"Timestamp": "0000000000000001"})
    assert error_code(stale, 400) == 58
    deleted = client.request("DELETE", path, json={"Timestamp": created["TimeStamp"]})
    assert deleted.status_code == 204
    gone = client.get(path)
    assert error_code(gone, 404) == 65
    assert gone.json()["message"] == "Item is deleted"
    listed = ok(client.get(api("invoices"), params={"deletedOnly": "true", "fields": "Guid"}))
    assert listed["Collection"] == [{"Guid": created["Guid"]}]
    assert ok(client.get(api("invoices")))["Collection"] == []

    other = draft()
    other_path = api(f"invoices/{other['Guid']}")
    booked = ok(client.post(other_path + "/book", json={"Timestamp": other["TimeStamp"]}))
    refused = client.request("DELETE", other_path, json={"Timestamp": booked["TimeStamp"]})
    assert error_code(refused, 400) == 42
    assert ok(client.get(other_path))["DeletedAt"] is None


def test_invoice_list_filters(client: httpx.Client, draft: Maker, contact: str) -> None:
    """Invoices are listed by reference, contact, date range, status and in either order."""
    first = draft(Date="2026-05-01", ExternalReference="ledgerlink:a")
    draft(Date="2026-05-20", ExternalReference="ledgerlink:b")
    fields = {"fields": "Guid,ExternalReference,Status,Date,TotalInclVat"}
    by_reference = ok(
        client.get(
            api("invoices"), params={**fields, "queryFilter": "ExternalReference eq 'ledgerlink:a'"}
        )
    )
    assert [row["Guid"] for row in by_reference["Collection"]] == [first["Guid"]]
    in_range = ok(
        client.get(
            api("invoices"),
            params={
                **fields,
                "startDate": "2026-05-10",
                "endDate": "2026-05-31",
                "queryFilter": f"ContactGuid eq '{contact}'",
            },
        )
    )
    assert [row["ExternalReference"] for row in in_range["Collection"]] == ["ledgerlink:b"]
    assert in_range["Collection"][0]["TotalInclVat"] == Decimal(1250)
    ascending = ok(client.get(api("invoices"), params={**fields, "sortOrder": "ascending"}))
    assert [row["Date"] for row in ascending["Collection"]] == ["2026-05-01", "2026-05-20"]
    drafts = ok(client.get(api("invoices"), params={**fields, "statusFilter": "Draft"}))
    assert drafts["Pagination"]["Result"] == 2


def test_invoice_list_gives_only_the_list_models_fields(client: httpx.Client,
                                                        draft: Maker) -> None:
    """``fields`` picks among the list model only: lines, total lines and the Timestamp are
    read from the invoice itself, never from a list."""
    made = draft(ExternalReference="ledgerlink:c")
    asked = "Guid,ExternalReference,MailOutStatus,ProductLines,TotalLines,TimeStamp"
    rows = ok(client.get(api("invoices"), params={"fields": asked}))["Collection"]
    assert rows == [{"Guid": made["Guid"], "ExternalReference": "ledgerlink:c",
                     "MailOutStatus": "NotSent"}]
    single = ok(client.get(api(f"invoices/{made['Guid']}")))
    assert single["ProductLines"] and single["TimeStamp"]
