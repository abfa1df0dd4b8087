"""Customer payloads and the opt-in update of address, e-mail and tax id (customers.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink.domain import Address, Customer, PartyKind
from ledgerlink.errors import ConflictError
from ledgerlink.testing.factories import make_customer
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.customers import (
    TAX_ID_FIELD,
    customer_changes,
    customer_payload,
    same_tax_id,
)
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from ledgerlink_quickbooks.emulator.contract import SCHEMAS, XsdContract
from ledgerlink_quickbooks.emulator.entities import update_customer as emulator_update
from ledgerlink_quickbooks.faults import STALE_OBJECT
from ledgerlink_quickbooks.wire import converter, dumps
from tests.ledgerlink_quickbooks.support import build_connector
from tests.paths import SHARED

XSD = SHARED / "providers" / "quickbooks" / "xsd"
#: The only fields an update may write.
UPDATABLE = {"BillAddr", "PrimaryEmailAddr", TAX_ID_FIELD}
#: Valid VAT numbers (python-stdnum checks them when a Customer is made).
VAT_NUMBERS = ["DK12345674", "DK13585628", "DK25313763", "DK10150817"]


class Intercept(httpx.BaseTransport):
    """The emulator's transport, with a hook before each request and one over each answer."""

    def __init__(self, inner: httpx.BaseTransport,
                 before: Callable[[httpx.Request], None] | None = None,
                 answer: Callable[[httpx.Request, Any], Any] | None = None) -> None:
        self.inner, self.before, self.answer = inner, before, answer
        self.customer_bodies: list[bytes] = []

    @property
    def customer_writes(self) -> list[dict[str, Any]]:
        """The JSON bodies POSTed to ``/customer`` so far."""
        return [json.loads(body) for body in self.customer_bodies]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/customer"):
            self.customer_bodies.append(request.read())
        if self.before is not None:
            self.before(request)
        response = self.inner.handle_request(request)
        if self.answer is None or not response.headers.get("content-type", "").startswith(
                "application/json"):
            return response
        body = self.answer(request, json.loads(response.read()))
        return httpx.Response(response.status_code, json=body, request=request)


def _connector(emulator: QuickBooksEmulator, tmp_path: Path, transport: Intercept
               ) -> QuickBooksConnector:
    return build_connector(emulator, tmp_path, transport=transport)


def _moved(customer: Customer, **changes: Any) -> Customer:
    """``customer`` with a new address, e-mail and/or tax id (same id)."""
    fields = {"address": customer.address, "email": customer.email,
              "registration_number": customer.registration_number, **changes}
    return Customer(customer.id, customer.name, customer.kind, fields["email"],
                    fields["address"], fields["registration_number"], customer.currency)


# --- the create payload -------------------------------------------------------------------


def test_a_created_customer_carries_its_registration_number() -> None:
    """The create payload holds the registration number as PrimaryTaxIdentifier, and no
    such field when the number is not known."""
    known = make_customer(registration_number="DK12345674")
    assert converter.unstructure(customer_payload(known, "A"))[TAX_ID_FIELD] == "DK12345674"
    unknown = make_customer(registration_number=None)
    assert TAX_ID_FIELD not in json.loads(dumps(customer_payload(unknown, "A")))


@pytest.mark.parametrize("kind", list(PartyKind))
def test_customer_payload_is_what_create_customer_writes(
        emulator: QuickBooksEmulator, tmp_path: Path, kind: PartyKind) -> None:
    """The pure payload equals the create body the connector sends, byte for byte."""
    recording = Intercept(emulator.transport())
    quickbooks = _connector(emulator, tmp_path, recording)
    customer = make_customer(name="Ada Lovelace King", kind=kind, currency="USD",
                             address=Address("Main St 1\nBack door\nFloor 2\nRoom 3", "8000",
                                             "Aarhus", "DK"))
    quickbooks.create_customer(customer)
    assert recording.customer_bodies == [dumps(customer_payload(customer, "Ada Lovelace King"))]
    [sent] = recording.customer_writes
    assert sent["BillAddr"]["Line3"] == "Floor 2, Room 3"
    assert sent["Notes"] == f"ledgerlink:{customer.id}"
    quickbooks.close()


