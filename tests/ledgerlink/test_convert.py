"""The core converter: JSON round trips and error paths."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.convert import converter, make_converter, structure, unstructure
from ledgerlink.domain import Company, Customer, Product, WorkLine, WorkOrder
from ledgerlink.errors import ValidationError
from ledgerlink.policy import BillingPolicy, PolicyOverride, Posting


def _through_json(value: object) -> Any:
    return json.loads(json.dumps(unstructure(value)))


def _leaves(data: Any) -> list[Any]:
    if isinstance(data, dict):
        return [leaf for v in data.values() for leaf in _leaves(v)]
    if isinstance(data, list):
        return [leaf for v in data for leaf in _leaves(v)]
    return [data]


def _fields(err: ValidationError) -> list[str | None]:
    return [p.field for p in err.problems]


def _order(**changes: Any) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "id": "wo-1",
        "customer_id": "c-1",
        "completed_at": "2024-05-01T14:30:00+02:00",
        "lines": [
            {"description": "Labour", "quantity": "2", "unit_price": "650"},
            {"description": "Parts", "quantity": "1", "unit_price": "89.95"},
            {"description": "Travel", "quantity": "1", "unit_price": "120"},
        ],
    }
    wire.update(changes)
    return wire


@given(st.from_type(Customer))
def test_customer_round_trips_through_json(customer: Customer) -> None:
    """A customer comes back equal after unstructure → JSON text → structure."""
    assert structure(_through_json(customer), Customer) == customer


@given(st.from_type(WorkOrder))
def test_work_order_round_trips_through_json(order: WorkOrder) -> None:
    """A work order (lines, dates, aware datetimes) comes back equal through JSON text."""
    back = structure(_through_json(order), WorkOrder)
    assert back == order
    assert back.fingerprint() == order.fingerprint()
    if order.completed_at is not None:
        assert back.completed_at is not None
        assert back.completed_at.utcoffset() == order.completed_at.utcoffset()


@given(st.from_type(Product))
def test_product_round_trips_through_json(product: Product) -> None:
    """A product comes back equal through JSON text."""
    assert structure(_through_json(product), Product) == product


@given(st.from_type(Company))
def test_company_round_trips_through_json(company: Company) -> None:
    """A company with its billing policy comes back equal through JSON text."""
    assert structure(_through_json(company), Company) == company


@given(st.from_type(WorkOrder))
def test_unstructured_work_orders_hold_no_floats_and_no_tuples(order: WorkOrder) -> None:
    """Decimals are written as strings and tuples as lists, never as floats or tuples."""
    data = unstructure(order)
    assert isinstance(data["lines"], list)
    assert not any(isinstance(leaf, (float, tuple, Decimal)) for leaf in _leaves(data))
    for line in data["lines"]:
        assert isinstance(line["unit_price"], str)


def test_dates_and_datetimes_use_iso_8601_with_offset() -> None:
    """A date is written YYYY-MM-DD and a datetime with its UTC offset."""
    plus_two = timezone(timedelta(hours=2))
    order = WorkOrder("w", "c", [], planned_date=date(2024, 5, 1),
                      completed_at=datetime(2024, 5, 1, 14, 30, tzinfo=plus_two))
    data = unstructure(order)
    assert data["planned_date"] == "2024-05-01"
    assert data["completed_at"] == "2024-05-01T14:30:00+02:00"
    assert data["status"] == "completed"


def test_make_converter_returns_independent_converters() -> None:
    """A hook registered on one made converter does not leak into another or the shared one."""
    mine = make_converter()
    mine.register_structure_hook(Decimal, lambda value, _: Decimal(7))
    assert mine.structure("1", Decimal) == Decimal(7)
    assert make_converter().structure("1", Decimal) == Decimal(1)
    assert converter.structure("1", Decimal) == Decimal(1)


def test_float_for_a_decimal_field_is_refused_naming_the_field() -> None:
    """A JSON float for a price fails with the full path of the field."""
    wire = _order()
    wire["lines"][2]["unit_price"] = 120.5
    with pytest.raises(ValidationError) as caught:
        structure(wire, WorkOrder)
    assert _fields(caught.value) == ["lines[2].unit_price"]
    assert "lines[2].unit_price" in str(caught.value)
    assert "float" in str(caught.value)


def test_float_for_a_product_price_is_refused() -> None:
    """Structuring a float into an optional Decimal field fails too."""
    with pytest.raises(ValidationError) as caught:
        structure({"id": "p", "name": "P", "unit_price": 0.1}, Product)
    assert _fields(caught.value) == ["unit_price"]


def test_integers_are_exact_and_accepted_for_decimals() -> None:
    """A JSON integer is an exact decimal and is accepted."""
    line = structure({"description": "x", "quantity": 2, "unit_price": "1.5"}, WorkLine)
    assert line.quantity == Decimal(2)


def test_every_problem_is_listed_with_its_path() -> None:
    """Several bad fields, nested and top level, are all reported at once."""
    wire = _order(completed_at="2024-05-01T14:30:00", status="finished", extra=1)
    wire["lines"][0]["quantity"] = "two"
    wire["lines"][1]["vat_rate"] = 1.5
    with pytest.raises(ValidationError) as caught:
        structure(wire, WorkOrder)
    assert set(_fields(caught.value)) == {
        "lines[0].quantity", "lines[1].vat_rate", "status", "completed_at", "extra",
    }
    text = str(caught.value)
    assert "5 problems" in text
    assert "'finished'" in text  # the rejected value is shown


def test_domain_validator_errors_carry_the_nested_path() -> None:
    """A ValidationError raised inside a nested type's validator names the full path."""
    wire = _order()
    wire["lines"][1]["vat_rate"] = "125"
    wire["lines"][2]["description"] = "  "
    with pytest.raises(ValidationError) as caught:
        structure(wire, WorkOrder)
    assert set(_fields(caught.value)) == {"lines[1].vat_rate", "lines[2].description"}


