"""Where the commands write: the consoles, ``--json`` documents and the progress bar.

The consoles are module attributes looked up at call time (``output.console``),
so tests can replace them with wider ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console

__all__ = ["console", "emit_json", "progress", "stderr"]

#: Tables and messages for people.
console = Console()
#: Errors and warnings.
stderr = Console(stderr=True)


def emit_json(data: Any) -> None:
    """Print ``data`` as one indented JSON document (what ``--json`` prints)."""
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


@contextmanager
def progress(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar for an invoicing run, or None when ``enabled`` is false."""
    if not enabled:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (TextColumn("invoicing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("run", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
