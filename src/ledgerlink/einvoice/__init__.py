"""E-invoicing: PEPPOL BIS Billing 3, and finding out who can receive it.

The receiver lookup: an organisation number becomes a participant id
(:func:`participant_for`), the SML's DNS names the receiver's SMP, and the SMP
says whether the BIS Billing 3 invoice and credit note can be sent, to which
AS4 endpoint, or why not (:class:`ReceiverLookup`, :class:`ReceiverAnswer`).
``ledgerlink einvoice lookup`` shows it; :mod:`ledgerlink.einvoice.emulator`
serves an SML and SMP on 127.0.0.1 for tests and trials.

Every name is imported on first use, so importing the package costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledgerlink.lazyattrs import lazy_attributes

if TYPE_CHECKING:
    from ledgerlink.einvoice.directory import DirectoryEntity, DirectoryMatch, PeppolDirectory
    from ledgerlink.einvoice.lookup import LookupSettings, ReceiverLookup
    from ledgerlink.einvoice.lookup_cache import (
        LookupCache,
        MemoryLookupCache,
        SqliteLookupCache,
    )
    from ledgerlink.einvoice.participants import ParticipantId, participant_for
    from ledgerlink.einvoice.receiver import (
        DocumentAnswer,
        DocumentKind,
        Endpoint,
        Reachability,
        ReceiverAnswer,
        Source,
    )

__all__ = [
    "DirectoryEntity",
    "DirectoryMatch",
    "DocumentAnswer",
    "DocumentKind",
    "Endpoint",
    "LookupCache",
    "LookupSettings",
    "MemoryLookupCache",
    "ParticipantId",
    "PeppolDirectory",
    "Reachability",
    "ReceiverAnswer",
    "ReceiverLookup",
    "Source",
    "SqliteLookupCache",
    "participant_for",
]

# The lookup loads httpx and dnspython: only when a name is first read.
__getattr__ = lazy_attributes(__name__, {
    **dict.fromkeys(("DirectoryEntity", "DirectoryMatch", "PeppolDirectory"),
                    "ledgerlink.einvoice.directory"),
    **dict.fromkeys(("LookupSettings", "ReceiverLookup"), "ledgerlink.einvoice.lookup"),
    **dict.fromkeys(("LookupCache", "MemoryLookupCache", "SqliteLookupCache"),
                    "ledgerlink.einvoice.lookup_cache"),
    **dict.fromkeys(("ParticipantId", "participant_for"), "ledgerlink.einvoice.participants"),
    **dict.fromkeys(("DocumentAnswer", "DocumentKind", "Endpoint", "Reachability",
                     "ReceiverAnswer", "Source"), "ledgerlink.einvoice.receiver"),
})
