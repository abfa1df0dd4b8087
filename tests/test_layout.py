"""The test tree's own rules: it mirrors src/, and every test says what it checks."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.paths import ROOT

TESTS = ROOT / "tests"
SRC = ROOT / "src"
#: Test directories that stand for no source package: the checkout's docs, the
#: PostgreSQL re-runs of store suites, sample inputs and recorded cassettes.
NOT_MIRRORED = {"docs", "postgres", "data", "cassettes", "__pycache__"}
#: Prefixes the old flat layout used to keep names apart; the directory says it now.
RETIRED_PREFIXES = ("test_qbo_", "test_dnr_", "test_dinero_", "test_pg_", "test_http_",
                    "test_sandbox_", "test_emulator_", "test_cli_")


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
    """Test modules import by their dotted path (importlib mode), so each directory has __init__.py."""
    bare = [str(directory.relative_to(ROOT)) for directory in sorted(TESTS.rglob("*"))
            if directory.is_dir() and any(directory.glob("*.py"))
            and not (directory / "__init__.py").exists()]
    assert bare == []


def test_no_test_module_repeats_what_its_directory_says() -> None:
    """Names such as test_qbo_wire.py belong to the flat layout; the directory names the provider."""
    prefixed = [str(path.relative_to(ROOT)) for path in sorted(TESTS.rglob("test_*.py"))
                if path.name.startswith(RETIRED_PREFIXES)]
    assert prefixed == []
