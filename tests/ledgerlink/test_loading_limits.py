"""Input files at the edges: amounts past their bounds, hostile JSON and TOML, unknown
customers and files without work orders, in CSV, JSON and TOML."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import InputFileError, ValidationError
from ledgerlink.loading import (
    load_customers,
    load_policy,
    load_products,
    load_work_orders,
    save_work_orders,
)
from ledgerlink.money import MAX_PLACES, QUANTITY, UNIT_PRICE

ORDER_HEADER = ("work_order_id,customer_id,status,planned_date,completed_at,"
                "line_description,quantity,unit_price,vat_rate")
CUSTOMER_HEADER = ("id,name,kind,email,street,postal_code,city,country,registration_number,"
                   "currency,delivery,posting,timing,send,payment_terms_days")
DONE = "completed,2024-05-01,2024-05-01T14:30:00+02:00"


def _csv_orders(path: Path, *lines: str) -> Path:
    """A work-orders CSV with the good row wo-1 (row 2) and then ``lines`` (rows 3...)."""
    rows = [ORDER_HEADER, f"wo-1,c-1,{DONE},Labour,2,650.00,25", *lines]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _json_orders(path: Path, quantity: str, unit_price: str = '"100"') -> Path:
    """A work-orders JSON file whose second item (row 1) has the given JSON number texts."""
    good = {"id": "wo-1", "customer_id": "c-1", "completed_at": "2024-05-01T14:30:00+02:00",
            "lines": [{"description": "Labour", "quantity": "2", "unit_price": "650.00"}]}
    bad = ('{"id": "wo-2", "customer_id": "c-1", "completed_at": "2024-05-01T14:30:00+02:00",'
           f' "lines": [{{"description": "x", "quantity": {quantity},'
           f' "unit_price": {unit_price}}}]}}')
    path.write_text(f"[{json.dumps(good)}, {bad}]", encoding="utf-8")
    return path


def _only_problem(err: ValidationError) -> ValidationError:
    assert len(err.problems) == 1, err
    return err.problems[0]


# --- amounts in CSV -----------------------------------------------------------------------


@pytest.mark.parametrize(("cells", "field", "words"), [
    ("1,123456789012345678901234567890,25", "unit_price", "at most 12 digits"),
    ("1,1e400,25", "unit_price", "exponent notation"),
    ("1E+3,5,25", "quantity", "exponent notation"),
    ("1" + "0" * 400 + ",5,25", "quantity", "at most 10 digits"),
    ("1" + "0" * 5000 + ",5,25", "quantity", "too large a number"),
    ("NaN,5,25", "quantity", "finite"),
    ("1,-Infinity,25", "unit_price", "finite"),
    ("1,5,2.5E1", "vat_rate", "exponent notation"),
    ("1,0.0000001,25", "unit_price", f"at most {MAX_PLACES} decimals"),
    ("1,1_000,25", "unit_price", "not a decimal number"),
])
def test_csv_amounts_beyond_the_rules_name_file_row_and_column(
        tmp_path: Path, cells: str, field: str, words: str) -> None:
    """Overflowing, exponent, non-finite and over-precise amounts are refused at load,
    naming the file, the row and the column; nothing is loaded."""
    path = _csv_orders(tmp_path / "w.csv", f"wo-2,c-1,{DONE},Gasket,{cells}")
    with pytest.raises(ValidationError) as caught:
        load_work_orders(path)
    problem = _only_problem(caught.value)
    assert (problem.source, problem.row, problem.field) == (str(path), 3, field)
    assert words in problem.message
    assert str(path) in str(caught.value) and "row 3" in str(caught.value)


def test_csv_products_refuse_an_overflowing_list_price(tmp_path: Path) -> None:
    """A product's 30-digit list price is named by file, row and column."""
    path = tmp_path / "p.csv"
    path.write_text("id,name,kind,unit_price,vat_rate\np,P,goods,1" + "0" * 29 + ",25\n",
                    encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_products(path)
    problem = _only_problem(caught.value)
    assert (problem.row, problem.field) == (2, "unit_price")


def test_csv_whole_numbers_of_thousands_of_digits_are_named(tmp_path: Path) -> None:
    """A 5,000-digit payment term is a named problem, not a crash in int()."""
    path = tmp_path / "c.csv"
    path.write_text(f"{CUSTOMER_HEADER}\nc-1,C,company,,,,,DK,,DKK,email,,,,1{'0' * 5000}\n",
                    encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_customers(path)
    problem = _only_problem(caught.value)
    assert (problem.row, problem.field) == (2, "payment_terms_days")
    assert "too large" in problem.message


_places = st.integers(min_value=0, max_value=MAX_PLACES)


@st.composite
def _amount_text(draw: st.DrawFn, digits: int) -> str:
    whole = draw(st.integers(min_value=0, max_value=10**digits - 1))
    places = draw(_places)
    fraction = draw(st.integers(min_value=0, max_value=10**places - 1))
    sign = draw(st.sampled_from(["", "-"]))
    return f"{sign}{whole}" + (f".{fraction:0{places}d}" if places else "")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory for the property examples (each overwrites its own file)."""
    return tmp_path_factory.mktemp("limits")


@given(_amount_text(QUANTITY.digits), _amount_text(UNIT_PRICE.digits),
       st.sampled_from([".csv", ".json"]))
def test_any_amount_within_the_bounds_loads_exactly(
        files: Path, quantity: str, unit_price: str, suffix: str) -> None:
    """Any quantity and price within their bounds load as exactly the Decimal written,
    from CSV and from JSON, and save back as the same text."""
    path = files / f"w{suffix}"
    if suffix == ".csv":
        _csv_orders(path, f"wo-2,c-1,{DONE},Gasket,{quantity},{unit_price},25")
    else:
        _json_orders(path, json.dumps(quantity), json.dumps(unit_price))
    line = load_work_orders(path)[1].lines[0]
    assert line.quantity.as_tuple() == Decimal(quantity).as_tuple()
    assert line.unit_price.as_tuple() == Decimal(unit_price).as_tuple()
    save_work_orders(load_work_orders(path), path)
    assert load_work_orders(path)[1].lines[0] == line


@given(st.sampled_from(["quantity", "unit_price"]),
       st.from_regex(r"-?[1-9][0-9]{0,3}(\.[0-9]{1,3})?[eE][+-]?[0-9]{1,3}", fullmatch=True)
       | st.sampled_from(["NaN", "Infinity", "-Infinity", "sNaN"])
       | st.integers(min_value=13, max_value=60).map(lambda n: "9" * n),
       st.sampled_from([".csv", ".json"]), st.booleans())
def test_exponent_non_finite_and_oversized_amounts_are_refused_naming_the_field(
        files: Path, field: str, text: str, suffix: str, bare: bool) -> None:
    """Exponent notation, NaN/Infinity and numbers past the bound are refused in CSV and
    JSON (as a string or a bare number), naming the row and the field."""
    path = files / f"bad{suffix}"
    values = {"quantity": "1", "unit_price": "5", field: text}
    if suffix == ".csv":
        _csv_orders(path, f"wo-2,c-1,{DONE},Gasket,{values['quantity']},"
                          f"{values['unit_price']},25")
        expected = (3, field)
    else:
        quoted = {k: json.dumps(v) for k, v in values.items()}
        if bare and text != "sNaN":  # as a JSON number (Python's reader takes NaN, Infinity)
            quoted[field] = text
        _json_orders(path, quoted["quantity"], quoted["unit_price"])
        expected = (1, f"lines[0].{field}")
    with pytest.raises(ValidationError) as caught:
        load_work_orders(path)
    problem = _only_problem(caught.value)
    assert (problem.source, problem.row, problem.field) == (str(path), *expected)


# --- hostile JSON -------------------------------------------------------------------------


@pytest.mark.parametrize(("number", "words"), [
    ("1e400", "(got 1e400)"),
    ("12.5", "write the number as a string"),
    ("NaN", "(got NaN)"),
    ("-Infinity", "(got -Infinity)"),
    ("1" + "0" * 5000, "too large a number"),
    ("123456789012345678901234567890", "at most 10 digits"),
])
def test_json_numbers_that_are_not_exact_are_named_as_written(
        tmp_path: Path, number: str, words: str) -> None:
    """JSON fractions, exponents, NaN, 5,000-digit and 30-digit whole numbers are each
    refused naming the item and the path, quoting what the file says."""
    path = _json_orders(tmp_path / "w.json", number)
    with pytest.raises(ValidationError) as caught:
        load_work_orders(path)
    problem = _only_problem(caught.value)
    assert (problem.row, problem.field) == (1, "lines[0].quantity")
    assert words in problem.message


def test_a_huge_json_whole_number_in_a_text_field_is_named(tmp_path: Path) -> None:
    """A 5,000-digit number where text belongs is a named problem, not a crash."""
    path = tmp_path / "c.json"
    path.write_text('[{"id": "c-1", "name": 1' + "0" * 5000 + "}]", encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_customers(path)
    problem = _only_problem(caught.value)
    assert (problem.row, problem.field) == (0, "name")
    assert "expected text, got a number" in problem.message


def test_deeply_nested_json_is_refused_naming_file_item_and_place(tmp_path: Path) -> None:
    """JSON nested 100,000 deep in its third item is refused naming the file, that item
    (row 2) and the line and column, instead of overflowing the reader."""
    path = tmp_path / "w.json"
    path.write_text('[{"id": "a"},\n {"id": "b"},\n {"id": "c", "lines": '
                    + "[" * 100_000 + "]" * 100_000 + "}]", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        load_work_orders(path)
    assert (caught.value.source, caught.value.row) == (str(path), 2)
    assert "nested more than" in caught.value.message
    assert "line 3" in caught.value.message


def test_nesting_inside_strings_does_not_count(tmp_path: Path) -> None:
    """Brackets and escaped quotes inside strings do not move the reported place."""
    path = tmp_path / "w.json"
    path.write_text('[{"id": "a\\"[[[[", "x": "]]]"},\n {"id": "b", "lines": '
                    + "[" * 100_000 + "]" * 100_000 + "}]", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        load_work_orders(path)
    assert caught.value.row == 1
    assert "line 2" in caught.value.message


# --- hostile TOML -------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "words"), [
    ("[policy]\npayment_terms_days = 1" + "0" * 5000, "too many digits"),
    ('extra = ' + "[" * 100_000 + "]" * 100_000, "nested too deeply"),
])
def test_toml_past_what_its_reader_takes_is_an_input_file_error(
        tmp_path: Path, body: str, words: str) -> None:
    """A 5,000-digit number or 100,000-deep array in the policy file is refused naming the
    file, not a traceback."""
    path = tmp_path / "policy.toml"
    path.write_text('[company]\nname = "C"\n' + body + "\n", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        load_policy(path)
    assert caught.value.source == str(path)
    assert words in caught.value.message


def test_toml_infinite_payment_terms_are_named(tmp_path: Path) -> None:
    """inf and 1e400 (which TOML reads as infinity) for a whole-number setting name the key."""
    path = tmp_path / "policy.toml"
    path.write_text('[company]\nname = "C"\n[policy]\npayment_terms_days = 1e400\n',
                    encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_policy(path)
    assert _only_problem(caught.value).field == "policy.payment_terms_days"


# --- unknown customers and empty files ----------------------------------------------------


def test_unknown_customers_are_named_by_file_row_and_column_in_csv(tmp_path: Path) -> None:
    """Given the customer ids, each work order of an unknown customer is named by its first
    row and the customer_id column, with the other problems of the file."""
    path = _csv_orders(tmp_path / "w.csv",
                       f"wo-2,c-404,{DONE},Gasket,1,5,25",
                       f"wo-2,c-404,{DONE},Seal,1,5,25",
                       f"wo-3,c-1,{DONE},Pipe,1E+3,5,25")
    with pytest.raises(ValidationError) as caught:
        load_work_orders(path, customer_ids={"c-1"})
    assert {(p.row, p.field) for p in caught.value.problems} == {
        (3, "customer_id"), (5, "quantity")}
    assert "c-404" in str(caught.value)
    assert len(load_work_orders(_csv_orders(tmp_path / "ok.csv",
                                            f"wo-2,c-404,{DONE},Gasket,1,5,25"))) == 2


def test_unknown_customers_are_named_by_item_in_json(tmp_path: Path) -> None:
    """In JSON the unknown customer is named by the work order's index and customer_id."""
    path = tmp_path / "w.json"
    items = [{"id": f"wo-{n}", "customer_id": cid, "status": "planned", "lines": []}
             for n, cid in enumerate(["c-1", "c-2", "c-404"])]
    path.write_text(json.dumps(items), encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_work_orders(path, customer_ids={"c-1", "c-2"})
    problem = _only_problem(caught.value)
    assert (problem.source, problem.row, problem.field) == (str(path), 2, "customer_id")


@pytest.mark.parametrize(("name", "content"), [
    ("w.csv", ORDER_HEADER + "\n"),
    ("w.csv", ORDER_HEADER + "\n,,,,,,,,\n\n"),
    ("w.json", "[]"),
])
def test_a_file_without_work_orders_loads_as_none(tmp_path: Path, name: str,
                                                  content: str) -> None:
    """A header without rows (or with blank rows only) and an empty JSON list load as no work
    orders; it is the caller that says so."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert load_work_orders(path, customer_ids={"c-1"}) == []
