"""Products as Dinero products, and the product links an invoice's lines use.

Products carry the product id as ``ExternalReference``; Dinero picks their
GUID, so a lost create answer is resolved by looking the product up before
sending again, and the receipt must carry the ``ProductGuid``.

A line naming a product is linked to the Dinero product the journal links it
to, or to the Dinero product whose ``ExternalReference`` is the product id,
looked up once per product per connector. Each link keeps the product's name,
which decides whether a line shows it (:func:`.mapping.product_lines`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal

from ledgerlink.connector import ProductRefs
from ledgerlink.domain import InvoiceLine, Product
from ledgerlink.errors import NotFoundError, TransientProviderError, ValidationError
from ledgerlink_dinero.api import DineroApi
from ledgerlink_dinero.keys import external_reference
from ledgerlink_dinero.mapping import DEFAULT_UNIT, ProductLink, VatAccounts
from ledgerlink_dinero.wire import DineroProduct

__all__ = ["PRODUCT_FIELDS", "DineroProducts"]

#: What a product look-up lists of each product.
PRODUCT_FIELDS = ("ProductGuid", "ExternalReference", "Name")


class DineroProducts:
    """Find and create products, and link lines to them.

    One instance is shared by the runner's threads: the lock makes them look
    each product up once.

    Args:
        api: the organisation's requests.
        accounts: the sales account of each VAT rate (a product's account).
    """

    def __init__(self, api: DineroApi, accounts: VatAccounts) -> None:
        self.api = api
        self.accounts = accounts
        # Product id → its link (None: no such product); ProductGuid → its link.
        self._by_id: dict[str, ProductLink | None] = {}
        self._by_guid: dict[str, ProductLink] = {}
        self._lock = threading.Lock()

    def by_reference(self, product_id: str) -> ProductLink | None:
        """The product whose ExternalReference is ``product_id``."""
        rows = self.api.list("products", "products", DineroProduct,
                             operation=f"find product {product_id}", fields=PRODUCT_FIELDS,
                             where=[("ExternalReference", "eq", product_id)])
        for found in rows:
            if found.ExternalReference == product_id and found.ProductGuid:
                return ProductLink(found.ProductGuid, found.Name)
        return None

    def find(self, product: Product) -> str | None:
        """The GUID of the product whose ExternalReference is the product id."""
        link = self.by_reference(product.id)
        return None if link is None else link.guid

    def create(self, product: Product) -> str:
        """Create the product (ExternalReference = product id); Dinero picks its GUID, so a
        lost answer is resolved by looking the product up before sending again."""
        operation = f"create product {product.id}"
        payload = DineroProduct(
            Name=product.name, BaseAmountValue=product.unit_price or Decimal(0),
            Quantity=Decimal(1), Unit=DEFAULT_UNIT,
            AccountNumber=self.accounts.account_for(product.vat_rate, product.name),
            ExternalReference=external_reference(product.id, "product.id"))
        try:
            receipt = self.api.send("POST", "products", payload, operation=operation,
                                    idempotent=False)
            return self.api.receipt_id(receipt, "ProductGuid", None, operation=operation)
        except TransientProviderError:
            found = self.find(product)
            if found is not None:
                return found
            receipt = self.api.send("POST", "products", payload, operation=operation,
                                    idempotent=False)
            return self.api.receipt_id(receipt, "ProductGuid", None, operation=operation)

    def read(self, guid: str) -> DineroProduct:
        """The product with that GUID (NotFoundError if none); an answer naming another
        product is refused."""
        return self.api.read(f"products/{guid}", DineroProduct, field="ProductGuid", guid=guid,
                             operation=f"read product {guid}")

    def name_of(self, guid: str) -> str | None:
        """The name of the product with that GUID (``GET products/{guid}``); None when
        Dinero has none."""
        try:
            return self.read(guid).Name or ""
        except NotFoundError:
            return None

    def _journal_link(self, guid: str) -> ProductLink | None:
        with self._lock:
            if guid not in self._by_guid:
                try:
                    product = self.read(guid)
                except NotFoundError:
                    return None
                self._by_guid[guid] = ProductLink(guid, product.Name)
            return self._by_guid[guid]

    def _reference_link(self, product_id: str) -> ProductLink | None:
        with self._lock:
            if product_id not in self._by_id:
                self._by_id[product_id] = self.by_reference(product_id)
            return self._by_id[product_id]

    def links(self, lines: Sequence[InvoiceLine], products: ProductRefs,
              ) -> Mapping[str, ProductLink]:
        """The product links of ``lines``: the journal's, else a Dinero product whose
        ExternalReference is the product id.

        A line without a product is a free-text line, which Dinero allows; a line
        naming a product that neither rule links (or whose linked product Dinero no
        longer has) blocks its invoice, naming the line.
        """
        links: dict[str, ProductLink] = {}
        for index, line in enumerate(lines):
            if not line.product_id or line.product_id in links:
                continue
            guid = products.get(line.product_id)
            link = (self._journal_link(guid) if guid is not None
                    else self._reference_link(line.product_id))
            if link is None:
                why = (f"which is linked to Dinero product {guid}, which Dinero no longer has"
                       if guid is not None else
                       "which no Dinero product has as its ExternalReference")
                raise ValidationError(
                    f"unlinked line blocks creation: line {index + 1} ({line.description!r}) "
                    f"names product {line.product_id!r}, {why}; create or link the product "
                    "first", field=f"lines[{index}].product_id", value=line.product_id)
            links[line.product_id] = link
        return links
