"""Request bodies Dinero refuses, refused in Dinero's error shape (code 42, every field named).

Each served write has a valid body here; a test changes one thing (a field of a
wrong JSON type, a field the model lacks, a missing required field, a value over
a documented limit) at the top or inside ``ProductLines`` and expects error 42
naming that field's path. Bodies are checked before the entity is looked up, so
a write to an unknown guid still answers 42 for a bad body (and 404 for a good one).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerlink_dinero.emulator import DineroEmulator, Limits
from ledgerlink_dinero.emulator import schema as s
from tests.ledgerlink_dinero.emulator.support import (
    BASE_URL,
    ORG,
    api,
    contact_body,
    invoice_body,
    refused,
)

GUID = "2aa6fda2-9649-483e-82ec-094567eedfd6"
PRODUCT = {"Name": "Vask", "BaseAmountValue": 80, "Quantity": 1, "AccountNumber": 1000,
           "Unit": "parts"}
#: (method, path, model, a body the model accepts).
WRITES: list[tuple[str, str, s.Model, dict[str, Any]]] = [
    ("POST", api("contacts"), s.CONTACT_CREATE, contact_body()),
    ("PUT", api(f"contacts/{GUID}"), s.CONTACT_UPDATE, contact_body()),
    ("POST", api("products"), s.PRODUCT_CREATE, PRODUCT),
    ("PUT", api(f"products/{GUID}"), s.PRODUCT_UPDATE, PRODUCT),
    ("POST", api("invoices"), s.INVOICE_CREATE, invoice_body(None)),
    ("PUT", api(f"invoices/{GUID}", version="v1.2"), s.INVOICE_UPDATE,
     {**invoice_body(None), "Timestamp": "0000000008766001"}),
    ("DELETE", api(f"invoices/{GUID}"), s.TIMESTAMP_OBJECT, {"Timestamp": "0000000008766001"}),
    ("POST", api(f"invoices/{GUID}/book"), s.BOOK, {"Timestamp": "0000000008766001", "Number": 7}),
    ("POST", api(f"invoices/{GUID}/email"), s.MAILOUT,
     {"ShouldAddTrustPilotEmailAsBcc": False, "Timestamp": "0000000008766001",
      "Message": "Se [link-to-pdf]", "CcToSender": True, "Receiver": "a@b.dk"}),
    ("POST", api(f"invoices/{GUID}/payments"), s.PAYMENT_CREATE,
     {"Timestamp": "0000000008766001", "Amount": 100, "PaymentDate": "2026-05-28",
      "DepositAccountNumber": 55000, "RemainderIsFee": False}),
    ("POST", api("sales/creditnotes"), s.CREDIT_NOTE_CREATE,
     {"ProductLines": invoice_body(None)["ProductLines"], "Currency": "DKK"}),
    ("POST", api(f"sales/creditnotes/{GUID}/book"), s.BOOK, {"Timestamp": "0000000008766001"}),
]
WRITE_IDS = [f"{method} {model.name} {path.rsplit('/', 1)[-1]}"
             for method, path, model, _ in WRITES]


@pytest.fixture(scope="module")
def strict() -> Iterator[httpx.Client]:
    """A client of an emulator without a rate limit (many generated requests)."""
    emulator = DineroEmulator(limits=Limits(per_minute=10**9))
    tokens = emulator.connect(ORG)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    with httpx.Client(transport=emulator.transport(), base_url=BASE_URL, headers=headers) as http:
        yield http


def _send(client: httpx.Client, method: str, path: str, body: object) -> httpx.Response:
    return client.request(method, path, content=json.dumps(body),
                          headers={"content-type": "application/json"})


def _slots(model: s.Model, body: dict[str, Any]) -> list[tuple[tuple[Any, ...], s.Field]]:
    """Every typed field of ``model`` as a path into ``body`` (line fields via line 0)."""
    slots: list[tuple[tuple[Any, ...], s.Field]] = []
    for name, spec in model.fields.items():
        slots.append(((name,), spec))
        if spec.item is not None and body.get(name):
            slots += [((name, 0, inner), field) for inner, field in spec.item.fields.items()]
    return slots


def _path_text(path: tuple[Any, ...]) -> str:
    if len(path) == 1:
        return str(path[0])
    return f"{path[0]}[{path[1]}].{path[2]}"


def _with(body: dict[str, Any], path: tuple[Any, ...], value: object) -> dict[str, Any]:
    changed = json.loads(json.dumps(body))
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return dict(changed)


def _fits(kind: str, value: object) -> bool:
    """Whether ``value`` has the JSON type of ``kind`` (format aside)."""
    if kind in (s.STRING, s.GUID, s.DATE):
        return isinstance(value, str)
    if kind == s.INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == s.NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == s.BOOLEAN:
        return isinstance(value, bool)
    if kind == s.OBJECTS:
        return isinstance(value, list)
    return True


json_values = st.one_of(
    st.text(max_size=6), st.integers(-10**6, 10**6), st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False, width=32).filter(lambda x: x != int(x)),
    st.lists(st.integers(0, 9), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(),
                                                             max_size=2),
    st.sampled_from(["12", "true", "2026-05-28", "1000"]),
)
SLOTS = [(index, path, spec) for index, (_, _, model, body) in enumerate(WRITES)
         for path, spec in _slots(model, body) if spec.kind != s.ANY]


def test_every_write_accepts_its_valid_body(strict: httpx.Client) -> None:
    """The bodies the tests change are themselves accepted (a 404 for an unknown guid)."""
    for method, path, model, body in WRITES:
        response = _send(strict, method, path, body)
        assert response.status_code in (200, 201, 204, 404), (model.name, response.text)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(SLOTS), json_values)
def test_a_value_of_the_wrong_type_is_refused(
    strict: httpx.Client, slot: tuple[int, tuple[Any, ...], s.Field], value: object
) -> None:
    """A string where a number belongs, a number where text belongs, text for a bool, ...:
    every field of every model, top-level and inside a product line."""
    index, path, spec = slot
    if _fits(spec.kind, value):
        return
    method, url, _, body = WRITES[index]
    errors = refused(_send(strict, method, url, _with(body, path, value)), _path_text(path))
    assert "must be" in errors[_path_text(path)]


field_names = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1,
                      max_size=12)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, len(WRITES) - 1), field_names, st.booleans())
def test_a_field_the_model_lacks_is_refused(
    strict: httpx.Client, index: int, name: str, in_line: bool
) -> None:
    """Any name the swagger model does not have (camelCase spellings included), at the
    top or inside a product line, is named with the model it is foreign to."""
    method, url, model, body = WRITES[index]
    if in_line and body.get("ProductLines"):
        if name in s.PRODUCT_LINE.fields:
            return
        path: tuple[Any, ...] = ("ProductLines", 0, name)
        owner = s.PRODUCT_LINE.name
    else:
        if name in model.fields:
            return
        path, owner = (name,), model.name
    errors = refused(_send(strict, method, url, _with(body, path, "x")), _path_text(path))
    assert errors[_path_text(path)] == f"{owner} has no field {name}."


def test_read_side_and_camel_case_names_are_foreign(strict: httpx.Client) -> None:
    """A contact update has no ContactGuid, an invoice create no TimeStamp (the read
    model's spelling), a product line no VatRate; names are spelled as the swagger does."""
    errors = refused(_send(strict, "PUT", api(f"contacts/{GUID}"),
                           contact_body(ContactGuid=GUID)), "ContactGuid")
    assert errors == {"ContactGuid": "ContactUpdateModel has no field ContactGuid."}
    refused(_send(strict, "POST", api("invoices"), invoice_body(None, TimeStamp="1")),
            "TimeStamp")
    body = invoice_body(None)
    body["productLines"] = body.pop("ProductLines")
    refused(_send(strict, "POST", api("invoices"), body), "productLines")
    line = {**invoice_body(None)["ProductLines"][0], "VatRate": 25}
    refused(_send(strict, "POST", api("invoices"), invoice_body(None, ProductLines=[line])),
            "ProductLines[0].VatRate")


REQUIRED = [(index, name) for index, (_, _, model, _) in enumerate(WRITES)
            for name in sorted(model.required)]


@pytest.mark.parametrize(("index", "name"), REQUIRED,
                         ids=[f"{WRITES[i][2].name}-{n}" for i, n in REQUIRED])
@pytest.mark.parametrize("missing", ["absent", "null"])
def test_a_missing_required_field_is_refused(
    strict: httpx.Client, index: int, name: str, missing: str
) -> None:
    """Each required field of each model, left out or null; a create without lines is
    Dinero's code 45 "... must have at least one ... line" (the captured example)."""
    method, url, _, body = WRITES[index]
    changed = dict(body)
    if missing == "absent":
        changed.pop(name, None)
    else:
        changed[name] = None
    response = _send(strict, method, url, changed)
    if name == "ProductLines" and method == "POST":
        refused(response, "ProductLines", code=45)
    else:
        assert refused(response, name)[name] == f"The {name} field is required."


LINE_REQUIRED = ["Quantity", "AccountNumber", "Unit"]


@pytest.mark.parametrize("name", LINE_REQUIRED)
@pytest.mark.parametrize("index", [4, 5, 10], ids=["create", "update", "creditnote"])
def test_a_product_line_without_quantity_account_or_unit_is_refused(
    strict: httpx.Client, index: int, name: str
) -> None:
    """Quantity, AccountNumber and (on a Product line) Unit are required in every line."""
    method, url, _, body = WRITES[index]
    lines = [dict(body["ProductLines"][0]), dict(body["ProductLines"][0])]
    del lines[1][name]
    refused(_send(strict, method, url, {**body, "ProductLines": lines}),
            f"ProductLines[1].{name}")


over_128 = st.text(min_size=129, max_size=300)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from([i for i, w in enumerate(WRITES) if "ExternalReference" in w[2].fields]),
       over_128)
