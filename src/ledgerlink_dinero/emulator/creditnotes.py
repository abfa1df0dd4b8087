"""Credit notes (``/v1/{org}/sales/creditnotes``): drafts crediting a booked invoice.

Not in the swagger extract; the shape follows the notes' sources (D12, D17).
Without ``ProductLines`` the credited invoice's lines are copied (inferred),
and the contact and currency default to the invoice's; another currency than
the invoice's is refused (a credit settles the invoice in its own currency).

A booked credit note settles its invoice (inferred: the notes only say a
credited invoice is found through ``CreditNoteFor``): the invoice's open amount
falls by the note's total, so booking the note is a change of the invoice too:
its ``TimeStamp`` and ``UpdatedAt`` move and it is listed by ``changesSince``;
its ``PaymentStatus`` counts the note like a payment (a full credit reads
``Paid``), and its payments read lists the note as a settlement
(:func:`credit_settlements`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerlink_dinero.emulator import fields as f
from ledgerlink_dinero.emulator import schema
from ledgerlink_dinero.emulator.documents import (
    check_timestamp,
    document_total,
    document_view,
    parse_header,
    parse_lines,
)
from ledgerlink_dinero.emulator.listing import list_page
from ledgerlink_dinero.emulator.pdf import document_pdf
from ledgerlink_dinero.emulator.state import Organisation, Payment, Record
from ledgerlink_dinero.emulator.wire import (
    PDF_TYPE,
    EmuResponse,
    deleted,
    json_response,
    not_found,
    validation_error,
)

CREDIT_NOTE_FILTERABLE = ("ExternalReference", "ContactGuid", "CreditNoteFor", "Number")
#: Description of a credit note's line in the credited invoice's payments.
CREDIT_SETTLEMENT = "Kreditnota {number}"


def credit_settlements(org: Organisation, invoice: Record) -> list[Payment]:
    """The booked, undeleted credit notes for ``invoice`` as settlements (call under the lock):
    ``Amount`` in DKK at the organisation's rate, the note's own total as
    ``AmountInForeignCurrency`` on a non-DKK invoice."""
    currency = invoice.data["Currency"]
    settled = []
    for note in sorted(org.credit_notes.values(), key=lambda r: r.created_at):
        if note.data.get("CreditNoteFor") != invoice.guid or note.deleted_at is not None:
            continue
        if note.data.get("Number") is None:
            continue
        total = document_total(org, note.data)
        in_dkk = (total * org.rates[currency]).quantize(Decimal("0.01"))
        fields = {
            "DepositAccountNumber": None,
            "Description": CREDIT_SETTLEMENT.format(number=note.data["Number"]),
            "ExternalReference": note.data.get("ExternalReference"),
        }
        settled.append(
            Payment(
                note.guid,
                in_dkk,
                note.data["Date"],
                fields,
                foreign_amount=None if currency == "DKK" else total,
            )
        )
    return settled


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
    # Without lines: the credited invoice's are copied, else code 45 like an invoice.
    body = f.model(call.request, schema.CREDIT_NOTE_CREATE, exempt=("ProductLines",))
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
            if body.get("Currency") not in (None, credited.data["Currency"]):
                raise validation_error(
                    "Currency", "A credit note is in the currency of the invoice it credits."
                )
            body["Currency"] = credited.data["Currency"]
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
    f.query(call.request, schema.NO_QUERY)
    with call.org.lock:
        return json_response(200, credit_note_view(call, _find(call)))


def list_credit_notes(call: f.Call) -> EmuResponse:
    """``GET /v1/{org}/sales/creditnotes`` (e.g. ``queryFilter=CreditNoteFor eq '…'``)."""
    query = f.query(call.request, schema.CREDIT_NOTES_QUERY)
    with call.org.lock:
        records = sorted(call.org.credit_notes.values(), key=lambda r: (r.created_at, r.timestamp))
        page = list_page(
            records,
            query,
            view=lambda record: credit_note_view(call, record),
            filterable=CREDIT_NOTE_FILTERABLE,
            default_fields="Guid,ContactName,Date,Description",
        )
    return json_response(200, page)


def book_credit_note(call: f.Call) -> EmuResponse:
    """``POST …/sales/creditnotes/{guid}/book``: numbered in their own sequence."""
    body = f.model(call.request, schema.BOOK)
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
        credited = call.org.invoices.get(record.data.get("CreditNoteFor") or "")
        if credited is not None:
            call.org.touch(credited, call.now)  # its open amount fell: a change of it
        return json_response(
            200, {"Guid": record.guid, "Number": number, "TimeStamp": record.timestamp_text}
        )


def credit_note_pdf(call: f.Call) -> EmuResponse:
    """``GET …/sales/creditnotes/{guid}/pdf``: booked credit notes only."""
    f.query(call.request, schema.NO_QUERY)
    with call.org.lock:
        record = _find(call)
        if record.data.get("Number") is None:
            raise validation_error("Status", "PDF's can only be generated from booked credit notes")
        view = credit_note_view(call, record)
    return EmuResponse(200, {"content-type": PDF_TYPE}, document_pdf(view, "Kreditnota"))
