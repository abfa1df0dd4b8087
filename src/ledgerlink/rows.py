"""Internal: rows of the user's table files, read, folded and written.

What :mod:`ledgerlink.loading` (customers, products, work orders) and
:mod:`ledgerlink.scheduling.files` (projects) share: reading a ``.csv`` file
into numbered records under a checked header, reading a ``.json`` list,
folding the CSV rows that share an id into one object (a work order and its
lines, a project and its items), placing each problem at the file, row and
column it came from, and writing a file so that a crash leaves the old one
whole. See :mod:`ledgerlink.loading` for how rows and fields are numbered.
"""

from __future__ import annotations

import csv
import gc
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import cattrs

from ledgerlink.convert import JsonNumber, json_int, structure, unstructure
from ledgerlink.csvformat import Column, blank, column_for, nest, text
from ledgerlink.errors import InputFileError, ValidationError

__all__ = [
    "MAX_JSON_DEPTH",
    "TABLE_SUFFIXES",
    "PathArg",
    "Record",
    "UniqueIds",
    "all_problems",
    "atomic_write",
    "check_suffix",
    "check_unique",
    "fold_rows",
    "group_rows",
    "paused_gc",
    "placed",
    "read_json",
    "read_records",
    "read_rows",
    "row_order",
    "save_table",
    "unreadable",
]

T = TypeVar("T")
PathArg = str | os.PathLike[str]
#: One CSV data row: its spreadsheet row number and its cells by column name.
Record = tuple[int, dict[str, str]]

#: The suffixes of table files (customers, products, work orders, projects).
TABLE_SUFFIXES = (".csv", ".json")
#: Nesting deeper than this is reported when the JSON reader gives up on a file;
#: ledgerlink's own files nest four levels (list, object, lines, line).
MAX_JSON_DEPTH = 32


# --- reading ---------------------------------------------------------------------------


def check_suffix(path: PathArg, allowed: Sequence[str]) -> str:
    """``path``'s suffix, lower-cased; InputFileError when it is not one of ``allowed``."""
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        raise InputFileError(
            f"unsupported file type {suffix or '(none)'!r}; use {' or '.join(allowed)}",
            source=os.fspath(path),
        )
    return suffix


def unreadable(source: str, err: Exception) -> InputFileError:
    """Why ``source`` could not be read, in the user's words."""
    if isinstance(err, FileNotFoundError):
        return InputFileError("file not found", source=source)
    if isinstance(err, OSError):
        return InputFileError(f"cannot read the file: {err.strerror or err}", source=source)
    if isinstance(err, UnicodeDecodeError):
        return InputFileError(
            f"not UTF-8 text (byte {err.start}); save the file as UTF-8", source=source
        )
    return InputFileError(f"cannot read the file: {err}", source=source)


def _csv_rows(source: str) -> Iterator[list[str]]:
    """The rows of a CSV file, read as they are asked for."""
    try:
        # newline="" lets the csv module see line breaks inside quoted cells as
        # they are; utf-8-sig drops the byte-order mark spreadsheets write.
        with open(source, encoding="utf-8-sig", newline="") as handle:
            yield from csv.reader(handle)
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise unreadable(source, err) from err


def read_records(
    source: str, columns: Sequence[Column], problems: list[ValidationError]
) -> list[Record]:
    """The data rows of a CSV file as (spreadsheet row number, column → cell).

    A bad header (unknown, unnamed, repeated or missing columns) raises at once
    with all its problems; a row of the wrong length is added to ``problems``.
    """
    header, rows = read_rows(source, columns, problems)
    return [(number, dict(zip(header, cells, strict=True))) for number, cells in rows]


