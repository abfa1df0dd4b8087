"""Items: the item_map option, listing Items page by page, and the rule linking lines (items.py)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink.domain import InvoiceLine
from ledgerlink.errors import ValidationError
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from ledgerlink_quickbooks.products import (
    ItemLinker,
    ItemSummary,
    LineLink,
    LinkRule,
    list_items,
    parse_item_map,
)
from tests.ledgerlink_quickbooks.support import build_connector
from tests.recording import RecordingTransport

# --- the item_map option ----------------------------------------------------------------------

ids = st.text(st.characters(codec="ascii", exclude_characters=",= \t\r\n\x0b\x0c\x1c\x1d\x1e\x1f"),
              min_size=1, max_size=10)


@settings(deadline=None)
@given(st.dictionaries(ids, ids, max_size=8), st.sampled_from([",", ", ", " ,"]))
def test_item_map_round_trip(mapping: dict[str, str], separator: str) -> None:
    """A map written as the option text parses back to itself; a mapping is taken as it is."""
    text = separator.join(f"{product} = {item}" for product, item in mapping.items())
    assert parse_item_map(text) == mapping
    assert parse_item_map(mapping) == mapping


@pytest.mark.parametrize("empty", [None, "", " , ", {}])
def test_an_empty_item_map(empty: str | dict[str, str] | None) -> None:
    """No option means no explicit links."""
    assert parse_item_map(empty) == {}


@pytest.mark.parametrize(("text", "part", "says"), [
    ("P1=5,P2", "P2", "is not product id=Item Id"),
    ("P1=5, =7", "=7", "no product id"),
    ("P1=", "P1=", "no Item Id"),
    ("P1=5,P1=6", "P1=6", "mapped twice"),
])
def test_bad_item_map_parts_are_named(text: str, part: str, says: str) -> None:
    """Each bad part is refused with its own text and the option's name."""
    with pytest.raises(ValidationError, match=says) as caught:
        parse_item_map(text)
    assert caught.value.field == "item_map"
    assert caught.value.value == part
    assert repr(part) in caught.value.message


def test_a_mapping_with_an_empty_item_id_is_refused() -> None:
    """A mapping is checked like the text."""
    with pytest.raises(ValidationError, match="no Item Id") as caught:
        parse_item_map({"P1": " "})
    assert caught.value.field == "item_map"


# --- listing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("active_only", [True, False])
def test_items_are_listed_page_by_page(emulator: QuickBooksEmulator, tmp_path: Path,
                                       active_only: bool) -> None:
    """More Items than a page: every one is read once, inactive ones only when asked for."""
    log = RecordingTransport(emulator.transport())
    quickbooks = build_connector(emulator, tmp_path, transport=log)  # seeds the "Services" item
    quickbooks.api.page_size = 3
    for number in range(7):
        emulator.seed(quickbooks.realm_id, "Item", {
            "Name": f"Part {number}", "Type": "NonInventory",
            "UnitPrice": Decimal(f"{number}.50")})
    for number in range(2):
        emulator.seed(quickbooks.realm_id, "Item", {"Name": f"Old {number}", "Active": False})
    items = list_items(quickbooks.api, active_only=active_only)
    names = [item.name for item in items]
    active = ["Services", *(f"Part {n}" for n in range(7))]
    assert names == (active if active_only else [*active, "Old 0", "Old 1"])
    assert len(set(item.id for item in items)) == len(items)
    assert len(log.queries) == len(items) // 3 + 1  # full pages, then a short one
    assert all("MAXRESULTS 3" in text for text in log.queries)
    part = next(item for item in items if item.name == "Part 2")
    assert (part.type, part.unit_price, part.active) == ("NonInventory", Decimal("2.50"), True)
    if not active_only:
        assert [item.active for item in items[-2:]] == [False, False]
    quickbooks.close()


# --- the matching rule -------------------------------------------------------------------------

ITEMS = [
    ItemSummary("10", "P1", "Service", None, True),
    ItemSummary("11", "Consulting  Hours", "Service", Decimal("95.00"), True),
    ItemSummary("12", "P3", "Service", None, False),  # inactive: never matched by name
    ItemSummary("13", "Widgets", "NonInventory", Decimal("2.00"), True),
]


