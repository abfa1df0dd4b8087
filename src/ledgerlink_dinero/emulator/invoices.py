"""Invoices: drafts, full update by Timestamp, book, email, PDF, payments and delete.

Payments (PaymentCreateModel [D17 (3p model)]): ``Amount`` is DKK;
``AmountInForeignCurrency`` is the amount in the invoice's currency and is what
settles a non-DKK invoice (when a client leaves it out, it is ``Amount`` at the
organisation's rate). A DKK invoice ignores it. The payment write carries the
invoice's ``Timestamp``, so it is a change of the invoice: new ``TimeStamp`` and
``UpdatedAt``, listed by ``changesSince`` (inferred from the Timestamp rule; the
material does not say it outright). Booked credit notes settle their invoice
like payments (see :mod:`.creditnotes`).
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from ledgerlink_dinero.emulator import fields as f
from ledgerlink_dinero.emulator import schema
from ledgerlink_dinero.emulator.creditnotes import credit_settlements
from ledgerlink_dinero.emulator.documents import (
    check_timestamp,
    document_view,
    paid_amount,
    parse_header,
    parse_lines,
    today,
)
from ledgerlink_dinero.emulator.listing import list_page
from ledgerlink_dinero.emulator.pdf import document_pdf
from ledgerlink_dinero.emulator.state import Payment, Record
from ledgerlink_dinero.emulator.wire import (
    NO_RECEIVER_EMAIL,
    PDF_TYPE,
    DineroError,
    EmuResponse,
    deleted,
    json_response,
    not_found,
    validation_error,
)

PDF_LINK = "[link-to-pdf]"
INVOICE_FILTERABLE = ("ExternalReference", "ContactGuid", "Number", "ContactName", "Description")
DEFAULT_INVOICE_FIELDS = "Guid,ContactName,Date,Description"
#: The list model: what ``fields`` may pick for a listed invoice. The captured list's
#: fields [D18], ``LatestMailOutType`` [D17], and the filterable ``ContactGuid`` and
#: ``ExternalReference`` and ``PaymentStatus`` (inferred). No ``ProductLines``,
#: ``TotalLines`` or ``TimeStamp``: those come from reading the invoice itself.
INVOICE_LIST_FIELDS = frozenset({
    "Number", "Guid", "ContactName", "ContactGuid", "ExternalReference", "Date", "PaymentDate",
    "Description", "Currency", "Status", "PaymentStatus", "MailOutStatus", "LatestMailOutType",
    "TotalExclVatInDkk", "TotalInclVatInDkk", "TotalExclVat", "TotalInclVat", "CreatedAt",
    "UpdatedAt", "DeletedAt",
})
DEFAULT_DEPOSIT_ACCOUNT = 55000
#: A create without lines is Dinero's code 45, "Invoices must have at least one invoice
#: line" (the captured ``error_bad_request.json``), not the model's "field is required";
#: an update without them is refused as a model (42) before the invoice is looked up.
LINES_ANSWERED_45 = ("ProductLines",)


def settlements(call: f.Call, record: Record) -> list[Payment]:
    """The invoice's payments, then the booked credit notes for it (under the lock)."""
    return [*call.org.payments.get(record.guid, []), *credit_settlements(call.org, record)]


def invoice_view(call: f.Call, record: Record) -> dict[str, Any]:
    """The invoice read model (call under the organisation lock)."""
    return document_view(call.org, record, settlements(call, record), call.now)


def _find(call: f.Call) -> Record:
    record = call.org.invoices.get(call.guid.lower())
    if record is None:
        raise not_found("Invoice", call.guid)
    if record.deleted_at is not None:
        raise deleted("Invoice")
    return record


def _draft(call: f.Call, action: str) -> Record:
    record = _find(call)
    if record.data.get("Number") is not None:
        raise validation_error(
            "Status", f"Only draft invoices can be {action}; this one is booked."
        )
    return record


def _booked(call: f.Call, action: str) -> Record:
    record = _find(call)
    if record.data.get("Number") is None:
        raise validation_error(
            "Status", f"Only booked invoices can be {action}; this one is a draft."
        )
    return record


def _receipt(record: Record) -> dict[str, Any]:
    return {"Guid": record.guid, "TimeStamp": record.timestamp_text}


def create_invoice(call: f.Call) -> EmuResponse:
    """``POST /v1/{org}/invoices`` (InvoiceCreateModel) → ``{"Guid", "TimeStamp"}``."""
    body = f.model(call.request, schema.INVOICE_CREATE, exempt=LINES_ANSWERED_45)
    guid = f.guid_or_new(body, "Guid")
    with call.org.lock:
        data = parse_header(call, body)
        data["ProductLines"] = parse_lines(call, body, "Invoice")
        if guid in call.org.invoices:
            raise validation_error("Guid", "An invoice with this Guid already exists.")
        record = call.org.new_record(guid, data, call.now)
        call.org.invoices[guid] = record
        return json_response(201, _receipt(record))


