"""Products as Billy products, and the product each invoice line is linked to.

Billy requires a product on every invoice line (``productId`` is required
[B1]), and the product's sales tax ruleset decides the line's VAT. A line is
linked, in this order, to:

1. the Billy product the ``product_map`` option names for its product id
   (``"service-call=abc123,parts=def456"``): the explicit map;
2. the Billy product the journal links its product id to (the runner's
   ``ProductRefs``, filled by ``create_product``/``find_product``);
3. the stated matching rule: the Billy product whose ``productNo`` is the
   product id (read once per connector with the product list,
   ⌈products / 1000⌉ requests);
4. a line naming no product: the Billy product the ``rate_products`` option
   names for its VAT rate (``"25=abc123,0=def456"``).

A line none of these links blocks its invoice: nothing is written, and the
error names every such line. A linked line whose VAT rate differs from what
Billy will charge (:mod:`.vat`) is refused the same way, naming both rates.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation

from ledgerlink.connector import ProductRefs
from ledgerlink.domain import InvoiceLine, Product
from ledgerlink.errors import NotFoundError, ValidationError
from ledgerlink_billy.api import BillyApi
from ledgerlink_billy.vat import SalesTax
from ledgerlink_billy.wire import BillyContact, BillyOrganization, BillyProduct, BillyProductPrice

__all__ = ["BillyProducts", "parse_pairs"]


def parse_pairs(text: str | Mapping[str, str] | None, field: str) -> dict[str, str]:
    """``"a=x,b=y"`` (or a mapping) as a dict; ValidationError naming ``field`` otherwise."""
    if text is None:
        return {}
    if not isinstance(text, str):
        return {str(k): str(v) for k, v in text.items()}
    pairs: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ValidationError("expected name=id pairs like 'a=x,b=y'", field=field,
                                  value=text)
        pairs[name.strip()] = value.strip()
    return pairs


def _rates(pairs: Mapping[str, str]) -> dict[Decimal, str]:
    try:
        return {Decimal(rate).normalize(): product for rate, product in pairs.items()}
    except InvalidOperation as err:
        raise ValidationError("expected VAT rate=product id pairs like '25=abc'",
                              field="rate_products", value=str(dict(pairs))) from err


class BillyProducts:
    """Find and create products; link lines to them, checking their VAT.

    Args:
        api: the company's requests.
        tax: the company's sales tax rules.
        organization: the company (for a new product's account, ruleset and currency).
        product_map: product id → Billy product id (the explicit map).
        rate_products: VAT rate → Billy product id, for lines naming no product.
    """

    def __init__(self, api: BillyApi, tax: SalesTax,
                 organization: Callable[[], BillyOrganization],
                 product_map: Mapping[str, str], rate_products: Mapping[str, str]) -> None:
        self.api = api
        self.tax = tax
        self.organization = organization
        self.product_map = dict(product_map)
        self.rate_products = _rates(rate_products)
        self._lock = threading.Lock()
        self._products: dict[str, BillyProduct] | None = None

    def products(self) -> dict[str, BillyProduct]:
        """Every product by id, read once."""
        with self._lock:
            if self._products is None:
                self._products = {p.id: p for p in self.api.list(
                    "products", "products", BillyProduct, operation="list products") if p.id}
            return self._products

    def find(self, product: Product) -> str | None:
        """The id of the product whose ``productNo`` is the product id (the matching rule)."""
        for product_id, found in self.products().items():
            if found.productNo == product.id and not found.isArchived:
                return product_id
        return None

    def create(self, product: Product) -> str:
        """Create the product (``productNo`` = product id) with the ruleset charging its VAT
        rate to a company in the organisation's country."""
        org = self.organization()
        country = org.countryId or "DK"
        ruleset = self.tax.ruleset_for(product.vat_rate, country)
        if ruleset is None:
            raise ValidationError(f"no Billy sales tax ruleset charges {product.vat_rate} % "
                                  f"in {country}; create the product in Billy and map it",
                                  field="vat_rate", value=product.id)
        prices = None
        if product.unit_price is not None:
            prices = (BillyProductPrice(unitPrice=product.unit_price,
                                        currencyId=org.baseCurrencyId or "DKK"),)
        payload = BillyProduct(name=product.name, productNo=product.id,
                               accountId=org.defaultSalesAccountId,
                               salesTaxRulesetId=ruleset, prices=prices)
        operation = f"create product {product.id}"
        # Billy's ``productNo`` is not unique: a repeated post would make a second product.
        answer = self.api.create_unrepeated("products", "product", payload, operation=operation,
                                            find=lambda: self.find(product), forget=self._forget)
        if isinstance(answer, str):
            return answer
        created = self.api.created(answer, "products", BillyProduct, operation=operation)
        assert created.id is not None  # checked by created()
        with self._lock:
            if self._products is not None:
                self._products[created.id] = created
        return created.id

    def _forget(self) -> None:
        """Read the products again when next needed: a create whose answer was lost may
        have made one."""
        with self._lock:
            self._products = None

    def _by_number(self, product_id: str) -> str | None:
        return next((pid for pid, p in self.products().items()
                     if p.productNo == product_id and not p.isArchived), None)

    def _link(self, line: InvoiceLine, refs: ProductRefs) -> str | None:
        if line.product_id is None:
            return self.rate_products.get(line.vat_rate.normalize())
        return (self.product_map.get(line.product_id) or refs.get(line.product_id)
                or self._by_number(line.product_id))

    def links(self, lines: Sequence[InvoiceLine], refs: ProductRefs,
              contact: BillyContact) -> list[str]:
        """The Billy product of each line, in order, each checked to charge the line's VAT.

        Raises:
            ValidationError: naming every line no rule links, or the first whose VAT
                rate differs from Billy's; nothing has been written.
        """
        linked = [self._link(line, refs) for line in lines]
        unlinked = [(index, line) for index, (line, product) in enumerate(zip(lines, linked,
                                                                              strict=True))
                    if product is None]
        if unlinked:
            named = "; ".join(
                f"line {index + 1} ({line.description!r}) "
                + (f"names product {line.product_id!r}, which no product_map entry, journal "
                   "link or Billy productNo links" if line.product_id else
                   f"names no product and rate_products has none for {line.vat_rate} %")
                for index, line in unlinked)
            raise ValidationError(f"unlinked lines block the invoice: {named}; create each "
                                  "product in Billy with the product id as its productNo, "
                                  "or map it (product_map, rate_products)",
                                  field=f"lines[{unlinked[0][0]}].product_id",
                                  value=unlinked[0][1].product_id)
        known = self.products()
        for index, (line, product_id) in enumerate(zip(lines, linked, strict=True)):
            assert product_id is not None  # unlinked lines were refused above
            product = known.get(product_id) or self._read(product_id)
            # A product without a ruleset gets the company's default one (inferred).
            ruleset = (product.salesTaxRulesetId
                       or self.organization().defaultSalesTaxRulesetId)
            self.tax.check(line=index + 1, description=line.description,
                           vat_rate=line.vat_rate, ruleset_id=ruleset,
                           product_id=product_id, contact=contact)
        return [product for product in linked if product is not None]

    def name_of(self, product_id: str) -> str | None:
        """The name of the product with that id (``GET /v2/products/{id}``); None when
        Billy has none."""
        try:
            found = self._read(product_id)
        except NotFoundError:
            return None
        return found.name or ""

    def _read(self, product_id: str) -> BillyProduct:
        found = self.api.get(f"products/{product_id}", "product", BillyProduct,
                             operation=f"read product {product_id}")
        with self._lock:
            if self._products is not None:
                self._products[product_id] = found
        return found