# --- finding differences -------------------------------------------------------------------

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
addresses = st.builds(
    Address,
    street=st.lists(texts, max_size=4).map("\n".join),
    postal_code=texts, city=texts,
    country=st.sampled_from(["DK", "SE", "GB", "US"]))
emails = st.none() | st.from_regex(r"[a-zA-Z0-9.]{1,8}@[a-z]{1,8}\.[a-z]{2,3}", fullmatch=True)
customers = st.builds(
    lambda address, email, number: Customer("C1", "Acme", email=email, address=address,
                                            registration_number=number, currency="EUR"),
    addresses, emails, st.none() | st.sampled_from(VAT_NUMBERS))
remote_addresses = st.none() | st.dictionaries(
    st.sampled_from(["Line1", "Line2", "Line3", "City", "PostalCode", "Country", "Id", "Lat"]),
    st.none() | texts)
remotes = st.fixed_dictionaries({
    "Id": st.just("58"), "SyncToken": st.just("3"), "DisplayName": st.just("Acme"),
    "CurrencyRef": st.just({"value": "EUR"}),
    "BillAddr": remote_addresses,
    "PrimaryEmailAddr": st.none() | emails.map(lambda e: {"Address": e}),
    TAX_ID_FIELD: st.none() | st.sampled_from([*VAT_NUMBERS, "XXXXX45674", "XXXXXXXX"]),
})


@settings(max_examples=300, deadline=None)
@given(remotes, customers)
def test_applying_the_changes_leaves_nothing_to_change(remote: dict[str, Any],
                                                        customer: Customer) -> None:
    """A sparse update with the changes makes the remote agree; only updatable fields move."""
    changes = customer_changes(remote, customer)
    if changes is None:
        return
    assert changes and set(changes) <= UPDATABLE
    applied = {**remote, **changes}
    assert customer_changes(applied, customer) is None


@settings(max_examples=200, deadline=None)
@given(customers, st.data())
def test_a_customer_as_created_has_no_differences(customer: Customer,
                                                   data: st.DataObject) -> None:
    """What create wrote reads back equal, despite spacing and e-mail case QuickBooks may add."""
    remote: dict[str, Any] = converter.unstructure(customer_payload(customer, "Acme"))
    if customer.registration_number:
        remote[TAX_ID_FIELD] = customer.registration_number
    if remote.get("PrimaryEmailAddr") and data.draw(st.booleans()):
        remote["PrimaryEmailAddr"] = {"Address": f" {customer.email.upper()} "}  # type: ignore[union-attr]
    if remote["BillAddr"].get("City") and data.draw(st.booleans()):
        remote["BillAddr"]["City"] = "  " + remote["BillAddr"]["City"].replace(" ", "   ") + " "
    assert customer_changes(remote, customer) is None


def test_each_difference_is_found_and_nothing_else() -> None:
    """Address, e-mail and tax id are each reported; currency and name never are."""
    old = make_customer(id="C7", email="old@example.com", registration_number="DK12345674",
                        address=Address("Old road 1", "1000", "Copenhagen", "DK"))
    remote = {**converter.unstructure(customer_payload(old, "Old name")),
              TAX_ID_FIELD: "DK12345674", "CurrencyRef": {"value": "SEK"}}
    assert customer_changes(remote, old) is None
    assert customer_changes(remote, _moved(old, email="new@example.com")) == {
        "PrimaryEmailAddr": {"Address": "new@example.com"}}
    assert customer_changes(remote, _moved(old, registration_number="DK13585628")) == {
        TAX_ID_FIELD: "DK13585628"}
    moved = customer_changes(remote, _moved(old, address=Address("New road 2", "8000", "Aarhus")))
    assert moved == {"BillAddr": {"Line1": "New road 2", "City": "Aarhus", "PostalCode": "8000",
                                  "Country": "DK"}}


