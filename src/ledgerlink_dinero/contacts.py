"""Customers as Dinero contacts, products as Dinero products.

Contacts are found by ``ExternalReference`` (= the customer id), then by
VAT/CVR number, then by e-mail through ``queryFilter``; only an untagged
contact in the customer's currency is taken by number or e-mail, never one
tagged with another customer's id. They are created with our own
``ContactGuid`` (:mod:`.keys`). Products carry the product id as
``ExternalReference``; Dinero picks their GUID.
"""

from __future__ import annotations

from decimal import Decimal

from ledgerlink.domain import Customer, Product
from ledgerlink.errors import ConflictError, ProviderError, TransientProviderError, ValidationError
from ledgerlink_dinero.api import ALREADY_EXISTS, DineroRequests, Gone, already
from ledgerlink_dinero.keys import external_reference, object_guid
from ledgerlink_dinero.mapping import DEFAULT_UNIT, VatAccounts, contact_payload, vat_number
from ledgerlink_dinero.queries import Clause
from ledgerlink_dinero.wire import DineroContact, DineroProduct, converter

__all__ = ["MAX_RECREATIONS", "DineroContacts"]

#: Fresh GUIDs tried for one id after people deleted the objects made under it.
MAX_RECREATIONS = 5


class DineroContacts(DineroRequests):
    """Contacts and products; the connector sets ``accounts`` and ``_currencies``."""

    accounts: VatAccounts
    #: Contact GUID → its invoice currency (None: not fixed), to refuse a mismatch early.
    _currencies: dict[str, str | None]

    def _remember(self, contact: DineroContact) -> str:
        assert contact.ContactGuid is not None
        self._currencies[contact.ContactGuid] = contact.PreferredInvoiceCurrencyKey
        return contact.ContactGuid

    def _contacts(self, clause: Clause) -> list[DineroContact]:
        fields = ("ContactGuid", "ExternalReference", "PreferredInvoiceCurrencyKey")
        try:
            rows = list(self._list("contacts", "contacts", where=[clause], fields=fields))
        except ValidationError:  # a value queryFilter cannot hold (';'): no match by it
            return []
        return [converter.structure(row, DineroContact) for row in rows]

    def find_customer(self, customer: Customer) -> str | None:
        """By ExternalReference (= customer id); else an untagged contact in the customer's
        currency with the same VAT/CVR number, else e-mail. A contact tagged with
        another customer's id is never taken."""
        for contact in self._contacts(("ExternalReference", "eq", customer.id)):
            if contact.ExternalReference == customer.id:
                return self._remember(contact)
        for field, value in (("VatNumber", vat_number(customer)),
                             ("Email", customer.email)):
            if not value:
                continue
            for contact in self._contacts((field, "eq", value)):
                if (not contact.ExternalReference
                        and contact.PreferredInvoiceCurrencyKey in (None, customer.currency)):
                    return self._remember(contact)
        return None

    def create_customer(self, customer: Customer) -> str:
        """Create the contact with our ContactGuid and the customer id as ExternalReference.

        The GUID makes a repeat safe (sent ``idempotent=True``): Dinero refuses it
        (42) and the contact is read back. When a person deleted the contact made
        under it, the next derived GUID is used.
        """
        for salt in range(MAX_RECREATIONS):
            guid = object_guid(self.organisation_id, "contact", customer.id,
                               salt=str(salt) if salt else "")

            def existing(guid: str = guid) -> DineroContact | None:
                found = converter.structure(self._get(f"contacts/{guid}"), DineroContact)
                return found if found.ExternalReference == customer.id else None

            try:
                self._send("POST", "contacts", contact_payload(customer, guid), idempotent=True)
            except ProviderError as err:
                if err.code != ALREADY_EXISTS:
                    raise
                try:
                    already(existing, err)
                except Gone:
                    continue
            self._currencies[guid] = customer.currency
            return guid
        raise ConflictError(f"{MAX_RECREATIONS} contacts for customer {customer.id} were "
                            "deleted in Dinero; not creating another", provider=self.name)

    def find_product(self, product: Product) -> str | None:
        """The product whose ExternalReference is the product id."""
        return self._product_by_reference(product.id)

    def _product_by_reference(self, product_id: str) -> str | None:
        rows = self._list("products", "products", fields=("ProductGuid", "ExternalReference"),
                          where=[("ExternalReference", "eq", product_id)])
        for row in rows:
            found = converter.structure(row, DineroProduct)
            if found.ExternalReference == product_id and found.ProductGuid:
                return found.ProductGuid
        return None

    def create_product(self, product: Product) -> str:
        """Create the product (ExternalReference = product id); Dinero picks its GUID, so a
        lost answer is resolved by looking the product up before sending again."""
        payload = DineroProduct(
            Name=product.name, BaseAmountValue=product.unit_price or Decimal(0),
            Quantity=Decimal(1), Unit=DEFAULT_UNIT,
            AccountNumber=self.accounts.account_for(product.vat_rate, product.name),
            ExternalReference=external_reference(product.id, "product.id"))
        try:
            answer = self._send("POST", "products", payload, idempotent=False)
        except TransientProviderError:
            found = self.find_product(product)
            if found is not None:
                return found
            answer = self._send("POST", "products", payload, idempotent=False)
        return str(answer["ProductGuid"])

    def _currency_of(self, contact_guid: str) -> str | None:
        if contact_guid not in self._currencies:
            read = converter.structure(self._get(f"contacts/{contact_guid}"), DineroContact)
            self._remember(read)
        return self._currencies[contact_guid]
