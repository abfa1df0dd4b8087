"""JSON bodies with exact money: Decimals in and out, floats refused.

Every HTTP connector sends amounts as JSON numbers with their exact digits
(``Decimal("10.10")`` → ``10.10``, never ``10.1`` or ``10.0999…``) and reads
every non-integer number back as a ``Decimal``. A float reaching a body is a
bug, so it is refused rather than rounded silently.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ledgerlink.errors import ValidationError

__all__ = ["decode", "encode", "omit_none"]


def _text(value: object) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValidationError("amounts must be finite", value=value)
        return format(value, "f")
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{json.dumps(str(k))}:{_text(v)}"
                              for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_text(v) for v in value) + "]"
    if isinstance(value, float):
        raise ValidationError("floats are never sent as amounts", value=value)
    return json.dumps(value)


def encode(value: object) -> bytes:
    """UTF-8 JSON for plain data (mappings, sequences, Decimals, str, int, bool, None)."""
    return _text(value).encode("utf-8")


def decode(text: str | bytes) -> Any:
    """Parse JSON with every non-integer number as ``Decimal``."""
    return json.loads(text, parse_float=Decimal)


def omit_none(unstructure: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
    """Wrap a cattrs unstructure function so fields that are None are left out
    (providers read a present ``null`` as "clear this field")."""

    def without_none(obj: Any) -> dict[str, Any]:
        return {k: v for k, v in unstructure(obj).items() if v is not None}

    return without_none
