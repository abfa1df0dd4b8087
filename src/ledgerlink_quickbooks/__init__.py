"""QuickBooks Online support for ledgerlink.

For now this package ships the stateful QuickBooks Online emulator
(:mod:`ledgerlink_quickbooks.emulator`); the connector plugin comes later.
"""

from __future__ import annotations

__all__: list[str] = []
