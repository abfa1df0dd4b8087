"""docs/tutorial/notebook.ipynb runs end to end, headless, as a reader would run it.

The notebook is executed by nbclient in an IPython kernel started from the
interpreter running the tests (so it imports this checkout's ledgerlink), with
a temporary directory as its working directory, where it writes its sandbox book
and journal. Cells are found by their ids.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from tests.paths import DOCS

NOTEBOOK = DOCS / "tutorial" / "notebook.ipynb"
KERNEL = "ledgerlink-docs-test"


def _code_cells(notebook: Any) -> dict[str, Any]:
    return {cell.id: cell for cell in notebook.cells if cell.cell_type == "code"}


def _stdout(cell: Any) -> str:
    return "".join(out.text for out in cell.outputs
                   if out.output_type == "stream" and out.name == "stdout")


def _html(cell: Any) -> str:
    return "".join(out.data.get("text/html", "") for out in cell.outputs
                   if out.output_type in {"execute_result", "display_data"})


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """The notebook after a headless run, and the directory it ran in."""
    home = tmp_path_factory.mktemp("jupyter")
    spec = home / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "ledgerlink tests", "language": "python"}), encoding="utf-8")
    workdir = tmp_path_factory.mktemp("notebook")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JUPYTER_PATH", str(home))
        env.setenv("IPYTHONDIR", str(home / "ipython"))
        env.delenv("LEDGERLINK_DISABLE_PLUGINS", raising=False)
        notebook = nbformat.read(NOTEBOOK, as_version=4)
        NotebookClient(notebook, kernel_name=KERNEL, timeout=120, allow_errors=False,
                       resources={"metadata": {"path": str(workdir)}}).execute()
    return notebook, workdir


def test_the_notebook_is_stored_without_outputs() -> None:
    """Every code cell of the stored notebook is unexecuted: no outputs, no execution count."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    cells = _code_cells(notebook)
    assert len(cells) >= 8
    assert all(cell.outputs == [] and cell.execution_count is None for cell in cells.values())


def test_no_cell_errors_and_every_cell_ran(executed: tuple[Any, Path]) -> None:
    """Each code cell ran in order, and none produced an error output."""
    notebook, _ = executed
    cells = list(_code_cells(notebook).values())
    assert [cell.execution_count for cell in cells] == list(range(1, len(cells) + 1))
    assert [out for cell in cells for out in cell.outputs if out.output_type == "error"] == []


def test_the_run_invoices_the_tutorial_company(executed: tuple[Any, Path]) -> None:
    """The run summary counts one booked and emailed invoice and one draft for the two customers,
    and the book and journal are written in the notebook's working directory."""
    notebook, workdir = executed
    summary = _stdout(_code_cells(notebook)["run-summary"]).splitlines()
    assert summary == ["invoices_created: 1", "booked: 1", "emailed: 1", "collected_on_drafts: 1",
                       "drafts_created: 1", "customers_linked: 2"]
    assert (workdir / "book.db").is_file()
    assert (workdir / "ledgerlink.db").is_file()


def test_running_again_invoices_nothing(executed: tuple[Any, Path]) -> None:
    """The second run creates no invoice and finds both invoices already made."""
    notebook, _ = executed
    assert _stdout(_code_cells(notebook)["again"]).splitlines() == [
        "invoices created: 0", "already invoiced: 2"]


def test_results_show_as_tables(executed: tuple[Any, Path]) -> None:
    """The plan, the run, the log, the statuses, the runs and the DataFrames render as HTML
    tables."""
    notebook, _ = executed
    cells = _code_cells(notebook)
    for cell_id in ("plan", "run", "log", "log-frame", "statuses", "status-counts", "journal",
                    "journal-log"):
        assert "<table" in _html(cells[cell_id]), cell_id


def test_the_statuses_are_one_draft_and_one_open_invoice(executed: tuple[Any, Path]) -> None:
    """`ll.statuses` reports Acme's draft and Jens Hansen's open invoice, and `to_pandas()` has
    a row for each with its balance."""
    notebook, _ = executed
    cell = _code_cells(notebook)["status-counts"]
    assert _stdout(cell).strip() == "{'draft': 1, 'open': 1}"
    frame = _html(cell)
    assert "draft:c-17:1" in frame
    assert "inv:wo-1002" in frame
    assert "493.75" in frame
