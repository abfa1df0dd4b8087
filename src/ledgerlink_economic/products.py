"""Products as e-conomic products, and the product each invoice line is linked to.

An e-conomic line bills a product (``product.productNumber``, a string of at
most 25 characters [E4][E13]); its VAT comes from the recipient's VAT zone and
the product's group (through the group's sales account, inferred). The stated
matching rule: a ledgerlink product is the e-conomic product whose
``productNumber`` is the product id. A line is linked, in this order, to:

1. the product the ``product_map`` option names for its product id
   (``"service-call=100,parts=200"``);
2. the product the journal links its product id to (the runner's ``ProductRefs``);
3. the product whose number is its product id (the product list is read once per
   connector, ⌈products / 1000⌉ requests);
4. a line naming no product: the product the ``rate_products`` option names for its
   VAT rate (``"25=1,0=2"``).

A line none of these links blocks its invoice: nothing is written, and the
error names every such line. With the ``product_groups`` option (VAT rate →
product group number, ``"25=1,0=2"``), a new product goes into the group of its
rate and a linked line whose product's group bills another rate is refused.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from ledgerlink.connector import ProductRefs
from ledgerlink.domain import InvoiceLine, Product
from ledgerlink.errors import NotFoundError, TransientProviderError, ValidationError
from ledgerlink_economic.api import EconomicApi, idempotency_key
from ledgerlink_economic.wire import EcoProduct

__all__ = ["MAX_PRODUCT_NUMBER", "EconomicProducts", "option_pairs", "rate_pairs"]

#: ``productNumber`` is at most 25 characters [E4].
MAX_PRODUCT_NUMBER = 25
_PAIR = re.compile(r"^\s*([^=,\s][^=,]*?)\s*=\s*([^=,]+?)\s*$")


def option_pairs(text: str | Mapping[str, str] | None, field: str) -> dict[str, str]:
    """An option of ``name=value`` pairs separated by commas, as a dict."""
    if text is None or isinstance(text, Mapping):
        return {str(k): str(v) for k, v in (text or {}).items()}
    found: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        match = _PAIR.match(part)
        if match is None:
            raise ValidationError("expected pairs like 'a=1,b=2'", field=field, value=text)
        found[match.group(1)] = match.group(2)
    return found


def rate_pairs(text: str | Mapping[str, str] | None, field: str) -> dict[Decimal, str]:
    """An option of ``rate=value`` pairs, keyed by the VAT rate as a number."""
    try:
        return {Decimal(rate).normalize(): value
                for rate, value in option_pairs(text, field).items()}
    except InvalidOperation:
        raise ValidationError("expected VAT rate=value pairs like '25=1'", field=field,
                              value=str(text)) from None


class EconomicProducts:
    """Find and create products; link lines to them.

    Args:
        api: the agreement's requests.
        product_map: product id → product number (the explicit map).
        rate_products: VAT rate → product number, for lines naming no product.
        product_groups: VAT rate → product group number (new products; the VAT check).
    """

    def __init__(self, api: EconomicApi, *, product_map: Mapping[str, str],
                 rate_products: Mapping[Decimal, str],
                 product_groups: Mapping[Decimal, str]) -> None:
        self.api = api
        self.product_map = dict(product_map)
        self.rate_products = dict(rate_products)
        self.product_groups = {rate: int(group) for rate, group in product_groups.items()}
        self._lock = threading.Lock()
        self._products: dict[str, EcoProduct] | None = None

    def products(self) -> dict[str, EcoProduct]:
        """Every product by number, read once."""
        with self._lock:
            if self._products is None:
                self._products = {p.productNumber: p for p in self.api.list(
                    "products", EcoProduct, operation="list products")}
            return self._products

    def name_of(self, number: str) -> str | None:
        """The name of the product with that number, read afresh (``GET /products/{number}``:
        the cached list may predate it); None when e-conomic has none."""
        operation = f"read product {number}"
        try:
            return self.api.get(f"products/{quote(number, safe='')}", EcoProduct,
                                operation=operation).name or ""
        except NotFoundError:
            return None

    def find(self, product: Product) -> str | None:
        """The number of the product whose number is the product id (the matching rule)."""
        found = self.products().get(product.id)
        return found.productNumber if found is not None and not found.barred else None

    def group_for(self, rate: Decimal, what: str) -> int:
        """The product group of VAT rate ``rate``."""
        group = self.product_groups.get(rate.normalize())
        if group is None and not self.product_groups and rate == 25:
            return 1  # a new agreement's first group sells at the Danish standard rate
        if group is None:
            raise ValidationError(f"{what}: no product group bills {rate} % VAT; name one "
                                  "with the product_groups option (rate=group number)",
                                  field="product_groups", value=str(rate))
        return group

    def create(self, product: Product) -> str:
        """Create the product (``productNumber`` = product id) in the group of its rate."""
        if len(product.id) > MAX_PRODUCT_NUMBER:
            raise ValidationError(f"e-conomic product numbers have at most {MAX_PRODUCT_NUMBER} "
                                  "characters; map the product with product_map",
                                  field="id", value=product.id)
        body: dict[str, object] = {
            "productNumber": product.id, "name": product.name[:300] or product.id,
            "productGroup": {"productGroupNumber": self.group_for(
                product.vat_rate, f"product {product.id}")}}
        if product.unit_price is not None:
            body["salesPrice"] = product.unit_price
        operation = f"create product {product.id}"
        key = idempotency_key(operation, body)
        try:
            answer = self.api.write("POST", "products", body, operation=operation, key=key)
        except TransientProviderError:
            with self._lock:
                self._products = None
            if (found := self.find(product)) is not None:
                return found
            answer = self.api.write("POST", "products", body, operation=operation, key=key)
        made = self.api.wire.structure(answer, EcoProduct, operation=operation, unclear=True)
        with self._lock:
            if self._products is not None:
                self._products[made.productNumber] = made
        return made.productNumber

    def _linked(self, line: InvoiceLine, refs: ProductRefs) -> str | None:
        if line.product_id is None:
            return self.rate_products.get(line.vat_rate.normalize())
        for source in (self.product_map, refs):
            if line.product_id in source:
                return source[line.product_id]
        found = self.products().get(line.product_id)
        return found.productNumber if found is not None and not found.barred else None

    def _check_vat(self, index: int, line: InvoiceLine, number: str) -> str | None:
        """Why the line's product bills another VAT rate (None: it fits or cannot be told)."""
        if not self.product_groups:
            return None
        known = self.products().get(number)
        group = known.productGroup.productGroupNumber if (
            known is not None and known.productGroup is not None) else None
        rates = [rate for rate, g in self.product_groups.items() if g == group]
        if group is None or not rates or line.vat_rate.normalize() in rates:
            return None
        return (f"line {index + 1} ({line.description!r}) has VAT {line.vat_rate} % but "
                f"product {number} is in product group {group}, which bills {rates[0]} %")

    def links(self, lines: Sequence[InvoiceLine], refs: ProductRefs) -> list[str]:
        """The product number of each line; ValidationError naming every line that has none
        or whose product bills another VAT rate (nothing is written then)."""
        numbers: list[str] = []
        problems: list[str] = []
        for index, line in enumerate(lines):
            number = self._linked(line, refs)
            if number is None:
                named = (f"product {line.product_id!r} is not in e-conomic" if line.product_id
                         else f"no product bills {line.vat_rate} % (set rate_products)")
                problems.append(f"line {index + 1} ({line.description!r}): {named}")
                continue
            mismatch = self._check_vat(index, line, number)
            if mismatch:
                problems.append(mismatch)
            numbers.append(number)
        if problems:
            raise ValidationError("lines not linked to an e-conomic product: "
                                  + "; ".join(problems), field="lines")
        return numbers
