"""Factories for domain objects in tests: valid defaults, override what matters.

Every factory returns a valid object with fresh ids (unique within a run and
across runs, so tests against a persistent provider account never collide)
and takes keyword arguments for the fields a test cares about::

    acme = make_customer(name="Acme ApS", currency="EUR")
    order = make_work_order(customer=acme, lines=[make_work_line(quantity="2.5")])
    draft = make_invoice_draft(customer=acme, lines=[make_invoice_line(unit_price="99.95")])
"""

from __future__ import annotations

import enum
import itertools
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Final, Literal

from ledgerlink.domain import (
    Address,
    Company,
    Customer,
    DeliveryChannel,
    InvoiceDraft,
    InvoiceLine,
    PartyKind,
    Product,
    ProductKind,
    RemoteInvoice,
    WorkLine,
    WorkOrder,
    WorkStatus,
)
from ledgerlink.policy import PolicyOverride

if TYPE_CHECKING:
    from ledgerlink.delivery import Delivery

__all__ = [
    "AUTO",
    "PAYMENT_TERMS_DAYS",
    "make_customer",
    "make_delivery",
    "make_invoice_draft",
    "make_invoice_line",
    "make_product",
    "make_work_line",
    "make_work_order",
    "unique_id",
]

#: Days from issue to due date on drafts the factories make.
PAYMENT_TERMS_DAYS: Final = 8

_counter = itertools.count(1)
# Separates runs: two runs against one persistent account never share an id.
_RUN = uuid.uuid4().hex[:6]


class _Auto(enum.Enum):
    AUTO = "auto"


#: "Make one up": distinguishes "not given" from an explicit ``None``.
AUTO: Final = _Auto.AUTO
Auto = Literal[_Auto.AUTO]


def unique_id(prefix: str) -> str:
    """A fresh id such as ``customer-7-1a2b3c``: counted within a run, tagged per run."""
    return f"{prefix}-{next(_counter)}-{_RUN}"


def make_customer(
    *,
    id: str | None = None,
    name: str | None = None,
    kind: PartyKind = PartyKind.COMPANY,
    email: str | Auto | None = AUTO,
    address: Address | None = None,
    registration_number: str | None = None,
    currency: str = "DKK",
    delivery: DeliveryChannel | None = None,
    policy: PolicyOverride | None = None,
) -> Customer:
    """A customer; by default a Danish company with an ``example.com`` email."""
    id = id or unique_id("customer")
    return Customer(
        id=id,
        name=name or f"Customer {id}",
        kind=kind,
        email=f"{id}@example.com" if email is AUTO else email,
        address=address or Address("Testvej 1", "8000", "Aarhus C", "DK"),
        registration_number=registration_number,
        currency=currency,
        delivery=delivery,
        policy=policy,
    )


def make_product(
    *,
    id: str | None = None,
    name: str | None = None,
    kind: ProductKind = ProductKind.SERVICE,
    unit_price: Decimal | None = Decimal("100.00"),
    vat_rate: Decimal | int | str = Decimal(25),
) -> Product:
    """A product; by default a service at 100.00 with 25 % VAT."""
    id = id or unique_id("product")
    return Product(id, name or f"Product {id}", kind, unit_price, Decimal(vat_rate))


def make_work_line(
    description: str = "Work",
    quantity: Decimal | int | str = 1,
    unit_price: Decimal | int | str = "100.00",
    vat_rate: Decimal | int | str = 25,
    product_id: str | None = None,
) -> WorkLine:
    """A billable line of a work order."""
    return WorkLine(description, quantity, unit_price, vat_rate, product_id)


def make_work_order(
    *,
    id: str | None = None,
    customer: Customer | None = None,
    customer_id: str | None = None,
    lines: Sequence[WorkLine] | None = None,
    status: WorkStatus = WorkStatus.COMPLETED,
    planned_date: date | None = None,
    completed_at: datetime | Auto | None = AUTO,
    project: str | None = None,
    description: str = "",
) -> WorkOrder:
    """A work order; by default completed now with one line, for a fresh customer id."""
    if completed_at is AUTO:
        completed_at = datetime.now(UTC) if status is WorkStatus.COMPLETED else None
    return WorkOrder(
        id=id or unique_id("work"),
        customer_id=customer_id or (customer.id if customer else unique_id("customer")),
        lines=tuple(lines) if lines is not None else (make_work_line(),),
        status=status,
        planned_date=planned_date,
        completed_at=completed_at,
        project=project,
        description=description,
    )


def make_invoice_line(
    description: str = "Work",
    quantity: Decimal | int | str = 1,
    unit_price: Decimal | int | str = "100.00",
    vat_rate: Decimal | int | str = 25,
    *,
    product_id: str | None = None,
    source_key: str | Auto | None = AUTO,
) -> InvoiceLine:
    """An invoice line tagged with a fresh source key (pass ``source_key=None`` for none)."""
    key = unique_id("work") if source_key is AUTO else source_key
    return InvoiceLine(description, quantity, unit_price, vat_rate, product_id, key)


def make_invoice_draft(
    *,
    key: str | None = None,
    customer: Customer | None = None,
    customer_id: str | None = None,
    currency: str | None = None,
    issue_date: date | None = None,
    due_date: date | None = None,
    lines: Sequence[InvoiceLine] | None = None,
    reference: str = "",
    final: bool = False,
    registration_date: date | None = None,
) -> InvoiceDraft:
    """An invoice draft; by default issued today, due in 8 days, with one line.

    The currency defaults to the customer's (or DKK without a customer).
    """
    issue = issue_date or date.today()
    return InvoiceDraft(
        key=key or unique_id("invoice"),
        customer_id=customer_id or (customer.id if customer else unique_id("customer")),
        currency=currency or (customer.currency if customer else "DKK"),
        issue_date=issue,
        due_date=due_date or issue + timedelta(days=PAYMENT_TERMS_DAYS),
        lines=tuple(lines) if lines is not None else (make_invoice_line(),),
        reference=reference,
        final=final,
        registration_date=registration_date,
    )


def make_delivery(
    channel: str,
    *,
    company: Company | None = None,
    customer: Customer | None = None,
    draft: InvoiceDraft | None = None,
    pdf: bytes | None = None,
    credited: RemoteInvoice | None = None,
) -> Delivery:
    """A booked invoice on its way by ``channel``; by default for a Danish company customer
    with an e-mail address, a postal address and a CVR number, and a one-page PDF that
    names the invoice's number (a fresh one each time)."""
    from ledgerlink.delivery import Delivery
    from ledgerlink.emulation.pdf import document_pdf

    customer = customer or make_customer(registration_number="DK12345674")
    draft = draft or make_invoice_draft(customer=customer)
    number = unique_id("no")
    invoice = RemoteInvoice(
        provider_id=unique_id("remote"), key=draft.key, customer_ref=customer.id,
        currency=draft.currency, total=draft.gross.amount, balance=draft.gross.amount,
        issue_date=draft.issue_date, due_date=draft.due_date, number=number, booked=True,
        line_keys=tuple(line.source_key for line in draft.lines if line.source_key),
        credit_for=credited.provider_id if credited is not None else None)
    if pdf is None:
        pdf = document_pdf(f"Invoice {number}",
                           [customer.name, f"Total {invoice.total} {invoice.currency}"])
    return Delivery.for_invoice(channel, company=company or Company("Testfirma ApS"),
                                customer=customer, draft=draft, invoice=invoice, pdf=pdf,
                                credited=credited)
