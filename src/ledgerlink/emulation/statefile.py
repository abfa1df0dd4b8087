"""Internal: an emulator's company state kept in a JSON file between runs (``--state FILE``).

Amounts stay exact: a :class:`~decimal.Decimal` is written as its string inside a
one-key object ``{"__decimal__": "12.50"}`` and read back as the same Decimal
(a bare string could not be told from a text field, and a JSON number would
pass through float). The file is replaced atomically, so a crash while saving
leaves the previous state.
"""

from __future__ import annotations

import json
import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

__all__ = [
    "DECIMAL_TAG",
    "decode_state",
    "encode_state",
    "load_state",
    "save_state",
    "versioned",
]

#: The key of the object a Decimal is written as.
DECIMAL_TAG = "__decimal__"


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return {DECIMAL_TAG: str(value)}
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot keep a {type(value).__name__} in an emulator's state")


def _hook(document: dict[str, Any]) -> Any:
    if len(document) == 1 and DECIMAL_TAG in document:
        return Decimal(document[DECIMAL_TAG])
    return document


def encode_state(state: object) -> str:
    """``state`` as JSON text, decimals tagged (see the module docstring)."""
    return json.dumps(state, default=_default, ensure_ascii=False, indent=1, sort_keys=True)


def decode_state(text: str) -> Any:
    """JSON text written by :func:`encode_state`, decimals restored."""
    return json.loads(text, object_hook=_hook)


def save_state(path: str | os.PathLike[str], state: object) -> None:
    """Write ``state`` to ``path`` atomically."""
    target = Path(path)
    text = encode_state(state)
    fd, temporary = tempfile.mkstemp(prefix=target.name, suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_state(path: str | os.PathLike[str]) -> Any | None:
    """What :func:`save_state` wrote at ``path``, or None when there is no such file."""
    target = Path(path)
    if not target.exists():
        return None
    return decode_state(target.read_text(encoding="utf-8"))


def versioned(data: Any, version: int, what: str) -> dict[str, Any]:
    """``data`` when it is a state object of ``version`` (its ``"version"`` key).

    Raises:
        ValueError: anything else, naming ``what`` (``"QuickBooks emulator state"``).
    """
    if not isinstance(data, dict) or data.get("version") != version:
        raise ValueError(f"not a {what} of version {version}")
    return data
