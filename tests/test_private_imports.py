"""No module of the packages imports another module's underscore names."""

from __future__ import annotations

import ast

from tests.paths import ROOT

SRC = ROOT / "src"
PACKAGES = ("ledgerlink", "ledgerlink_quickbooks", "ledgerlink_dinero")


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_imports(source: str, filename: str = "<source>") -> list[str]:
    """Each ``from <our package> import _name`` (or import of a ``_module``) in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in PACKAGES:
                continue
            names = [a.name for a in node.names if _private(a.name)]
            if any(_private(part) for part in node.module.split(".")) or names:
                found.append(f"{filename}:{node.lineno}: from {node.module} import "
                             f"{', '.join(a.name for a in node.names)}")
        elif isinstance(node, ast.Import):
            found += [f"{filename}:{node.lineno}: import {a.name}" for a in node.names
                      if a.name.split(".")[0] in PACKAGES
                      and any(_private(part) for part in a.name.split("."))]
    return found


def test_no_module_in_src_imports_private_names() -> None:
    """Shared helpers have public names in plainly named modules, never ``_x`` borrowed."""
    found = [hit for path in sorted(SRC.rglob("*.py"))
             for hit in private_imports(path.read_text(encoding="utf-8"),
                                        str(path.relative_to(SRC)))]
    assert found == []


def test_the_check_catches_a_private_import() -> None:
    """The walker reports underscore names and modules of our packages, nothing else."""
    source = ("from ledgerlink.domain import _identifier, Customer\n"
              "from ledgerlink_dinero import _wire\n"
              "import ledgerlink._internal\n"
              "from os import _exit\n"
              "from ledgerlink import __version__\n"
              "def f():\n    from ledgerlink.loading import _records\n")
    hits = private_imports(source)
    assert [hit.split(":")[1] for hit in hits] == ["1", "2", "3", "7"]
