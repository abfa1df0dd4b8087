"""Tally's address, limits and sizes: constants only, one place to change them.

Every value here is a fact about the provider (its documented limits, the size
of its pages); the other modules import them by name instead of repeating numbers.
"""

from __future__ import annotations

from ledgerlink.http import Limit

__all__ = ["DEFAULT_URL", "IN_FLIGHT", "KEYS_PER_REQUEST", "LIMITS", "PDF_MAGIC", "PROVIDER"]

#: The connector's registered name, also the provider errors carry.
PROVIDER = "tally"
#: Where Tally lives (tests give the emulator's address instead).
DEFAULT_URL = "https://api.tally.example"
#: Tally's documented limit: 8 requests at once per API key.
IN_FLIGHT = 8
#: The limits :class:`ledgerlink.http.ProviderClient` keeps for the book.
LIMITS = {"default": Limit(in_flight=IN_FLIGHT)}
#: Invoice keys per ``GET /invoices?key=...`` request.
KEYS_PER_REQUEST = 50
#: How every PDF document begins.
PDF_MAGIC = b"%PDF"
