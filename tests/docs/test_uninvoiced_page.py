"""docs/how-to/uninvoiced.md stays true: its files, commands and Python example run as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from ledgerlink.cli import main, output
from ledgerlink.sandbox import SandboxConnector
from tests.docs.pages import python_blocks
from tests.paths import DOCS

PAGE = DOCS / "how-to" / "uninvoiced.md"
FENCE = re.compile(r"^```(?P<lang>\w*)(?P<info>[^\n]*)\n(?P<body>.*?)^```$", re.M | re.S)


def test_the_commands_list_and_invoice_the_days_bookings_as_drafts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's files and `ledgerlink uninvoiced` lines run in order, the first listing shows
    the table printed on the page, and the bookings end on one draft per client."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(output, "console", Console(width=100))  # as wide as the page's table
    text = PAGE.read_text(encoding="utf-8")
    listings = []
    for block in FENCE.finditer(text):
        title = re.search(r'title="([^"]+)"', block["info"])
        if title:
            Path(title[1]).write_text(block["body"], encoding="utf-8")
            continue
        if block["lang"] != "console":
            continue
        for line in block["body"].splitlines():
            if line.startswith("$ ledgerlink "):
                result = CliRunner().invoke(main, shlex.split(line.removeprefix("$ ledgerlink ")))
                assert result.exit_code == 0, f"{line}\n{result.output}"
                listings.append(result.stdout)
    assert len(listings) == 6
    shown = text.split("--now 2026-11-20T18:00+01:00\n", 1)[1].split("```", 1)[0]
    assert [line.split() for line in shown.splitlines() if line.startswith("B-")] == [
        line.split() for line in listings[0].splitlines() if line.startswith("B-")]
    made = {i.key: i.booked for i in SandboxConnector("ledgerlink-sandbox.db").invoices()}
    assert made == {"draft:nordisk:1": False, "draft:kro:1": False}
    assert '"work": []' in listings[-1]


def test_the_python_example_runs_as_written(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's Python block lists four bookings, invoices one and then the rest as drafts,
    and leaves nothing uninvoiced."""
    monkeypatch.chdir(tmp_path)
    (block,) = python_blocks(PAGE)
    namespace: dict[str, object] = {}
    exec(compile(block, str(PAGE), "exec"), namespace)
    assert len(namespace["todo"]) == 4  # type: ignore[arg-type]
    assert (tmp_path / "bookings.db").exists()
