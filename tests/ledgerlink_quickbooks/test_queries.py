"""QuickBooks queries are built safely: values quoted, names and operators fixed."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import ValidationError
from ledgerlink_quickbooks.queries import quote, select


def test_the_documented_escape_example() -> None:
    """An apostrophe is escaped as \\' exactly as Intuit's query documentation shows."""
    assert select("Customer", [("CompanyName", "=", "Adam's Candy Shop")]).startswith(
        "SELECT * FROM Customer WHERE CompanyName = 'Adam\\'s Candy Shop'")


def test_backslashes_are_escaped_before_quotes() -> None:
    """A value ending in a backslash cannot escape its closing quote."""
    assert quote("O'Brien \\") == "'O\\'Brien \\\\'"


def test_typographic_apostrophes_become_plain_escaped_ones() -> None:
    """Curly apostrophes, which break QuickBooks' lexer, are normalised and escaped."""
    assert quote("O\u2019Brien") == "'O\\'Brien'"


def _unquote(literal: str) -> str:
    """Read a literal back the way QuickBooks' lexer does (\\x means x)."""
    assert literal[0] == literal[-1] == "'"
    out, escaped = [], False
    for char in literal[1:-1]:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            assert char != "'", "an unescaped quote would end the literal early"
            out.append(char)
    assert not escaped
    return "".join(out)


@given(st.text())
def test_any_text_round_trips_through_a_literal(value: str) -> None:
    """Whatever a name contains, the lexer reads back exactly that value (quotes normalised)."""
    assert _unquote(quote(value)) == value.replace("\u2018", "'").replace("\u2019", "'")


def test_conditions_paging_and_ordering() -> None:
    """AND-joined conditions, IN lists, dates, ORDERBY and 1-based paging."""
    query = select("Invoice", [("CustomerRef", "=", "58"), ("TxnDate", ">=", date(2026, 1, 1)),
                               ("Id", "IN", ["1", "2"])],
                   start=1001, max_results=500, order_by="TxnDate DESC")
    assert query == ("SELECT * FROM Invoice WHERE CustomerRef = '58' AND TxnDate >= "
                     "'2026-01-01' AND Id IN ('1', '2') ORDERBY TxnDate DESC "
                     "STARTPOSITION 1001 MAXRESULTS 500")


@pytest.mark.parametrize("args", [
    ("Invoice; DROP", []), ("Invoice", [("Name OR 1", "=", "x")]),
    ("Invoice", [("Name", "OR", "x")]), ("Invoice", [("Id", "IN", [])]),
    ("Invoice", [("Id", "IN", "12")]),
])
def test_names_and_operators_cannot_come_from_data(args: tuple[str, list]) -> None:  # type: ignore[type-arg]
    """Entity and field names, operators and IN lists are validated, not interpolated."""
    with pytest.raises(ValidationError):
        select(*args)


def test_paging_limits_are_enforced() -> None:
    """STARTPOSITION starts at 1 and MAXRESULTS is at most 1000."""
    with pytest.raises(ValidationError):
        select("Invoice", start=0)
    with pytest.raises(ValidationError):
        select("Invoice", max_results=1001)
