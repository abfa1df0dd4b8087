"""Sending an invoice by e-mail, and its PDF behind downloadUrl."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from ledgerlink_billy.emulator import BillyEmulator, Organization
from tests.ledgerlink_billy.emulator.support import invalid, ok, refused

Make = Callable[..., dict[str, Any]]


def _email(person: str, **extra: Any) -> dict[str, Any]:
    return {"email": {"contactPersonId": person, "emailSubject": "Faktura",
                      "emailBody": "Se vedhæftede", **extra}}


def test_an_email_is_recorded_and_marks_the_invoice_sent(
        client: httpx.Client, approved: Make, contact: dict[str, Any], emu: BillyEmulator,
        org: Organization) -> None:
    """POST /emails records one e-mail to the person's address and sets sentState sent."""
    made = approved()
    answer = ok(client.post(f"/v2/invoices/{made['id']}/emails",
                            json=_email(contact["person"]["id"])))
    assert answer["invoices"][0]["sentState"] == "sent"
    sent, = emu.emails(org.id)
    assert (sent["invoiceId"], sent["to"], sent["subject"]) == (
        made["id"], "bo@hansen.dk", "Faktura")
    assert ok(client.get(f"/v2/invoices/{made['id']}"))["invoice"]["sentState"] == "sent"


def test_each_email_call_sends_once_more(client: httpx.Client, approved: Make,
                                         contact: dict[str, Any], emu: BillyEmulator,
                                         org: Organization) -> None:
    """The route has no idempotency: two calls are two e-mails (tests count them)."""
    made = approved()
    for _ in range(2):
        ok(client.post(f"/v2/invoices/{made['id']}/emails",
                       json=_email(contact["person"]["id"])))
    assert len(emu.emails(org.id)) == 2


def test_a_draft_is_not_sent(client: httpx.Client, draft: Make, contact: dict[str, Any],
                             emu: BillyEmulator, org: Organization) -> None:
    """Only approved invoices are e-mailed (inferred): nothing is recorded."""
    made = draft()
    invalid(client.post(f"/v2/invoices/{made['id']}/emails",
                        json=_email(contact["person"]["id"])), "invoice")
    assert emu.emails(org.id) == []


def test_the_email_body_is_held_to_the_documented_properties(
        client: httpx.Client, approved: Make, contact: dict[str, Any]) -> None:
    """Missing subject, an unknown property and a wrong type are each named."""
    made = approved()
    body = {"email": {"contactPersonId": contact["person"]["id"], "emailBody": 5, "to": "x"}}
    invalid(client.post(f"/v2/invoices/{made['id']}/emails", json=body),
            "email.emailSubject", "email.emailBody", "email.to")


def test_the_person_must_belong_to_the_contact_and_have_an_address(
        client: httpx.Client, approved: Make, contact: dict[str, Any]) -> None:
    """A person of another contact, or one without an e-mail, is refused."""
    made = approved()
    nameless = ok(client.post("/v2/contactPersons", json={"contactPerson": {
        "contactId": contact["id"], "name": "Uden mail"}}))["contactPersons"][0]
    invalid(client.post(f"/v2/invoices/{made['id']}/emails", json=_email(nameless["id"])),
            "email.contactPersonId")
    other = ok(client.post("/v2/contacts", json={"contact": {
        "name": "Anden", "countryId": "DK", "paymentTermsDays": 8,
        "contactPersons": [{"email": "a@anden.dk"}]}}))["contactPersons"][0]
    invalid(client.post(f"/v2/invoices/{made['id']}/emails", json=_email(other["id"])),
            "email.contactPersonId")
    invalid(client.post(f"/v2/invoices/{made['id']}/emails",
                        json=_email(contact["person"]["id"], copyToUserId="nobody")),
            "email.copyToUserId")


def test_the_download_url_serves_the_pdf(client: httpx.Client, approved: Make) -> None:
    """downloadUrl answers a PDF with the invoice's number, without the access token."""
    made = approved()
    with httpx.Client(transport=client._transport) as anonymous:
        answer = anonymous.get(made["downloadUrl"])
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF") and b"Faktura 1" in answer.content


def test_a_wrong_download_token_is_not_found(client: httpx.Client, approved: Make) -> None:
    """A downloadUrl with another token (or the draft's file name) is a 404."""
    made = approved()
    parts = made["downloadUrl"].split("/")
    parts[-2] = "0" * 50
    refused(client.get("/".join(parts)), 404, "RECORD_NOT_FOUND")
    refused(client.get(made["downloadUrl"].replace("invoice-no-1.pdf", "draft-invoice.pdf")),
            404, "RECORD_NOT_FOUND")
