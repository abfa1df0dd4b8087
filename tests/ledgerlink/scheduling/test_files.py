"""Project files (CSV and JSON) and the CLI words of recurrences and date rules."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import InputFileError, ValidationError
from ledgerlink.scheduling.files import (
    demo_projects,
    format_date_rule,
    format_recurrence,
    load_projects,
    parse_date_rule,
    parse_recurrence,
    save_projects,
)
from ledgerlink.scheduling.model import (
    BillableItem,
    DateRule,
    Frequency,
    ItemKind,
    MonthlyDay,
    Project,
    Recurrence,
    Weekday,
)
from tests.ledgerlink.scheduling.strategies import recurrences

HEADER = ("project_id,project_name,customer_id,manager,department,customer_group,keywords,"
          "billing_limit,item_id,item_date,item_kind,description,quantity,unit_price,vat_rate,"
          "product_id\n")
# Row 1 is the header: P-1's items are rows 2 and 3, P-2's row 4, P-3 (no items) row 5.
GOOD_CSV = HEADER + """\
P-1,Website,c-1,Ann,Web,Key,licence; support,,P-1-fee,2026-11-01,fee,Licence Nov,1,495,25,lic
P-1,Website,c-1,Ann,Web,Key,licence; support,,P-1-h1,2026-11-10,hours,Design,2.5,850.00,25,
P-2,Hosting,c-2,,,,,1000,P-2-e1,2026-11-12,expense,Server,1,900,0,
P-3,Idle,c-2,,,,,,,,,,,,,
"""


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def problems(err: pytest.ExceptionInfo[ValidationError]) -> set[tuple[int | None, str | None]]:
    return {(p.row, p.field) for p in err.value.problems}


def sample_projects() -> list[Project]:
    return [
        Project("P-1", "Website", "c-1", manager="Ann", department="Web",
                customer_group="Key", keywords={"licence", "support"},
                items=[BillableItem("P-1-fee", date(2026, 11, 1), ItemKind.FEE,
                                    "Licence, \"November\"", 1, "495", product_id="lic"),
                       BillableItem("P-1-h1", date(2026, 11, 10), ItemKind.HOURS,
                                    "Design\nand build", "2.5", "850.00")]),
        Project("P-2", "Hosting", "c-2", billing_limit="1000",
                items=[BillableItem("P-2-e1", date(2026, 11, 12), ItemKind.EXPENSE, "Server",
                                    1, 900, vat_rate=0)]),
        Project("P-3", "Idle", "c-2"),
    ]


# --- reading ---------------------------------------------------------------------------


def test_csv_rows_of_a_project_form_one_project_with_its_items(tmp_path: Path) -> None:
    """The CSV rows of one project id fold into one project holding its items."""
    loaded = load_projects(write(tmp_path, "projects.csv", GOOD_CSV))
    assert [p.id for p in loaded] == ["P-1", "P-2", "P-3"]
    website, hosting, idle = loaded
    assert website.keywords == frozenset({"licence", "support"})
    assert [i.id for i in website.items] == ["P-1-fee", "P-1-h1"]
    assert website.items[1].quantity == Decimal("2.5")
    assert website.items[1].unit_price == Decimal("850.00")
    assert website.items[0].product_id == "lic"
    assert hosting.billing_limit == Decimal(1000) and hosting.manager is None
    assert hosting.items[0].vat_rate == Decimal(0)
    assert idle.items == ()


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_saved_projects_load_back_equal(tmp_path: Path, suffix: str) -> None:
    """Projects saved as CSV or JSON load back equal."""
    projects = sample_projects() + demo_projects(20, ["c-1", "c-2"], seed=3,
                                                 start=date(2026, 1, 15))
    path = tmp_path / f"projects{suffix}"
    save_projects(projects, path)
    assert load_projects(path) == projects


def test_json_keywords_are_a_sorted_list(tmp_path: Path) -> None:
    """A project's keywords are saved to JSON as a sorted list."""
    path = tmp_path / "projects.json"
    save_projects(sample_projects(), path)
    assert json.loads(path.read_text())[0]["keywords"] == ["licence", "support"]


