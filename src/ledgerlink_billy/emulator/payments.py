"""Bank payments: ``POST /v2/bankPayments`` with ``associations`` to invoices [B1].

A deposit (``cashSide: debit``) pays approved invoices; a withdrawal
(``credit``) refunds approved credit notes (inferred). The amount the
subjects are offset by is ``(cashAmount + feeAmount) / cashExchangeRate``
for a deposit and ``cashAmount / cashExchangeRate`` for a withdrawal (the fee
is the organisation's expense [B1]); the exchange rate is 1 when the cash
account's currency is the subjects' [B1]. It is applied to the associations
in order, each up to its balance; what is left over would go to the
contact's balance, which the emulator does not model (inferred). Each
application is a balance modifier (``modifierReference`` the payment,
``subjectReference`` the invoice); the invoice's ``balance`` and ``isPaid``
follow [B1].

``isVoided: true`` cancels a payment for good ("can't be reinstated" [B1]):
its modifiers stop counting. DELETE removes the payment and its modifiers
(idempotent).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ledgerlink_billy.emulator.catalog import create_record, delete_answer
from ledgerlink_billy.emulator.lines import reference, refresh
from ledgerlink_billy.emulator.records import Call, body_of, find, number, view
from ledgerlink_billy.emulator.vat import cents
from ledgerlink_billy.emulator.wire import EmuResponse, invalid_record, new_id, ok

__all__ = ["create_payment", "delete_payment", "update_payment"]

#: What each cash side settles.
SUBJECT_TYPE = {"debit": "invoice", "credit": "creditNote"}


def _subjects(call: Call, body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The invoices the associations name, checked."""
    found = []
    wanted = SUBJECT_TYPE[str(body["cashSide"])]
    for index, association in enumerate(body.get("associations") or []):
        where = f"bankPayment.associations[{index}].subjectReference"
        kind, _, record_id = str(association["subjectReference"]).partition(":")
        if kind != "invoice":
            raise invalid_record({where: "Only invoices can be paid through the emulator."})
        invoice = find(call.org, "invoices", record_id, field=where)
        if invoice["state"] != "approved" or invoice["type"] != wanted:
            raise invalid_record({where: f"A {body['cashSide']} payment settles approved "
                                  f"records of type {wanted}."})
        found.append(invoice)
    return found


def _header(call: Call, body: dict[str, Any], subjects: list[dict[str, Any]]) -> None:
    """Fill in contact and currency from the subjects and check the rest."""
    if body.get("isVoided"):
        raise invalid_record({"bankPayment.isVoided": "A new payment cannot be voided."})
    if number(body["cashAmount"]) <= 0:
        raise invalid_record({"bankPayment.cashAmount": "cashAmount must be positive."})
    for key, prop in (("contactId", "contactId"), ("subjectCurrencyId", "currencyId")):
        values = {s[prop] for s in subjects}
        if body.get(key) is not None:
            values.add(body[key])
        if len(values) > 1:
            raise invalid_record({f"bankPayment.{key}": f"The associations differ in {prop}."})
        if not values:
            raise invalid_record({f"bankPayment.{key}": f"{key} is required"})
        body[key] = values.pop()
    find(call.org, "contacts", body["contactId"], field="bankPayment.contactId")
    find(call.org, "currencies", body["subjectCurrencyId"], field="bankPayment.subjectCurrencyId")
    account = find(call.org, "accounts", str(body["cashAccountId"]),
                   field="bankPayment.cashAccountId")
    if not account["isPaymentEnabled"]:
        raise invalid_record({"bankPayment.cashAccountId":
                              "The account must have isPaymentEnabled set to true."})
    if body.get("feeAmount") is not None:
        if number(body["feeAmount"]) <= 0:
            raise invalid_record({"bankPayment.feeAmount": "The fee amount must be positive."})
        if body.get("feeAccountId") is None:
            raise invalid_record({"bankPayment.feeAccountId":
                                  "feeAccountId must be set if feeAmount is set."})
        find(call.org, "accounts", str(body["feeAccountId"]), field="bankPayment.feeAccountId")
    if account["currencyId"] in (None, body["subjectCurrencyId"]):
        body["cashExchangeRate"] = Decimal(1)
    elif body.get("cashExchangeRate") is None:
        raise invalid_record({"bankPayment.cashExchangeRate": "cashExchangeRate must be set "
                              "when the cash account's currency is not the subjects'."})


