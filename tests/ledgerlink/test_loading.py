"""Input files: loading good ones, reporting bad ones completely, and round trips."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.domain import (
    Company,
    Customer,
    DeliveryChannel,
    PartyKind,
    Product,
    ProductKind,
    WorkOrder,
    WorkStatus,
)
from ledgerlink.errors import InputFileError, ValidationError
from ledgerlink.loading import (
    PolicyFile,
    apply_overrides,
    load_customers,
    load_policy,
    load_products,
    load_work_orders,
    save_customers,
    save_policy,
    save_products,
    save_work_orders,
)
from ledgerlink.policy import BillingPolicy, PolicyOverride, Posting, Timing
from tests.paths import DATA

CUSTOMER_HEADER = (
    "id,name,kind,email,street,postal_code,city,country,registration_number,currency,delivery"
)
ORDER_HEADER = (
    "work_order_id,customer_id,status,planned_date,completed_at,project,description,"
    "line_description,quantity,unit_price,vat_rate,product_id"
)
PRODUCT_HEADER = "id,name,kind,unit_price,vat_rate"


def _file(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _located(err: ValidationError) -> set[tuple[int | None, str | None]]:
    return {(p.row, p.field) for p in err.problems}


def _assert_names(err: ValidationError, path: Path, row: int | None, field: str) -> None:
    """The error's text names the file, the row and the field; so does a problem."""
    assert any(p.source == str(path) and p.row == row and p.field == field
               for p in err.problems), err.problems
    text = str(err)
    assert str(path) in text
    if row is not None:
        assert f"row {row}," in text
    assert repr(field) in text


# --- good files ------------------------------------------------------------------------


def test_sample_customers_csv_loads() -> None:
    """The sample customer CSV loads, with blank cells taking the defaults."""
    acme, jens, nordic = load_customers(DATA / "customers.csv")
    assert acme.id == "c-17"
    assert acme.registration_number == "DK12345674"
    assert acme.policy == PolicyOverride(posting=Posting.DRAFT)
    assert jens.kind is PartyKind.PERSON
    assert jens.registration_number is None
    assert jens.delivery is DeliveryChannel.LETTER
    assert jens.policy is None
    assert nordic.policy == PolicyOverride(Posting.BOOK, Timing.ON_COMPLETION, True, 30)
    assert nordic.currency == "SEK"


def test_sample_customers_json_matches_csv() -> None:
    """The JSON sample describes the same customers as the CSV sample."""
    from_json = load_customers(DATA / "customers.json")
    from_csv = load_customers(DATA / "customers.csv")
    assert from_json == from_csv[:2]


def test_sample_work_orders_csv_groups_rows_into_orders() -> None:
    """Rows sharing a work_order_id become one work order with its lines in row order."""
    boiler, inspection = load_work_orders(DATA / "work_orders.csv")
    assert boiler.id == "wo-1001"
    assert [line.description for line in boiler.lines] == ["Labour (hours)", "Gasket"]
    assert boiler.lines[1].unit_price == Decimal("89.95")
    assert boiler.completed_at == datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    assert boiler.planned_date == date(2024, 5, 1)
    assert inspection.status is WorkStatus.PLANNED
    assert inspection.completed_at is None
    assert inspection.project is None


def test_sample_work_orders_json_matches_csv() -> None:
    """The JSON sample describes the first work order of the CSV sample."""
    assert load_work_orders(DATA / "work_orders.json") == load_work_orders(
        DATA / "work_orders.csv")[:1]


def test_sample_products_load() -> None:
    """Products load from CSV and JSON; a blank price is no list price."""
    from_csv = load_products(DATA / "products.csv")
    assert [p.kind for p in from_csv] == [ProductKind.SERVICE, ProductKind.GOODS,
                                          ProductKind.SERVICE]
    assert from_csv[2].unit_price is None
    assert load_products(DATA / "products.json") == [from_csv[0], from_csv[2]]


def test_sample_policy_loads() -> None:
    """The sample policy file gives the company, its policy and two overrides."""
    policy = load_policy(DATA / "policy.toml")
    assert policy.company.name == "Varme & Vand ApS"
    assert policy.company.policy == BillingPolicy(Posting.BOOK, Timing.ON_COMPLETION, True, 8)
    assert policy.overrides == {
        "c-17": PolicyOverride(posting=Posting.DRAFT),
        "c-18": PolicyOverride(timing=Timing.BEFORE_WORK, payment_terms_days=14),
    }


