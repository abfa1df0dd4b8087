"""In-memory company (realm) state: entities, deletions, change events, request ids."""

from __future__ import annotations

import copy
import threading
from decimal import Decimal
from typing import Any

import attrs

from ledgerlink_quickbooks.emulator.wire import EmuResponse, not_found, now_iso, stale_object

#: Entities written over the API (and reported by batch, CDC and webhooks).
ENTITIES = ("Customer", "Item", "Invoice", "Payment", "CreditMemo")
#: Tax entities: readable (GET, query) but not writable over the API, not in CDC.
TAX_ENTITIES = ("TaxCode", "TaxRate")
#: Entities seeded per realm and only read over the API (accounts, tax codes and rates).
SEEDED_ENTITIES = ("Account", *TAX_ENTITIES)
READABLE = ENTITIES + SEEDED_ENTITIES
CURRENCY_NAMES = {
    "USD": "United States Dollar",
    "EUR": "Euro",
    "GBP": "British Pound Sterling",
    "DKK": "Danish Krone",
    "CAD": "Canadian Dollar",
}
FIRST_DOC_NUMBER = 1001
#: Transactions whose open ``Balance`` counts toward their customer's ``Balance``, with
#: the sign it counts with: an invoice is owed, a credit memo's remaining credit is not.
BALANCE_SIGNS = {"Invoice": 1, "CreditMemo": -1}

Entity = dict[str, Any]


@attrs.frozen
class ChangeEvent:
    """One entity change, as webhooks report it.

    Attributes:
        realm_id: Company id.
        name: Entity name, e.g. ``"Invoice"``.
        entity_id: The entity's Id.
        operation: ``Create``, ``Update``, ``Delete``, ``Void`` or ``Emailed``.
        at: Epoch seconds of the change.
    """

    realm_id: str
    name: str
    entity_id: str
    operation: str
    at: float


