"""E-invoicing: booked invoices as PEPPOL BIS Billing 3 documents, and who can receive them.

Documents: :func:`build_einvoice` turns a booked invoice into a UBL Invoice or
CreditNote (lxml only); :class:`EInvoiceValidator` checks one against the UBL
2.1 XSD and both Schematron layers (saxonche, from the ``einvoice`` extra, and
the official rules, which ledgerlink does not ship: point
``LEDGERLINK_EINVOICE_RULES`` at a folder holding ``peppol-bis-billing-3/sch/``
and ``ubl-2.1-xsdrt/``).

Receivers: an organisation number becomes a participant id
(:func:`participant_for`), the SML's DNS names the receiver's SMP, and the SMP
says whether the BIS Billing 3 invoice and credit note can be sent, to which
AS4 endpoint, or why not (:class:`ReceiverLookup`, :class:`ReceiverAnswer`).
``ledgerlink einvoice lookup`` shows it; :mod:`ledgerlink.einvoice.emulator`
serves an SML and SMP on 127.0.0.1 for tests and trials. Sending the document
(AS4 through an access point) is not done here.

Every name is imported on first use, so importing the package costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledgerlink.lazyattrs import lazy_attributes

if TYPE_CHECKING:
    from ledgerlink.einvoice.directory import DirectoryEntity, DirectoryMatch, PeppolDirectory
    from ledgerlink.einvoice.kinds import DocumentKind
    from ledgerlink.einvoice.lookup import LookupSettings, ReceiverLookup
    from ledgerlink.einvoice.lookup_cache import (
        LookupCache,
        MemoryLookupCache,
        SqliteLookupCache,
    )
    from ledgerlink.einvoice.participants import ParticipantId, participant_for
    from ledgerlink.einvoice.parties import (
        ElectronicAddress,
        PaymentAccount,
        Seller,
        endpoint_for,
    )
    from ledgerlink.einvoice.receiver import (
        DocumentAnswer,
        Endpoint,
        Reachability,
        ReceiverAnswer,
        Source,
    )
    from ledgerlink.einvoice.taxes import (
        EXPORT,
        INTRA_COMMUNITY,
        NOT_SUBJECT,
        REVERSE_CHARGE,
        ZERO_RATED,
        VatCategory,
        VatExemption,
        exempt,
    )
    from ledgerlink.einvoice.ubl import EInvoice, build_einvoice
    from ledgerlink.einvoice.validation import (
        RULES_ENV,
        EInvoiceValidator,
        Finding,
        ValidationReport,
    )

__all__ = [
    "EXPORT",
    "INTRA_COMMUNITY",
    "NOT_SUBJECT",
    "REVERSE_CHARGE",
    "RULES_ENV",
    "ZERO_RATED",
    "DirectoryEntity",
    "DirectoryMatch",
    "DocumentAnswer",
    "DocumentKind",
    "EInvoice",
    "EInvoiceValidator",
    "ElectronicAddress",
    "Endpoint",
    "Finding",
    "LookupCache",
    "LookupSettings",
    "MemoryLookupCache",
    "ParticipantId",
    "PaymentAccount",
    "PeppolDirectory",
    "Reachability",
    "ReceiverAnswer",
    "ReceiverLookup",
    "Seller",
    "Source",
    "SqliteLookupCache",
    "ValidationReport",
    "VatCategory",
    "VatExemption",
    "build_einvoice",
    "endpoint_for",
    "exempt",
    "participant_for",
]

# The lookup loads httpx and dnspython, the documents lxml: only when a name is first read.
__getattr__ = lazy_attributes(__name__, {
    **dict.fromkeys(("DirectoryEntity", "DirectoryMatch", "PeppolDirectory"),
                    "ledgerlink.einvoice.directory"),
    "DocumentKind": "ledgerlink.einvoice.kinds",
    **dict.fromkeys(("LookupSettings", "ReceiverLookup"), "ledgerlink.einvoice.lookup"),
    **dict.fromkeys(("LookupCache", "MemoryLookupCache", "SqliteLookupCache"),
                    "ledgerlink.einvoice.lookup_cache"),
    **dict.fromkeys(("ParticipantId", "participant_for"), "ledgerlink.einvoice.participants"),
    **dict.fromkeys(("ElectronicAddress", "PaymentAccount", "Seller", "endpoint_for"),
                    "ledgerlink.einvoice.parties"),
    **dict.fromkeys(("DocumentAnswer", "Endpoint", "Reachability", "ReceiverAnswer", "Source"),
                    "ledgerlink.einvoice.receiver"),
    **dict.fromkeys(("EXPORT", "INTRA_COMMUNITY", "NOT_SUBJECT", "REVERSE_CHARGE", "ZERO_RATED",
                     "VatCategory", "VatExemption", "exempt"), "ledgerlink.einvoice.taxes"),
    **dict.fromkeys(("EInvoice", "build_einvoice"), "ledgerlink.einvoice.ubl"),
    **dict.fromkeys(("RULES_ENV", "EInvoiceValidator", "Finding",
                     "ValidationReport"), "ledgerlink.einvoice.validation"),
})
