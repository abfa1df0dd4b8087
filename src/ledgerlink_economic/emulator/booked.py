"""Booking and booked invoices: ``POST /invoices/booked``, the booked, paid, unpaid,
overdue and not-due collections, and the PDFs [E2][E4][E13][E15].

Booking takes ``{"draftInvoice": {"draftInvoiceNumber": n}}`` (optionally
``bookWithNumber`` and ``sendBy``), answers 201 with the booked invoice under
its new ``bookedInvoiceNumber`` and removes the draft; it cannot be undone.
The booked invoice's ``remainder`` starts at its gross amount and falls as
payments are registered (:func:`register_payment`; the legacy API books
payments through journals, which the emulator does not serve). Paid means a
remainder of 0; unpaid any other; overdue unpaid past its due date; not-due
unpaid and due today or later. ``sendBy: "EAN"`` needs a 13-digit EAN on the
recipient and lists the invoice under ``/invoices/sent`` (only e-invoicing sends
are listed there [E4]); ``"Email"`` is kept on the invoice and sends nothing
(e-mail is not possible through the API [E2]). A draft of negative lines books
into a credit note: negative amounts and remainder [E2].
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from ledgerlink.emulation import EmuResponse, document_pdf
from ledgerlink_economic.emulator.drafts import DRAFTS, summary
from ledgerlink_economic.emulator.listing import page
from ledgerlink_economic.emulator.resources import Call, require
from ledgerlink_economic.emulator.state import Agreement
from ledgerlink_economic.emulator.validation import checked
from ledgerlink_economic.emulator.wire import EconomicError, FieldError, answer, link

__all__ = ["BOOKED", "COLLECTIONS", "SENT", "book", "register_payment"]

BOOKED = "invoices/booked"
SENT = "invoices/sent"
#: An EAN (GLN) is 13 digits.
_EAN = re.compile(r"^\d{13}$")


def _status_filters(today: date) -> dict[str, Callable[[dict[str, Any]], bool]]:
    def unpaid(row: dict[str, Any]) -> bool:
        return Decimal(row["remainder"]) != 0

    return {
        "paid": lambda row: not unpaid(row),
        "unpaid": unpaid,
        "overdue": lambda row: unpaid(row) and date.fromisoformat(row["dueDate"]) < today,
        "not-due": lambda row: unpaid(row) and date.fromisoformat(row["dueDate"]) >= today,
    }


#: The convenience collections under ``/invoices/``.
COLLECTIONS = ("paid", "unpaid", "overdue", "not-due")


def book(call: Call, on_booked: Callable[[Agreement, dict[str, Any]], None]) -> EmuResponse:
    """Book the draft the body names; ``on_booked`` hears of the new invoice."""
    body = checked("invoices.booked.post", call.body())
    agreement = call.agreement
    wanted = body.get("draftInvoice", {}).get("draftInvoiceNumber")
    if wanted is None:
        raise EconomicError.validation([FieldError(
            ["draftInvoice"], "E04500", "No identifiers present on draftInvoice. Please "
            "include either a self link or a draftInvoiceNumber.")])
    draft = agreement.tables[DRAFTS].get(str(wanted))
    if draft is None:
        raise EconomicError.validation([FieldError(
            ["draftInvoice"], "E06000", "draftInvoice does not exist.", value=wanted,
            hint=f"Find a list of resources at {link(DRAFTS)}.")])
    number = int(body.get("bookWithNumber", agreement.next_booked))
    if str(number) in agreement.tables[BOOKED]:
        raise EconomicError.validation([FieldError(
            ["bookWithNumber"], "E04200", f"Invoice number {number} is already used.",
            value=number)])
    booked = {"bookedInvoiceNumber": number,
              **{k: v for k, v in draft.items()
                 if k not in ("draftInvoiceNumber", "pdf", "lines", "self")}}
    booked["remainder"] = booked["grossAmount"]
    booked["remainderInBaseCurrency"] = booked["grossAmountInBaseCurrency"]
    booked["pdf"] = {"download": link(BOOKED, number, "pdf")}
    booked["lines"] = draft["lines"]
    send_by = body.get("sendBy", "none")
    if send_by == "EAN" and not _EAN.match(str(draft["recipient"].get("ean", ""))):
        raise EconomicError.validation([FieldError(
            ["recipient", "ean"], "E04730", "An EAN of 13 digits is required on the "
            "recipient to send by EAN.", value=draft["recipient"].get("ean"))])
    if send_by != "none":
        booked["sendBy"] = send_by
    booked["sent"] = link(BOOKED, number, "sent")
    booked["self"] = link(BOOKED, number)
    del agreement.tables[DRAFTS][str(wanted)]
    agreement.tables[BOOKED][str(number)] = booked
    agreement.next_booked = max(agreement.next_booked, number + 1)
    if send_by == "EAN":
        _record_sent(agreement, booked, call.now.date())
    on_booked(agreement, booked)
    return answer(201, booked, {"location": booked["self"]})


def _record_sent(agreement: Agreement, booked: dict[str, Any], today: date) -> None:
    """An e-invoice sent through NemHandel: listed under ``/invoices/sent`` (only
    e-invoicing sends are [E4]); delivery itself is not emulated."""
    sent = agreement.tables[SENT]
    number = max((int(key) for key in sent), default=0) + 1
    sent[str(number)] = {
        "id": number,
        "invoice": {"bookedInvoiceNumber": booked["bookedInvoiceNumber"],
                    "self": booked["self"]},
        "status": "sent", "sendBy": "ean", "creationDate": today.isoformat(),
        "recipient": {"name": booked["recipient"]["name"], "ean": booked["recipient"]["ean"]},
        "self": link(SENT, number)}


def sent_listing(call: Call) -> EmuResponse:
    """``GET /invoices/sent``: the e-invoices sent."""
    return answer(200, page(call.agreement.rows(SENT), call.request.query, "/" + SENT,
                            "invoices.sent.get"))


def sent_get(call: Call) -> EmuResponse:
    return answer(200, require(call.agreement, SENT, call.arguments["number"], "Sent invoice"))


def listing(call: Call, kind: str = "booked") -> EmuResponse:
    """``GET /invoices/booked`` or ``/invoices/<kind>`` for a kind of :data:`COLLECTIONS`."""
    rows = [summary(row) for row in call.agreement.rows(BOOKED)]
    if kind != "booked":
        keep = _status_filters(call.now.date())[kind]
        rows = [row for row in rows if keep(row)]
    return answer(200, page(rows, call.request.query, "/invoices/" + kind,
                            f"invoices.{kind}.get"))


def get(call: Call) -> EmuResponse:
    return answer(200, require(call.agreement, BOOKED, call.arguments["number"],
                               "Booked invoice"))


def _pdf(row: dict[str, Any], title: str, agreement: Agreement) -> EmuResponse:
    rows = [f"{agreement.name}", f"To: {row['recipient'].get('name', '')}",
            f"Date: {row['date']}   Due: {row['dueDate']}"]
    rows += [f"{line.get('description', '')}  {line.get('quantity', '')} x "
             f"{line.get('unitNetPrice', '')} = {line.get('totalNetAmount', '')}"
             for line in row.get("lines", [])]
    rows += [f"Net {row['netAmount']}  VAT {row['vatAmount']}  "
             f"Total {row['grossAmount']} {row['currency']}"]
    return EmuResponse(200, {"content-type": "application/pdf"},
                       document_pdf(title, rows, author=agreement.name))


def draft_pdf(call: Call) -> EmuResponse:
    row = require(call.agreement, DRAFTS, call.arguments["number"], "Draft invoice")
    return _pdf(row, f"Draft invoice {row['draftInvoiceNumber']}", call.agreement)


def booked_pdf(call: Call) -> EmuResponse:
    row = require(call.agreement, BOOKED, call.arguments["number"], "Booked invoice")
    return _pdf(row, f"Invoice {row['bookedInvoiceNumber']}", call.agreement)


def register_payment(agreement: Agreement, number: int, amount: Decimal) -> dict[str, Any]:
    """Lower booked invoice ``number``'s remainder by ``amount`` (a payment registered in
    e-conomic's bank journal); returns the invoice."""
    with agreement.lock:
        row = agreement.tables[BOOKED][str(number)]
        remainder = Decimal(row["remainder"]) - amount
        rate = Decimal(row["exchangeRate"]) / 100
        row["remainder"] = remainder
        row["remainderInBaseCurrency"] = (remainder * rate).quantize(Decimal("0.01"))
        return dict(row)
