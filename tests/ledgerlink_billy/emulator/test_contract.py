"""request_problems: the body check a connector's requests are held to, the emulator's own."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerlink_billy.emulator.schema import request_problems
from tests.ledgerlink_billy.emulator.support import contact_body, invoice_body


def test_good_bodies_have_no_problems() -> None:
    """A contact, an invoice, an approval, a line, a payment and an e-mail pass."""
    writes: list[tuple[str, str, Any]] = [
        ("POST", "/v2/contacts", contact_body()),
        ("POST", "/v2/invoices", invoice_body("c", "p", externalId="ledgerlink:1")),
        ("PUT", "/v2/invoices/i", {"invoice": {"state": "approved"}}),
        ("POST", "/v2/invoiceLines", {"invoiceLine": {"invoiceId": "i", "productId": "p",
                                                      "unitPrice": 1}}),
        ("POST", "/v2/bankPayments", {"bankPayment": {
            "entryDate": "2026-06-01", "cashAmount": 1, "cashSide": "debit",
            "cashAccountId": "a", "associations": [{"subjectReference": "invoice:i"}]}}),
        ("POST", "/v2/invoices/i/emails", {"email": {"contactPersonId": "p",
                                                     "emailSubject": "s", "emailBody": "b"}}),
    ]
    for method, path, body in writes:
        assert request_problems(method, path, body) == [], (method, path)


@pytest.mark.parametrize(
    ("method", "path", "body", "where"),
    [
        ("POST", "/v2/invoices", invoice_body("c", "p", lines=[]), "invoice"),
        ("PUT", "/v2/invoices/i", {"invoice": {"contactId": "c"}}, "invoice.contactId"),
        ("POST", "/v2/invoices/i/emails", {"email": {"contactPersonId": "p"}},
         "email.emailSubject"),
        ("POST", "/v2/contacts", {"contacts": [{}]}, "/v2/contacts"),
        ("POST", "/v2/nothing", {}, "/v2/nothing"),
    ],
)
def test_bad_bodies_are_named(method: str, path: str, body: Any, where: str) -> None:
    """Each bad body yields a problem at the place it names."""
    assert where in [p.path for p in request_problems(method, path, body)]


@pytest.mark.parametrize(
    "change",
    [{"nickname": "x"}, {"createdTime": "2026-01-01T00:00:00"}, {"name": 1}, {"type": "x"},
     {"contactPersons": [{"phone": "1"}]}, {"countryId": None}],
)
def test_the_emulator_refuses_what_the_contract_names(client: httpx.Client,
                                                      change: dict[str, Any]) -> None:
    """A body request_problems faults is answered 400 by the emulator, naming the same keys."""
    body = contact_body(**change)
    body["contact"] = {k: v for k, v in body["contact"].items() if v is not None}
    named = {p.path for p in request_problems("POST", "/v2/contacts", body)}
    answer = client.post("/v2/contacts", json=body)
    assert named and answer.status_code == 400
    assert named == set(answer.json()["validationErrors"])
