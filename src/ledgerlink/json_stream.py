"""Internal: the items of a JSON file's top-level list, read one at a time.

A table file in JSON (customers, work orders, products) is one list. Reading
it whole holds the file's text and every item's dicts at once (a 100,000-order
file is 76 MB of text); reading it an item at a time holds one item. Items are
decoded with the same decoder settings as :func:`ledgerlink.rows.read_json`.

Only well-formed lists are read this way. At anything else (not a list at the
top, a syntax error, nesting too deep, text that is not UTF-8, a file that
cannot be opened) :class:`Unstreamable` is raised, and the caller reads the file
whole with :func:`~ledgerlink.rows.read_json`, whose error names the place
in the whole document as it always did (and which reads anything the stream
turned down, should the two ever disagree).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from ledgerlink.convert import JsonNumber, json_int

__all__ = ["CHUNK_CHARS", "Unstreamable", "json_list_items"]

#: Characters read at a time; an item longer than this is read in doubling steps.
CHUNK_CHARS = 1 << 18
#: JSON's white space (the json module's own definition).
_SPACE = re.compile(r"[ \t\n\r]*")


class Unstreamable(Exception):
    """The file is not a well-formed JSON list; read it whole to say why."""


def _decoder() -> json.JSONDecoder:
    return json.JSONDecoder(parse_int=json_int, parse_float=JsonNumber,
                            parse_constant=JsonNumber)


class _Buffer:
    """The unread part of a text file, refilled on demand."""

    def __init__(self, handle: Any, chunk: int) -> None:
        self.handle, self.chunk = handle, chunk
        self.text, self.pos, self.at_end = "", 0, False

    def more(self, size: int) -> bool:
        """Append up to ``size`` characters, dropping what was read; False at the end."""
        added = self.handle.read(size)
        if not added:
            self.at_end = True
            return False
        self.text = self.text[self.pos:] + added
        self.pos = 0
        return True

    def next_char(self) -> str:
        """The next character that is not white space ("" at the end); not consumed."""
        while True:
            self.pos = _SPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text) or not self.more(self.chunk):
                return self.text[self.pos:self.pos + 1]


def _items(buffer: _Buffer, decoder: json.JSONDecoder) -> Iterator[Any]:
    if buffer.next_char() != "[":
        raise Unstreamable
    buffer.pos += 1
    if buffer.next_char() == "]":
        buffer.pos += 1
    else:
        while True:
            buffer.next_char()  # past the white space before the item
            size = buffer.chunk
            while True:
                try:
                    item, end = decoder.raw_decode(buffer.text, buffer.pos)
                    # An item is whole once a comma or the list's end follows it: a number
                    # cut at the buffer's end reads as a shorter one ("0" of "0.5").
                    follow = _SPACE.match(buffer.text, end).end()  # type: ignore[union-attr]
                    if buffer.text[follow:follow + 1] in (",", "]") or buffer.at_end:
                        break
                except json.JSONDecodeError:
                    if buffer.at_end:
                        raise Unstreamable from None
                buffer.more(size)
                size *= 2  # an item longer than a chunk costs a few retries, not one per chunk
            buffer.pos = end
            yield item
            after = buffer.next_char()
            buffer.pos += 1
            if after == "]":
                break
            if after != ",":
                raise Unstreamable
    if buffer.next_char():
        raise Unstreamable  # text after the list


def json_list_items(source: str, *, chunk: int = CHUNK_CHARS) -> Iterator[Any]:
    """The items of the top-level list of the JSON file ``source``, in order.

    Raises :class:`Unstreamable` (possibly after yielding some items) when the
    file is not a well-formed list or cannot be read; see the module docstring.
    """
    try:
        with open(source, encoding="utf-8-sig") as handle:
            yield from _items(_Buffer(handle, chunk), _decoder())
    except (OSError, UnicodeDecodeError, RecursionError) as err:
        raise Unstreamable from err
