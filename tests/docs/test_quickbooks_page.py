"""docs/how-to/quickbooks.md stays true: its Python blocks run, in order, against the emulator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.paths import DOCS

PAGE = DOCS / "how-to" / "quickbooks.md"


def test_the_quickbooks_page_runs_as_written(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Connecting by code exchange, invoicing once, and invoicing nothing twice all work."""
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S)
    assert len(blocks) == 2
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(PAGE), "exec"), namespace)
    assert (tmp_path / "ledgerlink.db").exists()
