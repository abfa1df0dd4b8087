"""The shape of QuickBooks request bodies, as Intuit's v3 XSD defines it, and a checker.

QuickBooks' JSON mirrors its XSD: every key of an entity is an element or an
attribute of the entity's complex type (or of a type it extends); a
simple-content type (``ReferenceType``, ``MemoRef``) carries its text as
``"value"``. Each field has a value kind (string, decimal, integer, boolean,
date, dateTime, an enumeration, a nested object or ``xs:any``), is single or
repeated (``maxOccurs``: repeated fields are JSON arrays) and is required when
the XSD says ``minOccurs="1"`` outside any ``xs:choice``.

:class:`Schema` holds that table for the types the emulator takes writes for
and everything they reach. The table is compiled from the official XSD by
:mod:`~ledgerlink_quickbooks.emulator.contract` (which needs the XSD files and
``xmlschema``) and shipped as ``qbo_schema.json`` beside this module, so the
emulator checks bodies without either; a test holds the shipped table equal to
a fresh compilation. :meth:`Schema.problems` lists what is wrong with a body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import attrs

__all__ = ["FieldSpec", "Problem", "Schema", "load_schema"]

#: Value kinds of a field (``object`` and ``enum`` name their XSD type).
KINDS = frozenset(
    {"string", "decimal", "integer", "boolean", "date", "dateTime", "enum", "object", "any"}
)
TABLE_FILE = "qbo_schema.json"
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")


@attrs.frozen
class FieldSpec:
    """One element or attribute of a complex type.

    Attributes:
        kind: One of :data:`KINDS`.
        type_name: The XSD type of an ``object`` or ``enum`` field, else ``""``.
        repeated: ``maxOccurs`` is above 1 (the JSON value is an array).
        required: ``minOccurs`` is 1 and no ``xs:choice`` encloses the field.
    """

    kind: str = attrs.field(validator=attrs.validators.in_(KINDS))
    type_name: str = ""
    repeated: bool = False
    required: bool = False

    def encode(self) -> str:
        """Compact text form: ``kind[:type][*][!]`` (``*`` repeated, ``!`` required)."""
        text = f"{self.kind}:{self.type_name}" if self.type_name else self.kind
        return text + ("*" if self.repeated else "") + ("!" if self.required else "")

    @classmethod
    def decode(cls, text: str) -> FieldSpec:
        """Read the form :meth:`encode` writes."""
        required = text.endswith("!")
        text = text.rstrip("!")
        repeated = text.endswith("*")
        kind, _, type_name = text.rstrip("*").partition(":")
        return cls(kind, type_name, repeated, required)


@attrs.frozen
class Problem:
    """One thing wrong with a body.

    Attributes:
        kind: ``unknown`` (no such field), ``type`` (wrong JSON type or
            unparsable value), ``enum`` (a value outside the enumeration),
            ``cardinality`` (array where one value belongs, or the reverse) or
            ``required`` (a required field is missing).
        path: Dotted path from the entity, e.g. ``Invoice.Line.Amount``.
        detail: What was found, in words.
    """

    kind: str
    path: str
    detail: str


@attrs.frozen
class Schema:
    """Complex types (name → field → spec) and enumerations (name → allowed values).

    Attributes:
        types: Fields of each complex type, inherited ones included.
        enums: Allowed values of each enumeration type.
    """

    types: Mapping[str, Mapping[str, FieldSpec]]
    enums: Mapping[str, frozenset[str]]

    def to_json(self) -> dict[str, Any]:
        """The table as plain JSON (sorted, so a diff shows what changed)."""
        return {
            "types": {
                name: {key: spec.encode() for key, spec in sorted(fields.items())}
                for name, fields in sorted(self.types.items())
            },
            "enums": {name: sorted(values) for name, values in sorted(self.enums.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Schema:
        """Read what :meth:`to_json` wrote."""
        types = {
            name: {key: FieldSpec.decode(text) for key, text in fields.items()}
            for name, fields in data["types"].items()
        }
        enums = {name: frozenset(values) for name, values in data["enums"].items()}
        return cls(types, enums)

    def problems(self, value: Any, type_name: str, path: str | None = None) -> list[Problem]:
        """Everything in ``value`` that type ``type_name`` does not allow, in body order."""
        return list(self._walk(value, type_name, path or type_name))

    def _walk(self, value: Any, type_name: str, path: str) -> Iterator[Problem]:
        fields = self.types.get(type_name)
        if fields is None:
            return
        if not isinstance(value, Mapping):
            yield Problem("type", path, f"expected an object, got {_json_name(value)}")
            return
        for key, inner in value.items():
            spec = fields.get(key)
            where = f"{path}.{key}"
            if spec is None:
                yield Problem("unknown", where, f"{type_name} has no field {key!r}")
            elif inner is not None:
                yield from self._field(inner, spec, where)
        for key, spec in fields.items():
            if spec.required and value.get(key) is None:
                yield Problem("required", f"{path}.{key}", f"{type_name} requires {key!r}")

    def _field(self, value: Any, spec: FieldSpec, path: str) -> Iterator[Problem]:
        if spec.repeated != isinstance(value, list):
            expected = "an array" if spec.repeated else f"one {spec.kind} value"
            yield Problem("cardinality", path, f"expected {expected}, got {_json_name(value)}")
            return
        for item in value if isinstance(value, list) else [value]:
            if spec.kind == "object":
                yield from self._walk(item, spec.type_name, path)
            elif spec.kind != "any":
                yield from self._scalar(item, spec, path)

    def _scalar(self, value: Any, spec: FieldSpec, path: str) -> Iterator[Problem]:
        wrong = Problem("type", path, f"expected {spec.kind}, got {_json_name(value)}")
        if spec.kind == "boolean":
            if not isinstance(value, bool):
                yield wrong
        elif spec.kind in ("decimal", "integer"):
            # JSON numbers only: QuickBooks' decimals are xs:decimal, sent as numbers.
            if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
                yield wrong
            elif not Decimal(str(value)).is_finite():  # NaN and Infinity are no decimals
                yield Problem("type", path, f"expected {spec.kind}, got {value!r}")
            elif spec.kind == "integer" and Decimal(str(value)) % 1 != 0:
                yield Problem("type", path, f"expected integer, got {value!r}")
        elif not isinstance(value, str):
            yield wrong
        elif spec.kind == "enum" and value not in self.enums.get(spec.type_name, {value}):
            yield Problem("enum", path, f"{value!r} is not one of {spec.type_name}")
        elif spec.kind == "date" and not _is_date(value):
            yield Problem("type", path, f"expected a date YYYY-MM-DD, got {value!r}")
        elif spec.kind == "dateTime" and not _DATETIME.fullmatch(value):
            yield Problem("type", path, f"expected a dateTime, got {value!r}")


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == len("YYYY-MM-DD")


def _json_name(value: Any) -> str:
    """The JSON type of a decoded value, as a reader of the body would name it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {json.dumps(value)}"
    if isinstance(value, int | float | Decimal):
        return f"number {value}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, list):
        return "an array"
    return "an object"


@cache
def load_schema() -> Schema:
    """The table shipped with the emulator (compiled from the official XSD)."""
    text = resources.files(__package__ or __name__).joinpath(TABLE_FILE).read_text("utf-8")
    return Schema.from_json(json.loads(text))
