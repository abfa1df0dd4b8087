"""QuickBooks Items: listing them, and the stated rule that links an invoice line to one.

Every QuickBooks invoice line names an Item (``SalesItemLineDetail.ItemRef``).
:class:`ItemLinker` decides which, for a line's product, in this order:

1. the explicit map (``item_map`` option, product id → Item Id, parsed by
   :func:`parse_item_map`): the user's word wins, as given;
2. the product refs the journal holds (the ``products`` the connector is
   handed: products already found or created as Items);
3. an active Item whose Name equals the product id, then — when the product's
   name is known — one whose Name equals that name (both compared case-blind
   and whitespace-normalised, as QuickBooks keeps Names unique case-blind);
4. the connector's default item;
5. otherwise the line is unlinked: :meth:`ItemLinker.require_linked` refuses
   the invoice with a ValidationError naming every unlinked line, before any
   write.

:func:`list_items` reads the company's Items page by page.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from ledgerlink.domain import InvoiceLine
from ledgerlink.errors import ValidationError
from ledgerlink_quickbooks import queries
from ledgerlink_quickbooks.wire import QboItem, converter

if TYPE_CHECKING:
    from ledgerlink_quickbooks.connector import QuickBooksConnector

__all__ = [
    "ITEM_MAP_OPTION",
    "ItemLinker",
    "ItemSummary",
    "LineLink",
    "LinkRule",
    "list_items",
    "parse_item_map",
]

#: The connector option an explicit product → Item map is given in.
ITEM_MAP_OPTION = "item_map"


def parse_item_map(text: str | Mapping[str, str] | None) -> dict[str, str]:
    """``"P1=5, P2=7"`` (or a mapping) → ``{"P1": "5", "P2": "7"}``.

    Empty or None gives ``{}``. Each comma-separated part is ``product id=Item
    Id``; a part without ``=``, with an empty side, or repeating a product id is
    a ValidationError naming that part (field ``item_map``). A mapping is taken
    as it is, its keys and values stripped; empty ones are refused alike.
    """
    pairs: list[tuple[str, str, str]] = []  # (product id, item id, the part, for messages)
    if isinstance(text, Mapping):
        pairs = [(str(k).strip(), str(v).strip(), f"{k}={v}") for k, v in text.items()]
    else:
        for raw in (text or "").split(","):
            part = raw.strip()
            if not part:
                continue
            product, sep, item = part.partition("=")
            if not sep:
                raise ValidationError(
                    f"{ITEM_MAP_OPTION}: {part!r} is not product id=Item Id (e.g. 'P1=5')",
                    field=ITEM_MAP_OPTION, value=part)
            pairs.append((product.strip(), item.strip(), part))
    mapped: dict[str, str] = {}
    for product, item, part in pairs:
        if not product:
            raise ValidationError(f"{ITEM_MAP_OPTION}: {part!r} has no product id before '='",
                                  field=ITEM_MAP_OPTION, value=part)
        if not item:
            raise ValidationError(f"{ITEM_MAP_OPTION}: {part!r} has no Item Id after '='",
                                  field=ITEM_MAP_OPTION, value=part)
        if product in mapped:
            raise ValidationError(
                f"{ITEM_MAP_OPTION}: product {product!r} is mapped twice ({part!r})",
                field=ITEM_MAP_OPTION, value=part)
        mapped[product] = item
    return mapped


@attrs.frozen
class ItemSummary:
    """A QuickBooks Item as far as linking lines needs it.

    Attributes:
        id: the Item Id (what a line's ``ItemRef.value`` carries).
        name: its Name (unique in the company, case-blind).
        type: ``Service``, ``NonInventory``, ``Inventory``, ``Category``, ``Group``...
        unit_price: its sales price, if it has one.
        active: False for an Item made inactive (it cannot be put on new lines).
    """

    id: str
    name: str
    type: str | None
    unit_price: Decimal | None
    active: bool

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> ItemSummary:
        """An Item row of a query answer."""
        item = converter.structure(row, QboItem)
        assert item.Id is not None
        return cls(item.Id, item.Name, item.Type, item.UnitPrice, item.Active is not False)


def list_items(connector: QuickBooksConnector, *, active_only: bool = True) -> list[ItemSummary]:
    """The company's Items in Id order, read ``connector.page_size`` at a time.

    QuickBooks leaves inactive Items out of a plain query; ``active_only=False``
    asks for both explicitly (``Active IN (true, false)``). Pages are ordered
    by Id so paging is stable; Ids are strings to the query language (``"10"``
    sorts before ``"9"``), so the result is put in numeric order afterwards.
    """
    where: list[queries.Condition] = (
        [("Active", "=", "true")] if active_only else [("Active", "IN", ["true", "false"])])
    items: list[ItemSummary] = []
    position = 1
    while True:
        rows = connector._query("Item", where, start=position,
                                max_results=connector.page_size, order_by="Id")
        items += [ItemSummary.from_row(row) for row in rows]
        if len(rows) < connector.page_size:
            break
        position += len(rows)
    items.sort(key=_id_order)
    return [item for item in items if item.active] if active_only else items


def _id_order(item: ItemSummary) -> tuple[int, str]:
    return (int(item.id), "") if item.id.isdigit() else (-1, item.id)


class LinkRule(enum.Enum):
    """Which step of the matching rule linked a line (see the module docs)."""

    EXPLICIT = "explicit item map"
    JOURNAL = "product linked in the journal"
    NAME_IS_PRODUCT_ID = "Item named as the product id"
    NAME_IS_PRODUCT_NAME = "Item named as the product"
    DEFAULT = "default item"


@attrs.frozen
class LineLink:
    """The Item a line is linked to and the rule that chose it (both None: unlinked)."""

    item_id: str | None
    rule: LinkRule | None

    @property
    def linked(self) -> bool:
        """Whether the line has an Item."""
        return self.item_id is not None


#: An unlinked line.
UNLINKED = LineLink(None, None)


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


class ItemLinker:
    """Links lines to Items by the stated rule, over a list of Items (no I/O of its own).

    Args:
        items: the company's Items, or a callable giving them (e.g.
            ``lambda: list_items(connector)``), called once, and only when a
            line is linked neither by the map nor by the journal — so invoices
            whose products are all known cost no Item query. Inactive Items are
            never matched by name.
        item_map: the explicit product id → Item Id map.
        default_item: the Item Id for lines nothing else links.
    """

    def __init__(self, items: Iterable[ItemSummary] | Callable[[], Iterable[ItemSummary]], *,
                 item_map: Mapping[str, str] | None = None,
                 default_item: str | None = None) -> None:
        self.item_map = dict(item_map or {})
        self.default_item = default_item or None
        self._items = items
        self._names: dict[str, str] | None = None

    def _by_name(self) -> dict[str, str]:
        """Active Items by normalised Name (loaded on first use)."""
        if self._names is None:
            items = self._items() if callable(self._items) else self._items
            self._names = {}
            for item in items:
                if item.active:
                    self._names.setdefault(_name_key(item.name), item.id)
        return self._names

    def link(self, product_id: str | None, products: Mapping[str, str],
             product_name: str | None = None) -> LineLink:
        """The Item for a line of product ``product_id`` (named ``product_name``, if known)."""
        if product_id:
            if product_id in self.item_map:
                return LineLink(self.item_map[product_id], LinkRule.EXPLICIT)
            if products.get(product_id):
                return LineLink(str(products[product_id]), LinkRule.JOURNAL)
            by_name = self._by_name()
            found = by_name.get(_name_key(product_id))
            if found is not None:
                return LineLink(found, LinkRule.NAME_IS_PRODUCT_ID)
            found = by_name.get(_name_key(product_name)) if product_name else None
            if found is not None:
                return LineLink(found, LinkRule.NAME_IS_PRODUCT_NAME)
        if self.default_item:
            return LineLink(self.default_item, LinkRule.DEFAULT)
        return UNLINKED

    def link_lines(self, lines: Sequence[InvoiceLine], products: Mapping[str, str],
                   names: Mapping[str, str] | None = None) -> tuple[LineLink, ...]:
        """Each line's link; ``names`` maps product ids to product names where known."""
        known = names or {}
        return tuple(self.link(line.product_id, products,
                               known.get(line.product_id) if line.product_id else None)
                     for line in lines)

    def require_linked(self, lines: Sequence[InvoiceLine], products: Mapping[str, str],
                       names: Mapping[str, str] | None = None) -> tuple[str, ...]:
        """Each line's Item Id; any unlinked line blocks: a ValidationError naming them all."""
        links = self.link_lines(lines, products, names)
        unlinked = [index for index, link in enumerate(links) if not link.linked]
        if unlinked:
            first = unlinked[0]
            described = "; ".join(
                f"line {i + 1} ({lines[i].description!r}, product {lines[i].product_id!r})"
                for i in unlinked)
            raise ValidationError(
                f"unlinked line blocks creation: {described} has no QuickBooks item; link "
                f"the product with the {ITEM_MAP_OPTION} option, name an Item after it, "
                "or set the connector's default_item",
                field=f"lines[{first}].product_id", value=lines[first].product_id)
        return tuple(str(link.item_id) for link in links)