def offset(body: Mapping[str, Any]) -> Decimal:
    """What the payment settles, in the subjects' currency (see the module docstring)."""
    paid = number(body["cashAmount"])
    if body["cashSide"] == "debit" and body.get("feeAmount") is not None:
        paid += number(body["feeAmount"])
    return cents(paid / number(body["cashExchangeRate"]))


def create_payment(call: Call) -> EmuResponse:
    """``POST /v2/bankPayments`` (see the module docstring)."""
    body = body_of(call, "bankPayments", creating=True)
    with call.org.lock:
        subjects = _subjects(call, body)
        _header(call, body, subjects)
        payment = create_record(call, "bankPayments", body, {"isVoided": False})
        left = offset(payment)
        modifiers = []
        for invoice in subjects:
            refresh(call, invoice)
            applied = min(left, invoice["balance"])
            left -= applied
            modifiers.append(call.org.add("balanceModifiers", {
                "id": new_id(), "modifierReference": f"bankPayment:{payment['id']}",
                "subjectReference": reference(invoice), "amount": applied,
                "entryDate": payment["entryDate"], "realizedCurrencyDifference": Decimal(0),
                "isVoided": False}))
            refresh(call, invoice)
        return ok({"bankPayments": [view(payment)], "balanceModifiers": modifiers,
                   "invoices": [view(i) for i in subjects]})


def _settled(call: Call, payment: Mapping[str, Any]) -> list[dict[str, Any]]:
    ref = f"bankPayment:{payment['id']}"
    return [m for m in call.org.rows("balanceModifiers") if m["modifierReference"] == ref]


def _touched(call: Call, modifiers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = dict.fromkeys(m["subjectReference"].partition(":")[2] for m in modifiers)
    found = [call.org.tables["invoices"][i] for i in ids if i in call.org.tables["invoices"]]
    return [view(refresh(call, invoice)) for invoice in found]


def update_payment(call: Call) -> EmuResponse:
    """``PUT /v2/bankPayments/:id``: only ``isVoided`` changes, and only to true."""
    body = body_of(call, "bankPayments", creating=False)
    with call.org.lock:
        payment = find(call.org, "bankPayments", call.record_id)
        if body.get("isVoided") is False and payment["isVoided"]:
            raise invalid_record({"bankPayment.isVoided":
                                  "A voided payment can't be reinstated."})
        if not body.get("isVoided"):
            return ok({"bankPayments": [view(payment)]})
        payment["isVoided"] = True
        modifiers = _settled(call, payment)
        for modifier in modifiers:
            modifier["isVoided"] = True
        return ok({"bankPayments": [view(payment)], "balanceModifiers": modifiers,
                   "invoices": _touched(call, modifiers)})


def delete_payment(call: Call) -> EmuResponse:
    """``DELETE /v2/bankPayments/:id`` and its modifiers (idempotent)."""
    with call.org.lock:
        payment = call.org.tables["bankPayments"].get(call.record_id)
        if payment is None:
            return delete_answer({})
        modifiers = _settled(call, payment)
        for modifier in modifiers:
            del call.org.tables["balanceModifiers"][modifier["id"]]
        del call.org.tables["bankPayments"][payment["id"]]
        _touched(call, modifiers)
    return delete_answer({"bankPayments": [payment["id"]],
                          "balanceModifiers": [m["id"] for m in modifiers]})