def test_values_the_customer_lacks_are_not_erased() -> None:
    """No e-mail, tax id or street here leaves QuickBooks' values alone."""
    bare = Customer("C8", "Bare", email=None, address=Address(country="DK"))
    remote = {"PrimaryEmailAddr": {"Address": "kept@example.com"}, TAX_ID_FIELD: "XXXXX45674",
              "BillAddr": {"Line1": "Kept 1", "City": "Kept"}}
    assert customer_changes(remote, bare) is None


@pytest.mark.parametrize(("remote", "same"), [
    ("DK12345674", True),
    ("dk 1234-5674", True),
    ("XXXXX45674", True),  # masked: the last five characters visible
    ("XXXXXXXXXX", True),  # fully masked: nothing to compare
    ("XXXXX45675", False),
    ("XI123456789", False),  # a real number starting with X, not a mask
    ("DK13585628", False),
    (None, False),
])
def test_masked_tax_ids(remote: str | None, same: bool) -> None:
    """A masked tax id matches when our number ends with its visible part."""
    assert same_tax_id(remote, "DK12345674") is same


# --- updating in QuickBooks ------------------------------------------------------------------


def _created(quickbooks: QuickBooksConnector) -> tuple[Customer, str]:
    customer = make_customer(id="C42", name="Acme Ltd", email="old@example.com",
                             currency="USD", address=Address("Old road 1", "1000",
                                                             "Copenhagen", "DK"))
    return customer, quickbooks.create_customer(customer)


def test_update_changes_address_email_and_tax_id_only(
        quickbooks: QuickBooksConnector, emulator: QuickBooksEmulator) -> None:
    """A real sparse update moves the three fields; name and currency stay; a rerun is a no-op."""
    customer, ref = _created(quickbooks)
    wanted = Customer(customer.id, "Another Name", email="new@example.com",
                      address=Address("New road 2\nBuilding B", "8000", "Aarhus", "DK"),
                      registration_number="DK 13 58 56 28", currency="EUR")
    assert quickbooks.customers.update(ref, wanted) is True
    stored = emulator.realms[quickbooks.realm_id].snapshot("Customer", ref)
    assert stored["PrimaryEmailAddr"] == {"Address": "new@example.com"}
    assert stored["BillAddr"] == {"Line1": "New road 2", "Line2": "Building B",
                                  "City": "Aarhus", "PostalCode": "8000", "Country": "DK"}
    assert stored[TAX_ID_FIELD] == "DK13585628"
    assert stored["DisplayName"] == "Acme Ltd"
    assert stored["CurrencyRef"]["value"] == "USD"
    assert stored["SyncToken"] == "1"
    assert quickbooks.customers.facts(ref) == ("USD", "new@example.com")
    assert quickbooks.customers.update(ref, wanted) is False
    assert emulator.realms[quickbooks.realm_id].snapshot("Customer", ref)["SyncToken"] == "1"


def test_a_stale_sync_token_is_retried_once(emulator: QuickBooksEmulator,
                                            tmp_path: Path) -> None:
    """Another writer between our read and write: we re-read and update on top of it."""
    state: dict[str, Any] = {"interfere": 1}

    def other_writer(request: httpx.Request) -> None:
        if request.method == "POST" and request.url.path.endswith("/customer") \
                and state["interfere"] > 0 and state.get("ref"):
            state["interfere"] -= 1
            realm = emulator.realms[quickbooks.realm_id]
            with realm.lock:
                current = realm.get("Customer", state["ref"])
                emulator_update(realm, {"Id": state["ref"], "SyncToken": current["SyncToken"],
                                        "sparse": True, "PrimaryPhone": {"FreeFormNumber": "1"}},
                                emulator.clock())

    recording = Intercept(emulator.transport(), before=other_writer)
    quickbooks = _connector(emulator, tmp_path, recording)
    customer, ref = _created(quickbooks)
    state["ref"] = ref
    recording.customer_bodies.clear()
    assert quickbooks.customers.update(ref, _moved(customer, email="new@example.com")) is True
    first, second = recording.customer_writes
    assert (first["SyncToken"], second["SyncToken"]) == ("0", "1")
    stored = emulator.realms[quickbooks.realm_id].snapshot("Customer", ref)
    assert stored["PrimaryEmailAddr"] == {"Address": "new@example.com"}
    assert stored["PrimaryPhone"] == {"FreeFormNumber": "1"}  # the other writer's change kept
    quickbooks.close()


