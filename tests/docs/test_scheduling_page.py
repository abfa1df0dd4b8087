"""docs/scheduling.md stays true: its Python block runs as written against the sandbox."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.paths import DOCS

PAGE = DOCS / "scheduling.md"


def test_the_scheduling_page_runs_as_written(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Save a job, see its next run and preview, run it once and read its log."""
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], str(PAGE), "exec"), {})
    assert (tmp_path / "ledgerlink.db").exists() and (tmp_path / "book.db").exists()


def test_every_schedule_command_is_shown_in_the_guide() -> None:
    """The guide shows each `ledgerlink schedule` command: create, preview, list, run-due, log."""
    text = PAGE.read_text(encoding="utf-8")
    for command in ("create", "preview", "list", "run-due", "log"):
        assert f"ledgerlink schedule {command}" in text
