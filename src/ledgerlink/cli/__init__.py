"""Internal: the ``ledgerlink`` command line (click for parsing, rich for tables and progress).

Every command that reads files validates all of them before anything is
written; bad input exits with status 2 and an error naming the file, row and
field. ``--json`` prints one JSON document for scripts instead of tables.

Layout, imported downward only: the shared pieces (:mod:`.output` the consoles
and JSON, :mod:`.errors` exit statuses and error reporting, :mod:`.options`
the shared click options, :mod:`.inputs` reading the input files,
:mod:`.connecting` opening a connector from ``-o`` options, :mod:`.connect`
the provider ``connect`` commands' OAuth pieces); one module per command group
(:mod:`.invoicing`, :mod:`.status`, :mod:`.policy`, :mod:`.demo`,
:mod:`.emulate`, :mod:`.schedule`); and :mod:`.app`, which assembles them and
adds the plugins' commands.
"""

from __future__ import annotations

from ledgerlink.cli.app import main
from ledgerlink.cli.exits import EXIT_BAD_INPUT, EXIT_BOOK_BUSY, EXIT_FAILURES

__all__ = ["EXIT_BAD_INPUT", "EXIT_BOOK_BUSY", "EXIT_FAILURES", "main"]
