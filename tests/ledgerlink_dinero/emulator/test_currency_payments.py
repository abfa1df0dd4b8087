"""Payments in two currencies and credit notes settling the invoice they credit."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx

from ledgerlink.http import jsonbody
from tests.ledgerlink_dinero.emulator.support import FakeClock, api, error_code, ok

Maker = Callable[..., dict[str, Any]]


def _exact(response: httpx.Response, status: int = 200) -> Any:
    """The JSON body with every fractional number as an exact Decimal."""
    assert response.status_code == status, response.text
    return json.loads(response.text, parse_float=Decimal)


def _pay(client: httpx.Client, guid: str, **amounts: object) -> httpx.Response:
    current = ok(client.get(api(f"invoices/{guid}")))
    body = {"Timestamp": current["TimeStamp"], "PaymentDate": "2026-05-29", **amounts}
    # Encoded with exact decimals, as a client sending øre does (not through floats).
    return client.post(api(f"invoices/{guid}/payments"), content=jsonbody.encode(body),
                       headers={"Content-Type": "application/json"})


def _payments(client: httpx.Client, guid: str) -> Any:
    return _exact(client.get(api(f"invoices/{guid}/payments")))


def _credit(client: httpx.Client, guid: str, **extra: Any) -> dict[str, Any]:
    created = ok(client.post(api("sales/creditnotes"), json={"CreditNoteFor": guid, **extra}), 201)
    book = {"Timestamp": created["TimeStamp"]}
    ok(client.post(api(f"sales/creditnotes/{created['Guid']}/book"), json=book))
    return dict(created)


def _changed_since(client: httpx.Client, moment: str) -> list[str]:
    query = {"changesSince": moment, "fields": "Guid"}
    return [row["Guid"] for row in ok(client.get(api("invoices"), params=query))["Collection"]]


def test_a_eur_invoice_is_settled_in_eur_whatever_the_dkk_amount(
    client: httpx.Client, booked: Maker
) -> None:
    """A EUR invoice's balance falls by the foreign amount paid, not the DKK amount."""
    invoice = booked(Currency="EUR")  # 1250 EUR
    assert invoice["TotalInclVat"] == 1250
    # 100 EUR paid, booked as 746 DKK: the balance falls by 100, not by 746.
    ok(_pay(client, invoice["Guid"], Amount=746, AmountInForeignCurrency=100), 201)
    read = _payments(client, invoice["Guid"])
    assert [(p["Amount"], p["AmountInForeignCurrency"]) for p in read["Payments"]] == [(746, 100)]
    assert (read["PaidAmount"], read["RemainingAmount"]) == (100, 1150)
    assert ok(client.get(api(f"invoices/{invoice['Guid']}")))["PaymentStatus"] == "Booked"
    ok(_pay(client, invoice["Guid"], Amount=Decimal("8579.00"), AmountInForeignCurrency=1150), 201)
    assert ok(client.get(api(f"invoices/{invoice['Guid']}")))["PaymentStatus"] == "Paid"


def test_a_missing_foreign_amount_is_amount_at_the_day_rate(
    client: httpx.Client, booked: Maker
) -> None:
    """A payment on a EUR invoice without a foreign amount converts at the day's rate."""
    invoice = booked(Currency="EUR")
    ok(_pay(client, invoice["Guid"], Amount=Decimal("100.00")), 201)  # 7.46 DKK per EUR
    (payment,) = _payments(client, invoice["Guid"])["Payments"]
    assert payment["AmountInForeignCurrency"] == Decimal("13.40")


def test_foreign_amount_sign_must_follow_amount_and_dkk_invoices_ignore_it(
    client: httpx.Client, booked: Maker
) -> None:
    """A foreign amount of the wrong sign is refused; on a DKK invoice it is dropped."""
    eur = booked(Currency="EUR")
    refused = _pay(client, eur["Guid"], Amount=746, AmountInForeignCurrency=-100)
    assert error_code(refused, 400) == 42
    assert refused.json()["validationErrors"].keys() == {"AmountInForeignCurrency"}
    dkk = booked()
    ok(_pay(client, dkk["Guid"], Amount=250, AmountInForeignCurrency=9999), 201)
    read = _payments(client, dkk["Guid"])
    assert read["Payments"][0]["AmountInForeignCurrency"] is None
    assert (read["PaidAmount"], read["RemainingAmount"]) == (250, 1000)


