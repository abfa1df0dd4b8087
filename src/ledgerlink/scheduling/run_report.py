"""Internal: what a run notification says: the :class:`RunReport`, and its text (:func:`render`).

A report holds the facts of one finished run of a scheduled job — the invoices
made, the provider's errors word for word, the work held back — and
:func:`render` writes them as an email subject and a plain-text body. Amounts
are Decimal and totalled per currency; nothing converts between currencies.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

import attrs

from ledgerlink.errors import ValidationError
from ledgerlink.money import Money, minor_unit, to_decimal

__all__ = ["ReportedError", "ReportedInvoice", "RunReport", "render"]

_RUN_STATES = ("done", "failed")


def _strings(value: Iterable[str] | str) -> tuple[str, ...]:
    # A bare string is one value, not its characters.
    return (value,) if isinstance(value, str) else tuple(value)


def _amount(value: object) -> Decimal:
    return to_decimal(value, field="amount")


def _currency(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    minor_unit(value)


def _aware(instance: object, attribute: attrs.Attribute[datetime], value: datetime) -> None:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValidationError("must be a datetime with a time zone", field=attribute.name,
                              value=value)


@attrs.frozen
class ReportedInvoice:
    """An invoice a run made or added work to.

    Attributes:
        customer_id, customer_name: the local customer and its name.
        projects: the projects invoiced on it.
        invoice_key: ledgerlink's idempotency key for the invoice.
        provider_id: the accounting system's id for it, when it has one.
        number: the invoice number; drafts have none yet.
        amount: the invoice's total as the accounting system states it.
        currency: ISO 4217 code.
    """

    customer_id: str
    customer_name: str
    projects: tuple[str, ...] = attrs.field(converter=_strings)
    invoice_key: str
    provider_id: str | None
    number: str | None
    amount: Decimal = attrs.field(converter=_amount)
    currency: str = attrs.field(validator=_currency)


@attrs.frozen
class ReportedError:
    """A customer's projects a run could not invoice, and the provider's text why."""

    customer_id: str
    projects: tuple[str, ...] = attrs.field(converter=_strings)
    message: str  # the provider's text, verbatim


def _invoices(value: Iterable[ReportedInvoice]) -> tuple[ReportedInvoice, ...]:
    return tuple(value)


def _errors(value: Iterable[ReportedError]) -> tuple[ReportedError, ...]:
    return tuple(value)


@attrs.frozen
class RunReport:
    """What a notification says about one run of a scheduled job.

    Attributes:
        job_id, job_name, company: the job and its company.
        run_id: the run's id.
        scheduled_for: the company day the run was due.
        trigger: what started it (e.g. ``"schedule"`` or ``"manual"``).
        started_at, finished_at: aware datetimes.
        state: ``"done"`` or ``"failed"``.
        invoices, errors: what was invoiced and what was refused.
        held: notices of work held back, e.g. "project P1: 3 items held back
            by its billing limit".
        creator: the actor the invoices were made as.
    """

    job_id: str
    job_name: str
    company: str
    run_id: str
    scheduled_for: date
    trigger: str
    started_at: datetime = attrs.field(validator=_aware)
    finished_at: datetime = attrs.field(validator=_aware)
    state: str = attrs.field()
    invoices: tuple[ReportedInvoice, ...] = attrs.field(default=(), converter=_invoices)
    errors: tuple[ReportedError, ...] = attrs.field(default=(), converter=_errors)
    held: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    creator: str = ""

    @state.validator
    def _known_state(self, attribute: attrs.Attribute[str], value: str) -> None:
        if value not in _RUN_STATES:
            raise ValidationError(f"must be one of: {', '.join(_RUN_STATES)}",
                                  field=attribute.name, value=value)

    def __attrs_post_init__(self) -> None:
        if self.finished_at < self.started_at:
            raise ValidationError("must not be before started_at", field="finished_at",
                                  value=self.finished_at)

    def totals(self) -> dict[str, Decimal]:
        """The invoiced amount per currency, currencies in alphabetical order."""
        sums: dict[str, Decimal] = {}
        for invoice in self.invoices:
            sums[invoice.currency] = sums.get(invoice.currency, Decimal(0)) + invoice.amount
        return dict(sorted(sums.items()))


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _one_line(text: str) -> str:
    # A header must not carry line breaks (they would start a new header).
    return " ".join(text.split())


def render(report: RunReport) -> tuple[str, str]:
    """The subject and plain-text body of the email about ``report``."""
    counts = ", ".join([
        _count(len(report.invoices), "invoice", "invoices"),
        _count(len(report.errors), "error", "errors"),
    ])
    subject = _one_line(f"ledgerlink: {report.job_name} ({report.company}) {report.state} "
                        f"for {report.scheduled_for.isoformat()}: {counts}")
    seconds = int((report.finished_at - report.started_at).total_seconds())
    lines = [
        f"Scheduled job: {report.job_name} (id {report.job_id}), company {report.company}",
        f"Run {report.run_id}, due {report.scheduled_for.isoformat()}, "
        f"started by {report.trigger}" + (f", invoicing as {report.creator}"
                                          if report.creator else ""),
        f"Started {report.started_at.isoformat(sep=' ', timespec='seconds')}, "
        f"finished {report.finished_at.isoformat(sep=' ', timespec='seconds')} "
        f"({seconds} s)",
        f"Result: {report.state}; {counts}, "
        + _count(len(report.held), "held-back notice", "held-back notices"),
    ]
    totals = report.totals()
    if totals:
        lines += ["", "Totals:"]
        lines += [f"  {Money(amount, currency)}" for currency, amount in totals.items()]
    if report.invoices:
        lines += ["", "Invoices:"]
        for inv in report.invoices:
            number = f"invoice {inv.number}" if inv.number else "draft (no number yet)"
            provider = f", provider id {inv.provider_id}" if inv.provider_id else ""
            lines.append(f"  - {inv.customer_name} ({inv.customer_id}), projects "
                         f"{', '.join(inv.projects) or '-'}: {number}, "
                         f"{Money(inv.amount, inv.currency)}{provider} [key {inv.invoice_key}]")
    if report.errors:
        lines += ["", "Errors (the accounting system's own words):"]
        for err in report.errors:
            lines.append(f"  - customer {err.customer_id}, projects "
                         f"{', '.join(err.projects) or '-'}:")
            lines += [f"      {text}" for text in err.message.splitlines() or [""]]
    if report.held:
        lines += ["", "Held back:"]
        lines += [f"  - {notice}" for notice in report.held]
    return subject, "\n".join(lines) + "\n"


