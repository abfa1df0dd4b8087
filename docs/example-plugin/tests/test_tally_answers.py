"""Every answer the Tally connector reads is checked: what Tally would never send is a
ProviderError (TransientProviderError after a write, whose outcome is then unknown),
never another exception and never a wrong link.

The connector talks to an ``httpx.MockTransport`` answering every request with one
body under status 200, so each test states exactly what came back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ledgerlink.errors import ProviderError, TransientProviderError
from ledgerlink.http.jsonbody import encode
from ledgerlink.testing.factories import make_customer, make_invoice_draft, make_invoice_line

from ledgerlink_tally import DEFAULT_API_KEY, TallyConnector

CUSTOMER = make_customer()
DRAFT = make_invoice_draft(customer=CUSTOMER)
DAY = date(2026, 11, 23)
LINE = {"description": "Work", "quantity": 1, "unit_price": 100, "vat_rate": 25,
        "amount": 100, "source_key": "w-1"}
#: A draft as Tally answers it.
INVOICE = {"id": "7", "key": DRAFT.key, "customer_id": "3", "currency": "DKK",
           "issue_date": "2026-11-23", "due_date": "2026-12-07", "number": None,
           "status": "draft", "sent": False, "total": 125, "balance": 125, "lines": [LINE]}

Operation = Callable[[TallyConnector], object]
#: Each operation, and whether it writes (a malformed answer leaves its outcome unknown).
OPERATIONS: dict[str, tuple[Operation, bool]] = {
    "find_customer": (lambda c: c.find_customer(CUSTOMER), False),
    "create_customer": (lambda c: c.create_customer(CUSTOMER), True),
    "find_invoices": (lambda c: c.find_invoices([DRAFT.key]), False),
    "get_invoice": (lambda c: c.get_invoice("7"), False),
    "list_invoices": (lambda c: list(c.list_invoices("3", DAY, DAY)), False),
    "book": (lambda c: c.book("7"), True),
    "void": (lambda c: c.void("7"), True),
    "send": (lambda c: c.send("7", "billing@example.com"), True),
}


def answering(body: bytes) -> TallyConnector:
    """A connector to which every request is answered ``body`` (status 200)."""
    transport = httpx.MockTransport(lambda request: httpx.Response(
        200, content=body, headers={"x-request-id": "rq-1"}))
    return TallyConnector(DEFAULT_API_KEY, "http://tally.invalid", transport=transport)


def outcome(operation: Operation, body: object) -> ProviderError:
    """The error ``operation`` raises when answered ``body``."""
    with answering(encode(body)) as connector, pytest.raises(ProviderError) as caught:
        operation(connector)
    assert caught.value.provider == "tally"
    assert caught.value.request_id == "rq-1"
    return caught.value


# Keys of at most 3 characters: no answer built from them can be one Tally documents.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5)
    | st.decimals(allow_nan=False, allow_infinity=False, places=2),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                max_size=3),
    max_leaves=8)


@pytest.mark.parametrize("name", OPERATIONS)
@given(value=json_values)
def test_any_other_json_answer_is_a_provider_error(name: str, value: Any) -> None:
    """Whatever JSON comes back instead of Tally's shape, the operation raises
    ProviderError, and TransientProviderError when it wrote."""
    operation, writes = OPERATIONS[name]
    error = outcome(operation, value)
    assert isinstance(error, TransientProviderError) == writes, error


@pytest.mark.parametrize(("field", "value"), [
    ("total", "125.00"),          # an amount as text
    ("sent", "false"),            # a bool as text is not read as True
    ("status", "paid"),           # a status Tally does not document
    ("issue_date", "23/11/2026"),  # a date in another form
    ("id", ""),                   # an empty id
    ("lines", {"0": LINE}),       # an object where a list belongs
])
def test_a_field_of_the_wrong_kind_is_named(field: str, value: object) -> None:
    """A field Tally would never send so is refused, and the error names it."""
    error = outcome(OPERATIONS["get_invoice"][0], {**INVOICE, field: value})
    assert re.search(rf"\b{field}\b", error.message), error.message


@pytest.mark.parametrize(("name", "answer"), [
    ("find_customer", {"customers": [{"id": "3", "name": "X", "currency": "DKK",
                                      "external_id": "someone-else"}]}),
    ("create_customer", {"id": "3", "name": "X", "currency": "DKK",
                         "external_id": "someone-else"}),
    ("find_invoices", {"invoices": [{**INVOICE, "key": "another-key"}]}),
    ("get_invoice", {**INVOICE, "id": "8"}),
    ("list_invoices", {"invoices": [{**INVOICE, "customer_id": "4"}]}),
    ("book", {**INVOICE, "id": "8"}),
    ("send", {"sent_to": "someone@else.example"}),
])
def test_an_answer_about_another_object_is_refused(name: str, answer: object) -> None:
    """A well-formed answer about another customer, invoice or address than the one
    asked about is refused, never linked."""
    operation, writes = OPERATIONS[name]
    error = outcome(operation, answer)
    assert isinstance(error, TransientProviderError) == writes


def test_a_well_formed_answer_is_read() -> None:
    """Tally's own answer is read as ledgerlink's invoice (the tests above refuse only
    what is wrong)."""
    with answering(encode(INVOICE)) as connector:
        invoice = connector.get_invoice("7")
    assert (invoice.provider_id, invoice.key, invoice.total, invoice.booked) == (
        "7", DRAFT.key, Decimal(125), False)
    assert invoice.line_keys == ("w-1",)


def test_replace_lines_sends_kept_and_new_lines_with_their_amounts() -> None:
    """The lines kept keep their product; the new ones are tagged and priced."""
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, content=encode(INVOICE))

    connector = TallyConnector(DEFAULT_API_KEY, "http://tally.invalid",
                               transport=httpx.MockTransport(answer))
    with connector:
        connector.replace_lines("7", "w-2", [make_invoice_line(quantity=3, unit_price=2)], {})
    body = json.loads(sent[-1].content)
    assert [line["source_key"] for line in body["lines"]] == ["w-1", "w-2"]
    assert [line["amount"] for line in body["lines"]] == [100, 6]
    assert body["vat"] == 26.5


@pytest.mark.parametrize("body", [
    f"<html>Sign in again: Bearer {DEFAULT_API_KEY}</html>".encode(),
    encode({**INVOICE, "id": DEFAULT_API_KEY}),
])
def test_an_error_about_an_answer_never_repeats_the_api_key(body: bytes) -> None:
    """A malformed answer's error quotes the answer, less the API key."""
    with answering(body) as connector, pytest.raises(ProviderError) as caught:
        connector.get_invoice("7")
    assert DEFAULT_API_KEY not in str(caught.value)
