"""Internal: exit statuses and how a ledgerlink error reaches the user (a message or JSON)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.markup import escape

from ledgerlink.cli import output
from ledgerlink.cli.exits import EXIT_BAD_INPUT, EXIT_BOOK_BUSY, EXIT_FAILURES
from ledgerlink.errors import (
    BookBusyError,
    ConnectorOptionError,
    LedgerlinkError,
    ProviderError,
    ValidationError,
)

__all__ = ["EXIT_BAD_INPUT", "EXIT_BOOK_BUSY", "EXIT_FAILURES", "error_json", "reported"]



@contextmanager
def reported(as_json: bool = False) -> Iterator[None]:
    """Turn ledgerlink errors into a clear message and an exit status.

    With ``as_json`` the error is one JSON object on stdout (see :func:`error_json`),
    so a script reading ``--json`` output always gets JSON, success or not.
    """
    try:
        yield
    except LedgerlinkError as err:
        status = (EXIT_BAD_INPUT if isinstance(err, ValidationError)
                  else EXIT_BOOK_BUSY if isinstance(err, BookBusyError) else EXIT_FAILURES)
        if as_json:
            output.emit_json(error_json(err, status))
        else:
            output.stderr.print(f"[bold red]error:[/] {escape(str(err))}", markup=True,
                                highlight=False)
        sys.exit(status)


def error_json(err: LedgerlinkError, status: int) -> dict[str, Any]:
    """``{"error": {...}}``: what ``--json`` prints for an error instead of a result.

    Always ``type``, ``message`` (as printed without ``--json``) and
    ``exit_status``; the fields of the error's kind where it has them (the
    file, row and field of bad input, the provider's own words and ids).
    """
    body: dict[str, Any] = {"type": type(err).__name__, "message": str(err),
                            "exit_status": status}
    if isinstance(err, ValidationError):
        body.update(field=err.field, value=err.value, source=err.source, row=err.row,
                    problems=[str(p) for p in err.problems])
    if isinstance(err, ConnectorOptionError):
        body.update(connector=err.connector, unknown=list(err.unknown),
                    missing=list(err.missing), accepted=list(err.accepted))
    if isinstance(err, BookBusyError):
        body.update(book=err.book, holder=err.holder, run_id=err.run_id, until=err.until)
    if isinstance(err, ProviderError):
        body.update(provider=err.provider, provider_message=err.message, status=err.status,
                    code=err.code, request_id=err.request_id)
    return {"error": body}
