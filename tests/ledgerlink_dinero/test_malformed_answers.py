"""Every answer the connector reads is checked: a malformed one is a ProviderError naming
the operation (TransientProviderError after a write, whose outcome is then unknown),
never a raw exception and never a wrong link."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerlink.domain import RemoteInvoice
from ledgerlink.errors import ProviderError, TransientProviderError
from ledgerlink.testing.factories import (
    make_customer,
    make_invoice_draft,
    make_invoice_line,
    make_product,
)
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import DineroEmulator
from ledgerlink_dinero.keys import object_guid
from tests.ledgerlink_dinero.support import build_connector

T = TypeVar("T")
GUID = r"[0-9a-f-]{36}"
#: Bodies no Dinero answer is, each with the content type it comes with.
GARBAGE = {
    "invalid JSON": (b'{"Guid": ', "application/json"),
    "empty": (b"", "application/json"),
    "HTML": (b"<html><body>502 from the proxy</body></html>", "text/html"),
    "a list": (b"[]", "application/json"),
    "null": (b"null", "application/json"),
    "a string": (b'"ok"', "application/json"),
    "a number": (b"12", "application/json"),
}


class Garbling(httpx.BaseTransport):
    """Passes requests to the emulator, except those matching a rule, which get the rule's
    answer (after the emulator did the request when ``deliver``)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.rules: list[tuple[str, re.Pattern[str], str, bytes, str, bool]] = []

    def answer(self, method: str, path: str, body: bytes | object, *,
               content_type: str = "application/json", deliver: bool = False,
               accept: str = "") -> None:
        """Answer ``method`` on paths ending with the regex ``path`` (and an Accept header
        holding ``accept``) with ``body``."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.rules.append((method, re.compile(path + "$"), accept, raw, content_type, deliver))

    def clear(self) -> None:
        self.rules.clear()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for method, path, accept, body, content_type, deliver in self.rules:
            if (request.method == method and path.search(request.url.path)
                    and accept in request.headers.get("accept", "")):
                if deliver:
                    request.read()
                    self.inner.handle_request(request).close()
                return httpx.Response(200, content=body, request=request,
                                      headers={"Content-Type": content_type,
                                               "X-Request-Id": "req-garbled"})
        return self.inner.handle_request(request)


@pytest.fixture
def garbling(emulator: DineroEmulator) -> Garbling:
    return Garbling(emulator.transport())


@pytest.fixture
def dinero(emulator: DineroEmulator, garbling: Garbling,
           tmp_path: Path) -> Iterator[DineroConnector]:
    """The connector under test, here talking through ``garbling``."""
    with build_connector(emulator, tmp_path, transport=garbling) as connector:
        yield connector


def _draft(dinero: DineroConnector) -> tuple[str, RemoteInvoice]:
    customer = make_customer()
    ref = dinero.create_customer(customer)
    return ref, dinero.create_invoice(make_invoice_draft(customer=customer), ref, {})


def _booked(dinero: DineroConnector) -> RemoteInvoice:
    _, draft = _draft(dinero)
    return dinero.book(draft.provider_id)


def _refused(call: Callable[[], Any], *, write: bool) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        call()
    err = caught.value
    assert err.provider == "dinero" and "malformed answer" in err.message
    assert isinstance(err, TransientProviderError) == write, err
    if write:
        assert "unknown" in err.message
    return err


# --- reads ---------------------------------------------------------------------------


READS: dict[str, tuple[str, str, Callable[[DineroConnector, dict[str, Any]], Any]]] = {
    "find customer": ("GET", "/contacts", lambda b, ctx: b.find_customer(make_customer())),
    "find product": ("GET", "/products", lambda b, ctx: b.find_product(make_product())),
    "read invoice": ("GET", f"/invoices/{GUID}",
                     lambda b, ctx: b.get_invoice(ctx["booked"].provider_id)),
    "read payments": ("GET", f"/invoices/{GUID}/payments",
                      lambda b, ctx: b.get_invoice(ctx["booked"].provider_id)),
    "find invoice": ("GET", r"/v1/\d+/invoices", lambda b, ctx: b.find_invoice("inv:none")),
    "find invoices": ("GET", r"/v1/\d+/invoices",
                      lambda b, ctx: b.find_invoices(["inv:a", "inv:b"])),
    "list invoices": ("GET", r"/v1/\d+/invoices", lambda b, ctx: list(b.list_invoices(
        ctx["ref"], date.today() - timedelta(days=1), date.today()))),
    "change feed": ("GET", r"/v1/\d+/invoices",
                    lambda b, ctx: b.changes(datetime.now(UTC) - timedelta(minutes=5))),
    "credit note": ("GET", f"/sales/creditnotes/{GUID}",
                    lambda b, ctx: b.find_invoice("credit:inv:none")),
    "organisations": ("GET", "/v1/organizations", lambda b, ctx: b.organisations()),
    "contact currency": ("GET", f"/contacts/{GUID}", lambda b, ctx: b.create_invoice(
        make_invoice_draft(customer=make_customer()), ctx["other_ref"], {})),
}


@pytest.mark.parametrize("garbage", list(GARBAGE))
@pytest.mark.parametrize("operation", list(READS))
def test_a_malformed_read_is_a_provider_error(
    dinero: DineroConnector, garbling: Garbling, emulator: DineroEmulator,
    operation: str, garbage: str,
) -> None:
    """Each read answered 200 with invalid JSON, nothing, HTML, a list, null, a string or
    a number is a ProviderError (not transient: nothing was written) with the request id."""
    ref, _ = _draft(dinero)
    booked = _booked(dinero)
    # A contact made in Dinero, never seen by this connector: its currency is read.
    other_ref = emulator.seed(dinero.organisation_id, "contacts", {
        "Name": "Other ApS", "CountryKey": "DK", "IsPerson": False, "IsMember": False,
        "UseCvr": False})["ContactGuid"]
    dinero.register_payment(booked.provider_id, Decimal("1.00"), date.today())  # payments decide
    method, path, call = READS[operation]
    body, content_type = GARBAGE[garbage]
    if (operation, garbage) == ("organisations", "a list"):
        body = b'{"Collection": []}'  # a list is that answer's shape: an object is not
    garbling.answer(method, path, body, content_type=content_type)
    err = _refused(lambda: call(dinero, {"booked": booked, "ref": ref, "other_ref": other_ref}),
                   write=False)
    assert err.status == 200 and err.request_id == "req-garbled"


@pytest.mark.parametrize(("answer", "wrong"), [
    ({"Collection": "rows"}, "Collection"),
    ({"Collection": [1, 2]}, "Collection"),
    ({"Pagination": {"Page": 0, "PageSize": 1000}}, "Collection"),
    ({"Collection": [], "Pagination": {"Page": 1, "PageSize": 1000}}, "Pagination"),
    ({"Collection": [], "Pagination": {"Page": 0, "PageSize": 100}}, "Pagination"),
    ({"Collection": [], "Pagination": {"Page": "0", "PageSize": 1000}}, "Page"),
    ({"Collection": [{"ContactGuid": {"id": 5}}]}, "ContactGuid"),
    ({"Collection": [{"ContactGuid": "c", "ExternalReference": ["x"]}]}, "ExternalReference"),
])
def test_a_list_page_that_is_not_the_page_asked_for_is_refused(
    dinero: DineroConnector, garbling: Garbling, answer: dict[str, Any], wrong: str,
) -> None:
    """A page without its Collection, with rows that are not contacts, or whose Pagination
    is another page or page size (paging stops at the first short page, so rows would be
    lost) is a ProviderError naming what was wrong."""
    garbling.answer("GET", r"/v1/\d+/contacts", answer)
    err = _refused(lambda: dinero.find_customer(make_customer()), write=False)
    assert wrong in err.message


def test_more_rows_than_the_page_size_are_refused(dinero: DineroConnector,
                                                  garbling: Garbling) -> None:
    """A page holding more rows than asked for is not what Dinero sends."""
    dinero.api.page_size = 2
    garbling.answer("GET", r"/v1/\d+/contacts", {"Collection": [{}, {}, {}]})
    assert "3 rows" in _refused(lambda: dinero.find_customer(make_customer()),
                                write=False).message


def test_a_read_naming_another_invoice_is_refused(dinero: DineroConnector,
                                                  garbling: Garbling) -> None:
    """An invoice read answered with another invoice's Guid is never taken for it."""
    _, draft = _draft(dinero)
    other = object_guid(dinero.organisation_id, "invoice", "someone-else")
    garbling.answer("GET", f"/invoices/{draft.provider_id}",
                    {"Guid": other, "Status": "Draft", "ProductLines": []})
    assert other in _refused(lambda: dinero.get_invoice(draft.provider_id), write=False).message


