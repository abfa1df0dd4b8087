"""Internal: scheduled invoicing: projects, their billable items, and the jobs that invoice them.

A :class:`ScheduledJob` says *when* (a :class:`Recurrence` at an hour of the
company's day), *what* (the projects its :class:`JobFilters` match, their
billable items up to a cutoff :class:`DateRule`) and *how* (an
:class:`InvoiceGeneration`: draft or booked, merged per customer or not, who
invoices, who is told). The types are frozen attrs classes validated on
construction; an invalid value raises :class:`~ledgerlink.errors.ValidationError`
naming the field. Jobs are stored as JSON of these types (see
:mod:`ledgerlink.scheduling.codec`), so adding a field needs a default.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from ledgerlink.errors import ValidationError
from ledgerlink.fields import (  # the work line's checks: an item's numbers read alike
    check_identifier,
    check_non_empty,
    check_time_zone,
    check_vat_rate,
    to_quantity,
    to_unit_price,
    to_vat_rate,
)
from ledgerlink.money import AMOUNT, read_amount

# Recipient is shared with the invoice e-mail channel; this module keeps naming it.
from ledgerlink.smtp import Recipient

__all__ = [
    "BillableItem",
    "BillingLimitFilter",
    "DateRule",
    "Frequency",
    "InvoiceGeneration",
    "InvoiceStatusToCreate",
    "ItemKind",
    "JobFilters",
    "MonthlyDay",
    "Project",
    "Recipient",
    "Recurrence",
    "ScheduledJob",
    "Weekday",
]


def _optional_amount(value: object) -> Decimal | None:
    return None if value is None else read_amount(value, AMOUNT.named("billing_limit"))


def _items(value: Iterable[BillableItem]) -> tuple[BillableItem, ...]:
    return tuple(value)


def _recipients(value: Iterable[Recipient]) -> tuple[Recipient, ...]:
    return tuple(value)


def _strings(value: Iterable[str] | str) -> frozenset[str]:
    # A bare string is one value, not its characters.
    return frozenset([value] if isinstance(value, str) else value)


def _enum(cls: type[enum.Enum]) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, cls):
            choices = ", ".join(str(m.value) for m in cls)
            raise ValidationError(f"must be one of: {choices}", field=attribute.name, value=value)

    return check


# --- projects and what they can bill -----------------------------------------------


class ItemKind(enum.Enum):
    """What a billable item is."""

    HOURS = "hours"
    EXPENSE = "expense"
    FEE = "fee"  # a recurring fee, e.g. a monthly licence


@attrs.frozen
class BillableItem:
    """One thing a project can bill, once: hours, an expense or a recurring fee's period.

    Attributes:
        id: unique across the company's projects; the journal records it as
            billed, so the same id is never invoiced twice.
        date: the day the item belongs to (the work day, the expense's day, the
            fee period's first day); a job bills items dated up to its cutoff.
        kind: hours, expense or fee.
        description: the invoice line text.
        quantity, unit_price: unit price excluding VAT, in the customer's currency.
        vat_rate: a percentage.
        product_id: the product the line sells, when known.
    """

    id: str = attrs.field(validator=check_identifier)
    date: date = attrs.field()
    kind: ItemKind = attrs.field(validator=_enum(ItemKind))
    description: str = attrs.field(validator=check_non_empty)
    quantity: Decimal = attrs.field(converter=to_quantity)
    unit_price: Decimal = attrs.field(converter=to_unit_price)
    vat_rate: Decimal = attrs.field(default=Decimal(25), converter=to_vat_rate,
                                    validator=check_vat_rate)
    product_id: str | None = None

    @date.validator
    def _is_date(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, date):
            raise ValidationError("must be a date", field=attribute.name, value=value)


@attrs.frozen
class Project:
    """A project with a customer and billable items.

    Attributes:
        id, name: the project's id and name (the name goes on the invoice).
        customer_id: local id of the customer it bills.
        manager, department, customer_group: what jobs can filter on.
        keywords: free tags a job can filter on.
        billing_limit: the most this project may ever invoice, net of VAT, in
            the customer's currency; a job holds back the items past it.
        items: the billable items, invoiced or not.
    """

    id: str = attrs.field(validator=check_identifier)
    name: str = attrs.field(validator=check_non_empty)
    customer_id: str = attrs.field(validator=check_identifier)
    manager: str | None = None
    department: str | None = None
    customer_group: str | None = None
    keywords: frozenset[str] = attrs.field(default=frozenset(), converter=_strings)
    billing_limit: Decimal | None = attrs.field(default=None, converter=_optional_amount)
    items: tuple[BillableItem, ...] = attrs.field(default=(), converter=_items)

    @billing_limit.validator
    def _limit_not_negative(self, attribute: attrs.Attribute[Any], value: Decimal | None) -> None:
        if value is not None and value < 0:
            raise ValidationError("must not be negative", field=attribute.name, value=value)


# --- when a job runs ------------------------------------------------------------------


class Frequency(enum.Enum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class Weekday(enum.IntEnum):
    """ISO weekday numbers less one, as :meth:`date.weekday` and dateutil count."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


class MonthlyDay(enum.Enum):
    """Which day of the month a monthly job runs."""

    FIRST_DAY = "first_day"
    LAST_DAY = "last_day"
    LAST_WEEKDAY = "last_weekday"  # the last Monday–Friday of the month
    DAY_OF_MONTH = "day_of_month"  # Recurrence.day_of_month; past the month's end = its last day


@attrs.frozen
class Recurrence:
    """How often a job runs.

    * daily: every day, or (``weekdays_only``) every Monday–Friday;
    * weekly: on ``weekday``;
    * monthly: on ``monthly`` (first day, last day, last weekday, or
      ``day_of_month`` 1–31, where a day the month lacks means its last day:
      31 runs on 30 April and on 28 or 29 February).
    """

    frequency: Frequency = attrs.field(validator=_enum(Frequency))
    weekdays_only: bool = False
    weekday: Weekday | None = None
    monthly: MonthlyDay | None = None
    day_of_month: int | None = None

    def __attrs_post_init__(self) -> None:
        f = self.frequency
        if f is Frequency.WEEKLY and not isinstance(self.weekday, Weekday):
            raise ValidationError("a weekly job needs a weekday (monday..sunday)",
                                  field="recurrence.weekday", value=self.weekday)
        if f is Frequency.MONTHLY:
            if not isinstance(self.monthly, MonthlyDay):
                choices = ", ".join(m.value for m in MonthlyDay)
                raise ValidationError(f"a monthly job needs one of: {choices}",
                                      field="recurrence.monthly", value=self.monthly)
            wants_day = self.monthly is MonthlyDay.DAY_OF_MONTH
            if wants_day and (not isinstance(self.day_of_month, int)
                              or not 1 <= self.day_of_month <= 31):
                raise ValidationError("must be a day of the month, 1..31",
                                      field="recurrence.day_of_month", value=self.day_of_month)
            if not wants_day and self.day_of_month is not None:
                raise ValidationError("only with monthly=day_of_month",
                                      field="recurrence.day_of_month", value=self.day_of_month)
        if f is not Frequency.WEEKLY and self.weekday is not None:
            raise ValidationError("only for weekly jobs", field="recurrence.weekday",
                                  value=self.weekday)
        if f is not Frequency.MONTHLY and (self.monthly is not None
                                           or self.day_of_month is not None):
            raise ValidationError("only for monthly jobs", field="recurrence.monthly",
                                  value=self.monthly or self.day_of_month)
        if f is not Frequency.DAILY and self.weekdays_only:
            raise ValidationError("only for daily jobs", field="recurrence.weekdays_only",
                                  value=True)


class DateRule(enum.Enum):
    """A day relative to a run day (cutoff, invoice date, registration date)."""

    FIRST_DAY_OF_THIS_MONTH = "first_day_of_this_month"
    LAST_DAY_OF_PREVIOUS_MONTH = "last_day_of_previous_month"
    FIRST_DAY_OF_NEXT_MONTH = "first_day_of_next_month"
    LAST_DAY_OF_THIS_MONTH = "last_day_of_this_month"
    RUN_DAY = "run_day"


# --- which projects ---------------------------------------------------------------------


class BillingLimitFilter(enum.Enum):
    """Which projects a job takes by their billing limit."""

    ANY = "any"
    WITH_LIMIT = "with_limit"  # only projects that have a billing limit
    WITHOUT_LIMIT = "without_limit"  # only projects without one


@attrs.frozen
class JobFilters:
    """Which projects a job invoices. Empty sets match everything; filters combine with AND.

    Each set matches a project whose value is one of its members; ``keywords``
    matches a project carrying any of them.
    """

    managers: frozenset[str] = attrs.field(default=frozenset(), converter=_strings)
    departments: frozenset[str] = attrs.field(default=frozenset(), converter=_strings)
    customer_groups: frozenset[str] = attrs.field(default=frozenset(), converter=_strings)
    customers: frozenset[str] = attrs.field(default=frozenset(), converter=_strings)
    projects: frozenset[str] = attrs.field(default=frozenset(), converter=_strings)
    keywords: frozenset[str] = attrs.field(default=frozenset(), converter=_strings)
    billing_limit: BillingLimitFilter = attrs.field(default=BillingLimitFilter.ANY,
                                                    validator=_enum(BillingLimitFilter))


# --- how invoices are made -------------------------------------------------------------


class InvoiceStatusToCreate(enum.Enum):
    """What a job's invoices are left as: collected on a draft, or booked."""

    DRAFT = "draft"
    BOOKED = "booked"


@attrs.frozen
class InvoiceGeneration:
    """How a run turns items into invoices.

    Attributes:
        status: draft (collected on the customer's open draft) or booked; it
            becomes the billing policy's posting for the run.
        merge_projects: one invoice per customer for all its matched projects,
            instead of one per project.
        creator: the actor the invoices are made as; recorded on each of them,
            and the authorisation hook decides whether they may invoice.
        notify: who is emailed when a run is done.
        send: email the invoices to the customers (the policy's send).
    """

    creator: str = attrs.field(validator=check_non_empty)
    status: InvoiceStatusToCreate = attrs.field(default=InvoiceStatusToCreate.DRAFT,
                                                validator=_enum(InvoiceStatusToCreate))
    merge_projects: bool = False
    notify: tuple[Recipient, ...] = attrs.field(default=(), converter=_recipients)
    send: bool = False


# --- the job ---------------------------------------------------------------------------


@attrs.frozen
class ScheduledJob:
    """A recurring invoicing job.

    Attributes:
        id: stable id (the store assigns one on first save when empty).
        company: which company (tenant) the job belongs to; runs are given the
            company's projects, customers and connector by this key.
        name, description: for people.
        recurrence: which days it runs.
        time_zone: the company's IANA time zone; run days are its days.
        run_hour: the job runs on its day from this hour (0–23), local time.
        include_up_to: the cutoff: items dated on or before it are billed.
        invoice_date, registration_date: the invoice's date and its
            registration (posting) date, each from a run-day rule.
        filters: which projects.
        generation: how invoices are made.
        active: inactive jobs are never due.
        created_by: who created the job.
        version: the store's edit counter (0 before the first save).
        starts_on: the first day it may run (default: the day it was created).
    """

    company: str = attrs.field(validator=check_non_empty)
    name: str = attrs.field(validator=check_non_empty)
    recurrence: Recurrence = attrs.field()
    generation: InvoiceGeneration = attrs.field()
    created_by: str = attrs.field(validator=check_non_empty)
    id: str = ""
    description: str = ""
    time_zone: str = attrs.field(default="Europe/Copenhagen", validator=check_time_zone)
    run_hour: int = attrs.field(default=22)
    include_up_to: DateRule = attrs.field(default=DateRule.RUN_DAY, validator=_enum(DateRule))
    invoice_date: DateRule = attrs.field(default=DateRule.RUN_DAY, validator=_enum(DateRule))
    registration_date: DateRule = attrs.field(default=DateRule.RUN_DAY,
                                              validator=_enum(DateRule))
    filters: JobFilters = attrs.Factory(JobFilters)
    active: bool = True
    version: int = 0
    starts_on: date | None = None

    @recurrence.validator
    def _is_recurrence(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, Recurrence):
            raise ValidationError("must be a Recurrence", field=attribute.name, value=value)

    @run_hour.validator
    def _hour(self, attribute: attrs.Attribute[int], value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 23:
            raise ValidationError("must be an hour 0..23", field=attribute.name, value=value)
