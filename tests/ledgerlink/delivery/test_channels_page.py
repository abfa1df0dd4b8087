"""docs/how-to/delivery-channels.md stays true: its Python blocks run as written."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.docs.pages import python_blocks
from tests.paths import DOCS

PAGE = DOCS / "how-to" / "delivery-channels.md"


def test_the_channels_page_runs_as_written(tmp_path: Path) -> None:
    """Every Python block of the page runs, in order, in a fresh directory; its asserts hold."""
    blocks = python_blocks(PAGE)
    namespace: dict[str, Any] = {}
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        for block in blocks:
            exec(compile(block, str(PAGE), "exec"), namespace)
    finally:
        os.chdir(here)
    assert len(blocks) == 5
    assert len(list((tmp_path / "letters").iterdir())) == 1
    assert len(list((tmp_path / "outbox").iterdir())) == 1
    assert len(namespace["service"].letters) == 1


def test_the_page_states_the_envelope_and_that_as4_is_out_of_scope() -> None:
    """The page names the layout standard and envelope, and says AS4 is not done."""
    text = PAGE.read_text(encoding="utf-8")
    assert "DIN 5008 form B" in text and "DL (110 × 220 mm)" in text
    assert "**AS4 is out of scope.**" in text
