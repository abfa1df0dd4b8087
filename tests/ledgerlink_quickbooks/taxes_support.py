"""Helpers for the tax and credit helper tests (imported by conftest and the tests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from ledgerlink_quickbooks import queries
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from ledgerlink_quickbooks.wire import loads

REALM = "4620816365000000"


class Company:
    """An emulated QuickBooks company with the default VAT codes, a customer and an item."""

    def __init__(self, http: httpx.Client, emulator: QuickBooksEmulator) -> None:
        self.http = http
        self.emulator = emulator
        self.customer = emulator.seed(REALM, "Customer", {"DisplayName": "Nordisk Byg"})
        self.item = emulator.seed(REALM, "Item", {"Name": "Services"})

    def path(self, rest: str) -> str:
        return f"/v3/company/{REALM}/{rest}"

    def query(self, entity: str, where: list[queries.Condition]) -> Sequence[Mapping[str, Any]]:
        """Run a query the way the connector does (queries.select, Decimal JSON)."""
        text = queries.select(entity, where)
        body = loads(self.http.get(self.path("query"), params={"query": text}).text)
        return list((body.get("QueryResponse") or {}).get(entity) or [])

    def post(self, entity: str, body: bytes) -> Any:
        """POST a JSON body and return the answered entity (Decimal JSON)."""
        answer = loads(self.http.post(self.path(entity.lower()), content=body).text)
        assert entity in answer, answer
        return answer[entity]
