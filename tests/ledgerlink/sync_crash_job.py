"""A customer and product sync run as a subprocess by test_sync_crash.py (not a test module).

Usage: python sync_crash_job.py BOOK JOURNAL
Prints how many operations of a crashed run the two syncs settled first.
Kill points come from LEDGERLINK_SANDBOX_KILL_AFTER_WRITES: the sync's creates are the
process's writes to the book, so N kills it right after the provider made the N-th.
"""

from __future__ import annotations

import sys
from decimal import Decimal

import ledgerlink as ll
from ledgerlink.sandbox.connector import SandboxConnector

CUSTOMERS = [ll.Customer(id=f"c{i}", name=f"Customer {i}", kind=ll.PartyKind.PERSON,
                         email=f"c{i}@example.dk" if i % 3 else None) for i in range(9)]
PRODUCTS = [ll.Product(id=f"p{i}", name=f"Product {i}", unit_price=Decimal(100 + i),
                       kind=ll.ProductKind.GOODS if i % 4 == 3 else ll.ProductKind.SERVICE)
            for i in range(8)]
#: The ERP seed's filters.
PERSONS = ll.CustomerFilter(kinds=["person"], has_email=True)
SERVICES = ll.ProductFilter(kinds=["service"])


def main() -> int:
    book_path, journal = sys.argv[1], sys.argv[2]
    book = SandboxConnector(book_path)
    customers = ll.sync_customers(CUSTOMERS, book, store=journal, filter=PERSONS, workers=2)
    products = ll.sync_products(PRODUCTS, book, store=journal, filter=SERVICES, workers=2)
    print(customers.recovered + products.recovered)
    return 0 if customers.ok and products.ok else 1


if __name__ == "__main__":
    sys.exit(main())
