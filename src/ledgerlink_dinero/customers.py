"""Customers as Dinero contacts: found by reference, VAT number or e-mail; created with
our GUID.

Contacts are found by ``ExternalReference`` (= the customer id), then by
VAT/CVR number, then by e-mail through ``queryFilter``; only an untagged
contact in the customer's currency is taken by number or e-mail, never one
tagged with another customer's id. They are created with our own
``ContactGuid`` (:mod:`.keys`); Dinero's receipt must name that GUID, and a
contact read back under it must be the one asked for.
"""

from __future__ import annotations

from ledgerlink.domain import Customer
from ledgerlink.errors import ConflictError, ProviderError, ValidationError
from ledgerlink_dinero.api import ALREADY_EXISTS, DineroApi, Gone, already
from ledgerlink_dinero.keys import object_guid
from ledgerlink_dinero.mapping import contact_payload, vat_number
from ledgerlink_dinero.queries import Clause
from ledgerlink_dinero.wire import DineroContact

__all__ = ["CONTACT_FIELDS", "MAX_RECREATIONS", "DineroCustomers"]

#: Fresh GUIDs tried for one id after people deleted the objects made under it.
MAX_RECREATIONS = 5
#: What a contact look-up lists of each contact.
CONTACT_FIELDS = ("ContactGuid", "ExternalReference", "PreferredInvoiceCurrencyKey")


class DineroCustomers:
    """Find and create contacts, and know each contact's invoice currency.

    Args:
        api: the organisation's requests.
    """

    def __init__(self, api: DineroApi) -> None:
        self.api = api
        #: Contact GUID → its invoice currency (None: not fixed), to refuse a mismatch early.
        self.currencies: dict[str, str | None] = {}

    def _remember(self, contact: DineroContact, *, operation: str) -> str:
        guid = self.api.wire.required(contact.ContactGuid, "ContactGuid", operation=operation)
        self.currencies[guid] = contact.PreferredInvoiceCurrencyKey
        return guid

    def _contacts(self, clause: Clause) -> list[DineroContact]:
        try:
            return list(self.api.list("contacts", "contacts", DineroContact,
                                      operation=f"find contacts by {clause[0]}",
                                      where=[clause], fields=CONTACT_FIELDS))
        except ValidationError:  # a value queryFilter cannot hold (';'): no match by it
            return []

    def find(self, customer: Customer) -> str | None:
        """By ExternalReference (= customer id); else an untagged contact in the customer's
        currency with the same VAT/CVR number, else e-mail. A contact tagged with
        another customer's id is never taken."""
        operation = f"find contact of customer {customer.id}"
        for contact in self._contacts(("ExternalReference", "eq", customer.id)):
            if contact.ExternalReference == customer.id:
                return self._remember(contact, operation=operation)
        for field, value in (("VatNumber", vat_number(customer)),
                             ("Email", customer.email)):
            if not value:
                continue
            for contact in self._contacts((field, "eq", value)):
                if (not contact.ExternalReference
                        and contact.PreferredInvoiceCurrencyKey in (None, customer.currency)):
                    return self._remember(contact, operation=operation)
        return None

    def read(self, guid: str) -> DineroContact:
        """The contact with that GUID (NotFoundError if none); an answer naming another
        contact is refused."""
        return self.api.read(f"contacts/{guid}", DineroContact, field="ContactGuid", guid=guid,
                             operation=f"read contact {guid}")

    def create(self, customer: Customer) -> str:
        """Create the contact with our ContactGuid and the customer id as ExternalReference.

        The GUID makes a repeat safe (sent ``idempotent=True``): Dinero refuses it
        (42) and the contact is read back. When a person deleted the contact made
        under it, the next derived GUID is used.
        """
        operation = f"create contact of customer {customer.id}"
        for salt in range(MAX_RECREATIONS):
            guid = object_guid(self.api.organisation_id, "contact", customer.id,
                               salt=str(salt) if salt else "")

            def existing(guid: str = guid) -> DineroContact | None:
                found = self.read(guid)
                return found if found.ExternalReference == customer.id else None

            try:
                receipt = self.api.send("POST", "contacts", contact_payload(customer, guid),
                                        operation=operation, idempotent=True)
                self.api.receipt_id(receipt, "ContactGuid", guid, operation=operation)
            except ProviderError as err:
                if err.code != ALREADY_EXISTS:
                    raise
                try:
                    already(existing, err)
                except Gone:
                    continue
            self.currencies[guid] = customer.currency
            return guid
        raise ConflictError(f"{MAX_RECREATIONS} contacts for customer {customer.id} were "
                            "deleted in Dinero; not creating another",
                            provider=self.api.provider)

    def currency_of(self, guid: str) -> str | None:
        """The invoice currency of the contact (read once per contact)."""
        if guid not in self.currencies:
            self._remember(self.read(guid), operation=f"read contact {guid}")
        return self.currencies[guid]
