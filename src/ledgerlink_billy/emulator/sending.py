"""Sending an invoice: ``POST /v2/invoices/:id/emails`` and the PDF behind ``downloadUrl``.

The e-mail route takes ``{"email": {"contactPersonId", "emailSubject",
"emailBody", "copyToUserId"?}}`` and sends to that one contact person's
address [B1]. The emulator records each e-mail (the tests count them), marks
the invoice ``sentState: sent`` and answers the changed invoice. Only an
approved invoice is sent, and the person must belong to the invoice's contact
and have an e-mail address (inferred: the strict choice).

``downloadUrl`` carries its own secret token [B2], so fetching it needs no
access token (inferred); a wrong token or file name is a 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledgerlink.emulation import document_pdf
from ledgerlink_billy.emulator import schema
from ledgerlink_billy.emulator.lines import download_path, refresh
from ledgerlink_billy.emulator.records import Call, document_of, find, view
from ledgerlink_billy.emulator.state import Organization
from ledgerlink_billy.emulator.wire import (
    PDF_TYPE,
    EmuRequest,
    EmuResponse,
    invalid_record,
    not_found,
    ok,
    rule,
    stamp,
)

__all__ = ["download", "send_email"]


def _email_body(call: Call) -> dict[str, Any]:
    """The ``email`` record, its properties as the page lists them [B1]."""
    email = document_of(call, "email")
    found = schema.email_problems(email)
    if found:
        raise invalid_record((p.path, p.message) for p in found)
    assert isinstance(email, dict)  # email_problems() named anything else
    return email


def send_email(call: Call) -> EmuResponse:
    """``POST /v2/invoices/:id/emails`` (see the module docstring)."""
    email = _email_body(call)
    org = call.org
    with org.lock:
        invoice = find(org, "invoices", call.record_id)
        if invoice["state"] != "approved":
            raise rule("invoice", "Only an approved invoice can be sent.")
        person = find(org, "contactPersons", email["contactPersonId"],
                      field="email.contactPersonId")
        if person["contactId"] != invoice["contactId"]:
            raise invalid_record({"email.contactPersonId":
                                  "The contact person belongs to another contact."})
        if not person.get("email"):
            raise invalid_record({"email.contactPersonId":
                                  "The contact person has no e-mail address."})
        copy = email.get("copyToUserId")
        if copy is not None and copy != org.default("owner"):
            raise invalid_record({"email.copyToUserId": f"No user `{copy}` in the company."})
        org.emails.append({
            "invoiceId": invoice["id"], "contactPersonId": person["id"], "to": person["email"],
            "subject": email["emailSubject"], "body": email["emailBody"],
            "copyToUserId": copy, "sentTime": stamp(call.now)})
        invoice["sentState"] = "sent"
        refresh(call, invoice)
        return ok({"invoices": [view(invoice)]})


def invoice_pdf(org: Organization, invoice: Mapping[str, Any]) -> bytes:
    """A one-page PDF of ``invoice``: number, contact, lines, totals."""
    contact = org.tables["contacts"].get(invoice["contactId"], {})
    currency = invoice["currencyId"]
    kind = "Kreditnota" if invoice["type"] == "creditNote" else "Faktura"
    rows = [f"{org.name}", f"Kunde: {contact.get('name', '')}",
            f"Dato: {invoice['entryDate']}   Forfald: {invoice['dueDate']}"]
    lines = sorted((r for r in org.rows("invoiceLines") if r["invoiceId"] == invoice["id"]),
                   key=lambda r: r["priority"])
    for line in lines:
        product = org.tables["products"].get(line["productId"], {})
        rows.append(f"{product.get('name', '')} {line['description']}: {line['quantity']} x "
                    f"{line['unitPrice']} = {line['amount']} {currency}")
    rows += [f"Beløb: {invoice['amount']} {currency}", f"Moms: {invoice['tax']} {currency}",
             f"I alt: {invoice['grossAmount']} {currency}"]
    number = invoice["invoiceNo"] or "(kladde)"
    return document_pdf(f"{kind} {number}", rows, author=org.name)


def download(organizations: Mapping[str, Organization], request: EmuRequest,
             args: Mapping[str, str]) -> EmuResponse:
    """``GET`` a ``downloadUrl``: the invoice's PDF when the token and name fit."""
    org = organizations.get(args["organization"])
    invoice = None if org is None else org.tables["invoices"].get(args["id"])
    if org is None or invoice is None:
        raise not_found("invoice", args["id"])
    with org.lock:
        expected = download_path(org, invoice)
        if request.path != expected:
            raise not_found("invoice", args["id"])
        body = invoice_pdf(org, invoice)
    return EmuResponse(200, {"content-type": PDF_TYPE}, body)

