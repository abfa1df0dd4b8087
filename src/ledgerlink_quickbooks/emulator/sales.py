"""What Invoice and CreditMemo share: customer, currency, priced lines, tax, DocNumber, date.

Every function expects the realm lock to be held.
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledgerlink_quickbooks.emulator import taxes
from ledgerlink_quickbooks.emulator.state import Entity, Realm, currency_ref
from ledgerlink_quickbooks.emulator.wire import (
    QBOFault,
    business_validation,
    duplicate_doc_number,
    not_found,
    required_missing,
    string_too_long,
)

ZERO = Decimal(0)
CENT = Decimal("0.01")
MAX_DOC_NUMBER = 21


def dec(value: Any, element: str) -> Decimal:
    """``value`` as an exact Decimal, or the 6000 fault naming ``element``."""
    try:
        return Decimal(str(value))
    except ArithmeticError as exc:
        raise business_validation(f"Invalid number for {element}: {value!r}") from exc


def active_customer(realm: Realm, ref: Any) -> Entity:
    """The active customer ``ref`` points at (2020 when missing, 610 when unknown/inactive)."""
    if not isinstance(ref, dict) or not ref.get("value"):
        raise required_missing("CustomerRef")
    customer = realm.entities["Customer"].get(str(ref["value"]))
    if customer is None or not customer.get("Active", True):
        raise not_found()
    return customer


def check_line_amount(amount: Decimal, qty: Decimal, price: Decimal) -> None:
    """Code 6070 unless ``amount`` is ``qty × price``, exactly or rounded to the cent.

    Intuit's error-code list: 6070 "Amount calculation incorrect in the
    request", "Amount is not equal to Qty * UnitPrice. Supplied value:...".
    Which rounding QuickBooks allows is not in the material; a product rounded
    half-up to cents is what an invoice line shows, so both are accepted.
    """
    product = qty * price
    if amount in (product, product.quantize(CENT, rounding=ROUND_HALF_UP)):
        return
    raise QBOFault(
        "6070",
        "Amount calculation incorrect in the request",
        f"Amount is not equal to Qty * UnitPrice. Supplied value:{amount}",
        element="Line.Amount",
    )


def price_lines(realm: Realm, lines: Any) -> tuple[list[Entity], Decimal]:
    """Number the lines, price sales lines (Amount or Qty × UnitPrice), add the subtotal line."""
    if not isinstance(lines, list) or not lines:
        raise required_missing("Line")
    priced: list[Entity] = []
    total = ZERO
    for raw in lines:
        line = copy.deepcopy(raw)
        kind = line.get("DetailType")
        if kind == "SubTotalLineDetail":
            continue  # QuickBooks computes the subtotal line itself
        if kind == "SalesItemLineDetail":
            detail = line.get("SalesItemLineDetail") or {}
            item_ref = detail.get("ItemRef") or {}
            if not item_ref.get("value"):
                raise required_missing("Line.SalesItemLineDetail.ItemRef")
            item = realm.entities["Item"].get(str(item_ref["value"]))
            if item is None or not item.get("Active", True):
                raise not_found()
            detail["ItemRef"] = {"value": item["Id"], "name": item["Name"]}
            qty = detail.get("Qty")
            price = detail.get("UnitPrice")
            if "Amount" in line:
                amount = dec(line["Amount"], "Line.Amount")
                if qty is not None and price is not None:
                    check_line_amount(amount, dec(qty, "Qty"), dec(price, "UnitPrice"))
            elif qty is not None and price is not None:
                amount = dec(qty, "Qty") * dec(price, "UnitPrice")
            else:
                raise required_missing("Line.Amount")
            line["Amount"] = amount
            line["SalesItemLineDetail"] = detail
            total += amount
        elif kind != "DescriptionOnly":
            raise required_missing("Line.DetailType")
        priced.append(line)
    for number, line in enumerate(priced, start=1):
        line["Id"] = str(number)
        line["LineNum"] = number
    priced.append({"DetailType": "SubTotalLineDetail", "Amount": total, "SubTotalLineDetail": {}})
    return priced, total


def finish_sale(realm: Realm, txn: Entity, name: str, own_id: str | None, today: date) -> Decimal:
    """Complete ``txn`` (an Invoice or CreditMemo) in place and return its TotalAmt.

    Checks the customer and its currency, prices the lines, computes
    ``TxnTaxDetail`` (see :mod:`taxes`), draws or checks the DocNumber (6210
    when another ``name`` of the realm has it) and defaults TxnDate to today.
    """
    customer = active_customer(realm, txn.get("CustomerRef"))
    txn["CustomerRef"] = {"value": customer["Id"], "name": customer["DisplayName"]}
    code = customer["CurrencyRef"]["value"]
    sent = (txn.get("CurrencyRef") or {}).get("value")
    if sent and sent != code:
        kind = "invoice" if name == "Invoice" else "credit memo"
        raise business_validation(
            f"The {kind} currency {sent} must match the customer's currency {code}."
        )
    txn["CurrencyRef"] = currency_ref(code)
    mode = taxes.check_calculation(txn)
    lines, net = price_lines(realm, txn.get("Line"))
    tax_detail, tax = taxes.tax_detail(realm, lines, mode)
    txn["Line"] = lines
    txn["TxnTaxDetail"] = tax_detail
    if mode is None and "TaxLine" in tax_detail:
        txn["GlobalTaxCalculation"] = taxes.TAX_EXCLUDED
    doc = txn.get("DocNumber")
    if not doc or doc == "AUTO_GENERATE":
        doc = str(realm.next_doc_number)
        realm.next_doc_number += 1
    if len(str(doc)) > MAX_DOC_NUMBER:
        raise string_too_long("DocNumber", MAX_DOC_NUMBER, len(str(doc)))
    if realm.ids_with_doc_number(name, str(doc)) - {own_id}:
        raise duplicate_doc_number()
    txn["DocNumber"] = str(doc)
    txn["TxnDate"] = date.fromisoformat(txn.get("TxnDate") or today.isoformat()).isoformat()
    txn.setdefault("EmailStatus", "NotSet")
    txn.setdefault("PrintStatus", "NotSet")
    txn.setdefault("ApplyTaxAfterDiscount", False)
    return net + tax
