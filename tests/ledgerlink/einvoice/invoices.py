"""Invoices to turn into e-invoices: a Danish seller, Nordic buyers, booked invoices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from ledgerlink.domain import Address, Company, Customer, InvoiceDraft, InvoiceLine, RemoteInvoice
from ledgerlink.einvoice import PaymentAccount, Seller

ISSUED = date(2026, 11, 30)
COMPANY = Company(name="Fjordvarme ApS", currency="DKK")
SELLER = Seller(
    name="Fjordvarme ApS",
    address=Address(street="Havnegade 12", postal_code="8000", city="Aarhus C", country="DK"),
    vat_number="DK13585628",
    payment=PaymentAccount.danish("1234", "0001234567", name="Fjordvarme ApS"),
    email="faktura@fjordvarme.example",
)
#: Buyers with valid organisation numbers in each Nordic country.
DANISH = Customer(id="c-dk", name="Nordisk Byg A/S", email="ap@nordiskbyg.example",
                  registration_number="DK10150817",
                  address=Address("Vestergade 3", "5000", "Odense C", "DK"))
SWEDISH = Customer(id="c-se", name="Svensk Bygg AB", currency="SEK",
                   registration_number="SE556036079301",
                   address=Address("Storgatan 1", "111 22", "Stockholm", "SE"))
NORWEGIAN = Customer(id="c-no", name="Norsk Bygg AS", currency="NOK",
                     registration_number="NO974760673MVA",
                     address=Address("Storgata 5", "0155", "Oslo", "NO"))


def line(description: str, quantity: str, price: str, rate: str = "25",
         product: str | None = None) -> InvoiceLine:
    """An invoice line from text amounts."""
    return InvoiceLine(description, Decimal(quantity), Decimal(price), Decimal(rate), product)


def booked_pair(
    lines: Sequence[InvoiceLine], *, customer: Customer = DANISH, number: str = "1042",
    key: str = "inv:w1:r1", credit_for: str | None = None, reference: str = "Order 7",
) -> tuple[InvoiceDraft, RemoteInvoice]:
    """The draft ledgerlink made and the booked invoice a connector returned for it."""
    draft = InvoiceDraft(key=key, customer_id=customer.id, currency=customer.currency,
                         issue_date=ISSUED, due_date=ISSUED + timedelta(days=14),
                         lines=tuple(lines), reference=reference, final=True)
    booked = RemoteInvoice(
        provider_id=f"P-{number}", key=key, customer_ref="C-1", currency=draft.currency,
        total=draft.gross.amount, balance=draft.gross.amount, issue_date=ISSUED,
        due_date=draft.due_date, number=number, booked=True, credit_for=credit_for)
    return draft, booked
