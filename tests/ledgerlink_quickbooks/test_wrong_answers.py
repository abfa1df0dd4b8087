"""Well-formed answers about the wrong thing are refused, never linked: a created customer
without an Id or with another name or tag, a customer or invoice read back with another
Id, an invoice created under another key, batch answers whose bIds do not match what was
sent, change-feed answers of the wrong shape."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerlink.connector import BatchItem
from ledgerlink.errors import ProviderError, TransientProviderError
from ledgerlink.http import jsonbody
from ledgerlink.testing.factories import make_customer, make_invoice_draft
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from tests.ledgerlink_quickbooks.support import build_connector

#: Rewrites the JSON answer to a request (None: leave it alone).
Rewrite = Callable[[httpx.Request, dict[str, Any]], dict[str, Any] | None]


class Rewriting(httpx.BaseTransport):
    """The emulator's transport, with ``rewrite`` applied to JSON answers while armed."""

    def __init__(self, emulator: QuickBooksEmulator) -> None:
        self.inner = emulator.transport()
        self.rewrite: Rewrite | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if self.rewrite is None or "/v3/company/" not in request.url.path:
            return response
        response.read()
        if "json" not in response.headers.get("content-type", ""):
            return response
        changed = self.rewrite(request, jsonbody.decode(response.content))
        if changed is None:
            return response
        return httpx.Response(response.status_code, content=jsonbody.encode(changed),
                              request=request, headers={"intuit_tid": "tid-rewritten",
                                                        "content-type": "application/json"})


def _connector(emulator: QuickBooksEmulator, tmp_path: Path) -> tuple[QuickBooksConnector,
                                                                     Rewriting]:
    transport = Rewriting(emulator)
    return build_connector(emulator, tmp_path, transport=transport), transport


def _on(method: str, suffix: str, change: Callable[[dict[str, Any]], dict[str, Any]]) -> Rewrite:
    def rewrite(request: httpx.Request, body: dict[str, Any]) -> dict[str, Any] | None:
        if request.method == method and request.url.path.endswith(suffix):
            return change(body)
        return None

    return rewrite


@pytest.mark.parametrize(("change", "said"), [
    (lambda b: {"Customer": {k: v for k, v in b["Customer"].items() if k != "Id"}},
     "Customer.Id missing"),
    (lambda b: {"Customer": dict(b["Customer"], Id="")}, "Customer.Id missing"),
    (lambda b: {"Customer": dict(b["Customer"], DisplayName="Someone Else")}, "DisplayName"),
    (lambda b: {"Customer": dict(b["Customer"], Notes="ledgerlink:C-other")}, "Notes"),
])
def test_a_created_customer_answered_wrongly_is_not_linked(
    emulator: QuickBooksEmulator, tmp_path: Path, change: Callable[[dict[str, Any]],
                                                                   dict[str, Any]], said: str
) -> None:
    """A created Customer with no Id, or another customer's name or tag: the outcome is
    unknown (TransientProviderError), nothing is linked, and the next run finds the
    customer that was created by its tag."""
    quickbooks, transport = _connector(emulator, tmp_path)
    try:
        customer = make_customer(currency="USD")
        transport.rewrite = _on("POST", "/customer", change)
        with pytest.raises(TransientProviderError, match=said):
            quickbooks.create_customer(customer)
        transport.rewrite = None
        found = quickbooks.find_customer(customer)
        assert found is not None
        assert emulator.realms[quickbooks.realm_id].entities["Customer"][found]["Notes"] == (
            f"ledgerlink:{customer.id}")
    finally:
        quickbooks.close()