def test_every_csv_problem_names_file_row_and_column_and_nothing_loads(tmp_path: Path) -> None:
    """Every bad CSV cell is reported by file, row and column, and no project loads."""
    bad = HEADER + """\
P-1,Website,c-1,Ann,Web,Key,,,P-1-fee,2026-11-01,fee,Licence,1,495,25,
P-1,Web site,c-1,Ann,Web,Key,,,P-1-h1,2026-11-31,hours,Design,two,850,25,
P-2,Hosting,c-2,,,,,,P-2-e1,2026-11-12,gift,Server,1,900,25,
,Orphan,c-2,,,,,,X-1,2026-11-12,fee,Orphan,1,1,25,
P-3,Good,c-3,,,,,,P-1-fee,2026-11-12,fee,Copy,1,1,25,
P-4,Limited,c-3,,,,,-5,P-4-fee,2026-11-12,fee,Fine,1,1,25,
"""
    path = write(tmp_path, "projects.csv", bad)
    with pytest.raises(ValidationError) as caught:
        load_projects(path)
    assert problems(caught) == {
        (3, "project_name"),  # disagrees with row 2 of the same project
        (3, "item_date"), (3, "quantity"),
        (4, "item_kind"),
        (5, "project_id"),
        (6, "item_id"),  # P-1-fee is row 2's item
        (7, "billing_limit"),
    }
    assert all(p.source == str(path) for p in caught.value.problems)
    duplicate = next(p for p in caught.value.problems if p.row == 6)
    assert "first on row 2" in duplicate.message


def test_a_csv_header_with_unknown_or_missing_columns_is_refused(tmp_path: Path) -> None:
    """A CSV header with unknown or missing columns is refused naming each one."""
    header = HEADER.replace("unit_price", "price").replace(",product_id", ",colour")
    with pytest.raises(ValidationError) as caught:
        load_projects(write(tmp_path, "projects.csv", header + "P-1,x,c,,,,,,i,2026-01-01,fee,"
                                                               "d,1,1,25,\n"))
    assert problems(caught) == {(1, "price"), (1, "colour"), (1, "unit_price")}


def test_every_json_problem_names_index_and_path_and_nothing_loads(tmp_path: Path) -> None:
    """Every bad JSON field is reported by project index and path, and no project loads."""
    good, hosting, _ = json.loads(json.dumps([  # plain data, as a user writes it
        {"id": "P-1", "name": "Website", "customer_id": "c-1", "keywords": ["licence"],
         "items": [{"id": "i-1", "date": "2026-11-01", "kind": "fee", "description": "Fee",
                    "quantity": "1", "unit_price": "495"}]},
        {"id": "P-2", "name": "Hosting", "customer_id": "c-2", "keywords": "hosting",
         "items": [{"id": "i-2", "date": "2026-11-01", "kind": "fee", "description": "Fee",
                    "quantity": "1", "unit_price": "495"},
                   {"id": "i-3", "date": "2026-11-01", "kind": "fee", "description": "Fee",
                    "quantity": 1.5, "unit_price": "495"}]},
        {},
    ]))
    duplicate = {**good, "items": [{**good["items"][0]}]}
    path = write(tmp_path, "projects.json", json.dumps([good, hosting, duplicate]))
    with pytest.raises(ValidationError) as caught:
        load_projects(path)
    assert problems(caught) == {
        (1, "keywords"),  # a bare string is not a list of keywords
        (1, "items[1].quantity"),  # a float is never money
        (2, "id"), (2, "items[0].id"),  # project and item ids seen before
    }
    assert all(p.source == str(path) for p in caught.value.problems)


