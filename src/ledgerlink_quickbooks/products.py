"""QuickBooks Items: finding and creating them, and the stated rule that links a line to one.

:class:`Products` finds an Item by name and creates Items: Service for
services, NonInventory for goods, each with the ``IncomeAccountRef`` QuickBooks
requires of both (Finance.xsd; NOTES.md §4.3). The income account is, in
this order (:meth:`Products.income_account`, decided once per connector):

1. the ``income_account`` option (an Account Id), as given;
2. otherwise the company's active accounts of AccountType ``Income``
   (``SELECT * FROM Account WHERE AccountType = 'Income'``): the first whose
   Name is, case-blind, one of :data:`PREFERRED_INCOME_ACCOUNTS` in that order
   (QuickBooks' default chart of accounts has "Services" and "Sales of Product
   Income"), else the one with the lowest Id: a deterministic choice the user
   overrides with the option;
3. no active Income account: a ValidationError naming the ``income_account``
   option, before any Item is written.

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
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from ledgerlink.domain import InvoiceLine, Product, ProductKind
from ledgerlink.errors import NotFoundError, ValidationError
from ledgerlink_quickbooks import queries
from ledgerlink_quickbooks.customers import MAX_ITEM_NAME, clean_name
from ledgerlink_quickbooks.keys import digest
from ledgerlink_quickbooks.wire import WIRE, QboAccount, QboItem, Ref

if TYPE_CHECKING:
    from ledgerlink_quickbooks.api import QuickBooksApi

__all__ = [
    "INCOME_ACCOUNT_OPTION",
    "ITEM_MAP_OPTION",
    "PREFERRED_INCOME_ACCOUNTS",
    "ItemLinker",
    "ItemSummary",
    "LineLink",
    "LinkRule",
    "Products",
    "choose_income_account",
    "list_items",
    "parse_item_map",
]

#: The connector option an explicit product → Item map is given in.
ITEM_MAP_OPTION = "item_map"
#: The connector option naming the income account of created Items.
INCOME_ACCOUNT_OPTION = "income_account"
#: Income account names taken first, in this order (compared case-blind).
PREFERRED_INCOME_ACCOUNTS = ("Services", "Sales of Product Income", "Sales")


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
        item = WIRE.structure(row, QboItem, operation="read an item")
        item_id = WIRE.required(item.Id, "Item.Id", operation="read an item")
        return cls(item_id, item.Name, item.Type, item.UnitPrice, item.Active is not False)


def list_items(api: QuickBooksApi, *, active_only: bool = True) -> list[ItemSummary]:
    """The company's Items in Id order, read ``api.page_size`` at a time.

    QuickBooks leaves inactive Items out of a plain query; ``active_only=False``
    asks for both explicitly (``Active IN (true, false)``). Pages are ordered
    by Id so paging is stable; Ids are strings to the query language (``"10"``
    sorts before ``"9"``), so the result is put in numeric order afterwards.
    """
    where: list[queries.Condition] = (
        [("Active", "=", "true")] if active_only else [("Active", "IN", ["true", "false"])])
    items = [ItemSummary.from_row(row) for row in api.query_all("Item", where, order_by="Id")]
    items.sort(key=_id_order)
    return [item for item in items if item.active] if active_only else items


def _id_order(item: ItemSummary) -> tuple[int, str]:
    return _numeric_id(item.id)


def _numeric_id(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (-1, value)


def choose_income_account(accounts: Iterable[QboAccount]) -> str | None:
    """The income account Items are created with, among ``accounts`` (see the module
    docstring); None when none is an active Income account."""
    usable = sorted((a for a in accounts if a.AccountType == "Income" and a.Active is not False),
                    key=lambda a: _numeric_id(a.Id))
    by_name = {_name_key(a.Name or ""): a.Id for a in reversed(usable)}
    for name in PREFERRED_INCOME_ACCOUNTS:
        if _name_key(name) in by_name:
            return by_name[_name_key(name)]
    return usable[0].Id if usable else None


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
            ``lambda: list_items(api)``), called once, and only when a
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


class Products:
    """The company's Items as the connector finds, creates and links them.

    Args:
        api: the realm's requests.
        item_map: the explicit product id → Item Id map (``item_map`` option).
        default_item: the Item Id for lines nothing else links.
        income_account: the Account Id created Items carry; None: chosen from the
            company's Income accounts on the first create (see the module docstring).
    """

    def __init__(self, api: QuickBooksApi, *, item_map: Mapping[str, str] | None = None,
                 default_item: str | None = None, income_account: str | None = None) -> None:
        self.api = api
        # Lists the company's Items only when a line needs matching by name.
        self.linker = ItemLinker(lambda: list_items(api), item_map=item_map,
                                 default_item=default_item)
        self._income_account = income_account or None
        self._lock = threading.Lock()

    def find(self, product: Product) -> str | None:
        """The active Item with the product's name."""
        name = clean_name(product.name, MAX_ITEM_NAME)
        for row in self.api.query("Item", [("Name", "=", name)], max_results=10):
            if row.get("Active") is not False:
                return str(row["Id"])
        return None

    def create(self, product: Product) -> str:
        """Create an Item: Service for services, NonInventory for goods, with the income
        account (:meth:`income_account`)."""
        item = QboItem(
            Name=clean_name(product.name, MAX_ITEM_NAME),
            Type="Service" if product.kind is ProductKind.SERVICE else "NonInventory",
            UnitPrice=product.unit_price,
            IncomeAccountRef=Ref(self.income_account()),
        )
        body = WIRE.dumps(item)
        created = self.api.save("Item", body, "create-item", f"{product.id}|{digest(body)}")
        return str(created["Id"])

    def name_of(self, item_id: str) -> str | None:
        """The Name of the Item with that Id (``GET /item/{id}``); None when the company
        has none (QuickBooks answers 610, object not found)."""
        if not item_id.isdigit():
            return None  # QuickBooks Ids are whole numbers
        try:
            return str(self.api.read("Item", item_id).get("Name") or "")
        except NotFoundError:
            return None

    def income_account(self) -> str:
        """The Account Id created Items carry: the option, else chosen once from the
        company's Income accounts; none: ValidationError naming the option."""
        with self._lock:
            if self._income_account is None:
                rows = self.api.query_all("Account", [("AccountType", "=", "Income")])
                accounts = [WIRE.structure(row, QboAccount, operation="query Account")
                            for row in rows]
                chosen = choose_income_account(accounts)
                if chosen is None:
                    raise ValidationError(
                        "QuickBooks requires an income account on the Items ledgerlink "
                        "creates, and the company has no active account of type Income; set "
                        f"the {INCOME_ACCOUNT_OPTION} option to the Id of the Account to use",
                        field=INCOME_ACCOUNT_OPTION)
                self._income_account = chosen
            return self._income_account
