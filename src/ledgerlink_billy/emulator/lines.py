"""Invoice lines and what an invoice's numbers are computed from: lines priced from their
product's ruleset and the contact (:mod:`.vat`), then the invoice's ``amount``, ``tax``,
``grossAmount``, ``balance``, ``isPaid``, ``dueDate``, ``lineDescription`` and
``downloadUrl`` recomputed whenever anything under it changes.

``POST /v2/invoiceLines`` adds a line to a draft and answers the line and the
invoice with its new totals [B1]; lines of an approved invoice cannot be
added, changed or removed, and a draft keeps at least one line (inferred from
"Invoices must have at least one invoice line" [B2]).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from ledgerlink_billy.emulator import vat
from ledgerlink_billy.emulator.catalog import children, create_record, delete_answer
from ledgerlink_billy.emulator.records import Call, body_of, find, number, view
from ledgerlink_billy.emulator.state import Organization
from ledgerlink_billy.emulator.wire import EmuResponse, invalid_record, ok, rule

__all__ = ["add_lines", "balance_of", "refresh"]

#: The base of every ``downloadUrl`` path [B2].
DOWNLOADS = "/v2/downloads/invoices"


def reference(invoice: Mapping[str, Any]) -> str:
    """``invoice:<id>``, as associations refer to an invoice [B1]."""
    return f"invoice:{invoice['id']}"


def balance_of(org: Organization, invoice: Mapping[str, Any], gross: Decimal) -> Decimal:
    """What is still owed on ``invoice``: its gross less payments and credits applied to
    it, and (for a credit note) less what it was applied to and refunded."""
    ref = reference(invoice)
    used = sum((Decimal(m["amount"]) for m in org.rows("balanceModifiers")
                if not m["isVoided"] and ref in (m["subjectReference"], m["modifierReference"])),
               Decimal(0))
    return gross - used


def _file_name(invoice: Mapping[str, Any]) -> str:
    if invoice["state"] == "draft":
        return "draft-invoice.pdf"
    kind = "credit-note" if invoice["type"] == "creditNote" else "invoice"
    return f"{kind}-no-{invoice['invoiceNo']}.pdf"


def download_path(org: Organization, invoice: Mapping[str, Any]) -> str:
    """The PDF's path: invoice, organisation, a secret token, a file name [B2]."""
    return f"{DOWNLOADS}/{invoice['id']}/{org.id}/{invoice['_token']}/{_file_name(invoice)}"


def refresh(call: Call, invoice: dict[str, Any]) -> dict[str, Any]:
    """Recompute ``invoice``'s derived properties from its lines and balance modifiers."""
    org = call.org
    lines = sorted(children(org, "invoices", "lines", invoice), key=lambda r: r["priority"])
    money = vat.totals(lines, invoice["taxMode"])
    balance = balance_of(org, invoice, money.gross)
    invoice.update({
        "amount": money.amount, "tax": money.tax, "grossAmount": money.gross,
        "balance": balance, "isPaid": invoice["state"] == "approved" and balance == 0,
        "dueDate": vat.due_date(date.fromisoformat(invoice["entryDate"]),
                                invoice["paymentTermsMode"],
                                int(invoice["paymentTermsDays"] or 0)).isoformat(),
        "downloadUrl": call.origin + download_path(org, invoice),
    })
    if not invoice.get("_ownLineDescription"):
        names = []
        for line in lines:
            product = org.tables["products"].get(line["productId"], {})
            text = ": ".join(t for t in (product.get("name"), line["description"]) if t)
            names.append(text)
        invoice["lineDescription"] = ", ".join(names)
    return invoice


def new_token() -> str:
    """The secret part of a ``downloadUrl`` (50 hex characters, as captured [B2])."""
    return secrets.token_hex(25)


def _price(call: Call, invoice: Mapping[str, Any], line: dict[str, Any]) -> None:
    product = call.org.tables["products"][line["productId"]]
    contact = call.org.tables["contacts"][invoice["contactId"]]
    rate = vat.rate_for(call.org, product, contact)
    amount, tax = vat.line_amounts(
        number(line["quantity"]), number(line["unitPrice"]), Decimal(rate["rate"]),
        invoice["taxMode"], line.get("discountMode"),
        None if line.get("discountValue") is None else number(line["discountValue"]))
    line.update({"amount": amount, "tax": tax, "taxRateId": rate["id"]})


def _check_line(call: Call, line: Mapping[str, Any], where: str) -> None:
    find(call.org, "products", str(line["productId"]), field=f"{where}.productId")
    if line.get("discountValue") is not None and line.get("discountMode") is None:
        raise invalid_record({f"{where}.discountMode":
                              "discountMode is required when discountValue is set."})


def add_lines(call: Call, invoice: dict[str, Any], lines: list[Mapping[str, Any]],
              where: str) -> list[dict[str, Any]]:
    """Check every line first, then create them all (so a bad line creates none)."""
    for index, line in enumerate(lines):
        _check_line(call, line, f"{where}[{index}]")
    start = len(children(call.org, "invoices", "lines", invoice))
    made = []
    for index, line in enumerate(lines, start=start + 1):
        record = create_record(call, "invoiceLines", line, {
            "invoiceId": invoice["id"], "quantity": Decimal(1), "description": "",
            "priority": index})
        _price(call, invoice, record)
        made.append(record)
    return made


def reprice(call: Call, invoice: dict[str, Any]) -> list[dict[str, Any]]:
    """Price every line of ``invoice`` again (after its tax mode changed)."""
    lines = children(call.org, "invoices", "lines", invoice)
    for line in lines:
        _price(call, invoice, line)
    return lines


def _open_draft(call: Call, invoice_id: str, field: str | None) -> dict[str, Any]:
    invoice = find(call.org, "invoices", invoice_id, field=field)
    if invoice["state"] != "draft":
        raise rule("invoiceLine", "Lines of an approved invoice cannot be changed.")
    return invoice


def create_line(call: Call) -> EmuResponse:
    """``POST /v2/invoiceLines``: one more line on a draft; answers it and the invoice."""
    body = body_of(call, "invoiceLines", creating=True)
    with call.org.lock:
        invoice = _open_draft(call, str(body["invoiceId"]), "invoiceLine.invoiceId")
        _check_line(call, body, "invoiceLine")
        made = add_lines(call, invoice, [body], "invoiceLine")
        refresh(call, invoice)
        return ok({"invoiceLines": made, "invoices": [view(invoice)]})


def update_line(call: Call) -> EmuResponse:
    """``PUT /v2/invoiceLines/:id`` on a draft."""
    body = body_of(call, "invoiceLines", creating=False)
    with call.org.lock:
        line = find(call.org, "invoiceLines", call.record_id)
        invoice = _open_draft(call, line["invoiceId"], None)
        merged = {**line, **body}
        _check_line(call, merged, "invoiceLine")
        line.update(body)
        _price(call, invoice, line)
        refresh(call, invoice)
        return ok({"invoiceLines": [line], "invoices": [view(invoice)]})


def delete_line(call: Call) -> EmuResponse:
    """``DELETE /v2/invoiceLines/:id`` (idempotent) on a draft that keeps a line."""
    with call.org.lock:
        line = call.org.tables["invoiceLines"].get(call.record_id)
        if line is None:
            return delete_answer({})
        invoice = _open_draft(call, line["invoiceId"], None)
        if len(children(call.org, "invoices", "lines", invoice)) == 1:
            raise rule("invoice", "Invoices must have at least one invoice line.")
        del call.org.tables["invoiceLines"][line["id"]]
        refresh(call, invoice)
    return delete_answer({"invoiceLines": [line["id"]]})

