"""Tally's error bodies, read in one place.

Tally answers every error as ``{"error": {"code": "...", "message": "..."}}``.
:func:`parse_fault` reads that into a :class:`ledgerlink.http.Fault` for
:class:`ledgerlink.http.ProviderClient`, which picks the error class from the
status (401 AuthError, 404 NotFoundError, 409 ConflictError, 5xx
TransientProviderError...) and keeps Tally's code and message. A body of
another shape (a proxy's page) yields None: the status and an excerpt of the
body then make the message.
"""

from __future__ import annotations

import httpx
from ledgerlink.errors import ProviderError
from ledgerlink.http import Fault

from ledgerlink_tally.wire import WIRE, TallyError

__all__ = ["NOT_FOUND", "STATE_CODES", "parse_fault"]

#: Tally's code for an object it does not have.
NOT_FOUND = "not_found"
#: Tally's codes (under 409) for an invoice in the wrong state for the request;
#: :class:`.api.TallyApi` raises InvoiceStateError for them.
STATE_CODES = frozenset({"invoice_not_draft", "invoice_empty", "invoice_draft",
                         "invoice_voided"})


def parse_fault(response: httpx.Response) -> Fault | None:
    """The fault in an error answer; None for a success or a body Tally did not write."""
    if response.is_success:
        return None
    try:
        error = WIRE.read(response, TallyError, operation="read error", key="error")
    except ProviderError:
        return None
    return Fault(error.message, code=error.code,
                 kind="not_found" if error.code == NOT_FOUND else None)