def test_a_customer_read_back_with_another_id_is_refused(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """The currency and e-mail of customer X are never taken from an answer about Y."""
    quickbooks, transport = _connector(emulator, tmp_path)
    try:
        customer = make_customer(currency="USD")
        ref = emulator.seed(quickbooks.realm_id, "Customer", {"DisplayName": customer.name,
                                                      "CurrencyRef": {"value": "USD"}})["Id"]
        other = emulator.seed(quickbooks.realm_id, "Customer", {"DisplayName": "Other"})["Id"]
        transport.rewrite = _on("GET", f"/customer/{ref}",
                                lambda b: {"Customer": dict(b["Customer"], Id=other)})
        with pytest.raises(ProviderError, match=f"Id is '{other}', not the '{ref}'"):
            quickbooks.create_invoice(make_invoice_draft(customer=customer), ref, {})
        assert not emulator.realms[quickbooks.realm_id].entities["Invoice"]
    finally:
        quickbooks.close()


def test_an_invoice_read_back_with_another_id_is_refused(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """get_invoice(X) answered with invoice Y is refused, not reported as X."""
    quickbooks, transport = _connector(emulator, tmp_path)
    try:
        customer = make_customer(currency="USD")
        ref = quickbooks.create_customer(customer)
        first = quickbooks.create_invoice(make_invoice_draft(customer=customer, key="inv:1"),
                                          ref, {})
        second = quickbooks.create_invoice(make_invoice_draft(customer=customer, key="inv:2"),
                                           ref, {})
        raw = emulator.realms[quickbooks.realm_id].entities["Invoice"][second.provider_id]
        transport.rewrite = _on("GET", f"/invoice/{first.provider_id}",
                                lambda b: {"Invoice": dict(raw)})
        with pytest.raises(ProviderError, match=r"Invoice\.Id is"):
            quickbooks.get_invoice(first.provider_id)
    finally:
        quickbooks.close()


@pytest.mark.parametrize("field", ["PrivateNote", "DocNumber", "EmailStatus"])
def test_a_number_where_text_belongs_is_read_as_text_not_as_ours(
    emulator: QuickBooksEmulator, tmp_path: Path, field: str
) -> None:
    """QuickBooks ids may come as numbers; a number in a text field is read as its digits,
    and a note that is a number carries no key of ours (no AttributeError)."""
    quickbooks, transport = _connector(emulator, tmp_path)
    try:
        customer = make_customer(currency="USD")
        ref = quickbooks.create_customer(customer)
        made = quickbooks.create_invoice(make_invoice_draft(customer=customer, key="inv:n"),
                                         ref, {})
        transport.rewrite = _on("GET", f"/invoice/{made.provider_id}",
                                lambda b: {"Invoice": dict(b["Invoice"], **{field: 5})})
        read = quickbooks.get_invoice(made.provider_id)
        assert read.key == (None if field == "PrivateNote" else "inv:n")
        assert read.voided is False
    finally:
        quickbooks.close()


def test_an_invoice_created_under_another_key_is_not_linked(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """A create answered with an invoice carrying another key: TransientProviderError (the
    runner finds ours by key); the answer is never reported as ours."""
    quickbooks, transport = _connector(emulator, tmp_path)
    try:
        customer = make_customer(currency="USD")
        ref = quickbooks.create_customer(customer)
        transport.rewrite = _on("POST", "/invoice", lambda b: {"Invoice": dict(
            b["Invoice"], PrivateNote="ledgerlink:inv:someone-else")})
        with pytest.raises(TransientProviderError, match="does not carry key"):
            quickbooks.create_invoice(make_invoice_draft(customer=customer, key="inv:ours"),
                                      ref, {})
        transport.rewrite = None
        assert quickbooks.find_invoice("inv:ours") is not None
    finally:
        quickbooks.close()


def _batch_answer(change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> Rewrite:
    return _on("POST", "/batch", lambda b: {**b, "BatchItemResponse": change(
        b["BatchItemResponse"])})


@pytest.mark.parametrize(("change", "said"), [
    (lambda items: [*items, dict(items[0], bId="7")], "bId '7' was not sent"),
    (lambda items: [*items, items[0]], "answered twice"),
    (lambda items: [dict(i, bId=int(i["bId"])) for i in items], "was not sent"),
    (lambda items: [{k: v for k, v in items[0].items() if k != "bId"}, *items[1:]],
     "bId None"),
    (lambda items: [*items, "oops"], "expected an object"),
])
def test_a_batch_answer_with_bids_not_sent_or_repeated_is_refused_whole(
    emulator: QuickBooksEmulator, tmp_path: Path,
    change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]], said: str
) -> None:
    """An item answered for a bId that was not sent, twice, or without one: nothing in the
    answer can be trusted, so the batch raises TransientProviderError (reconciled by key)."""
    quickbooks, transport = _connector(emulator, tmp_path)
    try:
        customer = make_customer(currency="USD")
        ref = quickbooks.create_customer(customer)
        items = [BatchItem(make_invoice_draft(customer=customer, key=f"inv:b{n}"), ref)
                 for n in range(2)]
        transport.rewrite = _batch_answer(change)
        with pytest.raises(TransientProviderError, match=said):
            quickbooks.create_invoices(items, {})
    finally:
        quickbooks.close()


def test_a_batch_item_missing_or_answered_with_another_invoice_is_unknown(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """Item 0 unanswered, item 1 answered with item 2's invoice: both TransientProviderError;
    item 2 is created as answered."""
    quickbooks, transport = _connector(emulator, tmp_path)
    try:
        customer = make_customer(currency="USD")
        ref = quickbooks.create_customer(customer)
        items = [BatchItem(make_invoice_draft(customer=customer, key=f"inv:m{n}"), ref)
                 for n in range(3)]

        def change(answered: list[dict[str, Any]]) -> list[dict[str, Any]]:
            by_bid = {a["bId"]: a for a in answered}
            return [dict(by_bid["2"], bId="1"), by_bid["2"]]

        transport.rewrite = _batch_answer(change)
        results = quickbooks.create_invoices(items, {})
        assert isinstance(results[0], TransientProviderError)
        assert isinstance(results[1], TransientProviderError)
        assert "another key" in str(results[1])
        assert not isinstance(results[2], Exception) and results[2].key == "inv:m2"
    finally:
        quickbooks.close()


@pytest.mark.parametrize(("change", "said"), [
    (lambda b: {**b, "CDCResponse": {"QueryResponse": []}}, "CDCResponse: expected a list"),
    (lambda b: {**b, "CDCResponse": [{"QueryResponse": [{"Invoice": [None]}]}]},
     r"Invoice\[0\]: expected an object"),
    (lambda b: {**b, "CDCResponse": [{"QueryResponse": [{"Invoice": [
        {"status": "Deleted"}]}]}]}, "Id missing"),
    (lambda b: {**b, "CDCResponse": [{"QueryResponse": [{"Invoice": [
        {"Id": "9", "CustomerRef": {"value": "1"}, "Balance": "0"}]}]}]}, "Balance"),
    (lambda b: {**b, "time": "soon"}, "'soon' is not a date and time"),
    (lambda b: {k: v for k, v in b.items() if k != "time"}, "time: expected a date"),
])
def test_a_change_feed_of_the_wrong_shape_is_refused(
    emulator: QuickBooksEmulator, tmp_path: Path, change: Callable[[dict[str, Any]],
                                                                   dict[str, Any]], said: str
) -> None:
    """Each part of a /cdc answer is checked; a wrong one is a ProviderError naming it."""
    quickbooks, transport = _connector(emulator, tmp_path)
    try:
        transport.rewrite = _on("GET", "/cdc", change)
        with pytest.raises(ProviderError, match=said):
            quickbooks.changes(datetime.now(UTC) - timedelta(hours=1))
    finally:
        quickbooks.close()
