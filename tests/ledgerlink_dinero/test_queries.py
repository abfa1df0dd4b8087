"""Dinero list queries are built safely: fields and operators fixed, values quoted."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import ValidationError
from ledgerlink_dinero.queries import (
    FILTER_FIELDS,
    changes_since,
    fields_param,
    list_params,
    literal,
    query_filter,
)

#: One clause as Dinero's grammar reads it: Field op 'text' with '' for a quote.
_CLAUSE = re.compile(r"^([A-Za-z]+) (eq|contains) '((?:[^']|'')*)'$")


def _lex(expression: str) -> list[tuple[str, str, str]]:
    """Split a queryFilter the way a server that splits on ';' first would, then read
    each clause; an unescaped quote or a stray separator makes a clause unreadable."""
    clauses = []
    for part in expression.split(";"):
        match = _CLAUSE.match(part)
        assert match, f"unreadable clause {part!r}"
        clauses.append((match[1], match[2], match[3].replace("''", "'")))
    return clauses


def test_the_documented_lookup_shape() -> None:
    """``VatNumber eq '12345678'``, clauses joined by ';' (the '+' in URLs is a space)."""
    assert query_filter("contacts", [("VatNumber", "eq", "12345678")]) == (
        "VatNumber eq '12345678'")
    assert query_filter("contacts", [("Email", "contains", "@firma.dk"),
                                     ("IsPerson", "eq", False)]) == (
        "Email contains '@firma.dk';IsPerson eq 'false'")


def test_fields_and_operators_come_from_fixed_sets() -> None:
    """Unknown fields (per entity), operators and value types are refused."""
    with pytest.raises(ValidationError):
        query_filter("contacts", [("Name) or (1", "eq", "x")])
    with pytest.raises(ValidationError):
        query_filter("products", [("VatNumber", "eq", "x")])
    with pytest.raises(ValidationError):
        query_filter("contacts", [("Name", "ne", "x")])  # type: ignore[list-item]
    with pytest.raises(ValidationError):
        query_filter("contacts", [])
    with pytest.raises(ValidationError):
        literal(1.5)  # type: ignore[arg-type]


def test_a_value_with_the_clause_separator_is_refused() -> None:
    """';' cannot be protected inside a literal, so it never reaches the filter."""
    with pytest.raises(ValidationError, match="';'"):
        query_filter("contacts", [("Name", "eq", "A; IsPerson eq 'true'")])


@given(st.sampled_from(sorted(FILTER_FIELDS["contacts"])), st.sampled_from(["eq", "contains"]),
       st.text().filter(lambda s: ";" not in s))
def test_any_text_round_trips_through_the_lexer(field: str, operator: str, value: str) -> None:
    """Whatever a name holds (quotes included), the lexer reads back exactly one clause with
    exactly that value."""
    expression = query_filter("contacts", [(field, operator, value)])  # type: ignore[list-item]
    assert _lex(expression) == [(field, operator, value)]


@given(st.lists(st.text().filter(lambda s: ";" not in s), min_size=1, max_size=4))
def test_several_hostile_values_stay_in_their_clauses(values: list[str]) -> None:
    """Each value stays in its own clause, in order."""
    expression = query_filter("contacts", [("Name", "eq", v) for v in values])
    assert [c[2] for c in _lex(expression)] == values


def test_changes_since_is_utc_seconds_with_z() -> None:
    """An aware moment in any zone becomes UTC, truncated to the second; naive is refused."""
    copenhagen = timezone(timedelta(hours=1))
    moment = datetime(2026, 11, 22, 10, 30, 15, 999999, tzinfo=copenhagen)
    assert changes_since(moment) == "2026-11-22T09:30:15Z"
    with pytest.raises(ValidationError):
        changes_since(datetime(2026, 11, 22, 10, 30))


def test_list_params_are_explicit_zero_based_and_bounded() -> None:
    """Paging is 0-based and at most 1000 a page; options appear only when asked for."""
    assert list_params("contacts") == {"page": "0", "pageSize": "100"}
    params = list_params("invoices", where=[("ExternalReference", "eq", "ll:abc")],
                         fields=["Guid", "Status", "Guid"], page=2, page_size=1000,
                         since=datetime(2026, 1, 1, tzinfo=UTC), deleted_only=True,
                         start_date=date(2026, 1, 1), end_date=date(2026, 1, 31))
    assert params == {"startDate": "2026-01-01", "endDate": "2026-01-31",
                      "fields": "Guid,Status", "queryFilter": "ExternalReference eq 'll:abc'",
                      "changesSince": "2026-01-01T00:00:00Z", "deletedOnly": "true",
                      "page": "2", "pageSize": "1000"}
    for page, size in ((-1, 100), (0, 0), (0, 1001)):
        with pytest.raises(ValidationError):
            list_params("products", page=page, page_size=size)
    with pytest.raises(ValidationError):
        list_params("contacts", start_date=date(2026, 1, 1))
    with pytest.raises(ValidationError):
        fields_param(["Name,Email"])