def get_invoice(call: f.Call) -> EmuResponse:
    """``GET /v1/{org}/invoices/{guid}``; with ``Accept: application/octet-stream`` the PDF."""
    f.query(call.request, schema.NO_QUERY)
    wants_pdf = "application/octet-stream" in call.request.headers.get("accept", "")
    with call.org.lock:
        if wants_pdf:
            record = _find(call)
            if record.data.get("Number") is None:
                raise validation_error("Status", "PDF's can only be generated from booked invoices")
            view = invoice_view(call, record)
            return EmuResponse(200, {"content-type": PDF_TYPE}, document_pdf(view, "Faktura"))
        return json_response(200, invoice_view(call, _find(call)))


def list_invoices(call: f.Call) -> EmuResponse:
    """``GET /v1/{org}/invoices`` with dates, status filter, free text, sort and paging."""
    query = f.query(call.request, schema.INVOICES_QUERY)
    start, end = query.get("startDate"), query.get("endDate")
    for name, value in (("startDate", start), ("endDate", end)):
        if value:
            try:
                date.fromisoformat(value)
            except ValueError as exc:
                raise validation_error(name, f"Invalid date: {value}") from exc
    statuses = {s.strip().casefold() for s in query.get("statusFilter", "").split(",") if s.strip()}
    search = query.get("freeTextSearch", "").casefold()

    def matches(record: Record, view: dict[str, Any]) -> bool:
        if (start and view["Date"] < start) or (end and view["Date"] > end):
            return False
        if statuses and not statuses & {
            view["Status"].casefold(),
            view["PaymentStatus"].casefold(),
        }:
            return False
        text = f"{view['Description']} {view['ContactName'] or ''} {view['Number'] or ''}"
        return search in text.casefold()

    def list_view(record: Record) -> dict[str, Any]:
        view = invoice_view(call, record)
        view["Status"] = view["PaymentStatus"]  # lists carry the payment-style status
        return {name: value for name, value in view.items() if name in INVOICE_LIST_FIELDS}

    order = query.get("sortOrder", "descending").lower()
    if order not in ("ascending", "descending"):
        raise validation_error("sortOrder", f"The value '{order}' is not valid for sortOrder.")
    descending = order == "descending"
    with call.org.lock:
        records = sorted(
            call.org.invoices.values(),
            key=lambda r: (r.data.get("Number") or 0, r.data["Date"], r.created_at),
            reverse=descending,
        )
        page = list_page(
            records,
            query,
            view=list_view,
            filterable=INVOICE_FILTERABLE,
            default_fields=DEFAULT_INVOICE_FIELDS,
            extra=matches,
        )
    return json_response(200, page)


def update_invoice(call: f.Call) -> EmuResponse:
    """``PUT /v1.2/{org}/invoices/{guid}``: full replace of an open draft, Timestamp required."""
    body = f.model(call.request, schema.INVOICE_UPDATE)
    with call.org.lock:
        record = _draft(call, "updated")
        check_timestamp(body, record)
        data = parse_header(call, body)
        data["ProductLines"] = parse_lines(call, body, "Invoice")
        record.data = data
        call.org.touch(record, call.now)
        return json_response(200, _receipt(record))


def delete_invoice(call: f.Call) -> EmuResponse:
    """``DELETE /v1/{org}/invoices/{guid}`` with ``{"Timestamp"}``; drafts only."""
    body = f.model(call.request, schema.TIMESTAMP_OBJECT)
    with call.org.lock:
        record = _draft(call, "deleted")
        check_timestamp(body, record)
        call.org.touch(record, call.now)
        record.deleted_at = call.now
    return EmuResponse(204, {}, b"")


def book_invoice(call: f.Call) -> EmuResponse:
    """``POST …/book`` (BookModel): the next invoice number, or the ``Number`` asked for."""
    body = f.model(call.request, schema.BOOK)
    with call.org.lock:
        record = _draft(call, "booked")
        check_timestamp(body, record)
        if record.data.get("ContactGuid") is None:
            raise validation_error("ContactGuid", "A contact is required to book an invoice.")
        used = {r.data["Number"] for r in call.org.invoices.values() if r.data.get("Number")}
        number = body.get("Number")
        if number is None:
            number = max(used, default=0) + 1
        elif isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise validation_error("Number", "Number must be a positive whole number.")
        elif number in used:
            raise validation_error("Number", f"Invoice number {number} is already used.")
        record.data["Number"] = number
        call.org.touch(record, call.now)
        return json_response(200, {**_receipt(record), "Number": number})


