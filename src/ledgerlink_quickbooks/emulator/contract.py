"""Checking JSON payloads against the official QuickBooks v3 XSD types.

QuickBooks' JSON mirrors its XSD: every key of an entity is an element or
attribute of that entity's complex type (or of a type it extends), recursively.
:class:`XsdContract` reads the XSD files from a folder (they are Intuit's, and
are not shipped with ledgerlink) and lists the keys of a payload that the
official type does not have — so tests can hold both the emulator's answers and
the connector's writes to the published schema.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["SCHEMAS", "XsdContract"]

_XS = "{http://www.w3.org/2001/XMLSchema}"
#: The schema files that hold the entity types, base types and name groups.
SCHEMAS = ("Finance.xsd", "IntuitBaseTypes.xsd", "IntuitNamesTypes.xsd")


class XsdContract:
    """The complex types of Intuit's XSDs in ``folder``, for checking payload keys."""

    def __init__(self, folder: Path) -> None:
        self._nodes: dict[str, ET.Element] = {}
        for name in SCHEMAS:
            root = ET.parse(folder / name).getroot()
            for kind in ("complexType", "group"):
                for node in root.iter(f"{_XS}{kind}"):
                    if node.get("name"):
                        self._nodes[f"{kind}:{node.get('name')}"] = node
        self._fields: dict[str, dict[str, str | None]] = {}

    def fields(self, type_name: str) -> dict[str, str | None]:
        """Element and attribute names of a complex type (with its bases) → their types."""
        name = type_name.split(":")[-1]
        if name not in self._fields:
            self._fields[name] = self._collect(name)
        return self._fields[name]

    def _collect(self, name: str) -> dict[str, str | None]:
        node = self._nodes.get(f"complexType:{name}")
        out: dict[str, str | None] = {}
        if node is None:
            return out
        if node.find(f"{_XS}simpleContent") is not None:
            out["value"] = None  # JSON carries a simple-content type's text as "value"
        for child in node.iter():
            if child.tag in (f"{_XS}element", f"{_XS}attribute") and child.get("name"):
                out[str(child.get("name"))] = child.get("type")
            elif child.tag == f"{_XS}extension" and child.get("base"):
                out.update(self.fields(str(child.get("base"))))
            elif child.tag == f"{_XS}group" and child.get("ref"):
                group = self._nodes.get(f"group:{str(child.get('ref')).split(':')[-1]}")
                for element in group.iter(f"{_XS}element") if group is not None else []:
                    out[str(element.get("name"))] = element.get("type")
        return out

    def unknown_fields(self, value: Mapping[str, Any], type_name: str,
                       path: str | None = None) -> list[str]:
        """Dotted paths of keys in ``value`` that ``type_name`` does not define."""
        path = path or type_name
        fields = self.fields(type_name)
        if not fields:  # a simple or unknown type: nothing to compare
            return []
        problems: list[str] = []
        for key, inner in value.items():
            if key not in fields:
                problems.append(f"{path}.{key}")
                continue
            child_type = fields[key]
            for item in inner if isinstance(inner, list) else [inner]:
                if isinstance(item, Mapping) and child_type:
                    problems += self.unknown_fields(item, child_type, f"{path}.{key}")
        return problems