@attrs.define
class Realm:
    """One QuickBooks company; every method expects ``lock`` to be held by the caller.

    Attributes:
        realm_id: Company id used in ``/v3/company/{realmId}``.
        home_currency: ISO code customers default to.
    """

    realm_id: str
    home_currency: str = "USD"
    lock: threading.RLock = attrs.field(factory=threading.RLock)
    entities: dict[str, dict[str, Entity]] = attrs.field(
        factory=lambda: {name: {} for name in READABLE}
    )
    deleted: dict[str, dict[str, float]] = attrs.field(
        factory=lambda: {name: {} for name in ENTITIES}
    )
    updated_at: dict[tuple[str, str], float] = attrs.field(factory=dict)
    events: list[ChangeEvent] = attrs.field(factory=list)
    request_ids: dict[str, EmuResponse] = attrs.field(factory=dict)
    next_id: int = 1
    next_doc_number: int = FIRST_DOC_NUMBER
    # Tax codes and rates have their own small Ids, as in QuickBooks; a separate
    # counter also keeps seeding them from shifting the Ids of other entities.
    next_tax_id: int = 1
    # Ids by (entity, customer) and by (entity, DocNumber), kept by store/remove so
    # balances and duplicate checks do not scan a realm of many thousand invoices.
    _by_customer: dict[tuple[str, str], set[str]] = attrs.field(factory=dict)
    _by_doc: dict[tuple[str, str], set[str]] = attrs.field(factory=dict)
    _indexed: dict[tuple[str, str], tuple[str | None, str | None]] = attrs.field(factory=dict)
    # What each Invoice and CreditMemo adds to its customer's Balance as last counted
    # (customer, signed open balance): store/remove move the customer's Balance by the
    # change of the one transaction, so a write costs the same at any invoice count.
    _counted: dict[tuple[str, str], tuple[str, Decimal]] = attrs.field(factory=dict)

    def ids_for_customer(self, name: str, customer_id: str) -> frozenset[str]:
        """Ids of ``name`` entities whose CustomerRef is ``customer_id``."""
        return frozenset(self._by_customer.get((name, str(customer_id)), ()))

    def ids_with_doc_number(self, name: str, doc_number: str) -> frozenset[str]:
        """Ids of ``name`` entities carrying DocNumber ``doc_number``."""
        return frozenset(self._by_doc.get((name, str(doc_number)), ()))

    def _unindex(self, name: str, entity_id: str) -> None:
        customer, doc = self._indexed.pop((name, entity_id), (None, None))
        if customer is not None:
            self._by_customer[(name, customer)].discard(entity_id)
        if doc is not None:
            self._by_doc[(name, doc)].discard(entity_id)

    def _index(self, name: str, entity: Entity) -> None:
        entity_id = entity["Id"]
        self._unindex(name, entity_id)
        ref = entity.get("CustomerRef")
        customer = str(ref["value"]) if isinstance(ref, dict) and "value" in ref else None
        doc = entity.get("DocNumber")
        doc = str(doc) if doc is not None else None
        if customer is not None:
            self._by_customer.setdefault((name, customer), set()).add(entity_id)
        if doc is not None:
            self._by_doc.setdefault((name, doc), set()).add(entity_id)
        self._indexed[(name, entity_id)] = (customer, doc)

    def reindex(self) -> None:
        """Rebuild the look-ups by customer and DocNumber (after restoring entities).

        What each transaction adds to its customer's Balance is counted again, and
        the customers' stored Balance, which already holds it, is kept.
        """
        for name, rows in self.entities.items():
            for entity in rows.values():
                self._index(name, entity)
                if name in BALANCE_SIGNS:
                    self._count(name, entity, move=False)

    def _count(self, name: str, entity: Entity | None, entity_id: str = "", *,
               move: bool = True) -> None:
        """Count ``entity`` (None: removed) in its customer's Balance in place of what it
        added before; ``move=False`` only records it (the Balance holds it already)."""
        key = (name, entity["Id"] if entity is not None else entity_id)
        before = self._counted.pop(key, None)
        after = None
        ref = (entity or {}).get("CustomerRef")
        if entity is not None and isinstance(ref, dict) and "value" in ref:
            after = (str(ref["value"]), BALANCE_SIGNS[name] * Decimal(str(entity["Balance"])))
            self._counted[key] = after
        if move:
            for counted, sign in ((before, -1), (after, 1)):
                if counted is not None:
                    self._move_balance(counted[0], sign * counted[1])

    def _move_balance(self, customer_id: str, change: Decimal) -> None:
        customer = self.entities["Customer"].get(customer_id)
        if customer is None or not change:
            return
        total = Decimal(str(customer.get("Balance", 0))) + change
        customer["Balance"] = total
        customer["BalanceWithJobs"] = total

    def new_tax_id(self) -> str:
        """Allocate the next TaxCode/TaxRate Id."""
        value = self.next_tax_id
        self.next_tax_id += 1
        return str(value)

    def new_id(self) -> str:
        """Allocate the next entity Id (shared across entity types, as in QuickBooks)."""
        value = self.next_id
        self.next_id += 1
        return str(value)

    def get(self, name: str, entity_id: str) -> Entity:
        """Return the live entity or raise the 610 fault."""
        found = self.entities[name].get(str(entity_id))
        if found is None:
            raise not_found()
        return found

    def check_token(self, current: Entity, sent: Entity) -> None:
        """Raise 5010 unless ``sent`` carries the entity's current SyncToken."""
        token = sent.get("SyncToken")
        if token is None or str(token) != current["SyncToken"]:
            raise stale_object()

    def store(self, name: str, entity: Entity, moment: float, operation: str) -> Entity:
        """Stamp MetaData/SyncToken, save ``entity`` and record the change."""
        stamp = now_iso(moment)
        if operation == "Create":
            entity["SyncToken"] = "0"
            entity["MetaData"] = {"CreateTime": stamp, "LastUpdatedTime": stamp}
        else:
            entity["SyncToken"] = str(int(entity["SyncToken"]) + 1)
            entity["MetaData"] = {**entity.get("MetaData", {}), "LastUpdatedTime": stamp}
        self.entities[name][entity["Id"]] = entity
        self._index(name, entity)
        if name in BALANCE_SIGNS:
            self._count(name, entity)
        self.updated_at[(name, entity["Id"])] = moment
        self.events.append(ChangeEvent(self.realm_id, name, entity["Id"], operation, moment))
        return entity

    def remove(self, name: str, entity_id: str, moment: float) -> None:
        """Delete an entity: it is gone, and the change feed reports it as Deleted."""
        del self.entities[name][entity_id]
        self._unindex(name, entity_id)
        if name in BALANCE_SIGNS:
            self._count(name, None, entity_id)
        self.deleted[name][entity_id] = moment
        self.updated_at.pop((name, entity_id), None)
        self.events.append(ChangeEvent(self.realm_id, name, entity_id, "Delete", moment))

    def snapshot(self, name: str, entity_id: str) -> Entity:
        """Return a deep copy of an entity safe to hand to callers."""
        return copy.deepcopy(self.get(name, entity_id))


def currency_ref(code: str) -> dict[str, str]:
    """Build a ``CurrencyRef`` the way QuickBooks answers it (value is the ISO code)."""
    return {"value": code, "name": CURRENCY_NAMES.get(code, code)}
