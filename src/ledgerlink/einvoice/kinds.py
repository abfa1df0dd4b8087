"""Internal: the two BIS Billing 3 documents, one name for the UBL builder and the lookup."""

from __future__ import annotations

import enum

__all__ = ["DOCUMENT_SCHEME", "DocumentKind"]

#: The document type identifier scheme of BIS Billing 3.
DOCUMENT_SCHEME = "busdox-docid-qns"
_BIS3 = "##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
_UBL = "urn:oasis:names:specification:ubl:schema:xsd:"


class DocumentKind(enum.Enum):
    """An invoice or a credit note; the value is its PEPPOL document type identifier."""

    INVOICE = f"{_UBL}Invoice-2::Invoice{_BIS3}"
    CREDIT_NOTE = f"{_UBL}CreditNote-2::CreditNote{_BIS3}"

    @property
    def root(self) -> str:
        """The UBL root element: ``Invoice`` or ``CreditNote``."""
        return "Invoice" if self is DocumentKind.INVOICE else "CreditNote"

    @property
    def namespace(self) -> str:
        """The document's UBL namespace."""
        return f"{_UBL}{self.root}-2"

    @property
    def document_id(self) -> str:
        """``busdox-docid-qns::urn:oasis:...``: scheme and value, as the SMP URL has it."""
        return f"{DOCUMENT_SCHEME}::{self.value}"

    @property
    def label(self) -> str:
        """For people: ``invoice`` or ``credit note``."""
        return self.name.lower().replace("_", " ")
