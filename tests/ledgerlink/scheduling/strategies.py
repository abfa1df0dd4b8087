"""Hypothesis strategies for valid scheduled jobs (shared by the codec and store tests)."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from ledgerlink.scheduling.model import (
    BillingLimitFilter,
    DateRule,
    Frequency,
    InvoiceGeneration,
    InvoiceStatusToCreate,
    JobFilters,
    MonthlyDay,
    Recipient,
    Recurrence,
    ScheduledJob,
    Weekday,
)

# Printable text without control characters or lone surrogates (not UTF-8).
_CHARS = st.characters(exclude_categories=("Cc", "Cs"))
text = st.text(_CHARS, min_size=1, max_size=12).filter(lambda s: s.strip() != "")
_ATOM = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
emails = st.builds("{}@{}.dk".format, _ATOM, _ATOM)
string_sets = st.frozensets(text, max_size=3)

recurrences = st.one_of(
    st.builds(Recurrence, st.just(Frequency.DAILY), weekdays_only=st.booleans()),
    st.builds(Recurrence, st.just(Frequency.WEEKLY), weekday=st.sampled_from(Weekday)),
    st.builds(Recurrence, st.just(Frequency.MONTHLY), monthly=st.sampled_from(
        [MonthlyDay.FIRST_DAY, MonthlyDay.LAST_DAY, MonthlyDay.LAST_WEEKDAY])),
    st.builds(Recurrence, st.just(Frequency.MONTHLY), monthly=st.just(MonthlyDay.DAY_OF_MONTH),
              day_of_month=st.integers(1, 31)),
)
recipients = st.builds(Recipient, emails, name=st.just("") | text)
generations = st.builds(
    InvoiceGeneration, text, status=st.sampled_from(InvoiceStatusToCreate),
    merge_projects=st.booleans(), notify=st.lists(recipients, max_size=2).map(tuple),
    send=st.booleans())
filters = st.builds(
    JobFilters, managers=string_sets, departments=string_sets, customer_groups=string_sets,
    customers=string_sets, projects=string_sets, keywords=string_sets,
    billing_limit=st.sampled_from(BillingLimitFilter))
rules = st.sampled_from(DateRule)
jobs = st.builds(
    ScheduledJob, text, text, recurrences, generations, text,
    id=st.just("") | text, description=st.just("") | text,
    time_zone=st.sampled_from(["Europe/Copenhagen", "UTC", "America/New_York"]),
    run_hour=st.integers(0, 23), include_up_to=rules, invoice_date=rules,
    registration_date=rules, filters=filters, active=st.booleans(),
    version=st.integers(0, 10_000),
    starts_on=st.none() | st.dates(date(2000, 1, 1), date(2100, 12, 31)))
