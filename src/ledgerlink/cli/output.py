"""Where the commands write: the consoles, ``--json`` documents, tables and progress.

The consoles are module attributes looked up at call time (``output.console``),
so tests can replace them with wider or narrower ones.

Every table a command prints is built by :func:`table` from :class:`Col`
descriptions, so all of them read the same way at 80 columns (CI logs, pipes,
the usual terminal): ids are never wrapped or cut, long text is cut with an
ellipsis, and where the width runs out the least useful columns are left out
(the caption says which; ``--json`` always has every field).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import attrs
import click
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import OverflowMethod
    from rich.progress import Task

__all__ = ["Col", "console", "emit_json", "print_table", "progress", "stderr", "table", "utc_time"]

#: Tables and messages for people.
console = Console()
#: Errors, warnings and progress.
stderr = Console(stderr=True)

#: Narrowest a cut text column gets before columns are left out instead.
TEXT_MIN_WIDTH = 12
#: Columns are two spaces apart (the padding of :func:`table`'s style).
_GAP = 2
#: How each kind of column treats text wider than it: an id is never folded or cut
#: (its column is as wide as its widest cell, so nothing overflows), long text is
#: cut with an ellipsis, and a word list folds only a word wider than the column,
#: which its width (at least its longest word) rules out.
_OVERFLOW: dict[str, OverflowMethod] = {"whole": "ignore", "cut": "ellipsis", "wrap": "fold"}


def emit_json(data: Any) -> None:
    """Print ``data`` as one indented JSON document (what ``--json`` prints)."""
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


@attrs.frozen
class Col:
    """One column of a command's table.

    Attributes:
        header: the heading; it wraps between words, never inside one.
        fit: ``"whole"`` for ids, numbers, dates and other short values (one
            line, never cut); ``"cut"`` for long text (one line, cut with "…");
            ``"wrap"`` for lists of words (wrapped between words).
        justify: ``"right"`` for amounts and counts.
        drop: 0 keeps the column at any width; otherwise it is left out when
            the table does not fit, highest ``drop`` first.
        max_width: the widest a ``"cut"`` or ``"wrap"`` column grows.
    """

    header: str
    fit: Literal["whole", "cut", "wrap"] = "whole"
    justify: Literal["left", "right"] = "left"
    drop: int = 0
    max_width: int | None = None


def _longest_word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=0)


def _widths(col: Col, cells: Sequence[str]) -> tuple[int, int]:
    """The narrowest and the widest ``col`` should be, from its header and cells."""
    head = _longest_word(col.header)
    if col.fit == "wrap":
        least = max([head, *(_longest_word(c) for c in cells)])
        most = max([cell_len(col.header), *(cell_len(c) for c in cells)])
    else:
        most = max([cell_len(col.header), *(cell_len(c) for c in cells)])
        least = max(head, max((cell_len(c) for c in cells), default=0))
    if col.fit == "cut":
        least = min(least, max(head, TEXT_MIN_WIDTH))
    if col.max_width is not None and col.fit != "whole":
        most = max(least, min(most, col.max_width))
    return least, max(least, most)


def table(columns: Sequence[Col], rows: Iterable[Sequence[object]], *, width: int,
          title: str | None = None, caption: str | None = None,
          styles: Sequence[str | None] | None = None) -> Table:
    """A rich table of ``rows`` laid out for ``width`` columns of text.

    Columns are left out (highest :attr:`Col.drop` first) until the rest fit
    with their ids whole; the room left goes to the text columns. ``styles``
    gives each row's style (e.g. red for failures). Cells are plain text:
    square brackets in data are never read as markup.
    """
    # Cut text is one line: a provider's multi-line message becomes one line of words.
    texts = [["" if cell is None else " ".join(str(cell).split()) if col.fit == "cut"
              else str(cell) for col, cell in zip(columns, row, strict=True)] for row in rows]
    # A droppable column with nothing in it says nothing: left out without a note.
    keep = [i for i, col in enumerate(columns)
            if not (col.drop and texts and not any(row[i] for row in texts))]
    empty = set(range(len(columns))) - set(keep)
    ranges = [_widths(col, [row[i] for row in texts]) for i, col in enumerate(columns)]

    def needed(kept: list[int]) -> int:
        return sum(ranges[i][0] for i in kept) + _GAP * (len(kept) - 1)

    dropped: list[int] = []
    while needed(keep) > width and any(columns[i].drop for i in keep):
        worst = max((i for i in keep if columns[i].drop), key=lambda i: (columns[i].drop, i))
        keep.remove(worst)
        dropped.append(worst)
    # A narrow column left out early may fit once a wide one has gone too.
    for i in reversed(dropped):
        if needed(sorted([*keep, i])) <= width:
            keep = sorted([*keep, i])
    alloc = {i: ranges[i][0] for i in keep}
    room = width - needed(keep)
    for i in keep:  # the room left, to the growing columns from the left
        grow = min(max(room, 0), ranges[i][1] - alloc[i])
        alloc[i] += grow
        room -= grow
    left_out = [columns[i].header for i in range(len(columns))
                if i not in keep and i not in empty]
    if left_out:
        note = (f"left out at {width} columns: {', '.join(left_out)} "
                f"(a wider terminal or --json shows them)")
        caption = f"{caption}\n{note}" if caption else note
    # A title wider than the columns would wrap to their width (an id in it split):
    # the table is made as wide as the title, up to the terminal's width.
    built = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, show_edge=False,
                  pad_edge=False, collapse_padding=True, padding=(0, 1), title_justify="left",
                  caption_justify="left", min_width=min(width, cell_len(title or "")) or None)
    if needed(keep) > width:
        built.width = needed(keep)  # ids stay whole even past the terminal's edge
    for i in keep:
        col = columns[i]
        # The header wraps between words even where the cells never wrap.
        built.add_column(Text(col.header, no_wrap=False, overflow="fold"), width=alloc[i],
                         justify=col.justify,
                         no_wrap=col.fit != "wrap", overflow=_OVERFLOW[col.fit])
    for n, row in enumerate(texts):
        built.add_row(*(Text(row[i]) for i in keep), style=styles[n] if styles else None)
    return built


def utc_time(at: str | None) -> str:
    """A stored instant as the tables show it: date and time of day in UTC, to the minute."""
    if not at:
        return ""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d %H:%M}"


def print_table(target: Console, built: Table) -> None:
    """Print a :func:`table` on ``target`` (never cropped: an id is never cut at the edge)."""
    target.print(built, crop=False)


@contextmanager
def progress(enabled: bool, label: str = "invoicing"
             ) -> Iterator[Callable[[int, int], None] | None]:
    """Progress on stderr for a long command, or None when ``enabled`` is false.

    Shown only when stderr is a terminal: a pipe or a CI log gets nothing.
    While the total is unknown (before the first step is counted, or for a
    command that cannot count its steps) a spinner and the elapsed time show
    that work goes on; then a bar with ``done/total``.
    """
    if not enabled or not stderr.is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    class Count(ProgressColumn):
        """``done/total`` once the total is known; nothing before."""

        def render(self, task: Task) -> Text:
            if task.total is None:
                return Text("")
            return Text(f"{int(task.completed)}/{int(task.total)}", style="progress.download")

    columns = (SpinnerColumn(), TextColumn(label), BarColumn(), Count(), TimeElapsedColumn())
    with Progress(*columns, console=stderr, transient=False) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update
