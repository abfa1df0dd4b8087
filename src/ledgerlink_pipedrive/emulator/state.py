"""One Pipedrive company as the emulator holds it: its token, its records and its fields.

Records are kept in their v2 shape (NOTES §5-§9), times as v2's RFC 3339 text,
in tables by kind, keyed by id; a record's ``custom_fields`` hold only the
values set. Field
definitions (``dealFields``, ``personFields``, ``organizationFields``,
``productFields``) are kept per kind with the v2 item keys and an ``id`` and
``add_time`` for v1; the standard fields come first (``is_custom_field`` false,
the code is the field's name), custom ones get a 40-hex ``field_code`` (NOTES §5).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs

from ledgerlink_pipedrive.emulator.wire import v2_time

__all__ = ["FIELD_KINDS", "KINDS", "Company", "new_company"]

#: Record tables a company holds.
KINDS = ("deals", "persons", "organizations", "products", "deal_products")
#: Field lists by the record kind they describe, named as their endpoints are.
FIELD_KINDS = {"dealFields": "deals", "personFields": "persons",
               "organizationFields": "organizations", "productFields": "products"}

#: The standard fields each list starts with: code, name, type (inferred selection).
STANDARD_FIELDS: dict[str, Sequence[tuple[str, str, str]]] = {
    "dealFields": (("title", "Title", "varchar"), ("value", "Value", "monetary"),
                   ("currency", "Currency", "varchar_options"), ("status", "Status", "status"),
                   ("person_id", "Contact person", "people"), ("org_id", "Organization", "org"),
                   ("owner_id", "Owner", "user"), ("won_time", "Won time", "date")),
    "personFields": (("name", "Name", "varchar"), ("emails", "Email", "varchar"),
                     ("phones", "Phone", "phone"), ("org_id", "Organization", "org")),
    "organizationFields": (("name", "Name", "varchar"), ("address", "Address", "address")),
    "productFields": (("name", "Name", "varchar"), ("code", "Product code", "varchar"),
                      ("prices", "Unit prices", "monetary"), ("tax", "Tax", "double")),
}


@attrs.define
class Company:
    """A Pipedrive company and the user the emulator acts as.

    Attributes:
        id: The company id.
        name: Its name.
        api_token: The user's API token for this company (one per user per company).
        user_id: The user's id (the default ``owner_id``).
        currency: The user's default currency (new deals' currency when none is sent).
        tables: Records by kind, then id.
        fields: Field definitions by list name (``dealFields``...), in order.
        next_ids: The next id per table and for field definitions.
        lock: Held while a request reads or writes the company.
    """

    id: int
    name: str
    api_token: str
    user_id: int
    currency: str = "DKK"
    tables: dict[str, dict[int, dict[str, Any]]] = attrs.field(
        factory=lambda: {kind: {} for kind in KINDS})
    fields: dict[str, list[dict[str, Any]]] = attrs.field(
        factory=lambda: {name: [] for name in FIELD_KINDS})
    next_ids: dict[str, int] = attrs.field(factory=dict)
    lock: threading.RLock = attrs.field(factory=threading.RLock, eq=False, repr=False)

    @property
    def domain(self) -> str:
        """The company's sub-domain (``{domain}.pipedrive.com``), made from its name."""
        cleaned = "".join(ch for ch in self.name.lower() if ch.isalnum())
        return cleaned or f"company{self.id}"

    def take_id(self, table: str) -> int:
        """The next id for ``table`` (ids start at 1 per table)."""
        number = self.next_ids.get(table, 1)
        self.next_ids[table] = number + 1
        return number

    def definitions(self, list_name: str) -> dict[str, dict[str, Any]]:
        """The field definitions of a list by ``field_code``."""
        return {field["field_code"]: field for field in self.fields[list_name]}

    def add_field(self, list_name: str, name: str, field_type: str, now: datetime,
                  options: Sequence[str] = ()) -> dict[str, Any]:
        """A custom field definition, its options numbered company-wide."""
        number = self.take_id("fields")
        seed = f"{self.id}:{list_name}:{number}:{name}".encode()
        definition: dict[str, Any] = {
            "id": number, "field_name": name,
            "field_code": hashlib.sha1(seed, usedforsecurity=False).hexdigest(),
            "description": "", "field_type": field_type, "is_custom_field": True,
            "is_optional_response_field": False,
            "options": [{"id": self.take_id("options"), "label": label, "color": None,
                         "add_time": None, "update_time": None} for label in options] or None,
            "subfields": None, "add_time": v2_time(now)}
        self.fields[list_name].append(definition)
        return definition


def new_company(company_id: int, name: str, now: datetime, *, api_token: str | None = None,
                currency: str = "DKK") -> Company:
    """A company with the standard field lists and a fresh API token."""
    company = Company(company_id, name, api_token or secrets.token_hex(20),
                      user_id=10_000 + company_id, currency=currency)
    for list_name, standard in STANDARD_FIELDS.items():
        for code, label, field_type in standard:
            company.fields[list_name].append({
                "id": company.take_id("fields"), "field_name": label, "field_code": code,
                "description": "", "field_type": field_type, "is_custom_field": False,
                "is_optional_response_field": False, "options": None, "subfields": None,
                "add_time": v2_time(now)})
    return company