def test_minimal_policy_file_takes_defaults(tmp_path: Path) -> None:
    """A policy file with only the company's name gives the default company and policy."""
    path = _file(tmp_path, "p.toml", "[company]", 'name = "X"')
    assert load_policy(path) == PolicyFile(Company("X"))


def test_decimal_text_with_a_fraction_is_fine_in_csv(tmp_path: Path) -> None:
    """'12.5' in a CSV cell is text, so it is an exact decimal, not a refused float."""
    path = _file(tmp_path, "p.csv", PRODUCT_HEADER, "p,P,goods,12.5,12.5")
    (product,) = load_products(path)
    assert product.unit_price == Decimal("12.5")
    assert product.vat_rate == Decimal("12.5")


def test_csv_reads_yes_no_and_byte_order_mark(tmp_path: Path) -> None:
    """Spreadsheet habits are accepted: a UTF-8 BOM, yes/no flags, quoted newlines."""
    path = tmp_path / "c.csv"
    path.write_text(
        f"{CUSTOMER_HEADER},send\r\n"
        'c-1,C,company,,"Line 1\nLine 2",,,DK,,DKK,email,yes\r\n',
        encoding="utf-8-sig",
    )
    (customer,) = load_customers(path)
    assert customer.address.street == "Line 1\nLine 2"
    assert customer.policy == PolicyOverride(send=True)


# --- bad files -------------------------------------------------------------------------


def test_missing_column_is_named_on_row_1(tmp_path: Path) -> None:
    """A required column missing from the header is reported on the header row."""
    path = _file(tmp_path, "p.csv", "id,name,kind,unit_price", "p,P,goods,1")
    with pytest.raises(ValidationError) as caught:
        load_products(path)
    _assert_names(caught.value, path, 1, "vat_rate")


def test_unknown_column_is_named(tmp_path: Path) -> None:
    """A misspelt column is refused rather than ignored."""
    path = _file(tmp_path, "p.csv", PRODUCT_HEADER + ",colour", "p,P,goods,1,25,red")
    with pytest.raises(ValidationError) as caught:
        load_products(path)
    _assert_names(caught.value, path, 1, "colour")


def test_unnamed_column_is_reported(tmp_path: Path) -> None:
    """A header cell left blank (a stray trailing comma) is reported by position."""
    path = _file(tmp_path, "p.csv", PRODUCT_HEADER + ",", "p,P,goods,1,25,")
    with pytest.raises(ValidationError) as caught:
        load_products(path)
    assert _located(caught.value) == {(1, None)}
    assert "column 6" in str(caught.value)


def test_duplicate_work_order_ids_in_json_are_refused(tmp_path: Path) -> None:
    """In JSON each work order is one item, so a repeated id is an error."""
    item = '{"id": "w", "customer_id": "c", "status": "planned", "lines": []}'
    path = _file(tmp_path, "w.json", f"[{item}, {item}]")
    with pytest.raises(ValidationError) as caught:
        load_work_orders(path)
    _assert_names(caught.value, path, 1, "id")


def test_bad_decimal_is_named(tmp_path: Path) -> None:
    """A price written with a decimal comma names its row and column."""
    path = _file(tmp_path, "p.csv", PRODUCT_HEADER, "p,P,goods,1,25", 'q,Q,goods,"12,50",25')
    with pytest.raises(ValidationError) as caught:
        load_products(path)
    _assert_names(caught.value, path, 3, "unit_price")
    assert "'12,50'" in str(caught.value)


def test_bad_date_is_named(tmp_path: Path) -> None:
    """A date that is not ISO 8601 names its row and column."""
    path = _file(tmp_path, "w.csv", ORDER_HEADER,
                 "w,c,planned,01/05/2024,,,,Work,1,100,25,")
    with pytest.raises(ValidationError) as caught:
        load_work_orders(path)
    _assert_names(caught.value, path, 2, "planned_date")


