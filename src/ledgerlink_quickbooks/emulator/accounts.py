"""The chart of accounts a realm starts with, and the income account an Item must name.

QuickBooks requires ``IncomeAccountRef`` on the Items that post sales (Finance.xsd,
Item.IncomeAccountRef: "Required for the following types: Assembly, Inventory,
Other Charge, Product, Service"; NOTES §4.3; the official Service create
example carries one). "Product" is the name QuickBooks' own screens give a
non-inventory item, so ``NonInventory`` is held to it too. The account must
exist (else 2500 "Invalid Reference Id", as for any reference) and be an
``Income`` account: QuickBooks' refusal of another type is not in the
material, so it is answered with the generic 6000 business-validation fault.

A realm is seeded with a small chart (:data:`DEFAULT_ACCOUNTS`: Ids and names
as in Intuit's samples) so a connector can find an income account with
``select * from Account where AccountType = 'Income'``. Accounts are read-only
over the emulated API, like tax codes.

:meth:`QuickBooksEmulator.seed` stands for data made in QuickBooks' own
screens, whose item form preselects an income account: :func:`seed_defaults`
puts the realm's first income account on a seeded item that names none. API
writes get no such help.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ledgerlink_quickbooks.emulator.state import Entity, Realm, currency_ref
from ledgerlink_quickbooks.emulator.wire import (
    business_validation,
    invalid_reference,
    now_iso,
    required_missing,
)

INCOME = "Income"
#: Item types that post sales to an income account (see the module docstring).
NEEDS_INCOME_ACCOUNT = frozenset(
    {"Service", "NonInventory", "Inventory", "Assembly", "Other Charge"}
)
#: Id, Name, AccountType, AccountSubType, Classification of the seeded chart.
DEFAULT_ACCOUNTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("1", "Sales of Product Income", INCOME, "SalesOfProductIncome", "Revenue"),
    ("4", "Undeposited Funds", "Other Current Asset", "UndepositedFunds", "Asset"),
    ("35", "Checking", "Bank", "Checking", "Asset"),
    ("80", "Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs", "Expense"),
    ("81", "Inventory Asset", "Other Current Asset", "Inventory", "Asset"),
    ("84", "Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable", "Asset"),
)
ELEMENT = "IncomeAccountRef"


def seed_accounts(
    realm: Realm,
    accounts: Iterable[tuple[str, str, str, str, str]],
    moment: float,
) -> list[Entity]:
    """Store the chart of accounts of a new realm (no change events: a realm's set-up)."""
    stored: list[Entity] = []
    stamp = now_iso(moment)
    for account_id, name, kind, sub_type, classification in accounts:
        account: Entity = {
            "Id": account_id,
            "Name": name,
            "FullyQualifiedName": name,
            "SubAccount": False,
            "Active": True,
            "Classification": classification,
            "AccountType": kind,
            "AccountSubType": sub_type,
            "CurrentBalance": 0,
            "CurrentBalanceWithSubAccounts": 0,
            "CurrencyRef": currency_ref(realm.home_currency),
            "domain": "QBO",
            "sparse": False,
            "SyncToken": "0",
            "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
        }
        realm.entities["Account"][account_id] = account
        stored.append(account)
    return stored


def check_income_account(realm: Realm, item: Entity) -> None:
    """Require, for the item types that post sales, a reference to an active Income account."""
    if item.get("Type", "Service") not in NEEDS_INCOME_ACCOUNT:
        return
    ref = item.get(ELEMENT)
    if not isinstance(ref, Mapping) or not ref.get("value"):
        raise required_missing(ELEMENT)
    account = realm.entities["Account"].get(str(ref["value"]))
    if account is None or not account.get("Active", True):
        raise invalid_reference(ELEMENT)
    if account.get("AccountType") != INCOME:
        raise business_validation(
            f"{ELEMENT} must name an Income account; {account['Name']} is "
            f"{account.get('AccountType')}."
        )
    item[ELEMENT] = {"value": account["Id"], "name": account["Name"]}


def seed_defaults(realm: Realm, entity: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A seeded Item that names no income account gets the realm's first one."""
    if entity != "Item" or ELEMENT in payload:
        return payload
    if payload.get("Type", "Service") not in NEEDS_INCOME_ACCOUNT:
        return payload
    with realm.lock:
        income = next(
            (a for a in realm.entities["Account"].values() if a.get("AccountType") == INCOME),
            None,
        )
    if income is None:
        return payload
    return {**payload, ELEMENT: {"value": income["Id"], "name": income["Name"]}}
