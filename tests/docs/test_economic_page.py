"""docs/how-to/economic.md stays true: its Python block runs against the emulator."""

from __future__ import annotations

from pathlib import Path

from tests.docs.pages import run_the_example
from tests.paths import DOCS

PAGE = DOCS / "how-to" / "economic.md"


def test_the_economic_page_runs_as_written(tmp_path: Path) -> None:
    """Connecting, invoicing once (created and booked once, its PDF) and nothing twice."""
    names = run_the_example(PAGE, tmp_path)
    assert (tmp_path / "ledgerlink.db").exists()
    emulator, agreement = names["emulator"], names["agreement"]
    (invoice,) = emulator.invoices(agreement)
    assert invoice["references"]["other"] == "inv:wo-1"
    assert emulator.drafts(agreement) == []


def test_the_economic_page_says_why_email_goes_through_delivery() -> None:
    """The page states that e-conomic's API cannot e-mail and what sends invoices instead."""
    text = PAGE.read_text(encoding="utf-8")
    assert "**No e-mail.**" in text
    assert "not supported through API" in text and "delivery layer" in text