def test_naive_completed_at_is_named(tmp_path: Path) -> None:
    """A completion time without a UTC offset is refused with its row and column."""
    path = _file(tmp_path, "w.csv", ORDER_HEADER,
                 "w,c,completed,,2024-05-01T14:30:00,,,Work,1,100,25,")
    with pytest.raises(ValidationError) as caught:
        load_work_orders(path)
    _assert_names(caught.value, path, 2, "completed_at")


def test_unknown_enum_value_is_named(tmp_path: Path) -> None:
    """A kind that is not one of the choices names its row and column and the choices."""
    path = _file(tmp_path, "c.csv", CUSTOMER_HEADER, "c-1,C,firm,,,,,DK,,DKK,email")
    with pytest.raises(ValidationError) as caught:
        load_customers(path)
    _assert_names(caught.value, path, 2, "kind")
    assert "person, company" in str(caught.value)


def test_domain_checks_name_the_csv_column(tmp_path: Path) -> None:
    """Checks inside the domain types (address country, registration number) name the column."""
    path = _file(tmp_path, "c.csv", CUSTOMER_HEADER,
                 "c-1,C,company,,,,,dk,,DKK,email",
                 "c-2,C,company,,,,,DK,DK12345675,DKK,email")
    with pytest.raises(ValidationError) as caught:
        load_customers(path)
    _assert_names(caught.value, path, 2, "country")
    _assert_names(caught.value, path, 3, "registration_number")


def test_duplicate_customer_ids_name_both_rows(tmp_path: Path) -> None:
    """A repeated customer id is reported on its second row, naming the first."""
    path = _file(tmp_path, "c.csv", CUSTOMER_HEADER,
                 "c-1,A,company,,,,,DK,,DKK,email",
                 "c-2,B,company,,,,,DK,,DKK,email",
                 "c-1,C,company,,,,,DK,,DKK,email")
    with pytest.raises(ValidationError) as caught:
        load_customers(path)
    _assert_names(caught.value, path, 4, "id")
    assert "row 2" in str(caught.value)


def test_duplicate_ids_in_json_name_both_items(tmp_path: Path) -> None:
    """A repeated product id in JSON names the later item and the first."""
    path = _file(tmp_path, "p.json", '[{"id": "p", "name": "A"}, {"id": "p", "name": "B"}]')
    with pytest.raises(ValidationError) as caught:
        load_products(path)
    _assert_names(caught.value, path, 1, "id")
    assert "first on row 0" in str(caught.value)


def test_disagreeing_work_order_fields_are_named(tmp_path: Path) -> None:
    """Rows of one work order that disagree on a work-order column name that row and column."""
    path = _file(tmp_path, "w.csv", ORDER_HEADER,
                 "w,c-1,planned,2024-05-01,,,,A,1,100,25,",
                 "w,c-2,planned,2024-05-01,,,,B,1,100,25,")
    with pytest.raises(ValidationError) as caught:
        load_work_orders(path)
    _assert_names(caught.value, path, 3, "customer_id")
    assert "row 2" in str(caught.value)


def test_line_errors_point_at_the_lines_row(tmp_path: Path) -> None:
    """A bad value on a work order's third line is reported on that line's row."""
    path = _file(tmp_path, "w.csv", ORDER_HEADER,
                 "w,c,planned,,,,,A,1,100,25,",
                 "x,c,planned,,,,,B,1,100,25,",
                 "w,c,planned,,,,,C,1,100,25,",
                 "w,c,planned,,,,,D,1,abc,25,")
    with pytest.raises(ValidationError) as caught:
        load_work_orders(path)
    assert _located(caught.value) == {(5, "unit_price")}
    _assert_names(caught.value, path, 5, "unit_price")


def test_missing_line_description_names_its_column(tmp_path: Path) -> None:
    """A line without text is named by the CSV column, not the domain field."""
    path = _file(tmp_path, "w.csv", ORDER_HEADER, "w,c,planned,,,,,,1,100,25,")
    with pytest.raises(ValidationError) as caught:
        load_work_orders(path)
    _assert_names(caught.value, path, 2, "line_description")


