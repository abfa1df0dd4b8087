"""Customers as Billy contacts: found by the stored id, CVR or e-mail; created once.

How a customer is found, and what it costs: Billy documents no contact filter
(list filters are documented for invoices, bills and daybook transactions only
[B1]; ``q=`` is a third party's free-text search [B6 (3p)], not a match on a
field). So the connector reads the company's contact list once, 1000 a page,
and keeps an index in memory: ⌈contacts / 1000⌉ requests per connector, after
which every look-up costs nothing. Contacts created through the connector are
added to the index. The order is:

1. the stored mapping: a contact whose ``contactNo`` is the customer id (the
   connector writes it there on create);
2. else an untagged contact (no ``contactNo``) with the same ``registrationNo``
   (a Danish CVR compared as its 8 digits);
3. else an untagged contact whose contact person has the customer's e-mail:
   the contact persons are read once too, ⌈persons / 1000⌉ requests, and only
   when a look-up gets this far (or an invoice is e-mailed to a contact this
   connector did not create: the primary contact person comes from that list).

A contact tagged with another customer's id is never taken. A contact made in
Billy's app after the index was read is not seen by this connector (a new
connector reads it afresh).

A contact is created in one request with its primary contact person embedded
(the e-mail lives there, and Billy mails invoices to contact persons [B1]).
After an ambiguous failure the list is read again and the contact looked up by
its ``contactNo`` before the create is sent once more (not retried: Billy would
make a second contact; lost again, the next look-up reads the list again).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from ledgerlink.domain import Customer
from ledgerlink.errors import ValidationError
from ledgerlink_billy.api import BillyApi
from ledgerlink_billy.mapping import contact_payload, registration_number
from ledgerlink_billy.wire import BillyContact, BillyContactPerson

__all__ = ["BillyCustomers"]


def _digits(number: str | None, country: str | None) -> str | None:
    if number and country == "DK" and number.upper().startswith("DK"):
        return number[2:]
    return number or None


class BillyCustomers:
    """Find and create contacts; know each contact's type, country, currency and primary
    contact person.

    Args:
        api: the company's requests.
        payment_terms_days: the payment terms of a new contact (net days).
    """

    def __init__(self, api: BillyApi, payment_terms_days: int) -> None:
        self.api = api
        self.payment_terms_days = payment_terms_days
        self._lock = threading.RLock()
        self._contacts: dict[str, BillyContact] | None = None
        self._persons: dict[str, list[BillyContactPerson]] | None = None
        # Contact persons learnt without the full list: from creates and single reads.
        self._known_persons: dict[str, list[BillyContactPerson]] = {}

    def contacts(self) -> dict[str, BillyContact]:
        """Every contact by id, read once (⌈contacts / 1000⌉ requests)."""
        with self._lock:
            if self._contacts is None:
                rows = self.api.list("contacts", "contacts", BillyContact,
                                     operation="list contacts")
                self._contacts = {row.id: row for row in rows if row.id}
            return self._contacts

    def persons(self) -> dict[str, list[BillyContactPerson]]:
        """Every contact person by contact id, read once (⌈persons / 1000⌉ requests)."""
        with self._lock:
            if self._persons is None:
                found: dict[str, list[BillyContactPerson]] = {}
                for person in self.api.list("contactPersons", "contactPersons",
                                            BillyContactPerson,
                                            operation="list contact persons"):
                    if person.contactId:
                        found.setdefault(person.contactId, []).append(person)
                self._persons = found
            return self._persons

    def find(self, customer: Customer) -> str | None:
        """By ``contactNo`` (= customer id), else an untagged contact with the same
        registration number, else an untagged contact with the customer's e-mail."""
        contacts = self.contacts()
        for contact_id, contact in contacts.items():
            if contact.contactNo == customer.id:
                return contact_id
        untagged = {cid: c for cid, c in contacts.items() if not c.contactNo}
        number = registration_number(customer)
        if number:
            for contact_id, contact in untagged.items():
                if _digits(contact.registrationNo, contact.countryId) == number:
                    return contact_id
        if customer.email:
            wanted = customer.email.strip().lower()
            persons = self.persons()
            for contact_id in untagged:
                if any((p.email or "").strip().lower() == wanted
                       for p in persons.get(contact_id, ())):
                    return contact_id
        return None

    def create(self, customer: Customer) -> str:
        """Create the contact (``contactNo`` = customer id) with its primary contact person."""
        operation = f"create contact of customer {customer.id}"
        payload = contact_payload(customer, self.payment_terms_days)
        # Billy would make a second contact of each repeated post.
        answer = self.api.create_unrepeated("contacts", "contact", payload, operation=operation,
                                            find=lambda: self.find(customer), forget=self._forget)
        if isinstance(answer, str):
            return answer
        return self._remember(answer, operation=operation)

    def _forget(self) -> None:
        """Read the contacts and contact persons again when next needed: a create whose
        answer was lost may have made one."""
        with self._lock:
            self._contacts = None
            self._persons = None

    def _remember(self, answer: Mapping[str, Any], *, operation: str) -> str:
        contact = self.api.created(answer, "contacts", BillyContact, operation=operation)
        assert contact.id is not None  # checked by created()
        persons = [self.api.structure(row, BillyContactPerson, operation=operation,
                                      where="contactPersons")
                   for row in answer.get("contactPersons") or () if isinstance(row, Mapping)]
        with self._lock:
            self.contacts()[contact.id] = contact
            self._known_persons[contact.id] = persons
        return contact.id

    def contact(self, contact_id: str) -> BillyContact:
        """The contact (from the index; read when a person made it later)."""
        with self._lock:
            known = self.contacts().get(contact_id)
        if known is not None:
            return known
        found = self.api.get(f"contacts/{contact_id}", "contact", BillyContact,
                             operation=f"read contact {contact_id}")
        with self._lock:
            self.contacts()[contact_id] = found
        return found

    def _persons_of(self, contact_id: str) -> list[BillyContactPerson]:
        """The contact's persons: learnt from its create, else from the whole list of
        contact persons, read once (⌈persons / 1000⌉ requests for every contact)."""
        with self._lock:
            known = self._known_persons.get(contact_id)
        if known is not None:
            return known
        return self.persons().get(contact_id, [])

    def person_with(self, contact_id: str, email: str) -> BillyContactPerson:
        """The contact's person with ``email``, added to the contact when it has none."""
        wanted = email.strip().lower()
        for person in self._persons_of(contact_id):
            if (person.email or "").strip().lower() == wanted and person.id:
                return person
        operation = f"add contact person {email} to contact {contact_id}"
        answer = self.api.write("POST", "contactPersons", "contactPerson",
                                BillyContactPerson(contactId=contact_id, name=email,
                                                   email=email.strip(), isPrimary=False),
                                operation=operation, idempotent=False)
        added = self.api.created(answer, "contactPersons", BillyContactPerson,
                                 operation=operation)
        with self._lock:
            self._known_persons.setdefault(contact_id, []).append(added)
            if self._persons is not None:
                self._persons.setdefault(contact_id, []).append(added)
        return added

    def primary_person(self, contact_id: str) -> BillyContactPerson:
        """The contact person invoices are e-mailed to: the primary one, else the first with
        an e-mail. ValidationError when the contact has none (nothing can be sent)."""
        known = self._persons_of(contact_id)
        mailable = [p for p in known if p.email and p.id and p.contactId in (None, contact_id)]
        for person in sorted(mailable, key=lambda p: not p.isPrimary):
            return person
        raise ValidationError(f"Billy contact {contact_id} has no contact person with an "
                              "e-mail address; add one before sending",
                              field="contactPersons", value=contact_id)
