"""Customers as e-conomic customers: found by CVR or e-mail, created once, updated on request.

How a customer is found (the runner keeps the stored mapping, customer id →
customer number, and asks only for customers it has not linked):

1. a customer with the same ``corporateIdentificationNumber`` (a Danish CVR as
   its 8 digits), with the API's filter, one request [E1][E4];
2. else a customer with the same ``email``, the same way.

Filters go in the query string, which the client URL-encodes [E1][E13]; the
lowest customer number wins when several match. A customer is created with its
currency, the agreement's customer group and payment terms and the VAT zone of
its country (:mod:`.agreement`), its address, e-mail and CVR. The create carries
an ``Idempotency-Key`` derived from the customer's id and body, so a retry (or a
second process) within the hour gets the first answer; after an ambiguous
failure the customer is looked up before the create is sent again.

Updates (``update_customer``, opt in with ``CUSTOMER_UPDATES``): e-conomic's PUT
replaces the whole customer and refuses ``null`` [E13], so the customer is read
whole, its name, address, e-mail and CVR changed and everything else sent back
as read; nothing is sent when nothing differs.
"""

from __future__ import annotations

import threading
from typing import Any

from ledgerlink.domain import Customer
from ledgerlink.errors import TransientProviderError, ValidationError
from ledgerlink_economic.agreement import AgreementSettings
from ledgerlink_economic.api import EconomicApi, eq_filter, idempotency_key
from ledgerlink_economic.mapping import customer_body, registration_number
from ledgerlink_economic.wire import EcoCustomer

__all__ = ["EconomicCustomers"]

#: What an update keeps in step (the rest of the customer is sent back as read).
UPDATED_FIELDS = ("name", "address", "zip", "city", "country", "email",
                  "corporateIdentificationNumber")


def _number(ref: str) -> int:
    try:
        return int(ref)
    except ValueError:
        raise ValidationError("an e-conomic customer number is a whole number",
                              field="customer_ref", value=ref) from None


class EconomicCustomers:
    """Find, create and update customers; know each one's currency.

    Args:
        api: the agreement's requests.
        agreement: the agreement's settings (group, terms, zones).
    """

    def __init__(self, api: EconomicApi, agreement: AgreementSettings) -> None:
        self.api = api
        self.agreement = agreement
        self._lock = threading.Lock()
        self._known: dict[int, EcoCustomer] = {}

    def _first(self, field: str, value: str, customer_id: str) -> str | None:
        rows = self.api.list("customers", EcoCustomer,
                             operation=f"find customer {customer_id} by {field}",
                             params={"filter": eq_filter(field, value)})
        wanted = value.strip().lower()
        found = sorted((row for row in rows if (getattr(row, field) or "").strip().lower()
                        == wanted and not row.barred), key=lambda row: row.customerNumber)
        if not found:
            return None
        with self._lock:
            self._known[found[0].customerNumber] = found[0]
        return str(found[0].customerNumber)

    def find(self, customer: Customer) -> str | None:
        """By CVR, else by e-mail (one filtered request each)."""
        number = registration_number(customer)
        if number and "$" not in number:
            found = self._first("corporateIdentificationNumber", number, customer.id)
            if found is not None:
                return found
        if customer.email and "$" not in customer.email:
            return self._first("email", customer.email.strip(), customer.id)
        return None

    def create(self, customer: Customer) -> str:
        """Create the customer (see the module docs); its customer number."""
        body = customer_body(customer, group=self.agreement.customer_group(),
                             terms=self.agreement.customer_terms(),
                             zone=self.agreement.vat_zone(customer.address.country))
        operation = f"create customer {customer.id}"
        key = idempotency_key(operation, body)
        try:
            answer = self.api.write("POST", "customers", body, operation=operation, key=key)
        except TransientProviderError:
            found = self.find(customer)
            if found is not None:
                return found
            answer = self.api.write("POST", "customers", body, operation=operation, key=key)
        made = self.api.wire.structure(answer, EcoCustomer, operation=operation, unclear=True)
        with self._lock:
            self._known[made.customerNumber] = made
        return str(made.customerNumber)

    def customer(self, ref: str) -> EcoCustomer:
        """The customer (read once per connector)."""
        number = _number(ref)
        with self._lock:
            known = self._known.get(number)
        if known is not None:
            return known
        found = self.api.get(f"customers/{number}", EcoCustomer,
                             operation=f"read customer {number}")
        with self._lock:
            self._known[number] = found
        return found

    def update(self, ref: str, customer: Customer) -> bool:
        """Make the customer's name, address, e-mail and CVR match; True when written."""
        number = _number(ref)
        operation = f"update customer {number}"
        whole: dict[str, Any] = dict(self.api.raw(f"customers/{number}", operation=operation))
        whole.pop("self", None)  # the resource's own link, not part of a PUT [E4]
        body = customer_body(customer, group=0, terms=0, zone=0, base=whole)
        body["currency"] = whole.get("currency", customer.currency)  # never changed here
        if all(body.get(name) == whole.get(name) for name in UPDATED_FIELDS):
            return False
        answer = self.api.write("PUT", f"customers/{number}", body, operation=operation)
        made = self.api.wire.structure(answer, EcoCustomer, operation=operation, unclear=True)
        with self._lock:
            self._known[number] = made
        return True
