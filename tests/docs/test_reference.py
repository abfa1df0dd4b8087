"""Signatures the docs state by hand are the code's: no stated default can drift.

The API reference is generated from the code (mkdocstrings), so its signatures
cannot be wrong. The pages written by hand still state signatures where they
explain a type, such as ``Runner(connector, store, *, workers=4, batch_size=1024, ...)``
(the docs once said ``batch_size=256`` where the code had 1024). Every such
statement on every page is held to ``inspect.signature``: the parameters it
names exist, in the code's order, on the right side of ``*``, and each default
it states equals the real default. ``...`` stands for a default the page does
not spell out.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

import ledgerlink
from ledgerlink.api import DEFAULT_STORE
from tests.paths import DOCS

#: Where a name in a stated signature is looked up, first match wins.
MODULES = ("ledgerlink", "ledgerlink.api", "ledgerlink.scheduling", "ledgerlink.loading",
           "ledgerlink.plugins", "ledgerlink.sandbox", "ledgerlink.store")
#: A code span that calls or declares: ``name(...)``, with at least one ``=`` inside.
_STATEMENT = re.compile(r"`(?P<name>[A-Za-z_][\w.]*)\((?P<params>[^`]*=[^`]*)\)(?: -> [^`]*)?`")
#: Signatures the pages state today; the check must keep finding them (so it is not vacuous).
EXPECTED = {"Runner", "Store", "Customer", "Company", "WorkOrder", "BillingPolicy", "Product",
            "Scheduler", "ScheduledJob", "get_plugin_manager"}


def _split(params: str) -> list[str]:
    """Split on the commas that are not inside a default's parentheses."""
    parts, depth, current = [], 0, ""
    for char in params:
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        depth += {"(": 1, ")": -1, "[": 1, "]": -1}.get(char, 0)
        current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def _resolve(name: str) -> Callable[..., Any] | None:
    if "." in name:
        module, _, attribute = name.rpartition(".")
        try:
            return getattr(importlib.import_module(module), attribute, None)  # type: ignore[no-any-return]
        except ImportError:
            return None
    for module in MODULES:
        found = getattr(importlib.import_module(module), name, None)
        if callable(found):
            return found  # type: ignore[no-any-return]
    return None


def _defaults(target: Callable[..., Any]) -> dict[str, Any]:
    """Each parameter's default; an attrs ``Factory`` default is what the factory makes."""
    defaults = {name: p.default for name, p in inspect.signature(target).parameters.items()}
    if isinstance(target, type) and attrs.has(target):
        for field in attrs.fields(target):
            default = field.default
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                defaults[field.alias] = default.factory()  # type: ignore[attr-defined]
    return defaults


def _namespace() -> dict[str, Any]:
    namespace: dict[str, Any] = {"Decimal": Decimal, "timedelta": timedelta,
                                 "DEFAULT_STORE": DEFAULT_STORE}
    for module in MODULES:
        loaded = importlib.import_module(module)
        namespace.update({name: getattr(loaded, name) for name in getattr(loaded, "__all__", ())})
    return namespace


def _statements() -> Iterator[tuple[str, str, str, Callable[..., Any]]]:
    """``(page, name, params, callable)`` for each stated signature of a known callable.

    A span is a signature (not a call such as ``Company(allow_credits=True)``)
    when it starts with the callable's own first parameter.
    """
    for page in sorted(DOCS.rglob("*.md")):
        for match in _STATEMENT.finditer(page.read_text(encoding="utf-8")):
            target = _resolve(match["name"])
            if target is None:
                continue
            try:
                real = list(inspect.signature(target).parameters)
            except (TypeError, ValueError):
                continue
            named = [part.split("=", 1)[0].strip() for part in _split(match["params"])]
            named = [name for name in named if name != "*"]
            if real and named and named[0].lstrip("*") == real[0]:
                yield str(page.relative_to(DOCS)), match["name"], match["params"], target


STATEMENTS = list(_statements())


def test_the_check_finds_the_stated_signatures() -> None:
    """The scan finds the signatures the reference states (so the check below is not vacuous)."""
    assert {name.rsplit(".", 1)[-1] for _, name, _, _ in STATEMENTS} >= EXPECTED


@pytest.mark.parametrize(("page", "name", "params", "target"), STATEMENTS,
                         ids=[f"{page}:{name}" for page, name, _, _ in STATEMENTS])
def test_a_stated_signature_is_the_real_one(page: str, name: str, params: str,
                                            target: Callable[..., Any]) -> None:
    """Each stated parameter exists in order, on its side of `*`, with its real default."""
    real = inspect.signature(target).parameters
    defaults = _defaults(target)
    order = list(real)
    namespace = _namespace()
    position, keyword_only = -1, False
    for part in _split(params):
        if part == "*":
            keyword_only = True
            continue
        if part == "...":
            continue
        key, has_default, text = part.partition("=")
        key = key.strip().lstrip("*")
        assert key in real, f"{page}: {name}() has no parameter {key!r}"
        assert order.index(key) > position, f"{page}: {name}({key}) is out of order"
        position = order.index(key)
        parameter = real[key]
        if keyword_only:
            assert parameter.kind is parameter.KEYWORD_ONLY, f"{page}: {name}({key}) is positional"
        if not has_default or text.strip() == "...":
            continue
        stated = eval(text, namespace)  # our own docs' expressions: timedelta(minutes=2)
        default = defaults[key]
        assert default is not parameter.empty, f"{page}: {name}({key}) has no default"
        assert stated == default, (
            f"{page}: {name}({key}={text}) but the code's default is {default!r}")


def test_the_generated_reference_covers_the_functions() -> None:
    """docs/reference/python.md renders the top-level functions from the code, not by hand."""
    text = (DOCS / "reference" / "python.md").read_text(encoding="utf-8")
    for name in ("connect", "plan", "run", "invoice", "refresh", "statuses", "open_store"):
        assert callable(getattr(ledgerlink, name))
        assert f"::: ledgerlink.api.{name}\n" in text, name
