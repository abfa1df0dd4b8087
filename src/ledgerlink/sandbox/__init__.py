"""The built-in sandbox connector: a complete local accounting book on SQLite.

Use it for demos, notebooks, tests and benchmarks::

    from ledgerlink.sandbox import SandboxConnector

    with SandboxConnector("demo.db") as book:
        ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledgerlink.lazyattrs import lazy_attributes

if TYPE_CHECKING:
    from ledgerlink.sandbox.book import SentEmail
    from ledgerlink.sandbox.connector import CAPABILITIES, SandboxConnector

__all__ = ["CAPABILITIES", "SandboxConnector", "SentEmail"]

# Imported on first use: the plugin entry point imports this package, and the
# command line must start without loading the book.
__getattr__ = lazy_attributes(__name__, {
    "SentEmail": "ledgerlink.sandbox.book",
    "CAPABILITIES": "ledgerlink.sandbox.connector",
    "SandboxConnector": "ledgerlink.sandbox.connector",
})
