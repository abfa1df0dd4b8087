"""customer_currency on the sandbox: the currency a customer was created in."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerlink.errors import NotFoundError
from ledgerlink.sandbox import SandboxConnector
from ledgerlink.testing.factories import make_customer


def test_a_created_customer_reports_its_currency(tmp_path: Path) -> None:
    """A sandbox customer created in EUR is reported in EUR; an unknown one is NotFoundError."""
    book = SandboxConnector(tmp_path / "book.db")
    euro = book.create_customer(make_customer(id="eur-1", currency="EUR"))
    assert book.customer_currency(euro) == "EUR"
    with pytest.raises(NotFoundError):
        book.customer_currency("C-09999")
