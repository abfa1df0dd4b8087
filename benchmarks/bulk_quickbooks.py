"""Bulk-invoice work orders into QuickBooks (the emulator on 127.0.0.1) with batch creates,
against the same work one call at a time and python-quickbooks' ``batch_create`` pattern.

The same as ``python benchmarks/bulk.py --provider quickbooks`` (see bulk.py for
the method): QuickBooks' limits (500 requests a minute, 10 in flight, 40 batch
calls a minute of at most 30 operations) and 500 ms latency per call, time
scaled by one factor, every run starting from the realm's spent windows.
Targets: >= 95 % of the 1,200 invoices/min ceiling end to end
(``share_of_ceiling``); against the 120 invoices/min the limits allow one call at
a time, that is >= 9.5x (10x is all the limits give); <= 0.05 requests per created
invoice. The last line printed is one JSON object with the figures.
Run: python benchmarks/bulk_quickbooks.py [--scale 0.2] [--windows 8]
"""

from __future__ import annotations

import sys

from bulk import main

if __name__ == "__main__":
    sys.exit(main("quickbooks"))
