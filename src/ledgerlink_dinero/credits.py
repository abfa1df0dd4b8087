"""Credit notes: a booked invoice credited in full by a booked credit note.

The note copies the invoice's lines and carries ``CreditNoteFor`` = the
invoice, our GUID (uuid5 of the organisation and the credit key) and the key as
``ExternalReference``. Crediting twice with one key returns the first note; a
note created but not yet booked (a run stopped in between) is booked then.
The note is found again by its GUID, one read, so a credit key costs no list
call (the credit-note list is not part of the documented API extract).

Once booked, the note settles the invoice it credits like a payment: the
invoice's open amount falls by the note's total, the invoice is a change in
``changesSince`` and the note is among its payments, so the change feed
reports the invoice with that balance (:mod:`.changefeed`; inferred, the
material does not describe it, and the emulator behaves so).
"""

from __future__ import annotations

from datetime import date

from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import InvoiceStateError, NotFoundError, ProviderError
from ledgerlink_dinero.api import DineroApi
from ledgerlink_dinero.keys import external_reference, object_guid
from ledgerlink_dinero.mapping import copy_line, remote_credit_note
from ledgerlink_dinero.wire import DineroBook, DineroCreditNote

__all__ = ["CREDIT_PREFIX", "credit_invoice", "find_credit_note", "read_credit_note"]

#: How a credit note's key starts (see ``ledgerlink.plans.Credit``).
CREDIT_PREFIX = "credit:"


def _guid(api: DineroApi, key: str) -> str:
    return object_guid(api.organisation_id, "credit-note", key)


def _read(api: DineroApi, guid: str) -> DineroCreditNote:
    return api.read(f"sales/creditnotes/{guid}", DineroCreditNote, field="Guid", guid=guid,
                    operation=f"read credit note {guid}")


def read_credit_note(api: DineroApi, guid: str) -> RemoteInvoice:
    """The credit note with that GUID; NotFoundError if there is none."""
    return remote_credit_note(_read(api, guid))


def find_credit_note(api: DineroApi, key: str) -> RemoteInvoice | None:
    """The credit note keyed ``key`` (by its derived GUID and ExternalReference)."""
    try:
        note = _read(api, _guid(api, key))
    except NotFoundError:
        return None
    return remote_credit_note(note) if note.ExternalReference == key else None


def _book(api: DineroApi, note: DineroCreditNote, guid: str) -> RemoteInvoice:
    operation = f"book credit note {guid}"
    stamp = api.wire.required(note.Timestamp, "TimeStamp", operation=operation)
    try:
        api.send("POST", f"sales/creditnotes/{guid}/book", DineroBook(stamp),
                 operation=operation, idempotent=True)
    except ProviderError:
        # A repeat of a book that committed is refused ("already booked"): read and see.
        again = _read(api, guid)
        if again.Number is None:
            raise
        return remote_credit_note(again)
    return read_credit_note(api, guid)


def credit_invoice(api: DineroApi, provider_id: str, key: str) -> RemoteInvoice:
    """Create (once per ``key``) and book a credit note for the whole booked invoice."""
    guid = _guid(api, key)
    try:
        existing: DineroCreditNote | None = _read(api, guid)
    except NotFoundError:
        existing = None
    if existing is None:
        invoice = api.read_invoice(provider_id)
        if invoice.Status == "Draft":
            raise InvoiceStateError(f"Dinero invoice {provider_id} is a draft; only booked "
                                    "invoices are credited", provider=api.provider)
        body = DineroCreditNote(
            CreditNoteFor=provider_id, Guid=guid,
            ExternalReference=external_reference(key, "key"),
            ContactGuid=invoice.ContactGuid, Currency=invoice.Currency, Date=date.today(),
            ProductLines=tuple(copy_line(line) for line in invoice.ProductLines))
        api.create("sales/creditnotes", body, operation=f"create credit note {key}",
                   field="Guid", guid=guid,
                   lookup=lambda: find_credit_note(api, key),
                   existing=lambda: find_credit_note(api, key))
        existing = _read(api, guid)
    if existing.Number is not None:
        return remote_credit_note(existing)
    return _book(api, existing, guid)
