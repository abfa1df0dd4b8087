"""QuickBooks Customers: the payload a customer is created with, and opt-in updates.

:func:`customer_payload` builds the Customer the connector creates (tagged
``Notes = "ledgerlink:<id>"``, in the customer's currency, which QuickBooks
fixes at creation). :func:`customer_changes` compares a Customer read from
QuickBooks with the operational system's customer and answers the fields of a
sparse update — address (``BillAddr``), e-mail (``PrimaryEmailAddr``) and tax
id (``PrimaryTaxIdentifier``) — or None when nothing differs;
:func:`update_customer` reads, compares and writes that update. Currency and
DisplayName are never written by an update: the currency cannot change, and
the DisplayName is how the customer was found (and may carry our
``"name (id)"`` alias).

A value the operational system does not hold (no e-mail, no registration
number, an address without street, postal code or city) is never written: an
absent value means "not known here", not "erase it in QuickBooks".

Values are compared normalised: runs of whitespace collapse and ends are
trimmed everywhere, e-mail addresses compare case-blind, countries upper-case,
tax ids without spaces, dashes and dots and upper-case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ledgerlink.domain import Customer, PartyKind
from ledgerlink.errors import ConflictError
from ledgerlink_quickbooks import queries
from ledgerlink_quickbooks.faults import STALE_OBJECT
from ledgerlink_quickbooks.keys import NOTE_PREFIX, digest
from ledgerlink_quickbooks.wire import (
    QboCustomer,
    QboEmail,
    QboPhysicalAddress,
    Ref,
    converter,
    dumps,
)

if TYPE_CHECKING:
    from ledgerlink_quickbooks.connector import QuickBooksConnector

__all__ = [
    "ADDRESS_FIELDS",
    "MASK_CHAR",
    "TAX_ID_FIELD",
    "bill_address",
    "customer_changes",
    "customer_payload",
    "same_tax_id",
    "update_customer",
]

#: QuickBooks' limit on CompanyName, GivenName and FamilyName.
MAX_NAME_PART = 100
#: The BillAddr fields ledgerlink writes (and so compares); QuickBooks' own
#: additions on read (Id, Lat, Long, CountrySubDivisionCode...) are not ours.
ADDRESS_FIELDS = ("Line1", "Line2", "Line3", "City", "PostalCode", "Country")
#: Where a customer's VAT/tax registration number lives in QuickBooks Online.
#:
#: The Customer XSD (IntuitNamesTypes.xsd) defines ``PrimaryTaxIdentifier`` as
#: the "primary Tax ID of the Person or Organization"; Intuit's reference
#: (NOTES.md §4.2, the OpenAPI transcription) calls it the "Tax Reg. No" in
#: the UK, CA, IN and AU. The alternatives are other numbers: ``ResaleNum`` is
#: a (US sales-tax) resale number "or some additional info", ``BusinessNumber``
#: the CA/UK business number (PAN in India), ``GSTIN`` India's GST number.
TAX_ID_FIELD = "PrimaryTaxIdentifier"
#: QuickBooks masks ``PrimaryTaxIdentifier`` on read, showing only the last
#: five characters: ``123-45-6789`` is answered as ``XXXXXX56789``.
MASK_CHAR = "X"
MASK_VISIBLE = 5
_TAX_ID_NOISE = re.compile(r"[\s\-.]")


def bill_address(customer: Customer) -> QboPhysicalAddress:
    """The customer's address as ``BillAddr``: street lines 1-2, the rest joined in line 3."""
    street = [ln for ln in customer.address.street.splitlines() if ln.strip()]
    return QboPhysicalAddress(
        Line1=street[0] if street else None,
        Line2=street[1] if len(street) > 1 else None,
        Line3=", ".join(street[2:]) if len(street) > 2 else None,
        City=customer.address.city or None,
        PostalCode=customer.address.postal_code or None,
        Country=customer.address.country,
    )


def customer_payload(customer: Customer, display_name: str) -> QboCustomer:
    """The Customer to create for ``customer`` under ``display_name``.

    A person gets Given/FamilyName (split at the first space), a company its
    CompanyName; the currency is set here once and for all, and ``Notes`` tags
    the customer with our id so :meth:`find_customer` knows it again.
    """
    person = customer.kind is PartyKind.PERSON
    given, _, family = customer.name.partition(" ")
    return QboCustomer(
        DisplayName=display_name,
        CompanyName=None if person else customer.name[:MAX_NAME_PART],
        GivenName=given[:MAX_NAME_PART] if person else None,
        FamilyName=(family[:MAX_NAME_PART] or None) if person else None,
        PrimaryEmailAddr=QboEmail(customer.email) if customer.email else None,
        BillAddr=bill_address(customer),
        CurrencyRef=Ref(customer.currency),
        Notes=f"{NOTE_PREFIX}{customer.id}",
    )


def _text(value: object) -> str:
    """``value`` with whitespace runs collapsed; None and absent read as ""."""
    return " ".join(str(value).split()) if value is not None else ""


def _address_key(address: Mapping[str, Any]) -> tuple[str, ...]:
    values = [_text(address.get(name)) for name in ADDRESS_FIELDS]
    values[-1] = values[-1].upper()  # Country
    return tuple(values)


def _compact_tax_id(value: str) -> str:
    return _TAX_ID_NOISE.sub("", value).upper()


