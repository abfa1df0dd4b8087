"""docs/billy.md stays true: its Python block runs against the emulator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.paths import DOCS

PAGE = DOCS / "billy.md"


def test_the_billy_page_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Connecting, invoicing once (created, approved, e-mailed once) and nothing twice."""
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S)
    assert len(blocks) == 1
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], str(PAGE), "exec"), namespace)
    assert (tmp_path / "ledgerlink.db").exists()


def test_the_billy_page_says_there_is_no_void() -> None:
    """The page states that voiding is not possible and what to do instead."""
    text = PAGE.read_text()
    assert "**No void.**" in text
    assert "Credit an approved invoice" in text
