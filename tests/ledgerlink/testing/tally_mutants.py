"""Broken variants of the example plugin's Tally connector, one bug each, for proving
that the conformance suite catches them (test_conformance_mutants.py beside it).

Each is the smallest change that makes the bug a third-party author made or
could make: a subclass of :class:`ledgerlink_tally.TallyConnector` overriding one
operation, or giving its own request bodies (:class:`~ledgerlink_tally.mapping.TallyBodies`).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import attrs
from ledgerlink_tally import TallyConnector
from ledgerlink_tally.mapping import TallyBodies, remote_invoice
from ledgerlink_tally.wire import TallyNewInvoice

import ledgerlink as ll
from ledgerlink.connector import ProductRefs
from ledgerlink.money import round_money


class DuplicateOnRetry(TallyConnector):
    """Creates without looking the key up first: a retried create makes a second invoice."""

    def create_invoice(self, draft: ll.InvoiceDraft, customer_ref: str,
                       products: ProductRefs) -> ll.RemoteInvoice:
        body = self.bodies.invoice(draft, customer_ref, products)
        return remote_invoice(self.api.create_invoice(body))


class _FloatBodies(TallyBodies):
    def line_amount(self, line: ll.InvoiceLine, currency: str) -> Decimal:
        return Decimal(str(round(float(line.quantity) * float(line.unit_price), 2)))

    def vat(self, lines: Sequence[ll.InvoiceLine], currency: str) -> Decimal:
        rates: dict[Decimal, float] = {}
        for line in lines:
            rates[line.vat_rate] = rates.get(line.vat_rate, 0.0) + float(
                self.line_amount(line, currency))
        return Decimal(str(round(sum(b * float(r) / 100 for r, b in rates.items()), 2)))


class FloatRounding(TallyConnector):
    """Computes amounts in floats (4.005 becomes 4.0049999…, rounded down)."""

    bodies = _FloatBodies()


class _UnroundedBodies(TallyBodies):
    def vat(self, lines: Sequence[ll.InvoiceLine], currency: str) -> Decimal:
        bases: dict[Decimal, Decimal] = {}
        for line in lines:
            bases[line.vat_rate] = bases.get(line.vat_rate, Decimal(0)) + (
                line.quantity * line.unit_price)
        return sum((round_money(base * rate / 100, currency) for rate, base in bases.items()),
                   Decimal(0))


class NoLineRounding(TallyConnector):
    """Computes VAT on the exact line amounts, not on the lines rounded first."""

    bodies = _UnroundedBodies()


class VoidedReportedAsPaid(TallyConnector):
    """Reads a voided invoice (nothing owed) as a booked one: it shows as paid."""

    def get_invoice(self, provider_id: str) -> ll.RemoteInvoice:
        return attrs.evolve(super().get_invoice(provider_id), voided=False)

    def void(self, provider_id: str) -> ll.RemoteInvoice:
        return attrs.evolve(super().void(provider_id), voided=False)


class SendDoesNothing(TallyConnector):
    """Sends nothing and says it cannot tell whether the invoice was sent."""

    def send(self, provider_id: str, email: str | None = None) -> None:
        return None

    def get_invoice(self, provider_id: str) -> ll.RemoteInvoice:
        return attrs.evolve(super().get_invoice(provider_id), sent=None)


class FindCustomerCreates(TallyConnector):
    """"Finds" a customer by creating a new one each time."""

    def find_customer(self, customer: ll.Customer) -> str | None:
        return self.create_customer(attrs.evolve(customer, id=f"{customer.id}-again"))


class _KeylessBodies(TallyBodies):
    def invoice(self, draft: ll.InvoiceDraft, customer_ref: str,
                products: ProductRefs) -> TallyNewInvoice:
        return attrs.evolve(super().invoice(draft, customer_ref, products), key=None)


class MissingKey(TallyConnector):
    """Leaves the ledgerlink key off the invoices it creates."""

    bodies = _KeylessBodies()