@pytest.mark.parametrize("payments", [{"Payments": {}}, {"Payments": [{"Amount": "5"}]},
                                      {"Payments": [{"Amount": 5, "PaymentDate": "today"}]}])
def test_a_malformed_payments_read_is_refused(dinero: DineroConnector, garbling: Garbling,
                                              payments: dict[str, Any]) -> None:
    """The payments of an open invoice decide its balance: a malformed list is refused."""
    booked = _booked(dinero)
    garbling.answer("GET", f"/invoices/{booked.provider_id}/payments", payments)
    assert "Payments" in _refused(lambda: dinero.get_invoice(booked.provider_id),
                                  write=False).message


@pytest.mark.parametrize("body", [b'{"Guid": "x"}', b"<html>PDF service down</html>", b"",
                                  b"PDF-1.4 but not from its start"])
def test_a_pdf_answer_that_is_not_a_pdf_is_refused(dinero: DineroConnector, garbling: Garbling,
                                                   body: bytes) -> None:
    """What comes back for a PDF must be a PDF document (it begins ``%PDF-``)."""
    booked = _booked(dinero)
    garbling.answer("GET", f"/invoices/{booked.provider_id}", body,
                    content_type="application/octet-stream", accept="octet-stream")
    with pytest.raises(ProviderError) as caught:
        dinero.pdf(booked.provider_id)
    assert "not a PDF" in caught.value.message and caught.value.provider == "dinero"