def test_external_reference_over_128_characters_is_refused(
    strict: httpx.Client, index: int, text: str
) -> None:
    """"The maximum length is 128 characters" on every model with an ExternalReference."""
    method, url, _, body = WRITES[index]
    errors = refused(_send(strict, method, url, {**body, "ExternalReference": text}),
                     "ExternalReference")
    assert "128" in errors["ExternalReference"]


def test_limits_of_products_lines_and_invoices(strict: httpx.Client) -> None:
    """Product Comment at most 128 characters; Discount, ReminderFee and
    ReminderInterestRate 0..100; units, languages, line types and payment conditions
    from their documented lists; no number of days with NettoCash or Paid."""
    product = api("products")
    refused(_send(strict, "POST", product, {**PRODUCT, "Comment": "x" * 129}), "Comment")
    assert _send(strict, "POST", product, {**PRODUCT, "Comment": "x" * 128}).status_code == 201
    refused(_send(strict, "POST", product, {**PRODUCT, "Unit": "stk"}), "Unit")
    invoices = api("invoices")
    line = invoice_body(None)["ProductLines"][0]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"ReminderFee": 100.5}, "ReminderFee"),
        ({"ReminderInterestRate": -1}, "ReminderInterestRate"),
        ({"Language": "de-DE"}, "Language"),
        ({"PaymentConditionType": "NettoCash", "PaymentConditionNumberOfDays": 8},
         "PaymentConditionNumberOfDays"),
        ({"ProductLines": [{**line, "Discount": 100.01}]}, "ProductLines[0].Discount"),
        ({"ProductLines": [{**line, "LineType": "Bold"}]}, "ProductLines[0].LineType"),
        ({"ProductLines": [{**line, "Unit": "pieces"}]}, "ProductLines[0].Unit"),
        ({"ProductLines": [{**line, "ProductGuid": "not-a-guid"}]}, "ProductLines[0].ProductGuid"),
        ({"Date": "28-05-2026"}, "Date"),
        ({"Address": {"Street": "Vej 1"}}, "Address"),
    ]
    for change, path in cases:
        refused(_send(strict, "POST", invoices, invoice_body(None, **change)), path)
    fine = invoice_body(None, ReminderFee=100, ReminderInterestRate=0,
                        PaymentConditionType="NettoCash", PaymentConditionNumberOfDays=None,
                        Address="Vej 1\n8000 Aarhus C")
    assert _send(strict, "POST", invoices, fine).status_code == 201


def test_every_problem_is_named_in_one_answer(strict: httpx.Client) -> None:
    """Like ASP.NET's model state, one answer lists every field that is wrong."""
    body = invoice_body(None, ShowLinesInclVat="yes", Extra=1)
    body["ProductLines"].append({"Quantity": "2", "AccountNumber": 1000, "Unit": "hours",
                                 "Description": "x", "BaseAmountValue": 1, "Price": 3})
    errors = refused(_send(strict, "POST", api("invoices"), body), "ShowLinesInclVat", "Extra",
                     "ProductLines[1].Quantity", "ProductLines[1].Price")
    assert len(errors) == 4