def test_post_init_errors_carry_their_field() -> None:
    """Checks in __attrs_post_init__ (email, registration number) name their field."""
    with pytest.raises(ValidationError) as caught:
        structure({"id": "c", "name": "C", "email": "nobody"}, Customer)
    assert _fields(caught.value) == ["email"]
    with pytest.raises(ValidationError) as caught:
        structure({"id": "c", "name": "C", "registration_number": "DK12345675"}, Customer)
    assert _fields(caught.value) == ["registration_number"]


def test_nested_object_errors_carry_the_path() -> None:
    """A bad country inside the address and a bad override are named by path."""
    with pytest.raises(ValidationError) as caught:
        structure({"id": "c", "name": "C", "address": {"country": "dk"}}, Customer)
    assert _fields(caught.value) == ["address.country"]
    with pytest.raises(ValidationError) as caught:
        structure({"id": "c", "name": "C", "policy": {"payment_terms_days": 400}}, Customer)
    assert _fields(caught.value) == ["policy.payment_terms_days"]


def test_completed_work_order_without_completed_at_is_refused() -> None:
    """The completed-needs-completed_at rule surfaces as a field error."""
    wire = _order()
    del wire["completed_at"]
    with pytest.raises(ValidationError) as caught:
        structure(wire, WorkOrder)
    assert _fields(caught.value) == ["completed_at"]


def test_missing_required_field_is_named() -> None:
    """A missing required field is reported by name."""
    with pytest.raises(ValidationError) as caught:
        structure({"id": "c"}, Customer)
    assert _fields(caught.value) == ["name"]
    assert "missing" in str(caught.value)


@pytest.mark.parametrize(
    ("wire", "field"),
    [
        ({"posting": "draft", "send": "false"}, "send"),  # cattrs' bool() would say True
        ({"payment_terms_days": 8.9}, "payment_terms_days"),  # int() would say 8
        ({"payment_terms_days": True}, "payment_terms_days"),
        ({"posting": "DRAFTS"}, "posting"),
        ({"posting": None, "timing": ["x"]}, "timing"),
    ],
)
def test_scalars_are_strict(wire: dict[str, Any], field: str) -> None:
    """Strings are not coerced to bools, floats and bools not to ints, unknown enum values fail."""
    with pytest.raises(ValidationError) as caught:
        structure(wire, PolicyOverride)
    assert _fields(caught.value) == [field]


def test_text_fields_take_only_text() -> None:
    """A number given for a text field is refused rather than turned into text."""
    with pytest.raises(ValidationError) as caught:
        structure({"id": 17, "name": "C"}, Customer)
    assert _fields(caught.value) == ["id"]


def test_wrong_shapes_are_refused() -> None:
    """A string where an object or a list belongs is refused, not read as defaults."""
    with pytest.raises(ValidationError) as caught:
        structure({"id": "c", "name": "C", "address": "Havnegade 1"}, Customer)
    assert _fields(caught.value) == ["address"]
    with pytest.raises(ValidationError) as caught:
        structure(_order(lines="Labour"), WorkOrder)
    assert _fields(caught.value) == ["lines"]
    with pytest.raises(ValidationError) as caught:
        structure("c-17", Customer)
    assert "expected an object" in str(caught.value)


def test_list_items_are_named_by_index() -> None:
    """Structuring a list names the bad item's index first."""
    items = [{"id": "a", "name": "A"}, {"id": "b"}]
    with pytest.raises(ValidationError) as caught:
        structure(items, list[Product])
    assert _fields(caught.value) == ["[1].name"]


def test_naive_datetime_is_refused_both_ways() -> None:
    """A datetime without offset is refused when read, and cannot be written either."""
    with pytest.raises(ValidationError):
        structure("2024-05-01T10:00:00", datetime)
    assert structure("2024-05-01T10:00:00Z", datetime).utcoffset() == timedelta(0)
    with pytest.raises(ValidationError):
        unstructure(datetime(2024, 5, 1, 10, 0))


def test_unknown_keys_are_refused() -> None:
    """A misspelt key is an error naming it, not silently dropped."""
    with pytest.raises(ValidationError) as caught:
        structure({"posting": "book", "sned": True}, BillingPolicy)
    assert _fields(caught.value) == ["sned"]


def test_enums_are_written_by_value() -> None:
    """Enums become their value and are read back from it."""
    policy = BillingPolicy(posting=Posting.DRAFT)
    data = unstructure(policy)
    assert data["posting"] == "draft"
    assert structure(data, BillingPolicy) == policy
