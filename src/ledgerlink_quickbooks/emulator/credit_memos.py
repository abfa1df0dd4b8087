"""CreditMemo: a credit for a customer, built like an invoice and reported with positive totals.

QuickBooks reports a credit memo's ``TotalAmt`` as a positive amount (net plus
tax, computed like an invoice's) and the credit not yet applied as
``RemainingCredit`` (and ``Balance``): ``TotalAmt`` less what Payments spent
of it. As in QuickBooks, a credit is applied to an invoice by a Payment (often
of ``TotalAmt`` 0) with one line linked to the invoice and one, of the same
amount, linked to the CreditMemo. The customer's Balance drops by the
remaining credit. A credit memo is created, read, queried, updated
(sparse or full, totals recomputed) and deleted; QuickBooks has no void for
CreditMemo (python-quickbooks' CreditMemo has DeleteMixin only), so
``operation=void`` is refused as an unsupported operation.

Every function expects the realm lock to be held.
"""

from __future__ import annotations

from datetime import date

from ledgerlink_quickbooks.emulator.entities import (
    applied_amount,
    merge,
    writable,
)
from ledgerlink_quickbooks.emulator.sales import ZERO, finish_sale
from ledgerlink_quickbooks.emulator.state import Entity, Realm

NAME = "CreditMemo"


def _finish(realm: Realm, memo: Entity, own_id: str | None, today: date) -> Entity:
    total = finish_sale(realm, memo, NAME, own_id, today)
    remaining = total - (applied_amount(memo, realm) if own_id else ZERO)
    memo["TotalAmt"] = total
    memo["RemainingCredit"] = remaining
    memo["Balance"] = remaining
    memo.setdefault("LinkedTxn", [])
    return memo


def create_credit_memo(realm: Realm, payload: Entity, moment: float, today: date) -> Entity:
    """Create a credit memo: lines priced and taxed like an invoice, numbered, credit open."""
    memo = _finish(realm, writable(payload), None, today)
    memo.update(Id=realm.new_id(), domain="QBO", sparse=False)
    return realm.store(NAME, memo, moment, "Create")


def update_credit_memo(realm: Realm, payload: Entity, moment: float, today: date) -> Entity:
    """Sparse or full update with a SyncToken check; totals are recomputed."""
    current = realm.get(NAME, str(payload.get("Id")))
    realm.check_token(current, payload)
    merged = merge(current, payload, preserve=frozenset({"LinkedTxn", "EmailStatus", "DocNumber"}))
    merged["LinkedTxn"] = current.get("LinkedTxn", [])
    return realm.store(NAME, _finish(realm, merged, current["Id"], today), moment, "Update")
