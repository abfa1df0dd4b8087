"""Results drawn for notebooks: HTML tables through ledgerlink.tabular, cut at MAX_ROWS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import ledgerlink as ll
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.tabular import MAX_ROWS

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _work(n: int) -> tuple[list[ll.WorkOrder], list[ll.Customer], ll.Company]:
    customers = [ll.Customer(id="c1", name="Acme <ApS>", email="a@example.dk")]
    orders = [ll.WorkOrder(id=f"w{i}", customer_id="c1", completed_at=NOW - timedelta(hours=1),
                           lines=[ll.WorkLine("Hours", Decimal(1), Decimal("100"))])
              for i in range(n)]
    return orders, customers, ll.Company("R", policy=ll.BillingPolicy(send=True))


def test_a_plan_renders_as_a_table_and_as_escaped_html() -> None:
    """The plan's table and HTML name each action; customer names are HTML-escaped."""
    p = ll.plan(*_work(2), now=NOW)
    html = p._repr_html_()
    assert "create invoice inv:w0" in html
    assert "email inv:w1 to a@example.dk" in html
    assert "<table>" in html
    assert "Acme &lt;ApS&gt;" in html
    assert "Acme <ApS>" not in html


def test_long_plans_are_cut_with_a_note() -> None:
    """Past MAX_ROWS rows the notebook table stops and says how many rows it left out."""
    p = ll.plan(*_work(MAX_ROWS), now=NOW)
    hidden = len(p.actions) + len(p.notices) - MAX_ROWS
    assert f"{hidden} more rows" in p._repr_html_()


def test_a_result_and_its_log_render_for_notebooks(tmp_path: Path) -> None:
    """A run result shows its counts as HTML; its log is a list that renders as a table."""
    book = SandboxConnector(tmp_path / "b.db")
    result = ll.invoice(*_work(2), book, now=NOW, store=tmp_path / "j.db")
    assert "Invoices created" in result._repr_html_()
    log = result.log
    assert isinstance(log, list)
    assert len(log) == 7  # ensure customer, then create, book and send for each order
    assert "<table>" in log._repr_html_()
    assert not log.failures
    assert "Emailed" in result._repr_html_()