@pytest.mark.parametrize(("product", "name", "products", "item_map", "expected"), [
    ("P1", None, {"P1": "20"}, {"P1": "30"}, LineLink("30", LinkRule.EXPLICIT)),
    ("P1", None, {"P1": "20"}, {}, LineLink("20", LinkRule.JOURNAL)),
    ("P1", "Widgets", {}, {}, LineLink("10", LinkRule.NAME_IS_PRODUCT_ID)),
    ("p1", None, {}, {}, LineLink("10", LinkRule.NAME_IS_PRODUCT_ID)),
    ("P2", "consulting hours", {}, {}, LineLink("11", LinkRule.NAME_IS_PRODUCT_NAME)),
    ("P2", "Unknown", {}, {}, LineLink("99", LinkRule.DEFAULT)),
    ("P3", None, {}, {}, LineLink("99", LinkRule.DEFAULT)),
    (None, "Widgets", {}, {}, LineLink("99", LinkRule.DEFAULT)),
])
def test_the_matching_order(product: str | None, name: str | None, products: dict[str, str],
                            item_map: dict[str, str], expected: LineLink) -> None:
    """Explicit map, journal, Item named as the id, then as the name, then the default item."""
    linker = ItemLinker(ITEMS, item_map=item_map, default_item="99")
    assert linker.link(product, products, name) == expected


def test_without_a_default_item_a_line_stays_unlinked() -> None:
    """Nothing matching and no default: unlinked."""
    link = ItemLinker(ITEMS).link("P9", {}, "Nothing")
    assert (link.linked, link.item_id, link.rule) == (False, None, None)


def _line(product: str | None, text: str = "work") -> InvoiceLine:
    return InvoiceLine(text, Decimal(1), Decimal("10.00"), product_id=product)


def test_unlinked_lines_block_and_are_all_named() -> None:
    """Every unlinked line is named; the error points at the first."""
    linker = ItemLinker(ITEMS, item_map={"PX": "77"})
    lines = [_line("P1"), _line("P8", "Travel"), _line("PX"), _line(None, "Misc")]
    with pytest.raises(ValidationError, match="unlinked line blocks creation") as caught:
        linker.require_linked(lines, {})
    message = caught.value.message
    assert "line 2 ('Travel', product 'P8')" in message
    assert "line 4 ('Misc', product None)" in message
    assert "line 1" not in message and "line 3" not in message
    assert caught.value.field == "lines[1].product_id"
    assert caught.value.value == "P8"


def test_linked_lines_give_their_item_ids() -> None:
    """All lines linked: their Item Ids in line order, product names used where given."""
    linker = ItemLinker(ITEMS, item_map={"PX": "77"})
    lines = [_line("P1"), _line("PX"), _line("P5"), _line("P6")]
    ids = linker.require_linked(lines, {"P6": "21"}, names={"P5": "Widgets"})
    assert ids == ("10", "77", "13", "21")
    assert [link.rule for link in linker.link_lines(lines, {"P6": "21"}, {"P5": "Widgets"})] == [
        LinkRule.NAME_IS_PRODUCT_ID, LinkRule.EXPLICIT, LinkRule.NAME_IS_PRODUCT_NAME,
        LinkRule.JOURNAL]


def test_items_are_loaded_once_and_only_when_a_name_must_be_matched() -> None:
    """Lines linked by the map, the journal or no product cost no Item listing; then one."""
    calls: list[int] = []

    def load() -> list[ItemSummary]:
        calls.append(1)
        return ITEMS

    linker = ItemLinker(load, item_map={"PX": "77"}, default_item="99")
    assert linker.require_linked([_line("PX"), _line("P6"), _line(None)], {"P6": "21"}) == (
        "77", "21", "99")
    assert calls == []
    assert linker.link("P1", {}) == LineLink("10", LinkRule.NAME_IS_PRODUCT_ID)
    assert linker.link("P2", {}, "Widgets") == LineLink("13", LinkRule.NAME_IS_PRODUCT_NAME)
    assert calls == [1]