def test_a_payment_renews_the_timestamp_and_lists_the_invoice_as_changed(
    client: httpx.Client, booked: Maker, clock: FakeClock
) -> None:
    """A payment renews the invoice's timestamp and lists it under changesSince."""
    invoice = booked()
    clock.advance(60)  # 20:27:40 UTC
    assert _changed_since(client, "2026-05-28T20:27:00Z") == []
    ok(_pay(client, invoice["Guid"], Amount=1), 201)
    assert _changed_since(client, "2026-05-28T20:27:00Z") == [invoice["Guid"]]
    assert ok(client.get(api(f"invoices/{invoice['Guid']}")))["TimeStamp"] != invoice["TimeStamp"]


def test_a_booked_credit_note_settles_and_changes_its_invoice(
    client: httpx.Client, booked: Maker, clock: FakeClock
) -> None:
    """Booking a credit note settles its invoice as a payment and marks it changed."""
    invoice = booked()
    other = booked()
    clock.advance(60)
    created = ok(client.post(api("sales/creditnotes"), json={"CreditNoteFor": invoice["Guid"]}),
                 201)
    assert _changed_since(client, "2026-05-28T20:27:00Z") == []  # a draft note settles nothing
    book = {"Timestamp": created["TimeStamp"]}
    ok(client.post(api(f"sales/creditnotes/{created['Guid']}/book"), json=book))
    assert _changed_since(client, "2026-05-28T20:27:00Z") == [invoice["Guid"]]
    read = _payments(client, invoice["Guid"])
    assert [(p["Guid"], p["Amount"], p["Description"]) for p in read["Payments"]] == [
        (created["Guid"], 1250, "Kreditnota 1")]
    assert (read["PaidAmount"], read["RemainingAmount"]) == (1250, 0)
    assert ok(client.get(api(f"invoices/{invoice['Guid']}")))["PaymentStatus"] == "Paid"
    assert ok(client.get(api(f"invoices/{other['Guid']}")))["PaymentStatus"] == "Booked"


def test_a_partial_credit_note_on_a_eur_invoice_lowers_what_remains_in_eur(
    client: httpx.Client, booked: Maker
) -> None:
    """A partial credit note on a EUR invoice lowers what remains in EUR."""
    invoice = booked(Currency="EUR")
    line = {"Description": "Rabat", "Quantity": 1, "AccountNumber": 1000, "Unit": "parts",
            "BaseAmountValue": 100, "LineType": "Product"}
    _credit(client, invoice["Guid"], ProductLines=[line])  # 125 EUR incl. VAT
    ok(_pay(client, invoice["Guid"], Amount=746, AmountInForeignCurrency=100), 201)
    read = _payments(client, invoice["Guid"])
    assert [(p["Amount"], p["AmountInForeignCurrency"]) for p in read["Payments"]] == [
        (746, 100), (Decimal("932.50"), 125)]
    assert (read["PaidAmount"], read["RemainingAmount"]) == (225, 1025)
    assert ok(client.get(api(f"invoices/{invoice['Guid']}")))["PaymentStatus"] == "Booked"


def test_a_credit_note_in_another_currency_than_its_invoice_is_refused(
    client: httpx.Client, booked: Maker
) -> None:
    """A credit note in another currency than its invoice is refused."""
    invoice = booked(Currency="EUR")
    refused = client.post(api("sales/creditnotes"),
                          json={"CreditNoteFor": invoice["Guid"], "Currency": "DKK"})
    assert error_code(refused, 400) == 42
    assert refused.json()["validationErrors"].keys() == {"Currency"}
