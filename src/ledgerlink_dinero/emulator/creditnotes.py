"""Credit notes (``/v1/{org}/sales/creditnotes``): drafts crediting a booked invoice.

Not in the swagger extract; the shape follows the notes' sources (D12, D17).
Without ``ProductLines`` the credited invoice's lines are copied (inferred),
and the contact defaults to the invoice's.
"""

from __future__ import annotations

from typing import Any

from ledgerlink_dinero.emulator import fields as f
from ledgerlink_dinero.emulator.documents import (
    check_timestamp,
    document_view,
    parse_header,
    parse_lines,
)
from ledgerlink_dinero.emulator.listing import list_page
from ledgerlink_dinero.emulator.pdf import document_pdf
from ledgerlink_dinero.emulator.state import Record
from ledgerlink_dinero.emulator.wire import (
    PDF_TYPE,
    EmuResponse,
    deleted,
    json_response,
    not_found,
    validation_error,
)

CREDIT_NOTE_FILTERABLE = ("ExternalReference", "ContactGuid", "CreditNoteFor", "Number")


def credit_note_view(call: f.Call, record: Record) -> dict[str, Any]:
    """The credit-note read model (no payments; call under the organisation lock)."""
    view = document_view(call.org, record, [], call.now)
    view.pop("PaymentStatus")
    return view


def _find(call: f.Call) -> Record:
    record = call.org.credit_notes.get(call.guid.lower())
    if record is None:
        raise not_found("CreditNote", call.guid)
    if record.deleted_at is not None:
        raise deleted("CreditNote")
    return record


def create_credit_note(call: f.Call) -> EmuResponse:
    """``POST /v1/{org}/sales/creditnotes`` → ``{"Guid", "TimeStamp"}`` of a draft."""
    body = f.model(call.request)
    with call.org.lock:
        credited = None
        if body.get("CreditNoteFor") is not None:
            credited = call.org.invoices.get(str(body["CreditNoteFor"]).lower())
            if credited is None or credited.deleted_at is not None:
                raise validation_error("CreditNoteFor", "The credited invoice was not found.")
            if credited.data.get("Number") is None:
                raise validation_error("CreditNoteFor", "Only booked invoices can be credited.")
            body = dict(body)
            body.setdefault("ContactGuid", credited.data["ContactGuid"])
            body.setdefault("Currency", credited.data["Currency"])
            if body.get("ProductLines") is None:
                body["ProductLines"] = credited.data["ProductLines"]
        data = parse_header(call, body)
        data["ProductLines"] = parse_lines(call, body, "Credit note")
        data["CreditNoteFor"] = credited.guid if credited is not None else None
        guid = f.guid_or_new(body, "Guid")
        if guid in call.org.credit_notes:
            raise validation_error("Guid", "A credit note with this Guid already exists.")
        record = call.org.new_record(guid, data, call.now)
        call.org.credit_notes[guid] = record
        return json_response(201, {"Guid": guid, "TimeStamp": record.timestamp_text})


def get_credit_note(call: f.Call) -> EmuResponse:
    """``GET /v1/{org}/sales/creditnotes/{guid}``."""
    with call.org.lock:
        return json_response(200, credit_note_view(call, _find(call)))


def list_credit_notes(call: f.Call) -> EmuResponse:
    """``GET /v1/{org}/sales/creditnotes`` (e.g. ``queryFilter=CreditNoteFor eq '…'``)."""
    with call.org.lock:
        records = sorted(call.org.credit_notes.values(), key=lambda r: (r.created_at, r.timestamp))
        page = list_page(
            records,
            call.request.query,
            view=lambda record: credit_note_view(call, record),
            filterable=CREDIT_NOTE_FILTERABLE,
            default_fields="Guid,ContactName,Date,Description",
        )
    return json_response(200, page)


def book_credit_note(call: f.Call) -> EmuResponse:
    """``POST …/sales/creditnotes/{guid}/book``: numbered in their own sequence."""
    body = f.model(call.request)
    with call.org.lock:
        record = _find(call)
        if record.data.get("Number") is not None:
            raise validation_error("Status", "The credit note is already booked.")
        check_timestamp(body, record)
        if record.data.get("ContactGuid") is None:
            raise validation_error("ContactGuid", "A contact is required to book a credit note.")
        used = {r.data["Number"] for r in call.org.credit_notes.values() if r.data.get("Number")}
        number = body.get("Number")
        if number is None:
            number = max(used, default=0) + 1
        elif isinstance(number, bool) or not isinstance(number, int) or number in used:
            raise validation_error("Number", f"Credit note number {number} cannot be used.")
        record.data["Number"] = number
        call.org.touch(record, call.now)
        return json_response(
            200, {"Guid": record.guid, "Number": number, "TimeStamp": record.timestamp_text}
        )


def credit_note_pdf(call: f.Call) -> EmuResponse:
    """``GET …/sales/creditnotes/{guid}/pdf``: booked credit notes only."""
    with call.org.lock:
        record = _find(call)
        if record.data.get("Number") is None:
            raise validation_error("Status", "PDF's can only be generated from booked credit notes")
        view = credit_note_view(call, record)
    return EmuResponse(200, {"content-type": PDF_TYPE}, document_pdf(view, "Kreditnota"))
