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
from typing import TYPE_CHECKING

from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import InvoiceStateError, NotFoundError, ProviderError
from ledgerlink_dinero.keys import external_reference, object_guid
from ledgerlink_dinero.mapping import copy_line, remote_credit_note
from ledgerlink_dinero.wire import DineroBook, DineroCreditNote, converter

if TYPE_CHECKING:
    from ledgerlink_dinero.connector import DineroConnector

__all__ = ["CREDIT_PREFIX", "credit_invoice", "find_credit_note", "read_credit_note"]

#: How a credit note's key starts (see ``ledgerlink.plans.Credit``).
CREDIT_PREFIX = "credit:"


def _guid(connector: DineroConnector, key: str) -> str:
    return object_guid(connector.organisation_id, "credit-note", key)


def _read(connector: DineroConnector, guid: str) -> DineroCreditNote:
    raw = connector._get(f"sales/creditnotes/{guid}")
    return converter.structure(raw, DineroCreditNote)


def read_credit_note(connector: DineroConnector, guid: str) -> RemoteInvoice:
    """The credit note with that GUID; NotFoundError if there is none."""
    return remote_credit_note(_read(connector, guid))


def find_credit_note(connector: DineroConnector, key: str) -> RemoteInvoice | None:
    """The credit note keyed ``key`` (by its derived GUID and ExternalReference)."""
    try:
        note = _read(connector, _guid(connector, key))
    except NotFoundError:
        return None
    return remote_credit_note(note) if note.ExternalReference == key else None


def _book(connector: DineroConnector, note: DineroCreditNote) -> RemoteInvoice:
    assert note.Guid is not None and note.Timestamp is not None
    try:
        connector._send("POST", f"sales/creditnotes/{note.Guid}/book",
                        DineroBook(note.Timestamp), idempotent=True)
    except ProviderError:
        # A repeat of a book that committed is refused ("already booked"): read and see.
        again = _read(connector, note.Guid)
        if again.Number is None:
            raise
        return remote_credit_note(again)
    return read_credit_note(connector, note.Guid)


def credit_invoice(connector: DineroConnector, provider_id: str, key: str) -> RemoteInvoice:
    """Create (once per ``key``) and book a credit note for the whole booked invoice."""
    guid = _guid(connector, key)
    try:
        existing: DineroCreditNote | None = _read(connector, guid)
    except NotFoundError:
        existing = None
    if existing is None:
        invoice = connector._read(provider_id)
        if invoice.Status == "Draft":
            raise InvoiceStateError(f"Dinero invoice {provider_id} is a draft; only booked "
                                    "invoices are credited", provider=connector.name)
        body = DineroCreditNote(
            CreditNoteFor=provider_id, Guid=guid,
            ExternalReference=external_reference(key, "key"),
            ContactGuid=invoice.ContactGuid, Currency=invoice.Currency, Date=date.today(),
            ProductLines=tuple(copy_line(line) for line in invoice.ProductLines))
        connector._create("sales/creditnotes", body,
                          lookup=lambda: find_credit_note(connector, key),
                          existing=lambda: find_credit_note(connector, key))
        existing = _read(connector, guid)
    if existing.Number is not None:
        return remote_credit_note(existing)
    return _book(connector, existing)