def read_rows(
    source: str, columns: Sequence[Column], problems: list[ValidationError]
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header of a CSV file, and its data rows as (spreadsheet row number, cells).

    The rows are read as the iterator is advanced, so a file is never held whole;
    blank rows are skipped. The header is checked as :func:`read_records` says,
    at once; a row of the wrong length is added to ``problems`` as it is read.
    """
    rows = _csv_rows(source)
    first = next(rows, None)
    if first is None or all(blank(cell) for cell in first):
        _drain(rows)
        raise InputFileError("no header row", source=source)
    header = [cell.strip() for cell in first]
    header_problems = _header_problems(source, header, columns)
    if header_problems:
        _drain(rows)
        # Without a trustworthy header every row would be misread: stop here.
        raise all_problems(source, header_problems)
    return header, _data_rows(source, header, rows, problems)


def _drain(rows: Iterator[list[str]]) -> None:
    """Read the rest of a file that is refused anyway: one that cannot be read at all
    says so first, as it did when files were read whole before their header was checked."""
    for _ in rows:
        pass


def _header_problems(source: str, header: list[str],
                     columns: Sequence[Column]) -> list[ValidationError]:
    known = {c.name for c in columns}
    header_problems = []
    for name in sorted({n for n in header if n and header.count(n) > 1}):
        header_problems.append(ValidationError("column appears twice", source=source, row=1,
                                               field=name))
    for position, name in enumerate(header, start=1):
        if not name:
            header_problems.append(ValidationError(
                f"column {position} has no name in the header", source=source, row=1,
            ))
        elif name not in known:
            header_problems.append(ValidationError(
                f"unknown column; expected {', '.join(c.name for c in columns)}",
                source=source, row=1, field=name,
            ))
    for column in columns:
        if column.required and column.name not in header:
            header_problems.append(
                ValidationError("missing column", source=source, row=1, field=column.name)
            )
    return header_problems


def _data_rows(source: str, header: list[str], rows: Iterator[list[str]],
               problems: list[ValidationError]) -> Iterator[tuple[int, list[str]]]:
    width = len(header)
    for number, cells in enumerate(rows, start=2):
        # Every cell blank, tested at once: a call per cell costs more than the rest
        # of reading a large file.
        if not "".join(cells).strip():
            continue
        if len(cells) != width:
            problems.append(ValidationError(
                f"has {len(cells)} cells but the header has {width}",
                source=source, row=number,
            ))
            continue
        yield number, cells


def read_json(source: str) -> list[Any]:
    """The top-level list of a JSON file; numbers that are not short whole numbers stay text."""
    try:
        with open(source, encoding="utf-8-sig") as handle:
            document = handle.read()
    except (OSError, UnicodeDecodeError) as err:
        raise unreadable(source, err) from err
    try:
        # Numbers that are not plain, short whole numbers stay text, so the
        # converter can refuse them quoting the file (see convert.JsonNumber).
        data = json.loads(document, parse_int=json_int, parse_float=JsonNumber,
                          parse_constant=JsonNumber)
    except json.JSONDecodeError as err:
        raise InputFileError(
            f"not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})", source=source
        ) from err
    except RecursionError:
        raise _too_deep(source, document) from None
    if not isinstance(data, list):
        raise InputFileError("expected a JSON list of objects at the top level", source=source)
    return data


def _too_deep(source: str, document: str) -> InputFileError:
    """Where ``document`` first nests deeper than :data:`MAX_JSON_DEPTH`, as an error."""
    depth, item, line, column = 0, 0, 1, 0
    in_string = escaped = False
    for char in document:
        column += 1
        if char == "\n":
            line, column = line + 1, 0
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                break
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 1:
            item += 1
    return InputFileError(f"nested more than {MAX_JSON_DEPTH} levels deep "
                          f"(line {line}, column {column})", source=source, row=item)


# --- problems ----------------------------------------------------------------------------


def all_problems(source: str, problems: Sequence[ValidationError]) -> ValidationError:
    """One error for a file, counting and holding each of its ``problems``."""
    count = f"{len(problems)} problem" + ("" if len(problems) == 1 else "s")
    return ValidationError(count, source=source, problems=problems)


def placed(
    error: ValidationError, source: str, row: int | None, field: str | None
) -> ValidationError:
    """``error`` at the file, row and field (the user's name for it) it came from."""
    return ValidationError(error.message, field=field, value=error.value, source=source, row=row)


def row_order(problem: ValidationError) -> int:
    """Sort key putting problems in the file's order (those without a row first)."""
    return problem.row if problem.row is not None else 0


def check_unique(entries: Iterable[tuple[int, object, str]], what: str, source: str,
                 problems: list[ValidationError]) -> None:
    """Report every id seen before, naming the row it was first seen on.

    ``entries`` are (row, id, field): an item id sits at a different path in
    each JSON project, so the field comes with each id.
    """
    ids = UniqueIds(what, source, problems)
    for row, key, field in entries:
        ids.check(row, key, field)


class UniqueIds:
    """The ids seen so far in a file, for :func:`check_unique` one entry at a time."""

    def __init__(self, what: str, source: str, problems: list[ValidationError]) -> None:
        self._what, self._source, self._problems = what, source, problems
        self._first: dict[object, int] = {}

    def check(self, row: int, key: object, field: str) -> None:
        """Report ``key`` when it was seen before; remember its row when not."""
        if not isinstance(key, str) or not key.strip():
            return  # blank or malformed ids are reported by the converter
        if key in self._first:
            self._problems.append(ValidationError(
                f"duplicate {self._what} id {key!r} (first on row {self._first[key]})",
                source=self._source, row=row, field=field, value=key,
            ))
        else:
            self._first[key] = row


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for the ``with`` block (as the planner does).

    Loading a large file makes millions of small objects, none of them in a cycle;
    the collector would rescan the growing heap over and over (measured: 40 % of
    loading 100,000 work orders). Reference counting still frees everything.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


# --- folding the rows of one object ------------------------------------------------------


def group_rows(records: Iterable[Record], column: str, source: str,
               problems: list[ValidationError], *,
               key: Callable[[str], str] = str) -> dict[str, list[Record]]:
    """The records sharing the cell of ``column`` (as ``key`` makes it), in first-seen order.

    A record whose cell is blank belongs to nothing: it is a problem.
    """
    groups: dict[str, list[Record]] = {}
    for row, record in records:
        cell = record[column]
        if blank(cell):
            problems.append(ValidationError("required value missing", source=source, row=row,
                                            field=column))
            continue
        groups.setdefault(key(cell), []).append((row, record))
    return groups


def fold_rows(source: str, rows: Sequence[Record], cls: type[T], conv: cattrs.Converter,
              problems: list[ValidationError], *, head: Sequence[Column],
              parts: Sequence[Column], parts_field: str, what: str) -> T | None:
    """One ``cls`` from the CSV rows of one object: the ``head`` columns once, a part per row.

    The head columns must agree across the rows (a row that differs is a
    problem naming the first row); a row whose part columns are all blank adds
    no part (an object without parts is written that way). Problems are placed
    at the row and column they came from: a part's at its own row, the head's
    at the first row. None when anything was wrong.
    """
    first_row, first = rows[0]
    for row, record in rows[1:]:
        for column in head:
            mine, theirs = record.get(column.name), first.get(column.name)
            if mine == theirs:
                continue  # the usual case, without blank() for every cell
            mine, theirs = text(mine), text(theirs)
            if mine != theirs:
                problems.append(ValidationError(
                    f"differs from row {first_row} of the same {what} "
                    f"({mine!r} here, {theirs!r} there)",
                    source=source, row=row, field=column.name, value=mine,
                ))
    data = nest(head, first)
    part_rows: list[int] = []
    data[parts_field] = []
    for row, record in rows:
        part = nest(parts, record)
        if part:
            data[parts_field].append(part)
            part_rows.append(row)
    try:
        return structure(data, cls, conv=conv)
    except ValidationError as err:
        # Only a problem needs the names of where it came from.
        head_names, part_names = column_for(head), column_for(parts)
        part_path = re.compile(rf"{re.escape(parts_field)}\[(\d+)\](?:\.(.+))?")
        for problem in err.problems:
            match = part_path.fullmatch(problem.field or "")
            if match:
                index, rest = int(match.group(1)), match.group(2)
                name = part_names.get(rest, rest) if rest else None
                problems.append(placed(problem, source, part_rows[index], name))
            else:
                field = head_names.get(problem.field or "", problem.field)
                problems.append(placed(problem, source, first_row, field))
        return None


# --- writing -----------------------------------------------------------------------------


def atomic_write(path: PathArg, write: Callable[[Any], None]) -> None:
    """Write through a temporary file beside ``path`` so a crash leaves the old file whole."""
    target = Path(path)
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", newline="", dir=target.parent or ".",
            prefix=f".{target.name}.", suffix=".tmp", delete=False,
        ) as handle:
            try:
                write(handle)
            except BaseException:
                handle.close()
                os.unlink(handle.name)
                raise
        os.replace(handle.name, target)
    except OSError as err:
        raise InputFileError(f"cannot write the file: {err.strerror or err}",
                             source=os.fspath(path)) from err


def save_table(path: PathArg, columns: Sequence[Column], rows: Iterable[list[str]],
               items: Sequence[Any], *, conv: cattrs.Converter | None = None) -> None:
    """``items`` as a JSON list (through ``conv``), or ``rows`` under ``columns`` as CSV."""
    if check_suffix(path, TABLE_SUFFIXES) == ".json":
        document = json.dumps([unstructure(item, conv=conv) for item in items], indent=2,
                              ensure_ascii=False)
        atomic_write(path, lambda handle: handle.write(document + "\n"))
        return

    def write(handle: Any) -> None:
        out = csv.writer(handle, lineterminator="\r\n")
        out.writerow([c.name for c in columns])
        out.writerows(rows)

    atomic_write(path, write)
