"""The built-in sandbox connector: a complete local accounting book on SQLite.

Use it for demos, notebooks, tests and benchmarks::

    from ledgerlink.sandbox import SandboxConnector

    with SandboxConnector("demo.db") as book:
        ...
"""

from ledgerlink.sandbox.book import SentEmail
from ledgerlink.sandbox.connector import CAPABILITIES, SandboxConnector

__all__ = ["CAPABILITIES", "SandboxConnector", "SentEmail"]