def test_several_bad_rows_are_all_reported(tmp_path: Path) -> None:
    """Every bad row of a file is reported in the one error, in row order."""
    path = _file(tmp_path, "p.csv", PRODUCT_HEADER,
                 "a,A,goods,x,25",
                 "b,B,goods,1,25",
                 "c,C,thing,1,25",
                 "d,D,goods,1,250",
                 "e,E,goods")
    with pytest.raises(ValidationError) as caught:
        load_products(path)
    assert [(p.row, p.field) for p in caught.value.problems] == [
        (2, "unit_price"), (4, "kind"), (5, "vat_rate"), (6, None),
    ]
    assert "4 problems" in str(caught.value)


def test_json_problems_name_item_and_path(tmp_path: Path) -> None:
    """In JSON the row is the item index and the field its path; floats are refused."""
    path = _file(tmp_path, "w.json", """[
      {"id": "w1", "customer_id": "c", "status": "planned", "lines": []},
      {"id": "w2", "customer_id": "c", "status": "planned",
       "lines": [{"description": "A", "quantity": "1", "unit_price": 12.5}]}
    ]""")
    with pytest.raises(ValidationError) as caught:
        load_work_orders(path)
    _assert_names(caught.value, path, 1, "lines[0].unit_price")


def test_json_unknown_key_is_named(tmp_path: Path) -> None:
    """A misspelt key in a JSON customer is an error, not ignored."""
    path = _file(tmp_path, "c.json", '[{"id": "c", "name": "C", "emial": "a@b.dk"}]')
    with pytest.raises(ValidationError) as caught:
        load_customers(path)
    _assert_names(caught.value, path, 0, "emial")


def test_unknown_toml_key_is_named(tmp_path: Path) -> None:
    """Misspelt keys and tables in the policy file are named by their key path."""
    path = _file(tmp_path, "p.toml",
                 "[company]", 'name = "X"', 'time_zne = "UTC"',
                 "[policy]", "sned = true",
                 '[customers."c 9"]', 'postng = "draft"',
                 "[extras]")
    with pytest.raises(ValidationError) as caught:
        load_policy(path)
    fields = {p.field for p in caught.value.problems}
    assert fields == {"company.time_zne", "policy.sned", 'customers."c 9".postng', "extras"}
    _assert_names(caught.value, path, None, "policy.sned")


def test_bad_toml_values_are_named(tmp_path: Path) -> None:
    """Values of the wrong type or shape in the policy file name their key path."""
    path = _file(tmp_path, "p.toml",
                 "[company]", 'name = "X"', 'policy = "book"',
                 "[policy]", 'send = "yes"',
                 "[customers]", 'c-1 = "draft"')
    with pytest.raises(ValidationError) as caught:
        load_policy(path)
    fields = {p.field for p in caught.value.problems}
    assert fields == {"company.policy", "policy.send", "customers.c-1"}


def test_toml_values_failing_domain_checks_are_named(tmp_path: Path) -> None:
    """A time zone and payment terms that the domain types refuse name their key path."""
    path = _file(tmp_path, "p.toml",
                 "[company]", 'name = "X"', 'time_zone = "Mars/Olympus"',
                 "[policy]", "payment_terms_days = 1000")
    with pytest.raises(ValidationError) as caught:
        load_policy(path)
    assert {p.field for p in caught.value.problems} == {"policy.payment_terms_days"}
    path = _file(tmp_path, "q.toml", "[company]", 'name = "X"', 'time_zone = "Mars/Olympus"')
    with pytest.raises(ValidationError) as caught:
        load_policy(path)
    _assert_names(caught.value, path, None, "company.time_zone")


def test_policy_file_needs_a_company(tmp_path: Path) -> None:
    """A policy file without [company] is refused, naming the missing table."""
    path = _file(tmp_path, "p.toml", "[policy]", 'posting = "draft"')
    with pytest.raises(ValidationError) as caught:
        load_policy(path)
    _assert_names(caught.value, path, None, "company")


def test_override_for_unknown_customer_names_file_and_id() -> None:
    """An override for a customer that is not in the customer list names the file and id."""
    customers = load_customers(DATA / "customers.csv")
    overrides = {"c-17": PolicyOverride(send=False), "c-99": PolicyOverride(send=True)}
    with pytest.raises(ValidationError) as caught:
        apply_overrides(customers, overrides, source="policy.toml")
    assert [p.value for p in caught.value.problems] == ["c-99"]
    assert "policy.toml" in str(caught.value)
    assert "'c-99'" in str(caught.value)


