"""Internal: the bookkeeping rules the sandbox enforces, as a strict accounting system would.

Pure functions on domain values: totals, which states allow which action, and
the text of the emails it sends. Kept apart from storage so each rule reads on
its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

import attrs

from ledgerlink.domain import InvoiceLine, RemoteInvoice
from ledgerlink.money import EXACT, ROUNDING, round_money
from ledgerlink.sandbox.book import sandbox_error

__all__ = [
    "EmailFacts",
    "email_text",
    "line_totals",
    "require_booked",
    "require_booked_flags",
    "require_draft",
    "settled_by_credit",
]


def line_totals(
    lines: Sequence[InvoiceLine], currency: str
) -> tuple[list[Decimal], Decimal, Decimal, Decimal]:
    """Each line's net, then net, VAT and gross, by the domain's rules.

    Lines are rounded once (:meth:`InvoiceLine.net`); VAT is computed per rate
    on the sum of that rate's rounded lines and rounded once, exactly as
    :func:`ledgerlink.domain.vat_breakdown` does (a test holds the two equal).
    This spelling skips building a Money per rate, which made totals the
    costliest part of creating an invoice.
    """
    # ``zero`` has the currency's minor-unit exponent, so quantizing to it is what
    # round_money does, without its per-call currency look-up (every invoice
    # created pays this per line). An amount too large to round is done again by
    # InvoiceLine.net, whose round_money raises the domain's ValidationError.
    zero = round_money(Decimal(0), currency)
    multiply = EXACT.multiply
    try:
        nets = [multiply(line.quantity, line.unit_price).quantize(zero, rounding=ROUNDING)
                for line in lines]
    except InvalidOperation:
        nets = [line.net(currency) for line in lines]
    bases: dict[Decimal, Decimal] = {}
    for line, amount in zip(lines, nets, strict=True):
        bases[line.vat_rate] = bases.get(line.vat_rate, zero) + amount
    net = sum(nets, zero)
    hundred = Decimal(100)
    vat = sum(
        [
            round_money(EXACT.divide(multiply(base, rate), hundred), currency)
            for rate, base in bases.items()
        ],
        zero,
    )
    return nets, net, vat, net + vat


def require_draft(invoice: RemoteInvoice) -> None:
    """Refuse changes to an invoice that is not a live draft."""
    if invoice.deleted:
        raise sandbox_error("invoice_deleted", f"invoice {invoice.provider_id} is deleted")
    if invoice.voided:
        raise sandbox_error("invoice_voided", f"invoice {invoice.provider_id} is voided")
    if invoice.booked:
        raise sandbox_error(
            "invoice_not_draft",
            f"invoice {invoice.provider_id} is booked as number {invoice.number} "
            "and can no longer be changed",
        )


def require_booked(invoice: RemoteInvoice) -> None:
    """Refuse actions that need a booked invoice that is still valid."""
    require_booked_flags(invoice.provider_id, invoice.booked, invoice.voided, invoice.deleted)


def require_booked_flags(provider_id: str, booked: bool, voided: bool, deleted: bool) -> None:
    """:func:`require_booked` on the bare flags, for paths that never build a RemoteInvoice."""
    if deleted:
        raise sandbox_error("invoice_deleted", f"invoice {provider_id} is deleted")
    if voided:
        raise sandbox_error("invoice_voided", f"invoice {provider_id} is voided")
    if not booked:
        raise sandbox_error(
            "invoice_not_booked", f"invoice {provider_id} is a draft; book it first"
        )


def settled_by_credit(invoice: RemoteInvoice) -> Decimal:
    """How much of ``invoice``'s balance a full credit note settles: what was still owed.

    Work in the invoice's own direction, so an invoice paid in full (or
    overpaid) is settled by nothing and the credit note stays open as money
    owed back to the customer.
    """
    sign = -1 if invoice.total < 0 else 1
    return (
        invoice.balance if invoice.balance * sign > 0 else round_money(Decimal(0), invoice.currency)
    )


@attrs.frozen
class EmailFacts:
    """What the email delivering an invoice says.

    Attributes:
        number: the invoice number.
        credit_note: whether it is a credit note.
        issue_date: ISO issue date.
        due_date: ISO due date.
        total: gross total as written in the book.
        currency: the invoice currency.
        customer_name: who it is addressed to.
    """

    number: str
    credit_note: bool
    issue_date: str
    due_date: str
    total: str
    currency: str
    customer_name: str


def email_text(facts: EmailFacts, company: str) -> tuple[str, str]:
    """Subject and body of the email that delivers an invoice."""
    kind = "Credit note" if facts.credit_note else "Invoice"
    subject = f"{kind} {facts.number} from {company}"
    body = (
        f"Dear {facts.customer_name},\n\n"
        f"Please find attached {kind.lower()} {facts.number} of {facts.issue_date} "
        f"for {facts.total} {facts.currency}, due {facts.due_date}.\n\n"
        f"Kind regards,\n{company}\n"
    )
    return subject, body
