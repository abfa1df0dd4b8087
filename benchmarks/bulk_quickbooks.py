"""Bulk-invoice work orders into QuickBooks (the emulator on 127.0.0.1) with batch creates,
against the same work through a plain sequential loop.

The same as ``python benchmarks/bulk.py --provider quickbooks`` (see bulk.py for
the method): QuickBooks' limits (500 requests a minute, 10 in flight, 40 batch
calls a minute of at most 30 operations) and 500 ms latency per call, time
scaled by one factor. Targets: >= 95 % of the 1,200 invoices/min ceiling,
>= 9x the sequential loop, <= 0.05 requests per created invoice. The last line
printed is one JSON object with the figures.
Run: python benchmarks/bulk_quickbooks.py [--scale 0.05] [--windows 8]
"""

from __future__ import annotations

import sys

from bulk import main

if __name__ == "__main__":
    sys.exit(main("quickbooks"))
