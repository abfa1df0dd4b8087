"""The e-invoice validator for the delivery tests, compiled once per run."""

from __future__ import annotations

import pytest

from ledgerlink.einvoice import EInvoiceValidator
from tests.ledgerlink.einvoice.conftest import RULES


@pytest.fixture(scope="session")
def einvoice_validator() -> EInvoiceValidator:
    """The validator over the official rules in the shared folder (LEDGERLINK_SHARED)."""
    return EInvoiceValidator(RULES)
