"""The built-in ``files`` source hands over exactly what the loaders read for
``ledgerlink run``, and its errors name the file, the row and the field as theirs do."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerlink.errors import InputFileError, ValidationError
from ledgerlink.loading import load_customers, load_products, load_work_orders
from ledgerlink.sources import open_source
from tests.paths import DATA


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_the_files_source_hands_over_what_the_loaders_read(suffix: str) -> None:
    """Customers, work orders and products equal the loaders' own, in file order."""
    customers, orders, products = (DATA / f"{name}{suffix}"
                                   for name in ("customers", "work_orders", "products"))
    with open_source("files", customers=customers, work_orders=orders,
                     products=products) as source:
        assert list(source.customers()) == load_customers(customers)
        assert list(source.work_orders()) == load_work_orders(orders)
        assert list(source.products()) == load_products(products)


def test_each_file_is_optional_and_gives_nothing_when_left_out() -> None:
    """A source given only work orders has no customers or products, and does not check
    the work orders' customers against a file it was not given."""
    with open_source("files", work_orders=str(DATA / "work_orders.csv")) as source:
        assert list(source.customers()) == []
        assert list(source.products()) == []
        assert [order.id for order in source.work_orders()] == ["wo-1001", "wo-1002"]


def test_a_bad_cell_is_named_by_file_row_and_field(tmp_path: Path) -> None:
    """A product with a price that is no number fails naming the file, its row and column."""
    path = tmp_path / "products.csv"
    path.write_text("id,name,kind,unit_price,vat_rate\np,P,goods,lots,25\n", encoding="utf-8")
    with open_source("files", products=path) as source, \
            pytest.raises(ValidationError) as caught:
        list(source.products())
    assert any(problem.source == str(path) and problem.row == 2
               and problem.field == "unit_price" for problem in caught.value.problems)
    assert str(path) in str(caught.value) and "row 2," in str(caught.value)


def test_a_work_order_for_an_unknown_customer_names_its_row(tmp_path: Path) -> None:
    """Given a customers file, a work order naming a customer not in it is a problem of the
    work-orders file, on the work order's first row."""
    customers = tmp_path / "customers.csv"
    customers.write_text((DATA / "customers.csv").read_text(encoding="utf-8").splitlines()[0]
                         + "\nc-17,Acme ApS,company,,,,,DK,,DKK,,,,,\n", encoding="utf-8")
    orders = DATA / "work_orders.csv"
    with open_source("files", customers=customers, work_orders=orders) as source, \
            pytest.raises(ValidationError) as caught:
        list(source.work_orders())
    assert any(problem.source == str(orders) and problem.row == 4
               and problem.field == "customer_id" for problem in caught.value.problems)


def test_a_missing_file_is_an_input_file_error_naming_it(tmp_path: Path) -> None:
    """A path that does not exist is refused naming it, when the source reads it."""
    missing = tmp_path / "nowhere.csv"
    with open_source("files", customers=missing) as source, \
            pytest.raises(InputFileError, match=r"nowhere\.csv"):
        list(source.customers())