def test_a_second_stale_sync_token_is_raised(emulator: QuickBooksEmulator,
                                             tmp_path: Path) -> None:
    """Only one retry: a writer racing us twice gets QuickBooks' conflict through."""
    state: dict[str, Any] = {}

    def other_writer(request: httpx.Request) -> None:
        if request.method == "POST" and request.url.path.endswith("/customer") \
                and state.get("ref"):
            realm = emulator.realms[quickbooks.realm_id]
            with realm.lock:
                current = realm.get("Customer", state["ref"])
                emulator_update(realm, {"Id": state["ref"], "SyncToken": current["SyncToken"],
                                        "sparse": True, "Notes": current["Notes"]},
                                emulator.clock())

    recording = Intercept(emulator.transport(), before=other_writer)
    quickbooks = _connector(emulator, tmp_path, recording)
    customer, ref = _created(quickbooks)
    state["ref"] = ref
    recording.customer_bodies.clear()
    with pytest.raises(ConflictError) as caught:
        quickbooks.customers.update(ref, _moved(customer, email="new@example.com"))
    assert caught.value.code == STALE_OBJECT
    assert len(recording.customer_writes) == 2
    quickbooks.close()


def _mask(request: httpx.Request, body: Any) -> Any:
    """Answer tax ids as QuickBooks does: all but the last five characters as X."""
    customer = body.get("Customer") if isinstance(body, dict) else None
    if request.method == "GET" and customer and customer.get(TAX_ID_FIELD):
        number = customer[TAX_ID_FIELD]
        customer[TAX_ID_FIELD] = "X" * (len(number) - 5) + number[-5:]
    return body


def test_a_masked_tax_id_is_not_a_change(emulator: QuickBooksEmulator, tmp_path: Path) -> None:
    """Once written, a tax id QuickBooks reads back masked causes no further update."""
    recording = Intercept(emulator.transport(), answer=_mask)
    quickbooks = _connector(emulator, tmp_path, recording)
    customer, ref = _created(quickbooks)
    numbered = _moved(customer, registration_number="DK12345674")
    assert quickbooks.customers.update(ref, numbered) is True
    assert quickbooks.api.read("Customer", ref)[TAX_ID_FIELD] == "XXXXX45674"
    writes = len(recording.customer_writes)
    assert quickbooks.customers.update(ref, numbered) is False
    assert len(recording.customer_writes) == writes
    moved = _moved(customer, registration_number="DK13585628")
    assert quickbooks.customers.update(ref, moved) is True
    quickbooks.close()


def test_every_field_an_update_writes_is_in_the_customer_xsd(
        emulator: QuickBooksEmulator, tmp_path: Path) -> None:
    """The sparse update (address, e-mail, tax id) uses only names of the XSD Customer type."""
    if not (XSD / SCHEMAS[0]).is_file():
        pytest.skip(f"official QuickBooks XSDs not found in {XSD} (set LEDGERLINK_SHARED)")
    recording = Intercept(emulator.transport())
    quickbooks = _connector(emulator, tmp_path, recording)
    customer, ref = _created(quickbooks)
    recording.customer_bodies.clear()
    quickbooks.customers.update(ref, _moved(
        customer, email="new@example.com", registration_number="DK12345674",
        address=Address("A\nB\nC\nD", "9000", "Aalborg", "DK")))
    [body] = recording.customer_writes
    assert set(body) == {"Id", "SyncToken", "sparse", *UPDATABLE}
    assert XsdContract(XSD).unknown_fields(body, "Customer") == []
    quickbooks.close()
