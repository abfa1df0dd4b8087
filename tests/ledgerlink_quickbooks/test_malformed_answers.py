"""Every answer is checked: whatever malformed thing QuickBooks (or something in between)
answers, each operation raises a ProviderError naming the operation, never a raw
exception, and never links a wrong object; after a write whose outcome is unknown, a
TransientProviderError (the runner reconciles by key)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerlink.connector import BatchItem
from ledgerlink.errors import ProviderError, TransientProviderError
from ledgerlink.testing.factories import (
    make_customer,
    make_invoice_draft,
    make_invoice_line,
    make_product,
)
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from tests.ledgerlink_quickbooks.support import build_connector

#: Bodies no operation can take as an answer, each with the content type it comes with.
GARBAGE = {
    "invalid JSON": (b'{"Invoice": {', "application/json"),
    "empty": (b"", "application/json"),
    "HTML": (b"<html><body>upstream hiccup</body></html>", "text/html"),
    "a list": (b"[]", "application/json"),
    "null": (b"null", "application/json"),
    "a string": (b'"ok"', "application/json"),
    "an empty object": (b"{}", "application/json"),
    "nulls where objects belong": (
        b'{"Invoice": null, "Customer": null, "Item": null, "QueryResponse": null, '
        b'"CDCResponse": null, "BatchItemResponse": null, "time": null}', "application/json"),
    "wrong types": (
        b'{"Invoice": {"Id": "1", "CustomerRef": "7", "TotalAmt": "lots"}, '
        b'"Customer": {"Id": true, "DisplayName": ["x"]}, "Item": {"Id": {}, "Name": 3.5}, '
        b'"QueryResponse": {"Invoice": [{"Id": "1", "TxnDate": "yesterday", '
        b'"CustomerRef": {"value": "7"}}], "Customer": "none", "Item": [null], '
        b'"CreditMemo": [[]]}, "CDCResponse": [{"QueryResponse": {"Invoice": 1}}], '
        b'"BatchItemResponse": [{"bId": 0}], "time": "soon"}', "application/json"),
}


class Garbage(httpx.BaseTransport):
    """The emulator, until :attr:`body` is set: then every API request is answered with
    it (status 200); the token endpoint keeps working, so only answers are garbage."""

    def __init__(self, emulator: QuickBooksEmulator) -> None:
        self.inner = emulator.transport()
        self.body: bytes | None = None
        self.content_type = "application/json"

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.body is None or "/v3/company/" not in request.url.path:
            return self.inner.handle_request(request)
        return httpx.Response(200, content=self.body, request=request,
                              headers={"content-type": self.content_type,
                                       "intuit_tid": "tid-garbage"})


class World:
    """A connector whose customer, product and invoice exist, then a garbage transport."""

    def __init__(self, emulator: QuickBooksEmulator, tmp_path: Path) -> None:
        self.transport = Garbage(emulator)
        self.quickbooks = build_connector(emulator, tmp_path, transport=self.transport)
        self.customer = make_customer(currency="USD")
        self.ref = self.quickbooks.create_customer(self.customer)
        self.product = make_product()
        self.item = self.quickbooks.create_product(self.product)
        self.invoice = self.quickbooks.create_invoice(
            make_invoice_draft(customer=self.customer, key="inv:there"), self.ref, {})

    def draft(self, key: str = "inv:new") -> Any:
        return make_invoice_draft(customer=self.customer, key=key,
                                  lines=[make_invoice_line(product_id=self.product.id)])

    def garble(self, body: bytes, content_type: str = "application/json") -> None:
        self.transport.body, self.transport.content_type = body, content_type


#: Each operation, and whether its first request is a write (so a garbled answer leaves
#: its outcome unknown: TransientProviderError).
OPERATIONS: dict[str, tuple[Callable[[World], object], bool]] = {
    "find_customer": (lambda w: w.quickbooks.find_customer(w.customer), False),
    "create_customer": (lambda w: w.quickbooks.create_customer(make_customer(id="C-new")), True),
    "find_product": (lambda w: w.quickbooks.find_product(w.product), False),
    "create_product": (lambda w: w.quickbooks.create_product(make_product(id="P-new",
                                                                   name="New")), True),
    "find_invoice": (lambda w: w.quickbooks.find_invoice("inv:there"), False),
    "find_invoices": (lambda w: w.quickbooks.find_invoices(["inv:there", "inv:gone"]), False),
    "get_invoice": (lambda w: w.quickbooks.get_invoice(w.invoice.provider_id), False),
    "create_invoice": (lambda w: w.quickbooks.create_invoice(
        w.draft(), w.ref, {w.product.id: w.item}), True),
    "create_invoices": (lambda w: _batch(w), True),
    "send": (lambda w: w.quickbooks.send(w.invoice.provider_id), True),
    "pdf": (lambda w: w.quickbooks.pdf(w.invoice.provider_id), False),
    "void": (lambda w: w.quickbooks.void(w.invoice.provider_id), False),
    "delete": (lambda w: w.quickbooks.delete(w.invoice.provider_id), False),
    "register_payment": (lambda w: w.quickbooks.register_payment(
        w.invoice.provider_id, Decimal("1.00"), w.invoice.issue_date), False),
    "credit": (lambda w: w.quickbooks.credit(w.invoice.provider_id, "credit:inv:there"), False),
    "changes": (lambda w: w.quickbooks.changes(datetime.now(UTC) - timedelta(hours=1)), False),
    "list_invoices": (lambda w: list(w.quickbooks.list_invoices(
        w.ref, w.invoice.issue_date, w.invoice.issue_date)), False),
}


def _batch(world: World) -> object:
    results = world.quickbooks.create_invoices(
        [BatchItem(world.draft("inv:b1"), world.ref), BatchItem(world.draft("inv:b2"), world.ref)],
        {world.product.id: world.item})
    errors = [r for r in results if isinstance(r, Exception)]
    if errors:
        raise errors[0]
    return results


@pytest.fixture
def world(emulator: QuickBooksEmulator, tmp_path: Path) -> Iterator[World]:
    made = World(emulator, tmp_path)
    try:
        yield made
    finally:
        made.quickbooks.close()


@pytest.mark.parametrize("garbage", list(GARBAGE))
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_every_operation_refuses_a_malformed_answer(
    world: World, operation: str, garbage: str
) -> None:
    """Each operation against each kind of garbage: a ProviderError naming QuickBooks and
    the request id; a garbled answer to a write is TransientProviderError."""
    call, writes = OPERATIONS[operation]
    world.garble(*GARBAGE[garbage])
    with pytest.raises(ProviderError) as caught:
        call(world)
    err = caught.value
    assert err.provider == "quickbooks"
    assert "malformed answer" in str(err)
    assert (err.status, err.request_id) == (200, "tid-garbage")
    if writes:
        assert isinstance(err, TransientProviderError), str(err)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.decimals(allow_nan=False, allow_infinity=False, places=2),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["Invoice", "Customer", "Item", "QueryResponse", "Id", "CustomerRef",
                         "value", "TotalAmt", "DisplayName", "Name", "bId", "time",
                         "CDCResponse", "BatchItemResponse", "Fault", "Error", "Notes"]),
        inner, max_size=4),
    max_leaves=12)


@pytest.mark.parametrize("operation", ["find_customer", "create_customer", "get_invoice",
                                       "find_invoices", "create_invoices", "changes", "send"])
def test_any_json_answer_is_a_result_or_a_provider_error(
    emulator: QuickBooksEmulator, tmp_path: Path, operation: str
) -> None:
    """Whatever JSON value comes back, the operation answers or raises ProviderError:
    never KeyError, TypeError, AttributeError, AssertionError or RecursionError."""
    world = World(emulator, tmp_path)
    call, _ = OPERATIONS[operation]

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(json_values)
    def check(value: object) -> None:
        world.garble(json.dumps(value, default=str).encode())
        with contextlib.suppress(ProviderError):
            call(world)

    try:
        check()
    finally:
        world.quickbooks.close()


def test_a_pdf_answer_must_be_a_pdf(world: World) -> None:
    """A PDF is ``application/pdf`` starting ``%PDF-``; JSON, HTML or a PDF type over
    other bytes is refused."""
    assert world.quickbooks.pdf(world.invoice.provider_id).startswith(b"%PDF-")
    for body, kind in ((b'{"ok": true}', "application/json"), (b"%PDF-1.4 x", "text/html"),
                       (b"<html>login</html>", "application/pdf"), (b"", "application/pdf")):
        world.garble(body, kind)
        with pytest.raises(ProviderError, match="PDF"):
            world.quickbooks.pdf(world.invoice.provider_id)
