"""The public surface: one sorted __all__, every name importable, no accidental exports;
the public modules docs/reference/public-api.md lists, and every other module marked internal."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import ledgerlink
from tests.paths import DOCS, ROOT


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted, has no duplicates, and every listed name exists."""
    names = ledgerlink.__all__
    assert names == sorted(names, key=lambda n: (n[0].islower(), n))
    assert len(names) == len(set(names))
    for name in names:
        assert hasattr(ledgerlink, name), name


def test_the_quickstart_names_are_public() -> None:
    """The names the README's quickstart uses are all part of the public API."""
    for name in ("Company", "Customer", "BillingPolicy", "PolicyOverride", "Posting", "Timing",
                 "WorkOrder", "WorkLine", "WorkStatus", "connect", "plan", "run", "invoice"):
        assert name in ledgerlink.__all__, name


def test_public_modules_do_not_leak_private_names() -> None:
    """Nothing in __all__ starts with an underscore."""
    assert not [n for n in ledgerlink.__all__ if n.startswith("_")]


def test_importing_ledgerlink_does_not_load_the_store() -> None:
    """`import ledgerlink` (done by the pytest plugin everywhere) leaves SQLAlchemy unloaded."""
    import subprocess
    import sys

    code = "import ledgerlink, sys; print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_lazy_names_resolve_and_unknown_names_raise() -> None:
    """The store-backed names load on first use; a misspelled name is an AttributeError."""
    import pytest

    assert ledgerlink.Store.__name__ == "Store"
    assert callable(ledgerlink.invoice)
    with pytest.raises(AttributeError, match="no attribute 'Stor'"):
        _ = ledgerlink.Stor  # type: ignore[attr-defined]


