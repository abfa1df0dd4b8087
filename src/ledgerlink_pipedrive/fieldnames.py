"""Custom fields by name: a record's ``custom_fields`` keyed by the names users gave them.

A v2 record keeps its custom fields under ``custom_fields`` by ``field_code``, a
40-hex hash (NOTES §5); the field lists (``dealFields``, ``personFields``,
``organizationFields``) give each code its ``field_name``, its ``field_type`` and,
for ``enum`` and ``set`` fields, the ``options`` whose ids the values are
(NOTES §10). :class:`FieldNames` reads one list and turns values into what a
person sees: each custom field under its name, an enum's option id as its
label, a set's ids (a list, or comma-separated text) as a list of labels.

A name two custom fields share is ambiguous: neither is kept under the bare
name, each is kept as ``"<name> [<field_code>]"``, so a mapping never gets one
of them by chance. An option id the list does not know is kept as it came.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

__all__ = ["FieldNames"]

#: Field types whose values are option ids.
ENUM, SET = "enum", "set"


@attrs.frozen
class _Field:
    name: str
    field_type: str
    labels: Mapping[str, str]


def _option_key(value: Any) -> str:
    """An option id as text, whether it came as a number (``7``, ``7.0``) or text (`` 7``)."""
    text = str(value).strip()
    try:
        number = Decimal(text)
    except ArithmeticError:
        return text
    return str(int(number)) if number.is_finite() and number == number.to_integral_value() \
        else text


class FieldNames:
    """One field list's custom fields, by code.

    Args:
        definitions: the list's items as v2 answers them (``field_name``,
            ``field_code``, ``field_type``, ``is_custom_field``, ``options``).
    """

    def __init__(self, definitions: Iterable[Mapping[str, Any]]) -> None:
        custom = [item for item in definitions if item.get("is_custom_field")]
        counts = Counter(str(item["field_name"]) for item in custom)
        self.fields: dict[str, _Field] = {}
        for item in custom:
            name, code = str(item["field_name"]), str(item["field_code"])
            shown = name if counts[name] == 1 else f"{name} [{code}]"
            labels = {_option_key(option["id"]): str(option["label"])
                      for option in item.get("options") or ()}
            self.fields[code] = _Field(shown, str(item.get("field_type", "")), labels)

    def name_of(self, code: str) -> str:
        """The name a code is kept under (the code itself when the list lacks it)."""
        field = self.fields.get(code)
        return code if field is None else field.name

    def value_of(self, code: str, value: Any) -> Any:
        """``value`` as a person sees it: option ids as their labels."""
        field = self.fields.get(code)
        if field is None or value is None:
            return value
        if field.field_type == ENUM:
            return field.labels.get(_option_key(value), value)
        if field.field_type == SET:
            ids = value.split(",") if isinstance(value, str) else value
            if not isinstance(ids, list):
                ids = [ids]
            return [field.labels.get(_option_key(one), one) for one in ids
                    if not (isinstance(one, str) and not one.strip())]
        return value

    def named(self, custom_fields: Mapping[str, Any] | None) -> dict[str, Any]:
        """A record's ``custom_fields`` by name, option ids as labels."""
        return {self.name_of(code): self.value_of(code, value)
                for code, value in (custom_fields or {}).items()}