@pytest.mark.parametrize("rows", [[{"ExternalReference": "x"}], [{"Guid": ["g"]}]])
def test_a_change_feed_row_without_a_usable_guid_is_refused(
    dinero: DineroConnector, garbling: Garbling, rows: list[dict[str, Any]],
) -> None:
    """A changed or deleted invoice the feed cannot name is refused, not skipped."""
    garbling.answer("GET", r"/v1/\d+/invoices", {"Collection": rows})
    assert "Guid" in _refused(lambda: dinero.changes(datetime.now(UTC) - timedelta(minutes=5)),
                              write=False).message


# --- writes --------------------------------------------------------------------------


WRITES: dict[str, tuple[str, str, Callable[[DineroConnector, dict[str, Any]], Any]]] = {
    "create contact": ("POST", r"/v1/\d+/contacts",
                       lambda b, ctx: b.create_customer(make_customer())),
    "create product": ("POST", r"/v1/\d+/products",
                       lambda b, ctx: b.create_product(make_product())),
    "create invoice": ("POST", r"/v1/\d+/invoices", lambda b, ctx: b.create_invoice(
        make_invoice_draft(customer=ctx["customer"]), ctx["ref"], {})),
    "replace lines": ("PUT", f"/invoices/{GUID}", lambda b, ctx: b.replace_lines(
        ctx["draft"].provider_id, "wo:new", [make_invoice_line(source_key="wo:new")], {})),
    "book": ("POST", f"/invoices/{GUID}/book",
             lambda b, ctx: b.book(ctx["draft"].provider_id)),
    "email": ("POST", f"/invoices/{GUID}/email",
              lambda b, ctx: b.send(ctx["booked"].provider_id)),
    "payment": ("POST", f"/invoices/{GUID}/payments", lambda b, ctx: b.register_payment(
        ctx["booked"].provider_id, Decimal("1.00"), date.today())),
    "delete": ("DELETE", f"/invoices/{GUID}",
               lambda b, ctx: b.delete(ctx["draft"].provider_id)),
    "credit": ("POST", r"/sales/creditnotes",
               lambda b, ctx: b.credit(ctx["booked"].provider_id, "credit:garbled")),
}


