"""Business rules of Customer, Item, Invoice and Payment: create, update, void, delete.

Every function expects the realm lock to be held and returns the stored entity
(callers copy it before answering).
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import Decimal

from ledgerlink_quickbooks.emulator.accounts import check_income_account
from ledgerlink_quickbooks.emulator.sales import active_customer, dec, finish_sale
from ledgerlink_quickbooks.emulator.state import BALANCE_SIGNS, Entity, Realm, currency_ref
from ledgerlink_quickbooks.emulator.wire import (
    business_validation,
    duplicate_name,
    required_missing,
)

# Response-only fields a client may echo back; QuickBooks ignores them on input.
READ_ONLY = frozenset(
    {
        "Id",
        "SyncToken",
        "MetaData",
        "domain",
        "sparse",
        "TotalAmt",
        "Balance",
        "HomeTotalAmt",
        "HomeBalance",
        "DeliveryInfo",
        "FullyQualifiedName",
        "BalanceWithJobs",
        "UnappliedAmt",
        "RemainingCredit",
        "status",
    }
)
DEFAULT_TERMS_DAYS = 30  # the official sample derives DueDate = TxnDate + 30 days
ZERO = Decimal(0)


def writable(payload: Entity) -> Entity:
    """A deep copy of ``payload`` without the response-only fields."""
    return {k: copy.deepcopy(v) for k, v in payload.items() if k not in READ_ONLY}


def merge(current: Entity, payload: Entity, *, preserve: frozenset[str]) -> Entity:
    """Sparse update when ``payload['sparse']`` is true, else a full update (omitted → NULL)."""
    if payload.get("sparse") is True:
        return {**current, **writable(payload)}
    kept = {k: v for k, v in current.items() if k in READ_ONLY or k in preserve}
    return {**kept, **writable(payload)}


def _name_taken(realm: Realm, name: str, field: str, entity: str, own_id: str | None) -> bool:
    folded = name.casefold()
    return any(
        other.get(field, "").casefold() == folded and other_id != own_id
        for other_id, other in realm.entities[entity].items()
    )


# ---------------------------------------------------------------- Customer


def _check_customer(realm: Realm, customer: Entity, own_id: str | None) -> None:
    name = customer.get("DisplayName")
    if not name:
        parts = [customer.get(k) for k in ("GivenName", "FamilyName") if customer.get(k)]
        name = " ".join(str(p) for p in parts) or customer.get("CompanyName")
    if not name:
        raise required_missing("DisplayName")
    if any(ch in str(name) for ch in ":\t\n"):
        raise business_validation("DisplayName may not contain ':', tab or newline.")
    if _name_taken(realm, str(name), "DisplayName", "Customer", own_id):
        raise duplicate_name()
    customer["DisplayName"] = str(name)
    customer["FullyQualifiedName"] = str(name)
    email = (customer.get("PrimaryEmailAddr") or {}).get("Address")
    if email is not None and ("@" not in email or "." not in email):
        raise business_validation(f"Invalid email address: {email}")


def create_customer(realm: Realm, payload: Entity, moment: float) -> Entity:
    """Create a customer; its currency defaults to the home currency and is fixed from now on."""
    customer = writable(payload)
    _check_customer(realm, customer, None)
    code = (customer.get("CurrencyRef") or {}).get("value") or realm.home_currency
    customer.update(
        Id=realm.new_id(),
        domain="QBO",
        sparse=False,
        Active=customer.get("Active", True),
        Job=customer.get("Job", False),
        BillWithParent=customer.get("BillWithParent", False),
        CurrencyRef=currency_ref(code),
        Balance=dec(payload.get("Balance", 0), "Balance"),
        BalanceWithJobs=dec(payload.get("Balance", 0), "Balance"),
    )
    customer.setdefault("Taxable", False)
    customer.setdefault("PreferredDeliveryMethod", "Print")
    customer.setdefault("PrintOnCheckName", customer.get("CompanyName") or customer["DisplayName"])
    return realm.store("Customer", customer, moment, "Create")


def update_customer(realm: Realm, payload: Entity, moment: float) -> Entity:
    """Update a customer; a different CurrencyRef is refused."""
    current = realm.get("Customer", str(payload.get("Id")))
    realm.check_token(current, payload)
    sent = (payload.get("CurrencyRef") or {}).get("value")
    if sent and sent != current["CurrencyRef"]["value"]:
        raise business_validation("The currency of a customer cannot be changed once it is set.")
    merged = merge(current, payload, preserve=frozenset({"CurrencyRef", "Active"}))
    _check_customer(realm, merged, current["Id"])
    merged["CurrencyRef"] = current["CurrencyRef"]
    return realm.store("Customer", merged, moment, "Update")


def open_balance(realm: Realm, customer_id: str) -> Decimal:
    """What a customer owes counted afresh: open invoices less unused credit memos.

    The customer's ``Balance`` is this plus its opening balance (write-on-create),
    kept up to date by :meth:`.state.Realm.store` and ``remove`` as each invoice,
    credit memo or payment changes; this full count is the rule it is held to.
    """
    total = ZERO
    for name, sign in BALANCE_SIGNS.items():
        rows = realm.entities[name]
        for txn_id in realm.ids_for_customer(name, customer_id):
            total += sign * Decimal(str(rows[txn_id]["Balance"]))
    return total


# ---------------------------------------------------------------- Item


def create_item(realm: Realm, payload: Entity, moment: float) -> Entity:
    """Create an item (Service by default) with a unique Name."""
    item = writable(payload)
    name = item.get("Name")
    if not name:
        raise required_missing("Name")
    if _name_taken(realm, name, "Name", "Item", None):
        raise duplicate_name()
    item.update(
        Id=realm.new_id(),
        domain="QBO",
        sparse=False,
        Active=item.get("Active", True),
        Type=item.get("Type", "Service"),
        FullyQualifiedName=name,
    )
    check_income_account(realm, item)
    return realm.store("Item", item, moment, "Create")


def update_item(realm: Realm, payload: Entity, moment: float) -> Entity:
    """Update an item; an Inventory item keeps its Type."""
    current = realm.get("Item", str(payload.get("Id")))
    realm.check_token(current, payload)
    merged = merge(current, payload, preserve=frozenset({"Type", "Active"}))
    if current["Type"] == "Inventory" and merged.get("Type") != "Inventory":
        raise business_validation("The type of an Inventory item cannot be changed.")
    name = merged.get("Name")
    if not name:
        raise required_missing("Name")
    if _name_taken(realm, name, "Name", "Item", current["Id"]):
        raise duplicate_name()
    check_income_account(realm, merged)
    merged["FullyQualifiedName"] = name
    return realm.store("Item", merged, moment, "Update")


# ---------------------------------------------------------------- Invoice


def applied_amount(invoice: Entity, realm: Realm) -> Decimal:
    """What payments apply to ``invoice`` (an Invoice, or a CreditMemo's used credit)."""
    paid = ZERO
    for link in invoice.get("LinkedTxn", []):
        if link.get("TxnType") == "Payment":
            payment = realm.entities["Payment"].get(link["TxnId"])
            for line in (payment or {}).get("Line", []):
                if any(t.get("TxnId") == invoice["Id"] for t in line.get("LinkedTxn", [])):
                    paid += Decimal(str(line["Amount"]))
    return paid


def _finish_invoice(realm: Realm, invoice: Entity, own_id: str | None, today: date) -> Entity:
    total = finish_sale(realm, invoice, "Invoice", own_id, today)
    txn = date.fromisoformat(invoice["TxnDate"])
    invoice.setdefault("DueDate", (txn + timedelta(days=DEFAULT_TERMS_DAYS)).isoformat())
    deposit = dec(invoice.get("Deposit", 0), "Deposit")
    invoice["Deposit"] = deposit
    invoice["TotalAmt"] = total
    invoice["Balance"] = total - deposit - (applied_amount(invoice, realm) if own_id else ZERO)
    invoice.setdefault("LinkedTxn", [])
    return invoice


def create_invoice(realm: Realm, payload: Entity, moment: float, today: date) -> Entity:
    """Create an invoice: price lines, add the subtotal line, number it, set Balance."""
    invoice = _finish_invoice(realm, writable(payload), None, today)
    invoice.update(Id=realm.new_id(), domain="QBO", sparse=False)
    return realm.store("Invoice", invoice, moment, "Create")


def update_invoice(realm: Realm, payload: Entity, moment: float, today: date) -> Entity:
    """Sparse or full update with a SyncToken check; totals are recomputed."""
    current = realm.get("Invoice", str(payload.get("Id")))
    realm.check_token(current, payload)
    # An omitted DocNumber keeps the current one rather than drawing a new number.
    merged = merge(current, payload, preserve=frozenset({"LinkedTxn", "EmailStatus", "DocNumber"}))
    merged["LinkedTxn"] = current.get("LinkedTxn", [])
    return realm.store(
        "Invoice", _finish_invoice(realm, merged, current["Id"], today), moment, "Update"
    )


def void_invoice(realm: Realm, payload: Entity, moment: float) -> Entity:
    """Void: the record stays, every amount and quantity is zeroed, "Voided" prefixes the note."""
    current = realm.get("Invoice", str(payload.get("Id")))
    realm.check_token(current, payload)
    voided = copy.deepcopy(current)
    for line in voided["Line"]:
        line["Amount"] = ZERO
        detail = line.get("SalesItemLineDetail")
        if detail is not None and "Qty" in detail:
            detail["Qty"] = ZERO
    voided.update(TotalAmt=ZERO, Balance=ZERO, Deposit=ZERO)
    voided["TxnTaxDetail"] = {"TotalTax": 0}
    note = voided.get("PrivateNote")
    voided["PrivateNote"] = f"Voided - {note}" if note else "Voided"
    return realm.store("Invoice", voided, moment, "Void")


def delete_entity(realm: Realm, name: str, payload: Entity, moment: float) -> Entity:
    """Delete an Invoice, CreditMemo or Payment (SyncToken checked); answer the ``Deleted`` stub."""
    current = realm.get(name, str(payload.get("Id")))
    realm.check_token(current, payload)
    if name in _BALANCED and any(
        t.get("TxnType") == "Payment" for t in current.get("LinkedTxn", [])
    ):
        raise business_validation("Unlink the payments applied to it before deleting.")
    if name == "Payment":
        _unapply_payment(realm, current, moment)
    realm.remove(name, current["Id"], moment)
    return {"status": "Deleted", "domain": "QBO", "Id": current["Id"]}


# ---------------------------------------------------------------- Payment


def create_payment(realm: Realm, payload: Entity, moment: float, today: date) -> Entity:
    """Record a payment; each line linked to an invoice lowers that invoice's Balance."""
    payment = writable(payload)
    customer = active_customer(realm, payment.get("CustomerRef"))
    if payload.get("TotalAmt") is None:
        raise required_missing("TotalAmt")
    total = dec(payload["TotalAmt"], "TotalAmt")
    code = customer["CurrencyRef"]["value"]
    sent = (payment.get("CurrencyRef") or {}).get("value")
    if sent and sent != code:
        raise business_validation("The payment currency must match the customer's currency.")
    applied = ZERO
    targets: list[tuple[str, Entity, Decimal]] = []
    for line in payment.get("Line", []):
        amount = dec(line.get("Amount", 0), "Line.Amount")
        line["Amount"] = amount
        # A line linked to a CreditMemo spends that credit: it pays, it is not paid for.
        sign = Decimal(1)
        for link in line.get("LinkedTxn", []):
            name = link.get("TxnType")
            if name not in _BALANCED:
                continue
            target = realm.get(name, str(link.get("TxnId")))
            if target["CustomerRef"]["value"] != customer["Id"]:
                raise business_validation(f"The {name} belongs to another customer.")
            if amount > Decimal(str(target["Balance"])):
                raise business_validation(f"The amount applied exceeds the {name} balance.")
            targets.append((name, target, amount))
            sign = Decimal(-1) if name == "CreditMemo" else sign
        applied += sign * amount
    if applied > total:
        raise business_validation("The amount applied exceeds the payment total.")
    if applied < ZERO:
        raise business_validation("The credit applied exceeds the amounts it pays.")
    payment.update(
        Id=realm.new_id(),
        domain="QBO",
        sparse=False,
        CustomerRef={"value": customer["Id"], "name": customer["DisplayName"]},
        CurrencyRef=currency_ref(code),
        TotalAmt=total,
        UnappliedAmt=total - applied,
        ProcessPayment=payment.get("ProcessPayment", False),
        TxnDate=payment.get("TxnDate") or today.isoformat(),
    )
    payment.setdefault("DepositToAccountRef", {"value": "4"})
    stored = realm.store("Payment", payment, moment, "Create")
    for name, target, amount in targets:
        _set_balance(target, Decimal(str(target["Balance"])) - amount)
        target.setdefault("LinkedTxn", []).append({"TxnId": stored["Id"], "TxnType": "Payment"})
        realm.store(name, target, moment, "Update")
    return stored


# Transactions a payment line can link to, and whose Balance it moves.
_BALANCED = ("Invoice", "CreditMemo")


def _set_balance(txn: Entity, balance: Decimal) -> None:
    txn["Balance"] = balance
    if "RemainingCredit" in txn:
        txn["RemainingCredit"] = balance


def _unapply_payment(realm: Realm, payment: Entity, moment: float) -> None:
    for line in payment.get("Line", []):
        for link in line.get("LinkedTxn", []):
            name = link.get("TxnType")
            target = realm.entities.get(str(name), {}).get(str(link.get("TxnId")))
            if target is None or name not in _BALANCED:
                continue
            _set_balance(target, Decimal(str(target["Balance"])) + Decimal(str(line["Amount"])))
            target["LinkedTxn"] = [
                t for t in target.get("LinkedTxn", []) if t.get("TxnId") != payment["Id"]
            ]
            realm.store(str(name), target, moment, "Update")


def void_payment(realm: Realm, payload: Entity, moment: float) -> Entity:
    """Void a payment (``operation=update&include=void``): amounts zeroed, invoices reopened."""
    current = realm.get("Payment", str(payload.get("Id")))
    realm.check_token(current, payload)
    _unapply_payment(realm, current, moment)
    voided = copy.deepcopy(current)
    for line in voided.get("Line", []):
        line["Amount"] = ZERO
    voided.update(TotalAmt=ZERO, UnappliedAmt=ZERO)
    note = voided.get("PrivateNote")
    voided["PrivateNote"] = f"Voided - {note}" if note else "Voided"
    return realm.store("Payment", voided, moment, "Void")


def update_payment(realm: Realm, payload: Entity, moment: float) -> Entity:
    """Update only the payment's non-monetary fields (memo, reference number)."""
    current = realm.get("Payment", str(payload.get("Id")))
    realm.check_token(current, payload)
    merged = dict(current)
    for key in ("PrivateNote", "PaymentRefNum", "TxnDate"):
        if key in payload:
            merged[key] = payload[key]
    return realm.store("Payment", merged, moment, "Update")
