"""Internal: which customers and products a sync takes: :class:`SyncFilter` and its parts.

A filter says *why* it leaves an item out (``reason``), so a sync report can
say it per item. Every criterion is optional; an empty filter takes everything.
Criteria combine with AND; each set criterion takes any of its members.

The policy file sets them in two tables (:func:`sync_filter_from_tables` reads
them, every unknown key or bad value a problem naming the key)::

    [sync.customers]          # the ERP seed: person contacts with an e-mail
    kinds = ["person"]
    has_email = true
    countries = ["DK", "SE"]  # optional
    ids = ["c-1", "c-2"]      # optional

    [sync.products]           # the ERP seed: service items only
    kinds = ["service"]
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import attrs

from ledgerlink.domain import Customer, PartyKind, Product, ProductKind
from ledgerlink.errors import ValidationError

__all__ = ["SYNC_TABLES", "CustomerFilter", "ProductFilter", "SyncFilter",
           "sync_filter_from_tables", "sync_filter_tables"]

#: The ``[sync.<what>]`` tables a policy file may have.
SYNC_TABLES = ("customers", "products")

E = TypeVar("E", bound=enum.Enum)


def _words(value: object, field: str) -> list[str]:
    """A string, or an iterable of strings, as a list (a lone string is one member)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        members = list(value)
        for member in members:
            if not isinstance(member, (str, enum.Enum)):
                raise ValidationError("must be a list of strings", field=field, value=value)
        return [m.value if isinstance(m, enum.Enum) else m for m in members]
    raise ValidationError("must be a string or a list of strings", field=field, value=value)


def _members(kind: type[E], value: object, field: str) -> frozenset[E] | None:
    if value is None:
        return None
    chosen = []
    for word in _words(value, field):
        try:
            chosen.append(kind(word))
        except ValueError:
            choices = ", ".join(str(m.value) for m in kind)
            raise ValidationError(f"must name {kind.__name__}s ({choices})", field=field,
                                  value=word) from None
    return frozenset(chosen)


def _party_kinds(value: object) -> frozenset[PartyKind] | None:
    return _members(PartyKind, value, "kinds")


def _product_kinds(value: object) -> frozenset[ProductKind] | None:
    return _members(ProductKind, value, "kinds")


def _ids(value: object) -> frozenset[str] | None:
    return None if value is None else frozenset(_words(value, "ids"))


def _countries(value: object) -> frozenset[str] | None:
    if value is None:
        return None
    codes = frozenset(code.upper() for code in _words(value, "countries"))
    for code in codes:
        if len(code) != 2 or not code.isalpha():
            raise ValidationError("must be ISO 3166 alpha-2 codes (e.g. DK)",
                                  field="countries", value=code)
    return codes


def _has_email(value: object) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ValidationError("must be true or false", field="has_email", value=value)
    return value


def _names(values: Iterable[Any]) -> str:
    return ", ".join(sorted(v.value if isinstance(v, enum.Enum) else str(v) for v in values))


@attrs.frozen
class CustomerFilter:
    """Which customers a sync takes (None: any).

    Attributes:
        kinds: only customers of these kinds (person, company).
        has_email: True: only customers with an e-mail; False: only without.
        countries: only customers whose address is in these countries (alpha-2).
        ids: only these customer ids.
    """

    kinds: frozenset[PartyKind] | None = attrs.field(default=None, converter=_party_kinds)
    has_email: bool | None = attrs.field(default=None, converter=_has_email)
    countries: frozenset[str] | None = attrs.field(default=None, converter=_countries)
    ids: frozenset[str] | None = attrs.field(default=None, converter=_ids)

    def reason(self, customer: Customer) -> str | None:
        """Why the filter leaves ``customer`` out; None when it takes it."""
        if self.ids is not None and customer.id not in self.ids:
            return "not among the ids asked for"
        if self.kinds is not None and customer.kind not in self.kinds:
            return f"kind is {customer.kind.value}; the filter takes {_names(self.kinds)}"
        if self.has_email is True and not customer.email:
            return "has no e-mail; the filter takes customers with one"
        if self.has_email is False and customer.email:
            return "has an e-mail; the filter takes customers without one"
        if self.countries is not None and customer.address.country not in self.countries:
            return (f"country is {customer.address.country}; the filter takes "
                    f"{_names(self.countries)}")
        return None

    def passes(self, customer: Customer) -> bool:
        """Whether the filter takes ``customer``."""
        return self.reason(customer) is None

    def overridden(self, other: CustomerFilter) -> CustomerFilter:
        """This filter with every criterion ``other`` sets taken from ``other``."""
        return _overridden(self, other)


