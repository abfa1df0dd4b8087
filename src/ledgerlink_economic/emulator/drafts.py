"""Draft invoices: create, read, replace, delete one, add lines [E2][E4][E13].

The server prices every line and the totals (:mod:`.pricing`) at the rate of
the recipient's VAT zone, takes the payment terms' days of credit for the due
date (a sent ``dueDate`` is only used with ``dueDate`` terms) and links the
customer, layout, terms and zone. A line needs a product before it takes a
quantity or a price (E04500); a product line without a price takes the
product's sales price, without a description its name (inferred). ``DELETE
/invoices/drafts`` without a number is not served: e-conomic would delete every
draft [E2][E13], which no caller of this emulator should need.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ledgerlink.emulation import EmuResponse
from ledgerlink_economic.emulator.listing import page
from ledgerlink_economic.emulator.pricing import price_line, totals
from ledgerlink_economic.emulator.resources import (
    Call,
    known_currency,
    require,
    resolve_reference,
)
from ledgerlink_economic.emulator.state import BASE_CURRENCY, VAT_RATES, Agreement, product_rate
from ledgerlink_economic.emulator.validation import SCHEMA_VIOLATION, checked
from ledgerlink_economic.emulator.wire import EconomicError, FieldError, answer, link

__all__ = ["DRAFTS", "build_draft", "due_date", "summary"]

DRAFTS = "invoices/drafts"
_PRICED = ("quantity", "unitNetPrice", "discountPercentage")


def _date(body: dict[str, Any], name: str) -> date:
    """A date property as a date; the schema's pattern is not anchored, so a text that only
    contains a date passes it and is refused here."""
    try:
        return date.fromisoformat(str(body[name]))
    except ValueError:
        raise EconomicError.validation([FieldError(
            [name], SCHEMA_VIOLATION, f"{name} must be a date (YYYY-MM-DD).",
            value=body[name], hint="Please check the format of your data.")]) from None


def due_date(issued: date, terms: dict[str, Any], body: dict[str, Any]) -> date:
    """When an invoice dated ``issued`` falls due under ``terms``."""
    kind, days = terms["paymentTermsType"], int(terms.get("daysOfCredit", 0))
    if kind == "dueDate":
        if "dueDate" not in body:
            raise EconomicError.validation([FieldError(
                ["dueDate"], "E04730", "dueDate is required with terms of type dueDate.")])
        return _date(body, "dueDate")
    if kind in ("paidInCash", "prepaid", "creditcard"):
        return issued
    if kind == "invoiceMonth":
        last = calendar.monthrange(issued.year, issued.month)[1]
        return issued.replace(day=last) + timedelta(days=days)
    return issued + timedelta(days=days)


def _lines(agreement: Agreement, lines: list[dict[str, Any]], rate: Decimal, start: int
           ) -> list[dict[str, Any]]:
    priced: list[dict[str, Any]] = []
    for index, line in enumerate(lines):
        number = start + index
        out: dict[str, Any] = {"lineNumber": number, "sortKey": line.get("sortKey", number)}
        if "product" not in line:
            if any(name in line for name in _PRICED):
                raise EconomicError.validation([FieldError(
                    ["lines", index, "product"], "E04500", "No identifiers present on "
                    "product. Please include either a self link or a productNumber.",
                    hint=f"Find a list of resources at {link('products')}.")])
            out.update(line)
            out["lineNumber"] = number
            priced.append(out)
            continue
        product = resolve_reference(agreement, ["lines", index, "product"], line["product"])
        out.update(line)
        out.setdefault("description", product.get("name", ""))
        out.setdefault("unitNetPrice", product.get("salesPrice", Decimal(0)))
        out["product"] = {"productNumber": product["productNumber"], "self": product["self"]}
        out["lineNumber"] = number
        priced.append(price_line(out, product_rate(agreement, product, rate)))
    return priced


def build_draft(call: Call, body: dict[str, Any], number: int) -> dict[str, Any]:
    """The stored draft ``number`` from a checked body."""
    agreement = call.agreement
    customer = resolve_reference(agreement, ["customer"], body["customer"])
    layout = resolve_reference(agreement, ["layout"], body["layout"])
    terms = resolve_reference(agreement, ["paymentTerms"], body["paymentTerms"])
    recipient = dict(body["recipient"])
    zone = resolve_reference(agreement, ["recipient", "vatZone"], recipient.get("vatZone"))
    recipient["vatZone"] = dict(zone)
    currency = known_currency(body["currency"])
    exchange = Decimal(100) if currency == BASE_CURRENCY else Decimal(
        body.get("exchangeRate", 100))
    issued = _date(body, "date")
    lines = _lines(agreement, list(body.get("lines", [])),
                   VAT_RATES.get(zone["vatZoneNumber"], Decimal(0)), 1)
    draft: dict[str, Any] = {
        "draftInvoiceNumber": number, "date": issued.isoformat(), "currency": currency,
        "exchangeRate": exchange,
        **totals(lines, exchange),
        "dueDate": due_date(issued, terms, body).isoformat(),
        "paymentTerms": dict(terms),
        "customer": {"customerNumber": customer["customerNumber"], "self": customer["self"]},
        "recipient": recipient,
        "layout": {"layoutNumber": layout["layoutNumber"], "self": layout["self"]},
    }
    for optional in ("delivery", "deliveryLocation", "notes", "references", "project"):
        if optional in body:
            draft[optional] = body[optional]
    draft["pdf"] = {"download": link(DRAFTS, number, "pdf")}
    draft["lines"] = lines
    draft["self"] = link(DRAFTS, number)
    return draft


def summary(row: dict[str, Any]) -> dict[str, Any]:
    """A collection entry: the invoice without its lines [E13]."""
    return {key: value for key, value in row.items() if key != "lines"}


def _next_number(agreement: Agreement) -> int:
    taken = {int(key) for key in agreement.tables[DRAFTS]}
    return next(n for n in range(1, len(taken) + 2) if n not in taken)


def _number(call: Call) -> str:
    text = call.arguments["number"]
    require(call.agreement, DRAFTS, text, "Draft invoice")
    return text


def create(call: Call) -> EmuResponse:
    body = checked("invoices.drafts.post", call.body())
    draft = build_draft(call, body, _next_number(call.agreement))
    call.agreement.tables[DRAFTS][str(draft["draftInvoiceNumber"])] = draft
    return answer(201, draft, {"location": draft["self"]})


def listing(call: Call) -> EmuResponse:
    rows = [summary(row) for row in call.agreement.rows(DRAFTS)]
    return answer(200, page(rows, call.request.query, "/" + DRAFTS, "invoices.drafts.get"))


def get(call: Call) -> EmuResponse:
    return answer(200, call.agreement.tables[DRAFTS][_number(call)])


def replace(call: Call) -> EmuResponse:
    """PUT replaces the draft. Its schema has no ``layout``, so the draft keeps its layout;
    what a draft cannot lack is refused when omitted (inferred: the schema marks only the
    recipient required)."""
    text = _number(call)
    body = checked("invoices.drafts.draftInvoiceNumber.put", call.body())
    body["layout"] = {"layoutNumber": call.agreement.tables[DRAFTS][text]["layout"][
        "layoutNumber"]}
    missing = [name for name in ("date", "currency", "customer", "paymentTerms")
               if name not in body]
    if missing:
        raise EconomicError.validation([FieldError([name], SCHEMA_VIOLATION,
                                                   f"Property {name} is required.")
                                        for name in missing])
    draft = build_draft(call, body, int(text))
    call.agreement.tables[DRAFTS][text] = draft
    return answer(200, draft)


def delete(call: Call) -> EmuResponse:
    text = _number(call)
    del call.agreement.tables[DRAFTS][text]
    return answer(200, {"message": "Deleted invoice.", "deletedCount": 1, "deletedItems": [
        {"draftInvoiceNumber": int(text), "self": link(DRAFTS, text)}]})


def add_lines(call: Call) -> EmuResponse:
    """``POST /invoices/drafts/{n}/lines``: the lines appended, the draft repriced."""
    text = _number(call)
    body = checked("invoices.drafts.draftInvoiceNumber.lines.post", call.body())
    draft = call.agreement.tables[DRAFTS][text]
    rate = VAT_RATES.get(draft["recipient"]["vatZone"]["vatZoneNumber"], Decimal(0))
    lines = draft["lines"] + _lines(call.agreement, list(body["lines"]), rate,
                                    len(draft["lines"]) + 1)
    draft.update(totals(lines, Decimal(draft["exchangeRate"])))
    draft["lines"] = lines
    return answer(201, draft)
