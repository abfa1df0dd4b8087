"""The built-in sandbox connector: a complete local accounting book on SQLite.

Use it for demos, notebooks, tests and benchmarks::

    from ledgerlink.sandbox import SandboxConnector

    with SandboxConnector("demo.db") as book:
        ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledgerlink.sandbox.book import SentEmail
    from ledgerlink.sandbox.connector import CAPABILITIES, SandboxConnector

__all__ = ["CAPABILITIES", "SandboxConnector", "SentEmail"]

# Imported on first use: the plugin entry point imports this package, and the
# command line must start without loading the book.
_HOMES = {
    "SentEmail": "ledgerlink.sandbox.book",
    "CAPABILITIES": "ledgerlink.sandbox.connector",
    "SandboxConnector": "ledgerlink.sandbox.connector",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