@attrs.frozen
class ProductFilter:
    """Which products a sync takes (None: any).

    Attributes:
        kinds: only products of these kinds (service, goods).
        ids: only these product ids.
    """

    kinds: frozenset[ProductKind] | None = attrs.field(default=None, converter=_product_kinds)
    ids: frozenset[str] | None = attrs.field(default=None, converter=_ids)

    def reason(self, product: Product) -> str | None:
        """Why the filter leaves ``product`` out; None when it takes it."""
        if self.ids is not None and product.id not in self.ids:
            return "not among the ids asked for"
        if self.kinds is not None and product.kind not in self.kinds:
            return f"kind is {product.kind.value}; the filter takes {_names(self.kinds)}"
        return None

    def passes(self, product: Product) -> bool:
        """Whether the filter takes ``product``."""
        return self.reason(product) is None

    def overridden(self, other: ProductFilter) -> ProductFilter:
        """This filter with every criterion ``other`` sets taken from ``other``."""
        return _overridden(self, other)


F = TypeVar("F", CustomerFilter, ProductFilter)


def _overridden(base: F, other: F) -> F:
    given = {a.name: getattr(other, a.name) for a in attrs.fields(type(other))
             if getattr(other, a.name) is not None}
    return attrs.evolve(base, **given)


@attrs.frozen
class SyncFilter:
    """The sync filters of a company: one for customers, one for products.

    Attributes:
        customers: which customers ``sync customers`` takes.
        products: which products ``sync products`` takes.
    """

    customers: CustomerFilter = attrs.Factory(CustomerFilter)
    products: ProductFilter = attrs.Factory(ProductFilter)


_KEYS: dict[str, type[CustomerFilter] | type[ProductFilter]] = {
    "customers": CustomerFilter, "products": ProductFilter}


def sync_filter_from_tables(tables: object, source: str) -> SyncFilter:
    """The ``[sync]`` table of the policy file read from ``source`` as a SyncFilter.

    Every problem (an unknown table or key, a bad value) is collected and raised
    at once as a ValidationError naming the file and the key (``sync.customers.kinds``).
    """
    problems: list[ValidationError] = []
    found: dict[str, Any] = {}
    if not isinstance(tables, Mapping):
        raise ValidationError("must be a table", source=source, field="sync", value=tables)
    for name, table in tables.items():
        where = f"sync.{name}"
        cls = _KEYS.get(name)
        if cls is None:
            problems.append(ValidationError(
                f"unknown table; expected {', '.join(SYNC_TABLES)}", source=source, field=where))
            continue
        if not isinstance(table, Mapping):
            problems.append(ValidationError("must be a table of filter settings",
                                            source=source, field=where, value=table))
            continue
        accepted = [a.name for a in attrs.fields(cls)]
        settings: dict[str, Any] = {}
        for key, value in table.items():
            if key not in accepted:
                problems.append(ValidationError(
                    f"unknown key; expected {', '.join(accepted)}", source=source,
                    field=f"{where}.{key}", value=value))
                continue
            try:
                cls(**{key: value})  # one key at a time: each bad value is named
                settings[key] = value
            except ValidationError as err:
                problems.append(ValidationError(err.message, source=source,
                                                field=f"{where}.{key}", value=err.value))
        if not problems:
            found[name] = cls(**settings)
    if problems:
        raise problems[0] if len(problems) == 1 else ValidationError(
            "the [sync] tables have problems", source=source, problems=problems)
    return SyncFilter(**found)


def sync_filter_tables(sync: SyncFilter) -> dict[str, dict[str, Any]]:
    """``sync`` as the policy file's ``[sync.*]`` tables (criteria left unset are absent)."""
    tables: dict[str, dict[str, Any]] = {}
    for name in SYNC_TABLES:
        part = getattr(sync, name)
        values: dict[str, Any] = {}
        for field in attrs.fields(type(part)):
            value = getattr(part, field.name)
            if value is None:
                continue
            values[field.name] = (value if isinstance(value, bool)
                                  else sorted(v.value if isinstance(v, enum.Enum) else v
                                              for v in value))
        if values:
            tables[name] = values
    return tables
