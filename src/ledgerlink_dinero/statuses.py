"""Invoice status from Dinero facts, through the core's one status function.

The facts (NOTES-danish.md §1.4):

* ``Status`` is Draft or Booked on a single read; in lists it carries the
  payment-style values (a fixture shows ``Overdue``) [D8][D18];
* ``PaymentStatus`` is one of Draft, Booked, Paid, OverPaid, Overdue [D8];
* partially paid has no native value: it is a booked invoice whose payments
  add up to more than nothing and less than ``TotalInclVat`` (inferred), so the
  payments are an input here;
* deleted: ``DeletedAt`` is set (or the invoice came from ``deletedOnly=true``);
* void/credited: a booked credit note has ``CreditNoteFor`` = the invoice (inferred);
* due date: ``PaymentDate``; sent: ``MailOutStatus`` other than ``NotSent`` (inferred).

Payments are in two currencies: ``Amount`` is DKK, ``AmountInForeignCurrency``
the invoice's own currency [D17 (3p model)]. The balance of a non-DKK invoice
is taken from the foreign amounts only (:func:`settled_amount`), never by
adding DKK to EUR.

Dinero's own ``Overdue`` wins over the calendar: it judges the day in the
organisation's calendar, so an invoice it calls overdue is overdue even when
``today`` (another zone) is still the due date. Money received is a fact too:
payments covering the total make it paid even while ``PaymentStatus`` lags.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from email.utils import parsedate_to_datetime

from ledgerlink.errors import ValidationError
from ledgerlink.status import InvoiceStatus, derive_status
from ledgerlink_dinero.wire import DRAFT_NUMBER_PLACEHOLDER, DineroInvoice, DineroPayment

__all__ = [
    "BOOKED_VALUES",
    "DRAFT",
    "HOME_CURRENCY",
    "NOT_SENT",
    "PAID_VALUES",
    "PAYMENTS_DECIDE",
    "PAYMENT_STATUSES",
    "booked_number",
    "derive",
    "foreign_payment",
    "is_booked",
    "is_deleted",
    "is_sent",
    "moved",
    "paid_amount",
    "payments_decide",
    "remote_status",
    "settled_amount",
    "version",
    "version_bound",
]

DRAFT = "Draft"
#: ``PaymentStatus`` values [D8]; ``Status`` uses Draft/Booked or these in lists [D18].
PAYMENT_STATUSES = frozenset({DRAFT, "Booked", "Paid", "OverPaid", "Overdue"})
#: Values meaning the invoice is booked (final and numbered).
BOOKED_VALUES = PAYMENT_STATUSES - {DRAFT}
#: Values meaning Dinero considers the invoice settled.
PAID_VALUES = frozenset({"Paid", "OverPaid"})
#: ``MailOutStatus`` of an invoice never emailed [D18].
NOT_SENT = "NotSent"
#: The currency of ``Amount`` on a payment, whatever the invoice's currency.
HOME_CURRENCY = "DKK"
#: Dinero's amounts are in whole øre (cents).
ORE = Decimal("0.01")
#: The microsecond a booking's version bound ends its second on (see :func:`version_bound`).
LAST_MICROSECOND = 999_999
#: Booked values whose balance only the payments tell: open (partly paid or not) and
#: overpaid (by how much). ``Paid`` needs none: what remains is nothing.
PAYMENTS_DECIDE = frozenset({"Booked", "Overdue", "OverPaid"})


def _known(value: str | None, field: str) -> str | None:
    if value is not None and value not in PAYMENT_STATUSES:
        raise ValidationError(f"unknown Dinero {field}", field=field, value=value)
    return value


def derive(
    *,
    status: str | None,
    payment_status: str | None,
    total: Decimal | None,
    payments: Iterable[Decimal],
    due_date: date | None,
    deleted: bool,
    today: date,
    credited: bool = False,
) -> InvoiceStatus:
    """Status flags from Dinero's facts on ``today``.

    Args:
        status: ``Status`` (Draft/Booked, or a payment-style value from a list).
        payment_status: ``PaymentStatus``, when read; it is preferred to ``status``.
        total: ``TotalInclVat``; needed once the invoice is booked.
        payments: the amounts paid on the invoice in its own currency (refunds
            negative; see :func:`paid_amount`).
        due_date: ``PaymentDate``.
        deleted: ``DeletedAt`` is set.
        today: the day to judge overdue on.
        credited: a booked credit note credits this invoice.
    """
    fact = _known(payment_status, "PaymentStatus") or _known(status, "Status")
    if fact is None and not deleted:
        raise ValidationError("neither Status nor PaymentStatus was read; ask for them "
                              "in fields=", field="Status")
    booked = fact in BOOKED_VALUES
    if booked and total is None:
        raise ValidationError("a booked invoice needs TotalInclVat; ask for it in fields=",
                              field="TotalInclVat")
    gross = total if total is not None else Decimal(0)
    paid = sum(payments, Decimal(0))
    balance = gross - paid
    if fact in PAID_VALUES:
        balance = min(balance, Decimal(0))
    if fact == "Overdue" and (due_date is None or today <= due_date):
        due_date = today - timedelta(days=1)
    return derive_status(booked=booked, voided=credited, deleted=deleted, total=gross,
                         balance=balance, due_date=due_date, today=today)


def settled_amount(payment: DineroPayment, currency: str) -> Decimal:
    """What ``payment`` settles on an invoice in ``currency``: ``Amount`` (DKK) on a DKK
    invoice, ``AmountInForeignCurrency`` on any other."""
    if currency == HOME_CURRENCY:
        return payment.Amount
    if payment.AmountInForeignCurrency is None:
        raise ValidationError(f"a payment on a {currency} invoice carries no amount in "
                              f"{currency}; its DKK Amount cannot settle it",
                              field="AmountInForeignCurrency", value=payment.Guid)
    return payment.AmountInForeignCurrency


def paid_amount(payments: Iterable[DineroPayment], currency: str | None) -> Decimal:
    """The sum of ``payments`` in the invoice's ``currency`` (None: DKK, Dinero's default)."""
    wanted = currency or HOME_CURRENCY
    return sum((settled_amount(payment, wanted) for payment in payments), Decimal(0))


def foreign_payment(invoice: DineroInvoice, amount: Decimal, paid_on: date) -> DineroPayment:
    """A payment of ``amount`` in the currency of the non-DKK ``invoice``: that amount as
    ``AmountInForeignCurrency`` (what settles it) and its DKK value as ``Amount``, at the
    invoice's own rate (``TotalInclVatInDkk`` / ``TotalInclVat``, no rate read)."""
    total, in_dkk = invoice.TotalInclVat, invoice.TotalInclVatInDkk
    if not total or in_dkk is None:
        raise ValidationError(f"a {invoice.Currency} payment needs the invoice's DKK value to "
                              "fill in Dinero's DKK Amount", field="TotalInclVatInDkk",
                              value=invoice.Guid)
    dkk = (amount * in_dkk / total).quantize(ORE, rounding=ROUND_HALF_UP)
    return DineroPayment(Amount=dkk, AmountInForeignCurrency=amount, PaymentDate=paid_on,
                         Timestamp=invoice.Timestamp)


