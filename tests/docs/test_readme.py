"""The README stays true: its Python quickstart runs and its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledgerlink.cli import main
from tests.paths import ROOT

README = ROOT / "README.md"


def test_the_python_quickstart_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's Python example runs as written and collects Acme's work on a draft."""
    monkeypatch.chdir(tmp_path)
    [code] = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    namespace: dict[str, object] = {}
    exec(compile(code, str(README), "exec"), namespace)
    result = namespace["result"]
    assert result.ok  # type: ignore[attr-defined]
    assert result.summary["drafts_created"] == 1  # type: ignore[attr-defined]


def test_every_cli_command_in_the_readme_exists() -> None:
    """Each `ledgerlink X` the README's table names answers --help."""
    commands = set(re.findall(r"`ledgerlink ([a-z]+(?: [a-z]+)?)", README.read_text()))
    assert {"demo", "connectors", "log"} <= commands
    for command in commands:
        words = [w for w in command.split() if not w.isupper()]
        outcome = CliRunner().invoke(main, [*words, "--help"])
        assert outcome.exit_code == 0, (command, outcome.output)


def test_the_two_setup_commands_are_stated() -> None:
    """The README states the demo and the test set-up commands."""
    text = README.read_text()
    assert 'pip install . && ledgerlink demo' in text
    assert 'pip install -e ".[test]" && pytest' in text


def test_the_docs_build_command_is_stated_and_run_by_ci() -> None:
    """The README says how to build the docs in one command, and .ci/run builds them so."""
    assert 'pip install -e ".[docs]" && mkdocs build --strict' in README.read_text()
    ci = (README.parent / ".ci" / "run").read_text()
    assert "mkdocs build --strict" in ci


def test_every_docs_link_in_the_readme_exists() -> None:
    """Each docs/ file the README links to is in the repository."""
    links = re.findall(r"\]\((docs/[^)#]+)", README.read_text())
    assert len(links) >= 20
    missing = [link for link in links if not (README.parent / link).exists()]
    assert missing == []
