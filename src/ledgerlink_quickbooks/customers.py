"""QuickBooks Customers: finding and creating them, the payload, and opt-in updates.

:class:`Customers` finds (:meth:`Customers.find`), creates and updates the
company's customers through :class:`~.api.QuickBooksApi` and keeps what an
invoice needs of each (currency, e-mail). An answer about another customer
than the one asked for or created is refused, never linked: a read by Id must
carry that Id, and a created customer must carry the name and the
``ledgerlink:<id>`` tag it was created with (else TransientProviderError: the
customer may exist, and the next run finds it by its tag).

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
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ledgerlink.domain import Customer, PartyKind
from ledgerlink.errors import ConflictError
from ledgerlink_quickbooks import queries
from ledgerlink_quickbooks.keys import NOTE_PREFIX, digest
from ledgerlink_quickbooks.wire import (
    WIRE,
    QboCustomer,
    QboEmail,
    QboPhysicalAddress,
    Ref,
    converter,
    dumps,
)

if TYPE_CHECKING:
    from ledgerlink_quickbooks.api import QuickBooksApi

__all__ = [
    "ADDRESS_FIELDS",
    "DUPLICATE_NAME",
    "MASK_CHAR",
    "MAX_DISPLAY_NAME",
    "MAX_ITEM_NAME",
    "TAX_ID_FIELD",
    "Customers",
    "bill_address",
    "clean_name",
    "customer_changes",
    "customer_payload",
    "same_tax_id",
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
    CompanyName; the currency is set here once and for all, ``Notes`` tags
    the customer with our id so :meth:`find_customer` knows it again, and the
    registration number, when known, is its ``PrimaryTaxIdentifier``.
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
        PrimaryTaxIdentifier=customer.registration_number or None,
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
    theirs = remote.get(TAX_ID_FIELD)
    if number and not same_tax_id(theirs if isinstance(theirs, str) else None, number):
        changes[TAX_ID_FIELD] = number
    return changes or None


#: Duplicate DisplayName (or Item Name).
DUPLICATE_NAME = "6240"
#: QuickBooks' longest DisplayName and Item Name.
MAX_DISPLAY_NAME = 500
MAX_ITEM_NAME = 100


def clean_name(name: str, limit: int) -> str:
    """A name QuickBooks accepts: no ':', tab or newline, at most ``limit`` characters."""
    return " ".join(re.sub(r"[:\t\r\n]", " ", name).split())[:limit]


class Customers:
    """The company's customers as the connector finds, creates and updates them.

    Args:
        api: the realm's requests.
        update: whether a found customer's address, e-mail and tax id are brought
            up to date (the ``update_customers`` option).
    """

    def __init__(self, api: QuickBooksApi, *, update: bool = False) -> None:
        self.api = api
        self.update_found = update
        # Customer Id -> (currency, e-mail). A customer's currency never changes.
        self._facts: dict[str, tuple[str, str | None]] = {}
        self._lock = threading.Lock()

    def remember(self, raw: Mapping[str, Any]) -> str:
        """Keep a (checked) Customer object's currency and e-mail; its Id."""
        customer = WIRE.structure(raw, QboCustomer, operation="read a customer")
        ref = WIRE.required(customer.Id, "Customer.Id", operation="read a customer")
        currency = customer.CurrencyRef.value if customer.CurrencyRef else ""
        email = customer.PrimaryEmailAddr.Address if customer.PrimaryEmailAddr else None
        with self._lock:
            self._facts[ref] = (currency, email)
        return ref

    def forget(self) -> None:
        """Drop what is known of every customer (as a new process starts)."""
        with self._lock:
            self._facts.clear()

    def facts(self, ref: str) -> tuple[str, str | None]:
        """Customer ``ref``'s currency and e-mail (read once)."""
        with self._lock:
            known = self._facts.get(ref)
        if known is None:
            self.remember(self.api.read("Customer", ref))
            with self._lock:
                known = self._facts[ref]
        return known

    def prefetch(self, refs: Iterable[str]) -> None:
        """Learn the currency and e-mail of the unseen ``refs``, a query per 1000."""
        with self._lock:
            unknown = sorted({ref for ref in refs if ref not in self._facts})
        for start in range(0, len(unknown), queries.MAX_RESULTS):
            chunk = unknown[start:start + queries.MAX_RESULTS]
            for row in self.api.query("Customer", [("Id", "IN", chunk)]):
                self.remember(row)

    def find(self, customer: Customer) -> str | None:
        """By DisplayName (plain or ``"name (id)"``, one query), then by e-mail; ours first;
        with ``update`` the one found is brought up to date.

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
        found = None
        for condition in searches:
            for row in self.api.query("Customer", [condition], max_results=10):
                if row.get("Active") is False:
                    continue
                notes = str(row.get("Notes") or "")
                if notes == tag:
                    found = self.remember(row)
                    break
                currency = (row.get("CurrencyRef") or {}).get("value")
                if (row.get("DisplayName") != alias and not notes.startswith(NOTE_PREFIX)
                        and currency == customer.currency):
                    fallback.append(row)
            if found is not None:
                break
        if found is None and fallback:
            found = self.remember(fallback[0])
        if found is not None and self.update_found:
            self.update(found, customer)
        return found

    def create(self, customer: Customer) -> str:
        """Create the customer tagged ``Notes = "ledgerlink:<id>"`` in its currency; when
        the plain name is taken (6240), as ``"<name> (<id>)"``."""
        names = (clean_name(customer.name, MAX_DISPLAY_NAME),
                 clean_name(f"{customer.name} ({customer.id})", MAX_DISPLAY_NAME))
        for attempt, display in enumerate(names):
            payload = customer_payload(customer, display)
            body = dumps(payload)
            try:
                created = self.api.save("Customer", body, "create-customer",
                                        f"{customer.id}|{digest(body)}")
            except ConflictError as err:
                if err.code == DUPLICATE_NAME and attempt == 0:
                    continue
                raise
            for field in ("DisplayName", "Notes"):
                if created.get(field) != getattr(payload, field):
                    raise self.api.malformed(
                        f"the created Customer {created.get('Id')!r} has {field} "
                        f"{created.get(field)!r}, not the {getattr(payload, field)!r} it was "
                        "created with; it is not linked", operation="create-customer",
                        unclear=True)
            return self.remember(created)
        raise AssertionError("unreachable")  # pragma: no cover

    def update(self, ref: str, customer: Customer) -> bool:
        """Bring customer ``ref``'s address, e-mail and tax id up to date; True if it wrote.

        One sparse update carries every difference (:func:`customer_changes`),
        under the SyncToken it was computed against (:meth:`.api.QuickBooksApi.update`);
        the cached currency and e-mail are refreshed either way.
        """
        raw, written = self.api.update("Customer", ref, "update-customer",
                                       lambda remote: customer_changes(remote, customer))
        self.remember(raw)
        return written
