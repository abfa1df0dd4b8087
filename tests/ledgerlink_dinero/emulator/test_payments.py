"""Payments (Paid, OverPaid, Overdue, partial), credit notes and changesSince polling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from ledgerlink_dinero.emulator import DineroEmulator
from tests.ledgerlink_dinero.emulator.support import FakeClock, api, error_code, ok, sign_in_again

Maker = Callable[..., dict[str, Any]]


def _pay(client: httpx.Client, invoice: dict[str, Any], amount: object) -> httpx.Response:
    current = ok(client.get(api(f"invoices/{invoice['Guid']}")))
    body = {"Timestamp": current["TimeStamp"], "Amount": amount, "DepositAccountNumber": 55000}
    return client.post(api(f"invoices/{invoice['Guid']}/payments"), json=body)


def _payment_status(client: httpx.Client, invoice: dict[str, Any]) -> str:
    return str(ok(client.get(api(f"invoices/{invoice['Guid']}")))["PaymentStatus"])


def test_partial_then_full_payment(client: httpx.Client, booked: Maker) -> None:
    """An invoice stays Booked while partly paid, then is Paid, then OverPaid."""
    invoice = booked()
    assert invoice["PaymentStatus"] == "Booked"
    ok(_pay(client, invoice, 500), 201)
    assert _payment_status(client, invoice) == "Booked"  # partially paid has no native value
    payments = ok(client.get(api(f"invoices/{invoice['Guid']}/payments")))
    assert (payments["PaidAmount"], payments["RemainingAmount"]) == (500, 750)
    ok(_pay(client, invoice, 750), 201)
    assert _payment_status(client, invoice) == "Paid"
    ok(_pay(client, invoice, 1), 201)
    assert _payment_status(client, invoice) == "OverPaid"


def test_unpaid_past_due_is_overdue_and_lists_say_so(
    client: httpx.Client, booked: Maker, clock: FakeClock, emulator: DineroEmulator
) -> None:
    """An unpaid invoice past its due date reads and lists as Overdue until paid."""
    invoice = booked()
    assert invoice["PaymentDate"] == "2026-06-05"
    clock.advance(9 * 86_400)
    sign_in_again(client, emulator)
    assert _payment_status(client, invoice) == "Overdue"
    listed = ok(client.get(api("invoices"), params={"fields": "Guid,Status"}))
    assert listed["Collection"] == [{"Guid": invoice["Guid"], "Status": "Overdue"}]
    ok(_pay(client, invoice, 1250), 201)
    assert _payment_status(client, invoice) == "Paid"


def test_payment_refusals(client: httpx.Client, draft: Maker, booked: Maker) -> None:
    """Payments are refused on a draft, with a stale timestamp, or for a zero amount."""
    created = draft()
    assert error_code(_pay(client, created, 10), 400) == 42  # a draft cannot be paid
    invoice = booked()
    stale = client.post(
        api(f"invoices/{invoice['Guid']}/payments"),
        json={"Timestamp": invoice["TimeStamp"], "Amount": 10},
    )
    ok(stale, 201)
    again = client.post(
        api(f"invoices/{invoice['Guid']}/payments"),
        json={"Timestamp": invoice["TimeStamp"], "Amount": 10},
    )
    assert error_code(again, 400) == 58
    assert error_code(_pay(client, invoice, 0), 400) == 42


def test_credit_note_for_a_booked_invoice(
    client: httpx.Client, draft: Maker, booked: Maker
) -> None:
    """A credit note is made for a booked invoice only, copies it, and is numbered on its own."""
    open_draft = draft()
    refused = client.post(api("sales/creditnotes"), json={"CreditNoteFor": open_draft["Guid"]})
    assert error_code(refused, 400) == 42
    invoice = booked()
    created = ok(
        client.post(api("sales/creditnotes"), json={"CreditNoteFor": invoice["Guid"]}), 201
    )
    path = api(f"sales/creditnotes/{created['Guid']}")
    note = ok(client.get(path))
    assert (note["Status"], note["CreditNoteFor"]) == ("Draft", invoice["Guid"])
    assert note["ContactGuid"] == invoice["ContactGuid"]
    assert note["TotalInclVat"] == invoice["TotalInclVat"]
    assert error_code(client.get(path + "/pdf"), 400) == 42
    assert error_code(client.post(path + "/book", json={"Timestamp": "1"}), 400) == 58
    booked_note = ok(client.post(path + "/book", json={"Timestamp": created["TimeStamp"]}))
    assert booked_note["Number"] == 1  # credit notes have their own sequence
    assert client.get(path + "/pdf").content.startswith(b"%PDF-")
    found = ok(
        client.get(
            api("sales/creditnotes"),
            params={
                "queryFilter": f"CreditNoteFor eq '{invoice['Guid']}'",
                "fields": "Guid,Number",
            },
        )
    )
    assert found["Collection"] == [{"Guid": created["Guid"], "Number": 1}]


def test_changes_since_sees_payment_and_mail(
    client: httpx.Client, booked: Maker, draft: Maker, clock: FakeClock, emulator: DineroEmulator
) -> None:
    """changesSince lists an invoice after a payment or an email on it, not before."""
    untouched = draft()
    invoice = booked()
    clock.advance(3600)
    sign_in_again(client, emulator)
    since = "2026-05-28T21:00:00"
    query = {"changesSince": since, "fields": "Guid"}
    assert ok(client.get(api("invoices"), params=query))["Collection"] == []
    ok(_pay(client, invoice, 100), 201)
    rows = ok(client.get(api("invoices"), params=query))["Collection"]
    assert rows == [{"Guid": invoice["Guid"]}]
    assert untouched["Guid"] not in {row["Guid"] for row in rows}
    clock.advance(60)
    later = {"changesSince": "2026-05-28T21:27:00Z", "fields": "Guid"}
    assert ok(client.get(api("invoices"), params=later))["Collection"] == []
    send = {"ShouldAddTrustPilotEmailAsBcc": False}
    ok(client.post(api(f"invoices/{invoice['Guid']}/email"), json=send))
    assert ok(client.get(api("invoices"), params=later))["Collection"] == [
        {"Guid": invoice["Guid"]}
    ]