def test_overrides_merge_field_by_field() -> None:
    """The policy file's settings win; settings it leaves out keep the customer file's."""
    customers = load_customers(DATA / "customers.csv")
    policy = load_policy(DATA / "policy.toml")
    merged = {c.id: c for c in apply_overrides(
        customers, {**policy.overrides, "c-19": PolicyOverride(posting=Posting.DRAFT)},
        source="policy.toml")}
    assert merged["c-17"].policy == PolicyOverride(posting=Posting.DRAFT)
    assert merged["c-18"].policy == PolicyOverride(timing=Timing.BEFORE_WORK,
                                                   payment_terms_days=14)
    assert merged["c-19"].policy == PolicyOverride(Posting.DRAFT, Timing.ON_COMPLETION, True, 30)
    assert [c.id for c in merged.values()] == [c.id for c in customers]


@pytest.mark.parametrize("name", ["customers.xlsx", "customers", "customers.txt"])
def test_unsupported_suffix_is_refused(tmp_path: Path, name: str) -> None:
    """A file type ledgerlink does not read raises InputFileError naming the file."""
    path = _file(tmp_path, name, CUSTOMER_HEADER)
    with pytest.raises(InputFileError) as caught:
        load_customers(path)
    assert str(path) in str(caught.value)
    assert "unsupported" in str(caught.value)


@pytest.mark.parametrize(
    "load", [load_customers, load_work_orders, load_products, load_policy],
)
def test_missing_file_is_reported(tmp_path: Path, load: object) -> None:
    """A file that does not exist raises InputFileError naming it."""
    suffix = ".toml" if load is load_policy else ".csv"
    path = tmp_path / f"absent{suffix}"
    with pytest.raises(InputFileError) as caught:
        load(path)  # type: ignore[operator]
    assert str(path) in str(caught.value)
    assert "not found" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("c.json", '[{"id": "c",', "not valid JSON"),
        ("c.json", '{"id": "c", "name": "C"}', "JSON list"),
        ("c.csv", "", "no header"),
        ("p.toml", "[company\nname = 1", "not valid TOML"),
    ],
)
def test_unparseable_files_raise_input_file_error(
    tmp_path: Path, name: str, content: str, words: str
) -> None:
    """Malformed JSON/TOML, a JSON non-list and an empty CSV raise InputFileError."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    load = load_policy if name.endswith(".toml") else load_customers
    with pytest.raises(InputFileError) as caught:
        load(path)
    assert words in str(caught.value)
    assert str(path) in str(caught.value)


def test_non_utf8_file_raises_input_file_error(tmp_path: Path) -> None:
    """A CSV saved in Latin-1 is refused with advice to save it as UTF-8."""
    path = tmp_path / "c.csv"
    path.write_bytes((CUSTOMER_HEADER + "\nc,Søren,person,,,,,DK,,DKK,email\n").encode("latin-1"))
    with pytest.raises(InputFileError) as caught:
        load_customers(path)
    assert "UTF-8" in str(caught.value)


# --- round trips -----------------------------------------------------------------------

_suffixes = st.sampled_from([".csv", ".json"])


@pytest.fixture(scope="module")
def rt_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory for every round-trip example (each overwrites its own file)."""
    return tmp_path_factory.mktemp("round-trips")


@given(st.lists(st.from_type(Customer), max_size=4, unique_by=lambda c: c.id), _suffixes)
def test_customers_round_trip(
    rt_dir: Path, customers: list[Customer], suffix: str
) -> None:
    """save_customers then load_customers gives the same customers, CSV or JSON."""
    path = rt_dir / f"customers{suffix}"
    save_customers(customers, path)
    assert load_customers(path) == customers


@given(st.lists(st.from_type(WorkOrder), max_size=4, unique_by=lambda w: w.id), _suffixes)
def test_work_orders_round_trip(
    rt_dir: Path, orders: list[WorkOrder], suffix: str
) -> None:
    """save_work_orders then load_work_orders gives the same work orders, lineless ones too."""
    path = rt_dir / f"work_orders{suffix}"
    save_work_orders(orders, path)
    assert load_work_orders(path) == orders


