"""One compiled validator for the e-invoice tests (compiling the rules takes a second or two)."""

from __future__ import annotations

import pytest

from ledgerlink.einvoice import EInvoiceValidator
from tests.paths import SHARED

#: The official rules, XSDs and examples (not shipped with ledgerlink).
RULES = SHARED / "einvoice"


@pytest.fixture(scope="session")
def validator() -> EInvoiceValidator:
    """The validator over the official rules, compiled once for the whole run."""
    if not (RULES / "peppol-bis-billing-3" / "sch").is_dir():
        pytest.skip(f"the official e-invoice rules are not at {RULES}")
    return EInvoiceValidator(RULES)
