"""Internal: every result's table of plain values, gathered for the presentation layer.

Each result type builds its own rows next to its definition (so data never
imports presentation); this module only collects them under one roof for the
command line's ``--json`` and tables. The row and column conventions are
:mod:`ledgerlink.tabular`'s.
"""

from __future__ import annotations

from ledgerlink.plans import plan_rows
from ledgerlink.refreshing import refresh_rows
from ledgerlink.results import outcome_rows
from ledgerlink.status_report import status_rows
from ledgerlink.store.records import log_rows, run_rows
from ledgerlink.tabular import Rows, to_frame

__all__ = [
    "Rows",
    "log_rows",
    "outcome_rows",
    "plan_rows",
    "refresh_rows",
    "run_rows",
    "status_rows",
    "to_frame",
]