@given(st.lists(st.from_type(Product), max_size=4, unique_by=lambda p: p.id), _suffixes)
def test_products_round_trip(
    rt_dir: Path, products: list[Product], suffix: str
) -> None:
    """save_products then load_products gives the same products, CSV or JSON."""
    path = rt_dir / f"products{suffix}"
    save_products(products, path)
    assert load_products(path) == products


@given(
    st.from_type(Company),
    st.dictionaries(st.text(st.characters(exclude_categories=("Cs",)), min_size=1),
                    st.from_type(PolicyOverride), max_size=4),
)
def test_policy_round_trips_with_awkward_customer_ids(
    rt_dir: Path, company: Company,
    overrides: dict[str, PolicyOverride],
) -> None:
    """save_policy quotes any customer id (quotes, backslashes, control characters) readably."""
    path = rt_dir / "policy.toml"
    policy = PolicyFile(company, overrides)
    save_policy(policy, path)
    assert load_policy(path) == policy


def test_empty_override_reads_back_as_none_from_csv(tmp_path: Path) -> None:
    """An override that sets nothing has no cells in CSV and so reads back as no override."""
    customer = Customer("c", "C", policy=PolicyOverride())
    save_customers([customer], tmp_path / "c.json")
    assert load_customers(tmp_path / "c.json") == [customer]
    save_customers([customer], tmp_path / "c.csv")
    assert load_customers(tmp_path / "c.csv")[0].policy is None


def test_saved_csv_uses_the_documented_columns(tmp_path: Path) -> None:
    """The writer's header is the documented column list, policy columns included."""
    path = tmp_path / "c.csv"
    save_customers(load_customers(DATA / "customers.csv"), path)
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header == CUSTOMER_HEADER + ",posting,timing,send,payment_terms_days"


def test_saving_a_completed_time_keeps_its_offset(tmp_path: Path) -> None:
    """A completion time is written with its UTC offset and read back at the same instant."""
    when = datetime(2024, 5, 1, 14, 30, tzinfo=timezone(timedelta(hours=-5)))
    order = WorkOrder("w", "c", [], completed_at=when)
    save_work_orders([order], tmp_path / "w.csv")
    assert "2024-05-01T14:30:00-05:00" in (tmp_path / "w.csv").read_text(encoding="utf-8")
    assert load_work_orders(tmp_path / "w.csv") == [order]


# --- robustness ------------------------------------------------------------------------

_leaves = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6)
           | st.sampled_from(["c", "1.5", "2024-05-01", "2024-05-01T10:00+02:00", "planned"]))
_keys = st.sampled_from(["id", "name", "customer_id", "lines", "description", "quantity",
                         "unit_price", "status", "completed_at", "address", "policy", "zz"])
_json_values = st.recursive(
    _leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=5),
    max_leaves=15,
)
_loaders = st.sampled_from([load_customers, load_work_orders, load_products])


def _error_of(load: Any, path: Path) -> ValidationError | None:
    """The ValidationError ``load(path)`` raises, or None when it loads; anything else escapes."""
    try:
        load(path)
    except ValidationError as err:
        return err
    return None


@given(st.lists(_json_values, max_size=3), _loaders)
def test_any_json_list_loads_or_raises_validation_error(
    rt_dir: Path, items: list[object], load: Any
) -> None:
    """Whatever a JSON list holds, a loader returns or raises ValidationError, never crashes."""
    path = rt_dir / "fuzz.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    err = _error_of(load, path)
    if err is not None:
        assert err.problems
        assert all(p.source == str(path) and p.row is not None for p in err.problems)


_cells = st.sampled_from(["", "w", "c", "1", "x", "yes", "2024-05-01", "2024-05-01T10:00Z",
                          "completed", "planned", "dk", "DKK", "25"]) | st.text(max_size=4)


@given(st.lists(st.lists(_cells, max_size=14), max_size=4))
def test_any_work_order_csv_rows_load_or_raise_validation_error(
    rt_dir: Path, rows: list[list[str]]
) -> None:
    """Whatever the data rows hold, the work-order loader returns or reports rows and fields."""
    path = rt_dir / "fuzz.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(ORDER_HEADER.split(","))
        out.writerows(rows)
    err = _error_of(load_work_orders, path)
    if err is not None:
        assert err.problems
        assert all(p.row is not None and p.row >= 2 for p in err.problems)