@pytest.mark.parametrize(("name", "content"), [
    ("projects.txt", ""),
    ("projects.json", "{not json"),
    ("projects.json", '{"id": "P-1"}'),
    ("projects.csv", ""),
])
def test_unreadable_files_raise_input_file_errors(tmp_path: Path, name: str,
                                                  content: str) -> None:
    """An unknown suffix, bad JSON, a non-list or an empty CSV raise InputFileError."""
    with pytest.raises(InputFileError) as caught:
        load_projects(write(tmp_path, name, content))
    assert caught.value.source == str(tmp_path / name)


def test_csv_amounts_follow_the_work_order_rules_naming_row_and_column(tmp_path: Path) -> None:
    """Project files read amounts with the same rules as work orders: exponent notation,
    overflowing prices and quantities, NaN and an oversized billing limit are each named."""
    bad = HEADER + """\
P-1,Website,c-1,,,,,,P-1-a,2026-11-01,fee,Licence,1E+3,495,25,
P-1,Website,c-1,,,,,,P-1-b,2026-11-01,fee,Licence,1,123456789012345678901234567890,25,
P-1,Website,c-1,,,,,,P-1-c,2026-11-01,fee,Licence,1,NaN,25,
P-2,Hosting,c-2,,,,,1e6,P-2-a,2026-11-01,fee,Licence,1,1,25,
P-3,Hosting,c-2,,,,,1234567890123456,P-3-a,2026-11-01,fee,Licence,1,1,25,
P-4,Hosting,c-2,,,,,,P-4-a,2026-11-01,fee,Licence,1""" + "0" * 400 + """,1,25,
"""
    path = write(tmp_path, "projects.csv", bad)
    with pytest.raises(ValidationError) as caught:
        load_projects(path)
    assert problems(caught) == {
        (2, "quantity"), (3, "unit_price"), (4, "unit_price"),
        (5, "billing_limit"), (6, "billing_limit"), (7, "quantity"),
    }
    messages = {(p.row, p.field): p.message for p in caught.value.problems}
    assert "exponent notation" in messages[2, "quantity"]
    assert "at most 12 digits" in messages[3, "unit_price"]
    assert "at most 15 digits" in messages[6, "billing_limit"]
    assert "at most 10 digits" in messages[7, "quantity"]


def test_json_amounts_follow_the_work_order_rules_naming_index_and_path(tmp_path: Path) -> None:
    """In a JSON project file a bare 1e400, a 5,000-digit number and an exponent string are
    named by project index and path."""
    items = ", ".join(
        f'{{"id": "i-{n}", "date": "2026-11-01", "kind": "fee", "description": "Fee",'
        f' "quantity": {quantity}, "unit_price": "495"}}'
        for n, quantity in enumerate(["1e400", "1" + "0" * 5000, '"2E+1"']))
    document = f'[{{"id": "P-1", "name": "W", "customer_id": "c-1", "items": [{items}]}}]'
    path = write(tmp_path, "projects.json", document)
    with pytest.raises(ValidationError) as caught:
        load_projects(path)
    assert problems(caught) == {(0, "items[0].quantity"), (0, "items[1].quantity"),
                                (0, "items[2].quantity")}