def payments_decide(invoice: DineroInvoice) -> bool:
    """True when the invoice's balance needs its payments read (see :data:`PAYMENTS_DECIDE`)."""
    return not is_deleted(invoice) and (invoice.PaymentStatus or invoice.Status) in PAYMENTS_DECIDE


def version(invoice: DineroInvoice) -> str | None:
    """The invoice's version: its ``UpdatedAt`` (UTC, ISO 8601), which a payment or a booked
    credit note moves too (see :mod:`.changefeed`); one spelling for a list row and a read.

    Dinero writes ``UpdatedAt`` in UTC without an offset, to the millisecond
    ("2017-05-19T14:15:30.43", "…T14:20:47.407" in the captured invoice list and
    read [D18]); only the HTTP ``Date`` header is in whole seconds.

    A version is read as "the invoice's ``UpdatedAt`` is at most this": an invoice
    listed with a later ``UpdatedAt`` has moved (:func:`moved`).
    """
    moment = invoice.UpdatedAt
    if moment is None:
        return None
    return _utc(moment).isoformat(timespec="microseconds")


def version_bound(date_header: str | None) -> str | None:
    """The version of an invoice just written without reading it back (booking answers
    no ``UpdatedAt``): the last instant of the second Dinero's clock showed when it
    answered (the ``Date`` header, whole seconds), which its ``UpdatedAt`` cannot be
    after. None without a ``Date`` header, so the first refresh reads its payments.
    A change later in that second is within the bound too (see :func:`moved`)."""
    if not date_header:
        return None
    try:
        moment = parsedate_to_datetime(date_header)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    last = _utc(moment).replace(microsecond=LAST_MICROSECOND)
    return last.isoformat(timespec="microseconds")


def moved(invoice: DineroInvoice, held: str | None) -> bool:
    """True unless the invoice's ``UpdatedAt`` is at most the version ``held``: something
    (a payment, a credit note, an edit) may have changed since it was journaled.

    A booking's bound (:func:`version_bound`) is not trusted so far: it ends with
    the second the booking was answered in, which was not over when it was
    journaled, so a payment later in that second is within it. Such an invoice
    listed as settled (``Paid``, ``OverPaid``: a payment or a credit note covered
    it) has moved, whatever its ``UpdatedAt``.
    """
    if held is None or invoice.UpdatedAt is None:
        return True
    try:
        bound = datetime.fromisoformat(held)
    except ValueError:
        return True
    if bound.tzinfo is None or _utc(invoice.UpdatedAt) > bound:
        return True
    return _is_booking_bound(bound) and (invoice.PaymentStatus or invoice.Status) in PAID_VALUES


def _is_booking_bound(version: datetime) -> bool:
    """True for a bound from a booking's ``Date`` header: the last microsecond of a second,
    which no ``UpdatedAt`` read (milliseconds) can be."""
    return version.microsecond == LAST_MICROSECOND


def _utc(moment: datetime) -> datetime:
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(UTC)


def is_deleted(invoice: DineroInvoice) -> bool:
    """True once Dinero reports the invoice deleted."""
    return invoice.DeletedAt is not None


def is_booked(invoice: DineroInvoice) -> bool:
    """True for a booked (final, numbered) invoice."""
    fact = invoice.PaymentStatus or invoice.Status
    return fact in BOOKED_VALUES


def is_sent(invoice: DineroInvoice) -> bool | None:
    """True once emailed; None when ``MailOutStatus`` was not read."""
    if invoice.MailOutStatus is None:
        return None
    return invoice.MailOutStatus != NOT_SENT


def booked_number(invoice: DineroInvoice) -> str | None:
    """The invoice number, once booked (drafts show a placeholder or a provisional one)."""
    if not is_booked(invoice) or invoice.Number in (None, DRAFT_NUMBER_PLACEHOLDER):
        return None
    return str(invoice.Number)


def remote_status(
    invoice: DineroInvoice, today: date, *, payments: Iterable[Decimal] = (),
    credited: bool = False,
) -> InvoiceStatus:
    """Status flags of a Dinero invoice on ``today``, given its payments."""
    return derive(status=invoice.Status, payment_status=invoice.PaymentStatus,
                  total=invoice.TotalInclVat, payments=payments,
                  due_date=invoice.PaymentDate, deleted=is_deleted(invoice),
                  today=today, credited=credited)
