"""docs/how-to/billy.md stays true: its Python block runs against the emulator."""

from __future__ import annotations

from pathlib import Path

from tests.docs.pages import run_the_example
from tests.paths import DOCS

PAGE = DOCS / "how-to" / "billy.md"


def test_the_billy_page_runs_as_written(tmp_path: Path) -> None:
    """Connecting, invoicing once (created, approved, e-mailed once) and nothing twice."""
    names = run_the_example(PAGE, tmp_path)
    assert (tmp_path / "ledgerlink.db").exists()
    emulator, org = names["emulator"], names["org"]
    (invoice,) = emulator.invoices(org.id)
    assert (invoice["state"], invoice["externalId"]) == ("approved", "inv:wo-1")


def test_the_billy_page_says_there_is_no_void() -> None:
    """The page states that voiding is not possible and what to do instead."""
    text = PAGE.read_text(encoding="utf-8")
    assert "**No void.**" in text
    assert "Credit an approved invoice" in text
