"""Custom fields by name: hash keys resolved to the names users gave them, option ids to
labels, shared names never resolved by chance."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledgerlink_pipedrive.fieldnames import FieldNames

CODES = st.text("0123456789abcdef", min_size=40, max_size=40)
NAMES = st.text(st.characters(categories=("L", "N", "Zs")), min_size=1, max_size=12)


def _definition(code: str, name: str, field_type: str = "varchar",
                options: list[tuple[int, str]] | None = None) -> dict[str, Any]:
    return {"field_code": code, "field_name": name, "field_type": field_type,
            "is_custom_field": True,
            "options": [{"id": number, "label": label} for number, label in options or ()]
            or None}


@given(st.dictionaries(CODES, NAMES, min_size=1, max_size=8))
def test_every_code_resolves_to_its_name_or_a_qualified_one(names: dict[str, str]) -> None:
    """A name held by one field is its key; a shared name is qualified by each code, so
    every field keeps its own key and none is lost."""
    resolved = FieldNames(_definition(code, name) for code, name in names.items())
    named = resolved.named({code: code for code in names})
    assert sorted(named.values()) == sorted(names)
    for code, name in names.items():
        shared = list(names.values()).count(name) > 1
        assert resolved.name_of(code) == (f"{name} [{code}]" if shared else name)
        assert named[resolved.name_of(code)] == code


@given(st.lists(NAMES, min_size=1, max_size=6, unique=True), st.data())
def test_option_ids_become_their_labels(labels: list[str], data: st.DataObject) -> None:
    """An enum's id, as a number or text, is its label; a set's ids (a list or
    comma-separated text) are their labels in order."""
    options = [(100 + index, label) for index, label in enumerate(labels)]
    fields = FieldNames([_definition("e" * 40, "Level", "enum", options),
                         _definition("s" * 40, "Tags", "set", options)])
    chosen = data.draw(st.lists(st.sampled_from(options), min_size=1, max_size=4))
    first = chosen[0][0]
    spelled = data.draw(st.sampled_from([first, str(first), Decimal(first), f" {first}"]))
    assert fields.value_of("e" * 40, spelled) == chosen[0][1]
    ids = [number for number, _ in chosen]
    as_text = ",".join(str(number) for number in ids)
    assert fields.value_of("s" * 40, ids) == [label for _, label in chosen]
    assert fields.value_of("s" * 40, as_text) == [label for _, label in chosen]


def test_unknown_codes_options_and_standard_fields_are_kept_as_they_came() -> None:
    """A code the list lacks keeps its key, an option id it lacks keeps its value, and
    standard fields are not taken for custom ones."""
    fields = FieldNames([_definition("e" * 40, "Level", "enum", [(1, "Gold")]),
                         {"field_code": "title", "field_name": "Title",
                          "field_type": "varchar", "is_custom_field": False}])
    assert fields.named({"f" * 40: "x", "e" * 40: 9, "title": "T"}) == {
        "f" * 40: "x", "Level": 9, "title": "T"}
    assert fields.value_of("e" * 40, None) is None
