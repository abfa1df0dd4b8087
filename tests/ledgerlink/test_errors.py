"""The error tree drawn in ``ledgerlink.errors`` is the one the code has: every error a
user or a plugin can catch is in ``errors.py``, drawn under its real parent."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import ledgerlink
import ledgerlink_dinero
import ledgerlink_quickbooks
from ledgerlink import errors
from ledgerlink.errors import LedgerlinkError

#: A drawn line: the tree prefix, then the class name.
_LINE = re.compile(r"^(?P<prefix>[ │├└─]*)(?P<name>[A-Z][A-Za-z]+)\b")


def _drawn() -> dict[str, str | None]:
    """Class name → the parent the docstring's drawing puts it under."""
    lines = (errors.__doc__ or "").split("::", 1)[1].split("\n\n", 2)[1].splitlines()
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []
    for line in lines:
        found = _LINE.match(line.strip("\n"))
        if not found:
            continue
        depth = len(found.group("prefix"))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents[found.group("name")] = stack[-1][1] if stack else None
        stack.append((depth, found.group("name")))
    return parents


def _all_error_classes() -> set[type[LedgerlinkError]]:
    for package in (ledgerlink, ledgerlink_quickbooks, ledgerlink_dinero):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            # Scripts run by a tool, not imported: a program entry and alembic's env.
            if module.name.endswith(("__main__", ".migrations.env")):
                continue
            importlib.import_module(module.name)
    found: set[type[LedgerlinkError]] = set()
    todo: list[type[LedgerlinkError]] = [LedgerlinkError]
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_error_lives_in_the_errors_module() -> None:
    """No module defines its own LedgerlinkError: the tree has them all in one place."""
    elsewhere = sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in _all_error_classes()
                       if cls.__module__ != errors.__name__)
    assert elsewhere == []


@pytest.mark.parametrize("cls", sorted(_all_error_classes(), key=lambda c: c.__name__),
                         ids=lambda c: c.__name__)
def test_each_error_is_drawn_under_its_parent(cls: type[LedgerlinkError]) -> None:
    """The drawing names the class under the class it derives from, and exports it."""
    drawn = _drawn()
    assert cls.__name__ in drawn, f"{cls.__name__} is missing from the drawing"
    parent = cls.__bases__[0]
    expected = None if cls is LedgerlinkError else parent.__name__
    assert drawn[cls.__name__] == expected
    assert cls.__name__ in errors.__all__


def test_the_drawing_names_no_class_that_does_not_exist() -> None:
    """Nothing is drawn that the module does not define."""
    assert {name for name in _drawn() if not hasattr(errors, name)} == set()
