"""E-invoices: booked invoices as PEPPOL BIS Billing 3 UBL documents, and their validation.

Building (:func:`build_einvoice`) needs lxml only; validating
(:class:`EInvoiceValidator`) also needs saxonche, from the ``einvoice`` extra,
and the official rules, which ledgerlink does not ship: point
``LEDGERLINK_EINVOICE_RULES`` at a folder holding ``peppol-bis-billing-3/sch/``
and ``ubl-2.1-xsdrt/``. Sending the document (AS4 through an access point) is
not done here.
"""

from ledgerlink.einvoice.parties import ElectronicAddress, PaymentAccount, Seller, endpoint_for
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
from ledgerlink.einvoice.ubl import DocumentKind, EInvoice, build_einvoice
from ledgerlink.einvoice.validation import (
    RULES_ENV,
    EInvoiceRulesError,
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
    "DocumentKind",
    "EInvoice",
    "EInvoiceRulesError",
    "EInvoiceValidator",
    "ElectronicAddress",
    "Finding",
    "PaymentAccount",
    "Seller",
    "ValidationReport",
    "VatCategory",
    "VatExemption",
    "build_einvoice",
    "endpoint_for",
    "exempt",
]
