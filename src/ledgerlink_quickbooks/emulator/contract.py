"""Checking JSON payloads against the official QuickBooks v3 XSD: names, types, cardinality.

:class:`XsdContract` reads Intuit's XSD files from a folder (they are not
shipped with ledgerlink) with ``xmlschema``, which resolves what a hand walk
of the XML gets wrong or leaves out: type derivation (``xs:extension`` chains
such as Invoice ← SalesTransaction ← Transaction ← IntuitEntity), named and
nested model groups, ``xs:choice`` (whose members are never each required),
simple types restricted from builtins (``id`` → string, ``int`` → integer)
and enumerations. It compiles the types reachable from the written entities
into a :class:`~ledgerlink_quickbooks.emulator.schema.Schema` and lists, for
a payload, unknown fields, wrong JSON types, a single value where the XSD
repeats (or the reverse) and missing required elements. Tests hold both the
emulator's answers and every body the connector writes to it; the emulator
itself uses the same table, shipped as ``qbo_schema.json``
(``python -m ledgerlink_quickbooks.emulator.contract XSD_FOLDER`` rewrites it).

``xmlschema`` is a test dependency: import this module only where it is.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ledgerlink_quickbooks.emulator.schema import TABLE_FILE, FieldSpec, Problem, Schema

__all__ = ["ENTITIES", "SCHEMAS", "XsdContract"]

#: The schema files that hold the entity types, base types and name groups.
SCHEMAS = ("Finance.xsd", "IntuitBaseTypes.xsd", "IntuitNamesTypes.xsd")
#: The entities QuickBooks (and the emulator) take writes for, plus the ones it answers.
ENTITIES = ("Customer", "Item", "Invoice", "Payment", "CreditMemo", "Account", "TaxCode",
            "TaxRate")
_BUILTIN_KINDS = {"string": "string", "decimal": "decimal", "integer": "integer",
                  "boolean": "boolean", "date": "date", "dateTime": "dateTime",
                  "anyURI": "string"}


class XsdContract:
    """The complex types of Intuit's XSDs in ``folder``, compiled for checking payloads."""

    def __init__(self, folder: Path, entities: Iterable[str] = ENTITIES) -> None:
        import xmlschema  # a test dependency, see the module docstring

        self._xsd = xmlschema.XMLSchema(str(folder / SCHEMAS[0]))
        self._types: dict[str, dict[str, FieldSpec]] = {}
        self._enums: dict[str, frozenset[str]] = {}
        for name in entities:
            self._compile(name)
        self.schema = Schema(self._types, self._enums)

    # ---------------------------------------------------------------- compiling

    def _compile(self, name: str) -> None:
        if name in self._types:
            return
        xsd_type: Any = self._xsd.types[name]  # complex: only complex types reach here
        fields: dict[str, FieldSpec] = {}
        self._types[name] = fields  # registered first: types refer to themselves
        if xsd_type.has_simple_content():
            fields["value"] = FieldSpec(self._kind(xsd_type.content), self._enum(xsd_type.content))
        elif xsd_type.content is not None:
            for element, required, repeated in _elements(xsd_type.content, True, False):
                fields[element.local_name] = self._spec(element.type, required, repeated)
        for attribute in xsd_type.attributes.values():
            if attribute.local_name:
                required = attribute.use == "required"
                fields[attribute.local_name] = self._spec(attribute.type, required, False)

    def _spec(self, xsd_type: Any, required: bool, repeated: bool) -> FieldSpec:
        if xsd_type is None or _is_open(xsd_type):
            return FieldSpec("any", "", repeated, required)
        if xsd_type.is_complex():
            self._compile(xsd_type.local_name)
            return FieldSpec("object", xsd_type.local_name, repeated, required)
        return FieldSpec(self._kind(xsd_type), self._enum(xsd_type), repeated, required)

    def _enum(self, simple: Any) -> str:
        values = getattr(simple, "enumeration", None)
        if not values or not simple.local_name:
            return ""
        self._enums[simple.local_name] = frozenset(str(v) for v in values)
        return str(simple.local_name)

    def _kind(self, simple: Any) -> str:
        if getattr(simple, "enumeration", None) and simple.local_name:
            return "enum"
        current = simple
        while current is not None:  # the nearest builtin the type restricts
            kind = _BUILTIN_KINDS.get(current.local_name or "")
            if kind is not None and current.target_namespace.endswith("XMLSchema"):
                return kind
            current = getattr(current, "base_type", None)
        return "string"

    # ---------------------------------------------------------------- checking

    def fields(self, type_name: str) -> Mapping[str, FieldSpec]:
        """Elements and attributes of a complex type (bases included) → their specs."""
        return self.schema.types.get(type_name.split(":")[-1], {})

    def problems(self, value: Mapping[str, Any], type_name: str) -> list[Problem]:
        """Unknown fields, wrong types, wrong cardinality and missing required elements."""
        return self.schema.problems(value, type_name)

    def unknown_fields(self, value: Mapping[str, Any], type_name: str) -> list[str]:
        """Dotted paths of keys in ``value`` that ``type_name`` does not define."""
        return [p.path for p in self.problems(value, type_name) if p.kind == "unknown"]


def _is_open(xsd_type: Any) -> bool:
    """True for a complex type holding an ``xs:any`` (e.g. IntuitAnyType): anything goes."""
    content = getattr(xsd_type, "content", None)
    if not xsd_type.is_complex() or content is None or xsd_type.has_simple_content():
        return False
    return any(getattr(item, "type", None) is None for item in content.iter_elements())


def _elements(group: Any, required: bool, repeated: bool) -> Iterable[tuple[Any, bool, bool]]:
    """(element, required, repeated) of a model group, nested groups flattened.

    An element is required when it and every group around it occur at least
    once and no ``xs:choice`` with several members encloses it; it is repeated
    when it or a group around it may occur more than once.
    """
    inside_choice = group.model == "choice" and len(group) > 1
    for item in group:
        max_occurs = item.max_occurs
        many = repeated or max_occurs is None or max_occurs > 1
        needed = required and not inside_choice and item.min_occurs > 0
        if hasattr(item, "model"):
            yield from _elements(item, needed, many)
        elif hasattr(item, "type") and item.local_name:
            yield item, needed, many


def main(argv: list[str]) -> int:
    """Compile the XSDs in ``argv[0]`` and write the emulator's ``qbo_schema.json``."""
    if len(argv) != 1:
        print("usage: python -m ledgerlink_quickbooks.emulator.contract XSD_FOLDER")
        return 2
    table = XsdContract(Path(argv[0])).schema.to_json()
    target = Path(__file__).with_name(TABLE_FILE)
    target.write_text(json.dumps(table, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {target} ({len(table['types'])} types)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
