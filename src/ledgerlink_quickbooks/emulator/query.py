"""A small, safe parser and evaluator for the QuickBooks query language.

Grammar (what QuickBooks accepts, no OR/JOIN/GROUP BY)::

    SELECT (* | COUNT(*)) FROM Entity
        [WHERE cond (AND cond)*] [ORDERBY field [ASC|DESC]]
        [STARTPOSITION n] [MAXRESULTS n]
    cond := field (= | < | > | <= | >= | LIKE) literal | field IN (literal, ...)

String literals use single quotes; ``\\'`` and ``\\\\`` are escapes. Values are
data, never re-parsed, so a name like ``O'Brien`` cannot inject a clause.

Refused as QuickBooks refuses them: anything outside the grammar, ``!=`` (not
among Intuit's documented operators), and ``Id`` with anything but ``=``/``IN``
(code 4000, "Error parsing query"); ``MAXRESULTS`` above 1000 (code 4001,
"Invalid query", with QuickBooks' ``QueryValidationError`` text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs

from ledgerlink_quickbooks.emulator.state import Entity
from ledgerlink_quickbooks.emulator.wire import QBOFault

DEFAULT_MAX_RESULTS = 100
MAX_MAX_RESULTS = 1000
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op><=|>=|!=|=|<|>)"
    r"|(?P<punct>[(),*])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"
)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_OPS = {"=", "<", ">", "<=", ">=", "LIKE", "IN"}
# The connector-facing meaning of a reference or e-mail field is its inner value.
_INNER = {
    "CustomerRef": "value",
    "ItemRef": "value",
    "CurrencyRef": "value",
    "PrimaryEmailAddr": "Address",
    "BillEmail": "Address",
}


def parse_error(detail: str) -> QBOFault:
    """Code 4000: the query could not be parsed."""
    return QBOFault("4000", "Error parsing query", f"QueryParserError: {detail}")


def invalid_query(detail: str) -> QBOFault:
    """Code 4001: the query parsed but asks for something QuickBooks does not allow."""
    return QBOFault("4001", "Invalid query", f"QueryValidationError: {detail}")


@attrs.frozen
class Condition:
    """One ``field op value`` test; ``values`` has several entries only for IN."""

    field: str
    op: str
    values: tuple[str, ...]


@attrs.frozen
class Query:
    """A parsed query."""

    entity: str
    count: bool
    conditions: tuple[Condition, ...]
    order_by: str | None
    descending: bool
    start: int
    max_results: int


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise parse_error(f"unexpected character at {pos}: {text[pos : pos + 10]!r}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out.append((kind, value))
        pos = match.end()
    return out


class _Cursor:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek_word(self) -> str:
        if self.pos < len(self.tokens) and self.tokens[self.pos][0] in ("word", "op"):
            return self.tokens[self.pos][1].upper()
        return ""

    def take(self, kinds: Iterable[str]) -> str:
        if self.pos >= len(self.tokens):
            raise parse_error("unexpected end of query")
        kind, value = self.tokens[self.pos]
        if kind not in set(kinds):
            raise parse_error(f"unexpected {value!r}")
        self.pos += 1
        return value

    def expect(self, word: str) -> None:
        if self.peek_word() != word and not (
            self.pos < len(self.tokens) and self.tokens[self.pos][1] == word
        ):
            raise parse_error(f"expected {word}")
        self.pos += 1

    def done(self) -> bool:
        return self.pos >= len(self.tokens)


def parse(text: str, entities: Sequence[str]) -> Query:
    """Parse ``text``; raise the 4000 fault on anything outside the grammar."""
    cur = _Cursor(_tokens(text))
    cur.expect("SELECT")
    count = False
    if cur.peek_word() == "COUNT":
        cur.pos += 1
        for part in ("(", "*", ")"):
            cur.expect(part)
        count = True
    else:
        cur.expect("*")
    cur.expect("FROM")
    name = cur.take(["word"])
    entity = next((e for e in entities if e.lower() == name.lower()), None)
    if entity is None:
        raise parse_error(f"unsupported entity {name}")
    conditions: list[Condition] = []
    if cur.peek_word() == "WHERE":
        cur.pos += 1
        conditions.append(_condition(cur))
        while cur.peek_word() == "AND":
            cur.pos += 1
            conditions.append(_condition(cur))
    order_by, descending = None, False
    if cur.peek_word() == "ORDERBY":
        cur.pos += 1
        order_by = cur.take(["word"])
        if cur.peek_word() in ("ASC", "DESC"):
            descending = cur.peek_word() == "DESC"
            cur.pos += 1
    start, max_results = 1, DEFAULT_MAX_RESULTS
    if cur.peek_word() == "STARTPOSITION":
        cur.pos += 1
        start = max(1, int(cur.take(["num"])))
    if cur.peek_word() == "MAXRESULTS":
        cur.pos += 1
        asked = int(cur.take(["num"]))
        if asked > MAX_MAX_RESULTS:
            raise invalid_query(
                f"value {asked} is too large. Max allowed value is {MAX_MAX_RESULTS}"
            )
        max_results = max(1, asked)
    if not cur.done():
        raise parse_error(f"unexpected {cur.tokens[cur.pos][1]!r}")
    return Query(entity, count, tuple(conditions), order_by, descending, start, max_results)


def _condition(cur: _Cursor) -> Condition:
    field = cur.take(["word"])
    op = cur.peek_word()
    if op not in _OPS:
        raise parse_error(f"unsupported operator after {field}")
    cur.pos += 1
    if op == "IN":
        cur.expect("(")
        values = [cur.take(["str", "num"])]
        while cur.pos < len(cur.tokens) and cur.tokens[cur.pos][1] == ",":
            cur.pos += 1
            values.append(cur.take(["str", "num"]))
        cur.expect(")")
        return Condition(field, op, tuple(values))
    if field.lower() == "id" and op != "=":
        raise parse_error("Id supports only = and IN")
    return Condition(field, op, (cur.take(["str", "num"]),))


def _lookup(entity: Entity, path: str) -> Any:
    value: Any = entity
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        key = next((k for k in value if k.lower() == part.lower()), None)
        value = value.get(key) if key is not None else None
    if isinstance(value, dict):
        inner = _INNER.get(path.split(".")[-1], "value")
        value = value.get(inner)
    return value


def _key(value: Any) -> Decimal | str:
    """Numbers compare as decimals, date-times as instants, everything else case-blind."""
    if isinstance(value, bool):
        return str(value).lower()
    text = str(value)
    if _NUMBER.fullmatch(text):
        return Decimal(text)
    if _DATETIME.match(text):
        try:
            stamp = datetime.fromisoformat(text)
        except ValueError:
            return text.casefold()
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return Decimal(str(stamp.timestamp()))
    return text.casefold()


@attrs.frozen
class _Test:
    """A condition with its literals read once per query, not once per row."""

    cond: Condition
    keys: frozenset[Decimal | str]
    folded: frozenset[str]
    kinds: frozenset[type]
    first: Decimal | str
    first_folded: str
    pattern: re.Pattern[str] | None

    @classmethod
    def from_condition(cls, cond: Condition) -> _Test:
        keys = [_key(v) for v in cond.values]
        pattern = None
        if cond.op == "LIKE":
            text = "".join(".*" if c == "%" else re.escape(c) for c in cond.values[0])
            pattern = re.compile(text, re.IGNORECASE | re.DOTALL)
        return cls(cond, frozenset(keys), frozenset(v.casefold() for v in cond.values),
                   frozenset(type(k) for k in keys), keys[0], cond.values[0].casefold(),
                   pattern)


def _matches(entity: Entity, test: _Test) -> bool:
    cond = test.cond
    actual = _lookup(entity, cond.field)
    if actual is None:
        return False
    if test.pattern is not None:
        return test.pattern.fullmatch(str(actual)) is not None
    left = _key(actual)
    if test.kinds != {type(left)}:
        # A number against text (or the like): compare both as case-blind text.
        text = str(actual).casefold()
        if cond.op == "IN":
            return text in test.folded
        return _compare(text, cond.op, test.first_folded)
    if cond.op == "IN":
        return left in test.keys
    return _compare(left, cond.op, test.first)


def _compare(left: Any, op: str, right: Any) -> bool:
    if op == "=":
        return bool(left == right)
    if op == "<":
        return bool(left < right)
    if op == ">":
        return bool(left > right)
    if op == "<=":
        return bool(left <= right)
    return bool(left >= right)


def run(query: Query, rows: Iterable[Entity]) -> dict[str, Any]:
    """Evaluate ``query`` over ``rows`` and build the ``QueryResponse`` object."""
    tests = [_Test.from_condition(c) for c in query.conditions]
    hits = [row for row in rows if all(_matches(row, t) for t in tests)]
    if query.count:
        return {"totalCount": len(hits)}
    if query.order_by:
        field = query.order_by
        hits.sort(
            key=lambda r: (_lookup(r, field) is None, str(_key(_lookup(r, field)))),
            reverse=query.descending,
        )
    else:
        hits.sort(key=lambda r: int(r["Id"]))
    page = hits[query.start - 1 : query.start - 1 + query.max_results]
    if not page:
        return {}
    return {
        query.entity: page,
        "startPosition": query.start,
        "maxResults": len(page),
        "totalCount": len(page),
    }
