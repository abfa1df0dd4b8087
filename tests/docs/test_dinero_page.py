"""docs/how-to/dinero.md stays true: its Python block runs against the emulator."""

from __future__ import annotations

from pathlib import Path

from tests.docs.pages import run_the_example
from tests.paths import DOCS

PAGE = DOCS / "how-to" / "dinero.md"


def test_the_dinero_page_runs_as_written(tmp_path: Path) -> None:
    """Connecting, invoicing once (created, booked, e-mailed) and nothing twice."""
    run_the_example(PAGE, tmp_path)
    assert (tmp_path / "ledgerlink.db").exists()