@pytest.mark.parametrize("garbage", list(GARBAGE))
@pytest.mark.parametrize("operation", list(WRITES))
def test_a_malformed_answer_to_a_write_leaves_its_outcome_unknown(
    dinero: DineroConnector, garbling: Garbling, operation: str, garbage: str,
) -> None:
    """A write answered 200 with anything but Dinero's receipt object is a
    TransientProviderError saying the outcome is unknown (the runner reconciles by key)."""
    customer = make_customer()
    ref = dinero.create_customer(customer)
    draft = dinero.create_invoice(make_invoice_draft(customer=customer), ref, {})
    booked = _booked(dinero)
    method, path, call = WRITES[operation]
    body, content_type = GARBAGE[garbage]
    garbling.answer(method, path, body, content_type=content_type)
    _refused(lambda: call(dinero, {"customer": customer, "ref": ref, "draft": draft,
                                   "booked": booked}), write=True)


@pytest.mark.parametrize("receipt", [{}, {"ContactGuid": None}, {"ContactGuid": True},
                                     {"Guid": "x"}])
def test_a_contact_create_whose_receipt_lacks_our_guid_is_not_linked(
    dinero: DineroConnector, garbling: Garbling, receipt: dict[str, Any],
) -> None:
    """The receipt of a created contact must carry the ContactGuid we sent."""
    garbling.answer("POST", r"/v1/\d+/contacts", receipt)
    err = _refused(lambda: dinero.create_customer(make_customer()), write=True)
    assert "ContactGuid" in err.message


def test_a_contact_created_under_another_guid_is_refused_not_linked(
    dinero: DineroConnector, garbling: Garbling, emulator: DineroEmulator,
) -> None:
    """Dinero answering a create with another GUID than ours is refused (outcome unknown):
    the customer is linked to nothing until a look-up by its id finds the contact."""
    customer = make_customer()
    ours = object_guid(dinero.organisation_id, "contact", customer.id)
    stranger = object_guid(dinero.organisation_id, "contact", "stranger")
    garbling.answer("POST", r"/v1/\d+/contacts", {"ContactGuid": stranger}, deliver=True)
    err = _refused(lambda: dinero.create_customer(customer), write=True)
    assert stranger in err.message and ours in err.message
    assert stranger not in dinero.customers.currencies
    garbling.clear()
    assert dinero.find_customer(customer) == ours  # what reconciling finds: the real contact


def test_an_invoice_created_under_another_guid_is_found_by_its_key(
    dinero: DineroConnector, garbling: Garbling,
) -> None:
    """A create receipt naming another invoice is not taken: the invoice is looked up by
    its key, and the one Dinero holds under our GUID is returned."""
    customer = make_customer()
    ref = dinero.create_customer(customer)
    draft = make_invoice_draft(customer=customer)
    stranger = object_guid(dinero.organisation_id, "invoice", "stranger")
    garbling.answer("POST", r"/v1/\d+/invoices", {"Guid": stranger, "TimeStamp": "01"},
                    deliver=True)
    created = dinero.create_invoice(draft, ref, {})
    assert created.provider_id == object_guid(dinero.organisation_id, "invoice", draft.key)
    assert created.key == draft.key


def test_a_product_create_without_its_guid_is_found_by_its_id(
    dinero: DineroConnector, garbling: Garbling,
) -> None:
    """Dinero picks a product's GUID; a receipt without it is resolved by a look-up."""
    product = make_product()
    garbling.answer("POST", r"/v1/\d+/products", {"ProductGuid": None}, deliver=True)
    guid = dinero.create_product(product)
    garbling.clear()
    assert dinero.find_product(product) == guid


