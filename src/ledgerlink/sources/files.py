"""Internal: the ``files`` source: the customers, work orders and products files, as a source.

It reads what :mod:`ledgerlink.loading` reads for ``ledgerlink run`` (``.csv`` or
``.json``, every problem of a file raised at once, each naming the file, the
row and the field) and nothing else. Each file is read once, when first asked
for. Given a customers file, a work order naming a customer not in it is a
problem of the work-orders file, naming its row, as ``ledgerlink run`` reports it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ledgerlink import loading
from ledgerlink.domain import Customer, Product, WorkOrder
from ledgerlink.sources import BaseSource

__all__ = ["FilesSource"]

PathOption = str | os.PathLike[str] | None


class FilesSource(BaseSource):
    """Customers, work orders and products read from files.

    Args:
        customers: the customers file (``.csv`` or ``.json``); None: no customers.
        work_orders: the work orders file; None: no work orders.
        products: the products file; None: no products.
    """

    name = "files"

    def __init__(self, *, customers: PathOption = None, work_orders: PathOption = None,
                 products: PathOption = None) -> None:
        self.paths = {kind: None if path is None else Path(path) for kind, path in
                      (("customers", customers), ("work_orders", work_orders),
                       ("products", products))}
        self._customers: list[Customer] | None = None
        self._work_orders: list[WorkOrder] | None = None
        self._products: list[Product] | None = None

    def __repr__(self) -> str:
        given = ", ".join(f"{kind}={os.fspath(path)!r}" for kind, path in self.paths.items()
                          if path is not None)
        return f"FilesSource({given})"

    def customers(self) -> Iterable[Customer]:
        """The customers file's customers (ids unique), in file order."""
        path = self.paths["customers"]
        if self._customers is None:
            self._customers = [] if path is None else loading.load_customers(path)
        return list(self._customers)

    def work_orders(self) -> Iterable[WorkOrder]:
        """The work orders file's work orders, each naming a known customer when a
        customers file is given."""
        path = self.paths["work_orders"]
        if self._work_orders is None:
            known = ({customer.id for customer in self.customers()}
                     if self.paths["customers"] is not None else None)
            self._work_orders = ([] if path is None
                                 else loading.load_work_orders(path, customer_ids=known))
        return list(self._work_orders)

    def products(self) -> Iterable[Product]:
        """The products file's products (ids unique), in file order."""
        path = self.paths["products"]
        if self._products is None:
            self._products = [] if path is None else loading.load_products(path)
        return list(self._products)
