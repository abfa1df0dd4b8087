"""docs/how-to/deals.md stays true: its mapping file and Python example run as written."""

from __future__ import annotations

import re
from pathlib import Path

from tests.docs.pages import run_the_example
from tests.paths import DOCS

PAGE = DOCS / "how-to" / "deals.md"


def test_the_deals_page_runs_as_written(tmp_path: Path) -> None:
    """The page's deals.toml loads and its example invoices the deal once and lists it."""
    text = PAGE.read_text(encoding="utf-8")
    (mapping,) = re.findall(r'```toml title="deals.toml"\n(.*?)```', text, re.S)
    (tmp_path / "deals.toml").write_text(mapping, encoding="utf-8")
    names = run_the_example(PAGE, tmp_path)
    assert names["report"].state.value == "invoiced"
    assert [i.key for i in names["book"].invoices()] == ["inv:deal-42"]


def test_every_deals_command_is_shown_in_the_guide() -> None:
    """The guide shows each `ledgerlink deals` command: invoice, invoices, link, unlink."""
    text = PAGE.read_text(encoding="utf-8")
    for command in ("invoice", "invoices", "link", "unlink"):
        assert f"ledgerlink deals {command} " in text
