"""Reading a JSON list an item at a time: the same items as reading it whole, whatever the
chunk size, and a step aside for anything that is not a well-formed list."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink.convert import JsonNumber, json_int
from ledgerlink.json_stream import Unstreamable, json_list_items

_scalars = (st.none() | st.booleans() | st.integers() | st.text(max_size=8)
            | st.decimals(allow_nan=False, allow_infinity=False, places=3).map(float))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=8)
_spaces = st.text(alphabet=" \t\r\n", max_size=3)


def _whole(document: str) -> list[object]:
    result = json.loads(document, parse_int=json_int, parse_float=JsonNumber,
                        parse_constant=JsonNumber)
    assert isinstance(result, list)
    return result


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory for the property examples (each overwrites its own file)."""
    return tmp_path_factory.mktemp("stream")


@settings(max_examples=300)
@given(st.lists(_values, max_size=6), st.lists(_spaces, min_size=8, max_size=8),
       st.integers(min_value=1, max_value=40), st.booleans())
def test_items_are_those_of_the_whole_list_at_any_chunk_size(
        folder: Path, items: list[object], spaces: list[str], chunk: int, bom: bool) -> None:
    """Any list, with any white space between its items and a byte-order mark or not, reads
    as the same items as json.loads gives, however the chunks cut its values."""
    gaps = iter(spaces * 3)
    body = f",{next(gaps)}".join(f"{next(gaps)}{json.dumps(item)}" for item in items)
    document = f"{spaces[0]}[{body}{spaces[1]}]{spaces[2]}"
    path = folder / "list.json"
    path.write_text(document, encoding="utf-8-sig" if bom else "utf-8")
    assert list(json_list_items(str(path), chunk=chunk)) == _whole(document)


@pytest.mark.parametrize("chunk", [1, 2, 3])
def test_numbers_cut_by_a_chunk_are_read_whole(tmp_path: Path, chunk: int) -> None:
    """A number the chunk cuts after its first digits ("0" of "0.25") is read whole."""
    document = "[0.25, -120, 1e5, 10, true, null, 3]"
    path = tmp_path / "numbers.json"
    path.write_text(document, encoding="utf-8")
    assert list(json_list_items(str(path), chunk=chunk)) == _whole(document)


def test_an_item_longer_than_many_chunks_is_read_in_a_few_steps(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An item a thousand chunks long is read whole, retrying it a few times, not per chunk."""
    path = tmp_path / "long.json"
    path.write_text(json.dumps([{"text": "x" * 10_000}, 7]), encoding="utf-8")
    sizes: list[int] = []

    class CountingFile(io.StringIO):
        def read(self, size: int | None = -1) -> str:
            sizes.append(size or -1)
            return super().read(size)

    monkeypatch.setattr("ledgerlink.json_stream.open",
                        lambda *_, **__: CountingFile(path.read_text("utf-8")), raising=False)
    assert list(json_list_items(str(path), chunk=10)) == [{"text": "x" * 10_000}, 7]
    assert len(sizes) < 20


@pytest.mark.parametrize("document", [
    '{"id": "a"}',
    '[{"id": "a"},]',
    '[{"id": "a"}] [',
    '[{"id": "a"}, {"id": ',
    '[{"id": "a"} {"id": "b"}]',
    '[1, 2',
    "",
    "[" * 50_000 + "]" * 50_000,
])
def test_anything_but_a_well_formed_list_steps_aside(tmp_path: Path, document: str) -> None:
    """Not a list, a trailing comma or text, a cut-off file, a missing comma, an empty file
    and nesting past the reader's depth are left to the whole-document reader."""
    path = tmp_path / "bad.json"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(Unstreamable):
        list(json_list_items(str(path), chunk=7))


def test_text_that_is_not_utf8_and_a_missing_file_step_aside(tmp_path: Path) -> None:
    """A byte that is not UTF-8, and a file that is not there, are left to the whole reader."""
    path = tmp_path / "latin.json"
    path.write_bytes(b'[{"name": "K\xf8benhavn"}]')
    with pytest.raises(Unstreamable):
        list(json_list_items(str(path)))
    with pytest.raises(Unstreamable):
        list(json_list_items(str(tmp_path / "missing.json")))
