"""The import contracts in pyproject.toml hold: layers flow one way, connectors use public modules.

``lint-imports`` (import-linter) reads ``[tool.importlinter]``; running it here
means the README's one test command checks the architecture too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.paths import ROOT


def _lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` over the packages under ``src``, with the project's contracts."""
    code = ("import sys; from importlinter.cli import lint_imports_command; "
            "sys.exit(lint_imports_command())")
    return subprocess.run(
        [sys.executable, "-c", code, "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(src)}, check=False)


def test_the_import_contracts_are_kept() -> None:
    """Every contract in [tool.importlinter] is kept by the code as it is."""
    result = _lint_imports(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_an_import_against_the_flow_breaks_the_contracts(tmp_path: Path) -> None:
    """The store importing presentation, and a connector importing the runner, are caught."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__"))
    records = src / "ledgerlink" / "store" / "records.py"
    records.write_text(records.read_text(encoding="utf-8") + "\n\ndef _draw() -> None:\n"
                       "    from ledgerlink.cli import output  # noqa: F401\n", encoding="utf-8")
    intake = src / "ledgerlink_quickbooks" / "intake.py"
    intake.write_text(intake.read_text(encoding="utf-8") + "\nimport ledgerlink.runner\n",
                      encoding="utf-8")
    result = _lint_imports(src)
    assert result.returncode == 1
    assert "Contracts: 0 kept, 2 broken." in result.stdout
    assert "ledgerlink.store.records -> ledgerlink.cli.output" in result.stdout
    assert "ledgerlink_quickbooks.intake -> ledgerlink.runner" in result.stdout