def same_tax_id(remote: str | None, ours: str) -> bool:
    """Whether QuickBooks' tax id ``remote`` may be ``ours``, masked or not.

    A masked value (leading ``X``s, at most :data:`MASK_VISIBLE` characters
    left visible) matches when ``ours`` ends with the visible part: the hidden
    part cannot be compared, and rewriting the number on every run because
    QuickBooks hides it would be a change for nothing. An unmasked value must
    equal ``ours`` (both compacted).
    """
    if not remote:
        return False
    theirs, wanted = _compact_tax_id(remote), _compact_tax_id(ours)
    if theirs == wanted:
        return True
    visible = theirs.lstrip(MASK_CHAR)
    masked = theirs.startswith(MASK_CHAR) and len(visible) <= MASK_VISIBLE
    return masked and wanted.endswith(visible)


def customer_changes(remote: Mapping[str, Any], customer: Customer) -> dict[str, Any] | None:
    """The sparse-update fields (no Id/SyncToken) making ``remote`` agree with ``customer``.

    Only address, e-mail and tax id are compared (see the module docs); None
    when they agree. The fields come in a fixed order, so the same difference
    always gives the same body (and requestid).
    """
    changes: dict[str, Any] = {}
    address = customer.address
    if address.street.strip() or address.postal_code.strip() or address.city.strip():
        wanted = converter.unstructure(bill_address(customer))
        if _address_key(remote.get("BillAddr") or {}) != _address_key(wanted):
            changes["BillAddr"] = wanted
    if customer.email:
        current = (remote.get("PrimaryEmailAddr") or {}).get("Address")
        if _text(current).casefold() != _text(customer.email).casefold():
            changes["PrimaryEmailAddr"] = {"Address": customer.email}
    number = customer.registration_number
    if number and not same_tax_id(remote.get(TAX_ID_FIELD), number):
        changes[TAX_ID_FIELD] = number
    return changes or None


def update_customer(connector: QuickBooksConnector, ref: str, customer: Customer) -> bool:
    """Bring customer ``ref``'s address, e-mail and tax id up to date; True if it wrote.

    One sparse update carries every difference. Its requestid derives from
    the customer, the SyncToken it was computed against and the body, so a
    retried write is replayed, never applied twice. A stale SyncToken (another
    writer got there first) re-reads the customer and tries once more; the
    connector's cached facts (currency, e-mail) are refreshed either way.
    """
    for attempt in range(2):
        remote = connector._get(f"/customer/{ref}")["Customer"]
        changes = customer_changes(remote, customer)
        if changes is None:
            connector._remember(remote)
            return False
        token = str(remote.get("SyncToken", ""))
        body = dumps({"Id": str(remote.get("Id", ref)), "SyncToken": token, "sparse": True,
                      **changes})
        try:
            answer = connector._write("/customer", body, "update-customer",
                                      f"{ref}|{token}|{digest(body)}")
        except ConflictError as err:
            if err.code != STALE_OBJECT or attempt == 1:
                raise
            continue
        connector._remember(answer["Customer"])
        return True
    raise AssertionError("unreachable")  # pragma: no cover


#: Duplicate DisplayName (or Item Name).
DUPLICATE_NAME = "6240"
#: QuickBooks' longest DisplayName and Item Name.
MAX_DISPLAY_NAME = 500
MAX_ITEM_NAME = 100


def clean_name(name: str, limit: int) -> str:
    """A name QuickBooks accepts: no ':', tab or newline, at most ``limit`` characters."""
    return " ".join(re.sub(r"[:\t\r\n]", " ", name).split())[:limit]


def find_customer(connector: QuickBooksConnector, customer: Customer) -> str | None:
    """By DisplayName (plain or ``"name (id)"``, one query), then by e-mail; ours first.

    A customer tagged with our id wins wherever it is found; an untagged one
    with the plain name or the e-mail is taken only in the customer's currency.
    """
    tag = f"{NOTE_PREFIX}{customer.id}"
    name = clean_name(customer.name, MAX_DISPLAY_NAME)
    alias = clean_name(f"{customer.name} ({customer.id})", MAX_DISPLAY_NAME)
    fallback: list[Any] = []
    searches: list[queries.Condition] = [("DisplayName", "IN", [name, alias])]
    if customer.email:
        searches.append(("PrimaryEmailAddr", "=", customer.email))
    for condition in searches:
        for row in connector._query("Customer", [condition], max_results=10):
            if row.get("Active") is False:
                continue
            notes = str(row.get("Notes") or "")
            if notes == tag:
                return connector._remember(row)
            currency = (row.get("CurrencyRef") or {}).get("value")
            if (row.get("DisplayName") != alias and not notes.startswith(NOTE_PREFIX)
                    and currency == customer.currency):
                fallback.append(row)
    return connector._remember(fallback[0]) if fallback else None


def create_customer(connector: QuickBooksConnector, customer: Customer) -> str:
    """Create the customer tagged ``Notes = "ledgerlink:<id>"`` in its currency; when the
    plain name is taken (6240), as ``"<name> (<id>)"``."""
    names = (clean_name(customer.name, MAX_DISPLAY_NAME),
             clean_name(f"{customer.name} ({customer.id})", MAX_DISPLAY_NAME))
    for attempt, display in enumerate(names):
        body = dumps(customer_payload(customer, display))
        try:
            answer = connector._write("/customer", body, "create-customer",
                                      f"{customer.id}|{digest(body)}")
        except ConflictError as err:
            if err.code == DUPLICATE_NAME and attempt == 0:
                continue
            raise
        return connector._remember(answer["Customer"])
    raise AssertionError("unreachable")  # pragma: no cover
