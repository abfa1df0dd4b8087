"""Shared test set-up: how hypothesis builds valid ledgerlink domain objects.

The strategies are registered with ``st.register_type_strategy`` so any test
can ask for ``st.from_type(Customer)`` without importing from another test
module. They make objects every input format can hold exactly: text is never
blank or only spaces (a blank CSV cell means "not given"), optional text is
``None`` or non-blank, and datetimes carry fixed UTC offsets (ISO 8601 keeps
the offset, not a zone name).
"""

from __future__ import annotations

from datetime import timedelta, timezone
from decimal import Decimal

from hypothesis import strategies as st

from ledgerlink.domain import (
    Address,
    Company,
    Customer,
    DeliveryChannel,
    PartyKind,
    Product,
    ProductKind,
    WorkLine,
    WorkOrder,
    WorkStatus,
)
from ledgerlink.policy import BillingPolicy, PolicyOverride, Posting, Timing

# Printable text: no control characters (csv and the fingerprint treat some
# specially) and no lone surrogates (not encodable as UTF-8).
_CHARS = st.characters(exclude_categories=("Cc", "Cs"))
text = st.text(_CHARS, min_size=1, max_size=12).filter(lambda s: s.strip() != "")
multiline = st.text(st.one_of(_CHARS, st.just("\n")), min_size=1, max_size=20).filter(
    lambda s: s.strip() != ""
)
maybe_text = st.none() | text

# st.emails() takes seconds to warm up; the domain only needs something@somewhere.
_ATOM = st.text("abcdefghijklmnopqrstuvwxyz0123456789._-+", min_size=1, max_size=10)
emails = st.builds("{}@{}.dk".format, _ATOM, _ATOM)

decimals = st.decimals(allow_nan=False, allow_infinity=False, places=4,
                       min_value=Decimal("-1e9"), max_value=Decimal("1e9"))
vat_rates = st.decimals(min_value=0, max_value=100, places=2)
payment_terms = st.integers(min_value=0, max_value=365)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
aware_datetimes = st.datetimes(timezones=offsets)

# (country, registration number) pairs that python-stdnum accepts, plus one
# number of a country it does not know (kept as given).
registrations = st.sampled_from([
    ("DK", None),
    ("DK", "DK12345674"),
    ("DK", "10000009"),
    ("SE", "SE556188840401"),
    ("DE", "DE136695976"),
    ("US", "12-3456789"),
])

billing_policies = st.builds(
    BillingPolicy,
    posting=st.sampled_from(Posting),
    timing=st.sampled_from(Timing),
    send=st.booleans(),
    payment_terms_days=payment_terms,
)
policy_overrides = st.builds(
    PolicyOverride,
    posting=st.none() | st.sampled_from(Posting),
    timing=st.none() | st.sampled_from(Timing),
    send=st.none() | st.booleans(),
    payment_terms_days=st.none() | payment_terms,
)


@st.composite
def _customers(draw: st.DrawFn) -> Customer:
    country, number = draw(registrations)
    return Customer(
        id=draw(text),
        name=draw(text),
        kind=draw(st.sampled_from(PartyKind)),
        email=draw(st.none() | emails),
        address=Address(draw(st.just("") | multiline), draw(st.just("") | text),
                        draw(st.just("") | text), country),
        registration_number=number,
        currency=draw(st.sampled_from(["DKK", "EUR", "SEK", "JPY", "BHD", "USD"])),
        delivery=draw(st.none() | st.sampled_from(DeliveryChannel)),
        # An override with nothing set reads back from CSV as no override.
        policy=draw(st.none() | policy_overrides.filter(lambda o: not o.is_empty)),
    )


work_lines = st.builds(
    WorkLine,
    description=multiline,
    quantity=decimals,
    unit_price=decimals,
    vat_rate=vat_rates,
    product_id=maybe_text,
)


@st.composite
def _work_orders(draw: st.DrawFn) -> WorkOrder:
    status = draw(st.sampled_from(WorkStatus))
    completed = draw(aware_datetimes if status is WorkStatus.COMPLETED
                     else st.none() | aware_datetimes)
    return WorkOrder(
        id=draw(text),
        customer_id=draw(text),
        lines=draw(st.lists(work_lines, max_size=3)),
        status=status,
        planned_date=draw(st.none() | st.dates()),
        completed_at=completed,
        project=draw(maybe_text),
        description=draw(st.just("") | multiline),
    )


products = st.builds(
    Product,
    id=text,
    name=text,
    kind=st.sampled_from(ProductKind),
    unit_price=st.none() | decimals,
    vat_rate=vat_rates,
)
companies = st.builds(
    Company,
    name=text,
    policy=billing_policies,
    time_zone=st.sampled_from(["Europe/Copenhagen", "UTC", "America/New_York", "Asia/Tokyo"]),
    currency=st.sampled_from(["DKK", "EUR", "JPY"]),
    allow_credits=st.booleans(),
    delivery=st.sampled_from(DeliveryChannel),
    deliver_through_ledgerlink=st.booleans(),
)

st.register_type_strategy(Customer, _customers())
st.register_type_strategy(WorkLine, work_lines)
st.register_type_strategy(WorkOrder, _work_orders())
st.register_type_strategy(Product, products)
st.register_type_strategy(Company, companies)
st.register_type_strategy(BillingPolicy, billing_policies)
st.register_type_strategy(PolicyOverride, policy_overrides)