def email_invoice(call: f.Call) -> EmuResponse:
    """``POST …/email`` (ApiMailoutModel): booked invoices; a Message needs ``[link-to-pdf]``."""
    body = f.model(call.request, schema.MAILOUT)
    message = f.text(body, "Message")
    if message is not None and PDF_LINK not in message:
        raise validation_error("Message", f"The message must contain {PDF_LINK}.")
    with call.org.lock:
        record = _booked(call, "sent")
        check_timestamp(body, record, required=False)
        contact = call.org.contacts.get(record.data["ContactGuid"])
        receiver = f.text(body, "Receiver") or (contact.data.get("Email") if contact else None)
        if not receiver:
            raise DineroError(
                400,
                NO_RECEIVER_EMAIL,
                "No receiver email",
                {"Receiver": "The contact has no email and no Receiver was given."},
            )
        number = record.data["Number"]
        call.org.mails.append(
            {
                "InvoiceGuid": record.guid,
                "Sender": f.text(body, "Sender") or call.org.email,
                "Receiver": receiver,
                "Subject": f.text(body, "Subject") or f"Faktura {number}",
                "Message": message,
                "AddVoucherAsPdfAttachment": f.boolean(body, "AddVoucherAsPdfAttachment"),
            }
        )
        record.data["MailOutStatus"] = "Sent"
        record.data["LatestMailOutType"] = "Email"
        record.updated_at = call.now  # visible to changesSince; the voucher itself is unchanged
    return json_response(200, {})


def _foreign_amount(
    call: f.Call, body: dict[str, Any], currency: str, amount: Decimal
) -> Decimal | None:
    """``AmountInForeignCurrency`` of a payment on a ``currency`` invoice (None for DKK)."""
    if currency == "DKK":
        return None
    if body.get("AmountInForeignCurrency") is None:
        return (amount / call.org.rates[currency]).quantize(Decimal("0.01"))
    foreign = f.amount(body, "AmountInForeignCurrency")
    if foreign == 0 or (foreign > 0) != (amount > 0):
        raise validation_error(
            "AmountInForeignCurrency", "AmountInForeignCurrency must have the sign of Amount."
        )
    return foreign


def add_payment(call: f.Call) -> EmuResponse:
    """``POST …/payments``: register a payment (DKK ``Amount``, and the invoice-currency
    ``AmountInForeignCurrency`` on a non-DKK invoice) on a booked invoice."""
    body = f.model(call.request, schema.PAYMENT_CREATE)
    amount = f.amount(body, "Amount")
    if amount == 0:
        raise validation_error("Amount", "Amount cannot be 0.")
    paid_on = body.get("PaymentDate") or today(call.now).isoformat()
    try:
        date.fromisoformat(str(paid_on))
    except ValueError as exc:
        raise validation_error("PaymentDate", "PaymentDate must be YYYY-MM-DD.") from exc
    with call.org.lock:
        record = _booked(call, "paid")
        check_timestamp(body, record)
        foreign = _foreign_amount(call, body, record.data["Currency"], amount)
        payment = Payment(
            str(uuid.uuid4()),
            amount,
            str(paid_on),
            {
                "DepositAccountNumber": body.get("DepositAccountNumber") or DEFAULT_DEPOSIT_ACCOUNT,
                "Description": f.text(body, "Description"),
                "ExternalReference": f.text(body, "ExternalReference", 128),
            },
            foreign_amount=foreign,
        )
        call.org.payments.setdefault(record.guid, []).append(payment)
        call.org.touch(record, call.now)
        return json_response(201, {"Guid": payment.guid, "TimeStamp": record.timestamp_text})


def list_payments(call: f.Call) -> EmuResponse:
    """``GET …/payments``: the payments of an invoice (booked credit notes for it among
    them) with paid and remaining amounts in the invoice's currency."""
    f.query(call.request, schema.NO_QUERY)
    with call.org.lock:
        record = _find(call)
        payments = settlements(call, record)
        total: Decimal = invoice_view(call, record)["TotalInclVat"]
        paid = paid_amount(payments, record.data["Currency"])
        body = {
            "Payments": [
                {
                    "Guid": p.guid,
                    "Amount": p.amount,
                    "AmountInForeignCurrency": p.foreign_amount,
                    "PaymentDate": p.payment_date,
                    **p.fields,
                }
                for p in payments
            ],
            "PaidAmount": paid,
            "RemainingAmount": total - paid,
            "InvoiceTotalIncludingVatAmount": total,
            "TimeStamp": record.timestamp_text,
        }
    return json_response(200, body)
