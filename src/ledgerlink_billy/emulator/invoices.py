"""Invoices and credit notes: create (with lines, atomically), get, update, approve, delete.

* Create: ``POST /v2/invoices {"invoice": {..., "lines": [...]}}``; at least one
  line [B2]; ``type: creditNote`` with ``creditedInvoiceId`` makes a credit note
  [B1][B6]. The answer holds the invoice and its lines, keyed by plural name [B1].
* Read: lines are left out unless included (``include=invoice.lines:embed``) [B1][B5].
* Update: only what is sent changes; ``lines`` and ``entryDate`` "must not be set
  if the invoice has already been created" [B1]; ``state: approved`` is the only
  state change and cannot be undone [B1]. An approved invoice takes no other
  change (inferred), and ``sentState`` changes only through the e-mail route
  (inferred from an integrator's failed attempt [B5]).
* Approval assigns the next number unless ``invoiceNo`` was set on create
  (numbers are unique) [B1]; one number sequence for invoices and credit notes
  (inferred). An approved credit note is applied to the invoice it credits, up
  to that invoice's balance (inferred).
* Delete: drafts only (approved invoices are credited, [B6 (3p)]); idempotent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledgerlink_billy.emulator import lines as money
from ledgerlink_billy.emulator.catalog import children, create_record, delete_answer
from ledgerlink_billy.emulator.records import Call, body_of, check_query, find, included, view
from ledgerlink_billy.emulator.schema import NO_LINES
from ledgerlink_billy.emulator.wire import EmuResponse, invalid_record, new_id, ok, rule, stamp

__all__ = ["approve", "create_invoice", "delete_invoice", "get_invoice", "update_invoice"]

#: Properties of captured invoices that the table lacks, with the values a new one has [B2][B9].
UNTABLED: Mapping[str, Any] = {
    "grossAmount": None, "recurringInvoiceId": None, "quoteId": None, "orderNo": None,
    "templateId": "f0782ec9-39a5-4aae-b18b-322820a35241", "paymentMethods": [],
}
#: What a draft may have changed by PUT (the rest is immutable, read-only or refused).
DRAFT_CHANGES = frozenset({"attContactPersonId", "paymentTermsMode", "paymentTermsDays",
                           "taxMode", "currencyId", "exchangeRate", "contactMessage",
                           "lineDescription", "state"})


def lines_of(call: Call) -> Any:
    """The has-many children reader for :func:`~.records.included`."""
    return lambda prop, record: children(call.org, "invoices", prop, record)


def _check_header(call: Call, body: Mapping[str, Any], invoice: Mapping[str, Any]) -> None:
    """Rules across properties, for a new invoice or a changed draft."""
    if invoice.get("paymentTermsMode") == "date":
        # The due date of mode "date" would be set directly, but dueDate is read-only.
        raise invalid_record({"invoice.paymentTermsMode": "paymentTermsMode `date` needs a "
                              "dueDate, which is read-only (inferred)."})
    if body.get("currencyId") is not None:
        find(call.org, "currencies", str(body["currencyId"]), field="invoice.currencyId")
    person = body.get("attContactPersonId")
    if person is not None:
        found = find(call.org, "contactPersons", str(person), field="invoice.attContactPersonId")
        if found["contactId"] != invoice["contactId"]:
            raise invalid_record({"invoice.attContactPersonId":
                                  "The contact person belongs to another contact."})


def _check_credit(call: Call, body: Mapping[str, Any]) -> None:
    credited = body.get("creditedInvoiceId")
    if body.get("type", "invoice") != "creditNote":
        if credited is not None:
            raise invalid_record({"invoice.creditedInvoiceId":
                                  "Only a credit note credits an invoice."})
        return
    if credited is None:
        return
    original = find(call.org, "invoices", str(credited), field="invoice.creditedInvoiceId")
    if original["type"] != "invoice" or original["state"] != "approved":
        raise invalid_record({"invoice.creditedInvoiceId":
                              "Only an approved invoice can be credited."})
    if (original["contactId"] != body["contactId"]
            or original["currencyId"] != body["currencyId"]):
        raise invalid_record({"invoice.creditedInvoiceId": "A credit note has the contact "
                              "and currency of the invoice it credits."})


def _exchange_rate(call: Call, currency_id: str) -> Any:
    """``exchangeRate`` = currency / the organisation's base currency; left blank it is
    "today's" rate [B1] (the emulator's fixed table)."""
    currency = find(call.org, "currencies", currency_id, field="invoice.currencyId")
    base = call.org.tables["currencies"][call.org.record["baseCurrencyId"]]
    return currency["exchangeRate"] / base["exchangeRate"]


def _number_taken(call: Call, number: str, own: str | None = None) -> bool:
    return any(r["invoiceNo"] == number and r["id"] != own for r in call.org.rows("invoices"))


def create_invoice(call: Call) -> EmuResponse:
    """``POST /v2/invoices`` (see the module docstring)."""
    body = body_of(call, "invoices", creating=True)
    if not body.get("lines"):
        raise rule("invoice", NO_LINES)
    org = call.org
    with org.lock:
        contact = find(org, "contacts", str(body["contactId"]), field="invoice.contactId")
        _check_credit(call, body)
        if body.get("invoiceNo") is not None and _number_taken(call, str(body["invoiceNo"])):
            raise invalid_record({"invoice.invoiceNo": "The invoice number is already used."})
        rate = _exchange_rate(call, str(body["currencyId"]))
        defaults = {
            **UNTABLED, "type": "invoice", "state": "draft", "sentState": "unsent",
            "paymentTermsMode": contact.get("paymentTermsMode")
            or org.record["paymentTermsMode"],
            "taxMode": org.record["defaultTaxMode"], "contactMessage": "",
            "exchangeRate": rate,
            "approvedTime": None, "_token": money.new_token(),
            "_ownLineDescription": body.get("lineDescription") is not None,
        }
        header = {**defaults, **{k: v for k, v in body.items() if v is not None}}
        _check_header(call, body, header)
        for index, line in enumerate(body["lines"]):
            find(org, "products", str(line["productId"]), field=f"invoice.lines[{index}].productId")
        state = header["state"]
        invoice = create_record(call, "invoices", {k: v for k, v in body.items()
                                                   if k not in ("state", "lines")},
                                {**defaults, "state": "draft"})
        made = money.add_lines(call, invoice, list(body["lines"]), "invoice.lines")
        money.refresh(call, invoice)
        changed = [invoice]
        if state == "approved":
            changed += approve(call, invoice)
        return ok({"invoices": [view(i) for i in changed], "invoiceLines": made})


def approve(call: Call, invoice: dict[str, Any]) -> list[dict[str, Any]]:
    """Approve a draft: its number, its time; a credit note is applied. Returns the other
    invoices changed (the credited one)."""
    org = call.org
    if invoice["invoiceNo"] is None:
        while _number_taken(call, str(org.next_invoice_no)):
            org.next_invoice_no += 1
        invoice["invoiceNo"] = str(org.next_invoice_no)
        org.next_invoice_no += 1
        org.record["nextInvoiceNo"] = org.next_invoice_no
    invoice["state"] = "approved"
    invoice["approvedTime"] = stamp(call.now)
    money.refresh(call, invoice)
    credited = invoice.get("creditedInvoiceId")
    if invoice["type"] != "creditNote" or credited is None:
        return []
    original = org.tables["invoices"][credited]
    applied = min(invoice["balance"], original["balance"])
    if applied > 0:
        org.add("balanceModifiers", {
            "id": new_id(), "modifierReference": money.reference(invoice),
            "subjectReference": money.reference(original), "amount": applied,
            "entryDate": invoice["entryDate"], "realizedCurrencyDifference": 0,
            "isVoided": False})
    money.refresh(call, invoice)
    money.refresh(call, original)
    return [original]


def get_invoice(call: Call) -> EmuResponse:
    """``GET /v2/invoices/:id`` (lines only when included)."""
    check_query(call, ())
    with call.org.lock:
        invoice = money.refresh(call, find(call.org, "invoices", call.record_id))
        views, side = included(call, "invoices", [invoice], lines_of(call))
    return ok({"invoice": views[0], **side})


def update_invoice(call: Call) -> EmuResponse:
    """``PUT /v2/invoices/:id`` (see the module docstring)."""
    body = body_of(call, "invoices", creating=False)
    for name in ("lines", "entryDate"):
        if name in body:
            raise invalid_record({f"invoice.{name}": f"{name} must not be set if the invoice "
                                  "has already been created."})
    with call.org.lock:
        invoice = find(call.org, "invoices", call.record_id)
        if invoice["state"] == "approved":
            if body.get("state") == "draft":
                raise invalid_record({"invoice.state": "Once an invoice has been approved, "
                                      "its state can't be changed."})
            if set(body) - {"state"}:
                raise rule("invoice", "An approved invoice cannot be changed.")
            return ok({"invoices": [view(invoice)]})
        refused = sorted(set(body) - DRAFT_CHANGES)
        if refused:
            raise invalid_record({f"invoice.{name}": f"{name} cannot be changed by an update."
                                  for name in refused})
        merged = {**invoice, **{k: v for k, v in body.items() if v is not None}}
        _check_header(call, body, merged)
        tax_mode_changed = body.get("taxMode", invoice["taxMode"]) != invoice["taxMode"]
        if body.get("currencyId") is not None and body.get("exchangeRate") is None:
            invoice["exchangeRate"] = _exchange_rate(call, str(body["currencyId"]))
        invoice.update({k: v for k, v in body.items() if k != "state" and v is not None})
        if "lineDescription" in body:
            invoice["_ownLineDescription"] = body["lineDescription"] is not None
        changed: dict[str, list[dict[str, Any]]] = {"invoices": [invoice]}
        if tax_mode_changed:
            changed["invoiceLines"] = money.reprice(call, invoice)
        money.refresh(call, invoice)
        if body.get("state") == "approved":
            changed["invoices"] += approve(call, invoice)
        changed["invoices"] = [view(i) for i in changed["invoices"]]
        return ok(changed)


def delete_invoice(call: Call) -> EmuResponse:
    """``DELETE /v2/invoices/:id``: a draft and its lines; idempotent."""
    with call.org.lock:
        invoice = call.org.tables["invoices"].get(call.record_id)
        if invoice is None:
            return delete_answer({})
        if invoice["state"] != "draft":
            raise rule("invoice", "An approved invoice cannot be deleted; credit it instead.")
        lines = [r["id"] for r in children(call.org, "invoices", "lines", invoice)]
        for line in lines:
            del call.org.tables["invoiceLines"][line]
        del call.org.tables["invoices"][invoice["id"]]
    return delete_answer({"invoices": [invoice["id"]], "invoiceLines": lines})