@pytest.mark.parametrize("receipt", [{"Number": "7"}, {"TimeStamp": {"v": 1}},
                                     {"Guid": [1]}])
def test_a_book_receipt_of_wrong_types_leaves_the_booking_unknown(
    dinero: DineroConnector, garbling: Garbling, receipt: dict[str, Any],
) -> None:
    """Booking's receipt is read strictly: a number as text is not a number."""
    _, draft = _draft(dinero)
    garbling.answer("POST", f"/invoices/{draft.provider_id}/book", receipt, deliver=True)
    _refused(lambda: dinero.book(draft.provider_id), write=True)
    garbling.clear()
    assert dinero.get_invoice(draft.provider_id).booked  # what reconciling reads


# --- any JSON value ------------------------------------------------------------------


def _outcome(call: Callable[[], T]) -> T | ProviderError:
    """What ``call`` returns, or the ProviderError it raises (any other error fails)."""
    try:
        return call()
    except ProviderError as err:
        return err


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.decimals(allow_nan=False, allow_infinity=False, places=2).map(float),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["Guid", "ContactGuid", "Status", "ProductLines",
                                       "TotalInclVat", "TimeStamp", "Number", "x"]),
                      inner, max_size=4),
    max_leaves=8)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=_json)
def test_any_json_answer_to_an_invoice_read_is_that_invoice_or_a_provider_error(
    dinero: DineroConnector, garbling: Garbling, answer: Any,
) -> None:
    """Whatever JSON an invoice read gets, the result is the invoice asked for or a
    ProviderError; never another exception, never another invoice."""
    guid = object_guid(dinero.organisation_id, "invoice", "any-json")
    garbling.clear()
    garbling.answer("GET", f"/invoices/{guid}", answer)
    outcome = _outcome(lambda: dinero.get_invoice(guid))
    if isinstance(outcome, ProviderError):
        assert outcome.provider == "dinero"
        assert not isinstance(outcome, TransientProviderError)
    else:
        assert outcome.provider_id == guid


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=_json)
def test_any_json_receipt_of_a_contact_create_links_only_our_guid(
    dinero: DineroConnector, garbling: Garbling, answer: Any,
) -> None:
    """Whatever JSON a contact create gets, the customer is linked to our GUID only when
    the receipt names it; otherwise the outcome is unknown (TransientProviderError)."""
    customer = make_customer()
    ours = object_guid(dinero.organisation_id, "contact", customer.id)
    garbling.clear()
    garbling.answer("POST", r"/v1/\d+/contacts", answer)
    outcome = _outcome(lambda: dinero.create_customer(customer))
    if isinstance(outcome, ProviderError):
        assert isinstance(outcome, TransientProviderError)
        assert outcome.provider == "dinero"
    else:
        assert outcome == ours
        assert isinstance(answer, dict) and str(answer.get("ContactGuid")).lower() == ours


class Echoing(httpx.BaseTransport):
    """Answers invoice reads with an HTML page repeating the request's access token."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.echoed: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and re.search(f"/invoices/{GUID}$", request.url.path):
            token = request.headers["authorization"].removeprefix("Bearer ")
            self.echoed.append(token)
            return httpx.Response(200, content=f"<p>session {token}</p>".encode(),
                                  headers={"Content-Type": "text/html"}, request=request)
        return self.inner.handle_request(request)


def test_a_malformed_answer_repeating_the_access_token_is_quoted_without_it(
    emulator: DineroEmulator, tmp_path: Path
) -> None:
    """The error quotes what came back, but never the connection's access token."""
    echoing = Echoing(emulator.transport())
    with build_connector(emulator, tmp_path, transport=echoing) as dinero:
        guid = object_guid(dinero.organisation_id, "invoice", "echo")
        err = _refused(lambda: dinero.get_invoice(guid), write=False)
    (token,) = echoing.echoed
    assert "session" in err.message and token not in str(err)
