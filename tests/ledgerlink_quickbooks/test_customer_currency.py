"""customer_currency: the currency the provider invoices a customer in, as read."""

from __future__ import annotations

from ledgerlink.testing.factories import make_customer
from ledgerlink_quickbooks import QuickBooksConnector


def test_a_created_customer_reports_its_currency(quickbooks: QuickBooksConnector) -> None:
    """A customer created in EUR is reported as invoiced in EUR, one in DKK in DKK."""
    euro = quickbooks.create_customer(make_customer(id="eur-1", name="Euro Kunde", currency="EUR"))
    kroner = quickbooks.create_customer(make_customer(id="dkk-1", name="Krone Kunde"))
    assert quickbooks.customer_currency(euro) == "EUR"
    assert quickbooks.customer_currency(kroner) == "DKK"