def test_lazy_functions_are_not_shadowed_by_submodules() -> None:
    """Importing every submodule (as a connector plugin does) leaves ledgerlink.refresh,
    .plan and .invoice the functions the reference documents."""
    import importlib
    import pkgutil

    import ledgerlink

    for module in pkgutil.walk_packages(ledgerlink.__path__, "ledgerlink."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    for name in ("refresh", "plan", "invoice", "run", "connect", "open_store", "statuses",
                 "uninvoiced"):
        assert callable(getattr(ledgerlink, name)), name


def test_statuses_is_a_function_and_the_status_module_still_imports() -> None:
    """``ll.statuses(...)`` is the one-call statuses; ``ledgerlink.status`` stays a module."""
    import importlib

    from ledgerlink.status import InvoiceStatus

    assert InvoiceStatus.PAID.labels == ["paid"]
    importlib.import_module("ledgerlink.status_report")
    assert callable(ledgerlink.statuses)
    assert ledgerlink.statuses.__module__ == "ledgerlink.api"


# --- the declared public surface (docs/reference/public-api.md) ---

SRC = ROOT / "src"
PUBLIC_API_MD = DOCS / "reference" / "public-api.md"
#: Modules the internal-docstring rule leaves alone: Alembic revision scripts,
#: whose docstrings are their revision messages.
NOT_CHECKED = ("ledgerlink.store.migrations",)


def documented_public_modules() -> list[str]:
    """The modules the table of docs/reference/public-api.md lists, in its order."""
    text = PUBLIC_API_MD.read_text(encoding="utf-8")
    section = text.split("## Public modules", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(ledgerlink[\w.]*)` \|", section, flags=re.MULTILINE)


def source_modules() -> dict[str, Path]:
    """Every module of the ledgerlink package, by dotted name."""
    found = {}
    for path in sorted((SRC / "ledgerlink").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def test_the_documented_public_modules_exist_and_declare_their_names() -> None:
    """Each listed module imports, has an __all__ without underscores, and has each name."""
    import importlib

    listed = documented_public_modules()
    assert len(listed) == len(set(listed)) > 20
    for name in listed:
        module = importlib.import_module(name)
        exported = getattr(module, "__all__", None)
        assert exported, f"{name} has no __all__"
        assert not [n for n in exported if n.startswith("_")], name
        missing = [n for n in exported if not hasattr(module, n)]
        assert not missing, f"{name}.__all__ names what it lacks: {missing}"


def test_every_other_module_says_it_is_internal() -> None:
    """A module not in docs/reference/public-api.md begins its docstring with ``Internal:``.

    The command-line modules are left to the command line's own layout work.
    """
    public = set(documented_public_modules())
    unmarked = []
    for name, path in source_modules().items():
        if name in public or name.startswith(NOT_CHECKED):
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if not doc.startswith("Internal:"):
            unmarked.append(name)
    assert unmarked == []


def test_no_public_module_says_it_is_internal() -> None:
    """The documented list and the modules' own docstrings do not contradict each other."""
    modules = source_modules()
    marked = [name for name in documented_public_modules()
              if (ast.get_docstring(ast.parse(modules[name].read_text(encoding="utf-8")))
                  or "").startswith("Internal:")]
    assert marked == []


def _connector_contract() -> tuple[list[str], set[str]]:
    """The modules forbidden to the bundled connectors, and those let through by name."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (contract,) = [c for c in contracts if c["id"] == "connectors-public-only"]
    let_through = {line.split("->")[1].strip() for line in contract.get("ignore_imports", ())}
    return list(contract["forbidden_modules"]), let_through


def _matches(expression: str, module: str) -> bool:
    """import-linter's reading of a forbidden module: itself, or under a ``.*`` child."""
    if expression.endswith(".*"):
        parent = expression[:-2]
        return module.startswith(parent + ".")
    return module == expression or module.startswith(expression + ".")


def test_the_connector_contract_forbids_exactly_the_internal_modules() -> None:
    """Every internal module is forbidden to the bundled connectors; no public one is."""
    public = set(documented_public_modules())
    forbidden, let_through = _connector_contract()
    for name in source_modules():
        blocked = (any(_matches(expression, name) for expression in forbidden)
                   and name not in let_through)
        assert blocked == (name not in public), (
            f"{name}: {'public but forbidden' if blocked else 'internal but allowed'}")


def test_plugin_authors_import_everything_from_ledgerlink_plugins() -> None:
    """The registrars, hook shortcuts and lazy commands are named by the package itself."""
    from ledgerlink import plugins
    from ledgerlink.plugins.lazy import LazyCommand
    from ledgerlink.plugins.manager import CommandRegistrar

    assert plugins.CommandRegistrar is CommandRegistrar
    assert plugins.LazyCommand is LazyCommand
    for name in ("ConnectorRegistry", "commands_hook", "connector_hook", "emulator_hook",
                 "hookimpl"):
        assert name in plugins.__all__, name


def test_type_checkers_see_every_lazy_name() -> None:
    """The TYPE_CHECKING block of ledgerlink/__init__.py imports exactly the lazy names,
    from the module each loads from, and eager plus lazy names are exactly __all__."""
    tree = ast.parse((SRC / "ledgerlink" / "__init__.py").read_text(encoding="utf-8"))
    typed: dict[str, str] = {}
    eager: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.module
                typed.update({alias.name: imp.module for alias in imp.names})
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ledgerlink."):
            eager.update(alias.asname or alias.name for alias in node.names)
    assert typed == ledgerlink._LAZY
    assert eager | set(typed) == set(ledgerlink.__all__)
    assert {"refresh", "RefreshResult", "statuses", "StatusReport"} <= set(typed)


def test_type_checkers_see_every_lazy_scheduling_name() -> None:
    """ledgerlink.scheduling's TYPE_CHECKING imports name each lazy attribute from its module."""
    import ledgerlink.scheduling as scheduling

    tree = ast.parse((SRC / "ledgerlink" / "scheduling" / "__init__.py").read_text(
        encoding="utf-8"))
    typed = {alias.name: imp.module
             for node in tree.body
             if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
             for imp in node.body if isinstance(imp, ast.ImportFrom)
             for alias in imp.names}
    assert typed == {name: f"ledgerlink.scheduling.{home}"
                     for name, home in scheduling._LAZY.items()}
    assert set(typed) <= set(scheduling.__all__)
    assert callable(scheduling.load_projects)
