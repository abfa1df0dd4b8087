"""Request bodies held to the official draft-03 schema of their endpoint and verb.

As e-conomic does [E1][E13]: properties the schema does not know and
read-only ones are ignored (dropped before the check and from what is kept);
``null`` is refused (no schema property allows it) and so is an enum value in
the wrong casing; each refusal names its field in the error shape of
:mod:`.wire`. A number's scale (``maxDecimal``, e.g. ``unitNetPrice``: at most
2 decimals, E04740) is checked here too, since draft-03 has no keyword for it.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from jsonschema import Draft3Validator

from ledgerlink_economic.emulator.schemas import schema
from ledgerlink_economic.emulator.wire import EconomicError, FieldError

__all__ = ["SCALE_TOO_LARGE", "SCHEMA_VIOLATION", "checked"]

#: Code given to a schema refusal (inferred: the material names no code for a failed
#: type, enum, length or required check; E04740 below is documented).
SCHEMA_VIOLATION = "E00100"
#: "unitNetPrice scale cannot be greater then two decimal places." [E1][E15]
SCALE_TOO_LARGE = "E04740"


def _read_only(node: dict[str, Any]) -> bool:
    # The official files spell it both ways.
    return bool(node.get("readOnly") or node.get("readonly"))


def _kept(value: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """The body without the properties the schema does not know or marks read-only."""
    kept: dict[str, Any] = _pruned(value, node)
    return kept


def _pruned(value: Any, node: dict[str, Any]) -> Any:
    """``value`` without the properties ``node`` does not know or marks read-only."""
    if isinstance(value, dict) and "properties" in node:
        known = node["properties"]
        return {key: _pruned(item, known[key]) for key, item in value.items()
                if key in known and not _read_only(known[key])}
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        return [_pruned(item, node["items"]) for item in value]
    return value


def _scale_errors(value: Any, node: dict[str, Any], path: list[str | int]
                  ) -> list[FieldError]:
    found: list[FieldError] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _scale_errors(item, node.get("properties", {}).get(key, {}), [*path, key])
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for index, item in enumerate(value):
            found += _scale_errors(item, node["items"], [*path, index])
    elif isinstance(value, Decimal) and "maxDecimal" in node:
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > int(node["maxDecimal"]):
            name = str(path[-1])
            found.append(FieldError(path, SCALE_TOO_LARGE,
                                    f"{name} scale cannot be greater then "
                                    f"{node['maxDecimal']} decimal places.", value=value,
                                    hint="Please check the format of your data."))
    return found


@cache
def _validator(name: str) -> Draft3Validator:
    return Draft3Validator(schema(name))


def checked(name: str, body: Any) -> dict[str, Any]:
    """``body`` held to schema ``name`` (e.g. ``"invoices.drafts.post"``), returned without
    unknown and read-only properties.

    Raises:
        EconomicError: 400 "Validation error." naming every refused field.
    """
    node = schema(name)
    if not isinstance(body, dict):
        raise EconomicError.validation([FieldError([], SCHEMA_VIOLATION,
                                                   "The body must be a JSON object.")])
    kept = _kept(body, node)
    problems: list[FieldError] = []
    for error in _validator(name).iter_errors(kept):
        path: list[str | int] = list(error.absolute_path)
        if error.validator == "required":
            problems.append(FieldError(path, SCHEMA_VIOLATION,
                                       f"Property {path[-1] if path else 'body'} is required."))
            continue
        field = str(path[-1]) if path else "body"
        problems.append(FieldError(path, SCHEMA_VIOLATION, f"{field}: {error.message}",
                                   value=error.instance if not isinstance(
                                       error.instance, (dict, list)) else None))
    problems += _scale_errors(kept, node, [])
    if problems:
        raise EconomicError.validation(problems)
    return kept
