"""Set-up helpers for tests: records made through the emulator's own write handlers.

Each helper answers like the API (the record as v2 shows it) and is refused the
same way (:class:`~.wire.PipedriveError`), but carries no token, spends no
budget and meets no fault.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from ledgerlink_pipedrive.emulator.state import Company

__all__ = ["DealProduct", "Seeding"]

#: A product on a seeded deal: product id, item price, quantity, then any other body fields.
DealProduct = tuple[int, Decimal | int, Decimal | int] | Mapping[str, Any]


class _Emulator(Protocol):
    def company(self, company: Company | int) -> Company: ...

    def seed(self, company: Company | int, method: str, path: str,
             body: Any = None) -> Any: ...

    def now(self) -> datetime: ...


class Seeding:
    """Mixed into the emulator: ``seed_person``, ``seed_deal`` and the like."""

    def add_field(self: _Emulator, company: Company | int, name: str, field_type: str, *,
                  options: Sequence[str] = (), list_name: str = "dealFields"
                  ) -> dict[str, Any]:
        """A custom field (``field_code`` is its key in ``custom_fields``)."""
        held = self.company(company)
        with held.lock:
            return held.add_field(list_name, name, field_type, self.now(), options)

    def seed_organization(self: _Emulator, company: Company | int, name: str,
                          **fields: Any) -> dict[str, Any]:
        """An organization (``address={...}``, ``custom_fields={...}`` and so on)."""
        data: dict[str, Any] = self.seed(company, "POST", "/api/v2/organizations",
                                         {"name": name, **fields})
        return data

    def seed_person(self: _Emulator, company: Company | int, name: str, *,
                    email: str | None = None, **fields: Any) -> dict[str, Any]:
        """A person; ``email`` becomes the primary work e-mail."""
        if email is not None:
            fields["emails"] = [{"value": email, "primary": True, "label": "work"}]
        data: dict[str, Any] = self.seed(company, "POST", "/api/v2/persons",
                                         {"name": name, **fields})
        return data

    def seed_product(self: _Emulator, company: Company | int, name: str, *,
                     price: Decimal | int | None = None, currency: str = "DKK",
                     **fields: Any) -> dict[str, Any]:
        """A product with one price in ``currency`` when ``price`` is given."""
        if price is not None:
            fields["prices"] = [{"price": price, "currency": currency}]
        data: dict[str, Any] = self.seed(company, "POST", "/api/v2/products",
                                         {"name": name, **fields})
        return data

    def seed_deal(self: _Emulator, company: Company | int, title: str, *,
                  status: str = "won", products: Iterable[DealProduct] = (),
                  custom: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        """A deal (won unless said) with ``products`` attached and ``custom`` fields given by
        name or key; ``fields`` are further v2 body fields (``person_id``, ``currency``...).
        Returns the deal as ``GET /api/v2/deals/{id}`` answers it, its value the products'."""
        held = self.company(company)
        codes = {definition["field_name"]: code for code, definition
                 in held.definitions("dealFields").items()}
        if custom:
            fields["custom_fields"] = {codes.get(name, name): value
                                       for name, value in custom.items()}
        deal = self.seed(held, "POST", "/api/v2/deals",
                         {"title": title, "status": status, **fields})
        for product in products:
            body = dict(product) if isinstance(product, Mapping) else {
                "product_id": product[0], "item_price": product[1], "quantity": product[2]}
            self.seed(held, "POST", f"/api/v2/deals/{deal['id']}/products", body)
        data: dict[str, Any] = self.seed(held, "GET", f"/api/v2/deals/{deal['id']}")
        return data
