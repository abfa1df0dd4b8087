"""One action on one invoice, run as a subprocess by test_invoice_actions_crash.py (not a test
module).

Usage: python invoice_actions_crash_job.py BOOK JOURNAL ACTION KEY
A kill point comes from LEDGERLINK_SANDBOX_KILL_AFTER_WRITES: the action's write is the
process's first write to the book, so 1 kills it right after the provider made it.
"""

from __future__ import annotations

import sys

import ledgerlink as ll
from ledgerlink.sandbox.connector import SandboxConnector


def main() -> int:
    book_path, journal, action, key = sys.argv[1:5]
    book = SandboxConnector(book_path)
    result = getattr(ll, action)(book, key, store=journal)
    print(result.status)
    return 0


if __name__ == "__main__":
    sys.exit(main())
