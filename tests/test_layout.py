"""The test tree's own rules: it mirrors src/, and every test says what it checks."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.paths import ROOT

TESTS = ROOT / "tests"
SRC = ROOT / "src"
#: Test directories that stand for no source package: the checkout's docs, the
#: PostgreSQL re-runs of store suites, sample inputs and recorded cassettes.
NOT_MIRRORED = {"docs", "postgres", "data", "cassettes", "__pycache__"}
#: Abbreviations the old flat layout put in module names; the tree spells each thing one way.
RETIRED_PREFIXES = ("test_qbo_", "test_dnr_", "test_pg_", "test_emu_")


def _test_functions(path: Path) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test")]


def test_every_test_function_has_a_one_sentence_docstring() -> None:
    """A test function without a docstring is named here with its file and line."""
    missing = [f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
               for path in sorted(TESTS.rglob("test_*.py"))
               for node in _test_functions(path) if not ast.get_docstring(node)]
    assert missing == []


def test_test_directories_mirror_source_packages() -> None:
    """Each directory under tests/ (but the named exceptions) is a package of src/."""
    strays = [str(directory.relative_to(TESTS)) for directory in sorted(TESTS.rglob("*"))
              if directory.is_dir() and not NOT_MIRRORED & set(directory.relative_to(TESTS).parts)
              and not (SRC / directory.relative_to(TESTS) / "__init__.py").exists()]
    assert strays == []


def test_every_test_directory_is_a_package() -> None:
    """Test modules import by their dotted path (importlib mode): each directory is a package."""
    bare = [str(directory.relative_to(ROOT)) for directory in sorted(TESTS.rglob("*"))
            if directory.is_dir() and any(directory.glob("*.py"))
            and not (directory / "__init__.py").exists()]
    assert bare == []


def _repeats_its_directory(path: Path) -> bool:
    """Whether a module's name starts with a retired abbreviation or a word of its directories
    (test_dinero_wire.py under tests/ledgerlink_dinero, test_http_retry.py under http)."""
    words = {word for part in path.parent.relative_to(TESTS).parts for word in part.split("_")}
    return path.name.startswith(RETIRED_PREFIXES) or any(
        path.name.startswith(f"test_{word}_") for word in words)


def test_no_test_module_repeats_what_its_directory_says() -> None:
    """No module name repeats its directory's word or a retired abbreviation."""
    prefixed = [str(path.relative_to(ROOT)) for path in sorted(TESTS.rglob("test_*.py"))
                if _repeats_its_directory(path)]
    assert prefixed == []


@pytest.mark.parametrize(("relative", "repeats"), [
    ("ledgerlink_dinero/test_dinero_wire.py", True),
    ("ledgerlink/http/test_http_retry.py", True),
    ("ledgerlink_quickbooks/emulator/test_emulator_query.py", True),
    ("postgres/test_pg_store.py", True),
    ("ledgerlink/test_qbo_keys.py", True),
    ("ledgerlink_dinero/test_wire.py", False),
    ("docs/test_dinero_page.py", False),
    ("docs/test_docs.py", False),
    ("postgres/test_dinero_runners.py", False),
])
def test_the_naming_rule_tells_a_repeated_directory_from_a_subject(relative: str,
                                                                   repeats: bool) -> None:
    """A provider named under tests/docs is the page's subject; under its own package, a repeat."""
    assert _repeats_its_directory(TESTS / relative) is repeats