def test_deeply_nested_project_json_is_an_input_file_error(tmp_path: Path) -> None:
    """A project file nested 100,000 deep is refused naming the file, not a RecursionError."""
    path = write(tmp_path, "projects.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputFileError) as caught:
        load_projects(path)
    assert caught.value.source == str(path)
    assert "nested more than" in caught.value.message


def test_a_keyword_holding_the_separator_is_not_written_to_csv(tmp_path: Path) -> None:
    """A keyword holding the CSV separator is refused, leaving the old file; JSON keeps it."""
    path = write(tmp_path, "projects.csv", GOOD_CSV)
    project = Project("P-9", "Odd", "c-1", keywords={"a;b"})
    with pytest.raises(ValidationError) as caught:
        save_projects([project], path)
    assert caught.value.field == "keywords"
    assert path.read_text(encoding="utf-8") == GOOD_CSV  # the old file is untouched
    save_projects([project], tmp_path / "projects.json")  # JSON holds it
    assert load_projects(tmp_path / "projects.json") == [project]


def test_demo_projects_are_deterministic_and_valid(tmp_path: Path) -> None:
    """Demo projects depend only on their seed, with unique item ids for the given customers."""
    start = date(2026, 2, 20)
    first = demo_projects(30, ["c-1", "c-2", "c-3"], seed=11, start=start)
    assert first == demo_projects(30, ["c-1", "c-2", "c-3"], seed=11, start=start)
    assert first != demo_projects(30, ["c-1", "c-2", "c-3"], seed=12, start=start)
    ids = [item.id for p in first for item in p.items]
    assert len(ids) == len(set(ids))
    assert {p.customer_id for p in first} <= {"c-1", "c-2", "c-3"}
    assert all(start.replace(day=1) <= i.date for p in first for i in p.items)
    assert any(i.kind is ItemKind.FEE for p in first for i in p.items)


# --- recurrence and date-rule words ------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("daily", Recurrence(Frequency.DAILY)),
    ("weekdays", Recurrence(Frequency.DAILY, weekdays_only=True)),
    ("weekly:friday", Recurrence(Frequency.WEEKLY, weekday=Weekday.FRIDAY)),
    ("Weekly:Monday", Recurrence(Frequency.WEEKLY, weekday=Weekday.MONDAY)),
    ("monthly:first-day", Recurrence(Frequency.MONTHLY, monthly=MonthlyDay.FIRST_DAY)),
    ("monthly:last_day", Recurrence(Frequency.MONTHLY, monthly=MonthlyDay.LAST_DAY)),
    ("monthly:last-weekday", Recurrence(Frequency.MONTHLY, monthly=MonthlyDay.LAST_WEEKDAY)),
    ("monthly:31", Recurrence(Frequency.MONTHLY, monthly=MonthlyDay.DAY_OF_MONTH,
                              day_of_month=31)),
    (" monthly: 1 ", Recurrence(Frequency.MONTHLY, monthly=MonthlyDay.DAY_OF_MONTH,
                                day_of_month=1)),
])
def test_recurrence_words(text: str, expected: Recurrence) -> None:
    """Each recurrence word form, in any case and spacing, reads as its Recurrence."""
    assert parse_recurrence(text) == expected


@pytest.mark.parametrize("text", ["", "hourly", "daily:monday", "weekly", "weekly:fri-day",
                                  "monthly", "monthly:0", "monthly:32", "monthly:-1",
                                  "monthly:first", "weekdays:1"])
def test_other_recurrence_words_are_refused_naming_the_forms(text: str) -> None:
    """Words outside the recurrence forms are refused with a message listing the forms."""
    with pytest.raises(ValidationError) as caught:
        parse_recurrence(text)
    assert caught.value.field == "recurrence"
    assert "monthly:last-weekday" in caught.value.message


@given(recurrences)
def test_recurrence_words_round_trip(recurrence: Recurrence) -> None:
    """Any recurrence formats to words that read back to it, also upper-cased with underscores."""
    words = format_recurrence(recurrence)
    assert parse_recurrence(words) == recurrence
    assert parse_recurrence(words.upper().replace("-", "_")) == recurrence


@given(st.sampled_from(DateRule), st.sampled_from(["-", "_"]))
def test_date_rules_read_with_either_separator(rule: DateRule, separator: str) -> None:
    """Date rules are written with hyphens and read with hyphens or underscores."""
    words = format_date_rule(rule)
    assert "_" not in words
    assert parse_date_rule(words.replace("-", separator)) == rule


def test_an_unknown_date_rule_names_the_field_and_the_choices() -> None:
    """An unknown date rule is refused naming the option and the rules it accepts."""
    with pytest.raises(ValidationError) as caught:
        parse_date_rule("end-of-month", field="--invoice-date")
    assert caught.value.field == "--invoice-date"
    assert "last-day-of-previous-month" in caught.value.message
