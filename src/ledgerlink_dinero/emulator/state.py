"""In-memory organisations and the records they hold."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from ledgerlink_dinero.emulator.vat import DEFAULT_ACCOUNTS, Account

# Day rates to DKK, so ``TotalInclVatInDkk`` of a foreign-currency invoice is filled in.
DEFAULT_RATES: Mapping[str, Decimal] = {
    "DKK": Decimal(1),
    "EUR": Decimal("7.46"),
    "SEK": Decimal("0.65"),
    "NOK": Decimal("0.63"),
    "USD": Decimal("6.90"),
    "GBP": Decimal("8.70"),
}


@attrs.define
class Record:
    """One stored entity.

    Attributes:
        guid: Its id (``ContactGuid``, ``ProductGuid`` or ``Guid``).
        data: The writable fields as last sent (PascalCase keys).
        created_at: Epoch seconds of the create.
        updated_at: Epoch seconds of the last change (``changesSince`` compares it).
        timestamp: Concurrency counter, rendered as ``TimeStamp``.
        deleted_at: Epoch seconds of the delete, or None.
    """

    guid: str
    data: dict[str, Any]
    created_at: float
    updated_at: float
    timestamp: int
    deleted_at: float | None = None

    @property
    def timestamp_text(self) -> str:
        """The opaque ``TimeStamp`` string, e.g. ``0000000008766398``."""
        return f"{self.timestamp:016d}"


@attrs.define
class Payment:
    """A payment registered on a booked invoice (or a booked credit note settling it).

    Attributes:
        guid: Payment id (the credit note's for a credit-note settlement).
        amount: ``Amount``, in DKK whatever the invoice currency.
        payment_date: ``YYYY-MM-DD``.
        fields: The request as sent (description, deposit account, ...).
        foreign_amount: ``AmountInForeignCurrency``: the amount in the invoice's
            currency, set for every payment on a non-DKK invoice, None on a DKK one.
    """

    guid: str
    amount: Decimal
    payment_date: str
    fields: dict[str, Any]
    foreign_amount: Decimal | None = None

    def settles(self, currency: str) -> Decimal:
        """What the payment settles in the invoice's ``currency`` (never DKK on a EUR one)."""
        if currency == "DKK":
            return self.amount
        if self.foreign_amount is None:
            raise ValueError(f"a payment on a {currency} invoice without its foreign amount")
        return self.foreign_amount


@attrs.define
class Organisation:
    """One Dinero organisation (company).

    Attributes:
        organisation_id: The id used in every path.
        name: Display name.
        is_pro: Whether it has the plan the API requires (else every call answers 403).
        email: The organisation's own email (default email sender).
        accounts: Sales accounts by number.
        rates: Currency to DKK rates.
    """

    organisation_id: str
    name: str
    is_pro: bool = True
    email: str | None = "faktura@example.dk"
    accounts: Mapping[int, Account] = DEFAULT_ACCOUNTS
    rates: Mapping[str, Decimal] = DEFAULT_RATES
    lock: threading.RLock = attrs.field(factory=threading.RLock)
    contacts: dict[str, Record] = attrs.field(factory=dict)
    products: dict[str, Record] = attrs.field(factory=dict)
    invoices: dict[str, Record] = attrs.field(factory=dict)
    credit_notes: dict[str, Record] = attrs.field(factory=dict)
    payments: dict[str, list[Payment]] = attrs.field(factory=dict)
    mails: list[dict[str, Any]] = attrs.field(factory=list)
    last_timestamp: int = 8_766_000

    def next_timestamp(self) -> int:
        """A fresh, ever-growing concurrency value (call under ``lock``)."""
        self.last_timestamp += 1
        return self.last_timestamp

    def new_record(self, guid: str, data: dict[str, Any], now: float) -> Record:
        """A record created now (call under ``lock``)."""
        return Record(guid, data, now, now, self.next_timestamp())

    def touch(self, record: Record, now: float) -> None:
        """Mark ``record`` changed: new ``TimeStamp`` and ``UpdatedAt`` (call under ``lock``)."""
        record.timestamp = self.next_timestamp()
        record.updated_at = now
