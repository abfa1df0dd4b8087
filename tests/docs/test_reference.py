"""The reference's function headings state the real signatures: each parameter, its
order, whether it is keyword-only, and its default, so a changed default cannot leave
the docs behind (they once said ``batch_size=256`` where the code had 1024)."""

from __future__ import annotations

import inspect
import re
from datetime import timedelta

import pytest

import ledgerlink as ll
from ledgerlink.api import DEFAULT_STORE
from tests.paths import DOCS

REFERENCE = DOCS / "reference.md"
#: ``#### `name(params) -> Result` `` headings of top-level functions.
_HEADING = re.compile(r"^#### `(?P<name>[a-z_]+)\((?P<rest>.*)")


def _headings() -> list[tuple[str, str]]:
    found = []
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        match = _HEADING.match(line)
        if not match:
            continue
        depth, params = 1, ""
        for char in match.group("rest"):
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0:
                break
            params += char
        found.append((match.group("name"), params))
    return found


def _split(params: str) -> list[str]:
    """Split on the commas that are not inside a default's parentheses."""
    parts, depth, current = [], 0, ""
    for char in params:
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def test_the_reference_has_function_headings() -> None:
    """The check below has something to check."""
    assert {name for name, _ in _headings()} >= {"plan", "run", "invoice", "refresh", "connect"}


@pytest.mark.parametrize(("name", "params"), _headings(), ids=[n for n, _ in _headings()])
def test_a_heading_states_the_real_signature(name: str, params: str) -> None:
    """Names, order, keyword-only marker and defaults match ``inspect.signature``."""
    signature = inspect.signature(getattr(ll, name))
    real = []
    keyword_only_started = False
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.KEYWORD_ONLY and not keyword_only_started:
            real.append("*")
            keyword_only_started = True
        if parameter.kind is parameter.VAR_KEYWORD:
            real.append(f"**{parameter.name}")
        elif parameter.default is parameter.empty:
            real.append(parameter.name)
        else:
            real.append(f"{parameter.name}={parameter.default!r}")
    stated = []
    namespace = {"timedelta": timedelta, "DEFAULT_STORE": DEFAULT_STORE}
    for part in _split(params):
        if "=" in part and not part.startswith("*"):
            key, text = part.split("=", 1)
            # The defaults are expressions in our own docs (timedelta(minutes=2)).
            stated.append(f"{key}={eval(text, namespace)!r}")
        else:
            stated.append(part)
    assert stated == real
