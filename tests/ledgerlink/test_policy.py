"""Billing-policy resolution: inheritance field by field, the conflict rules, explanations."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import ValidationError
from ledgerlink.policy import (
    BillingPolicy,
    EffectivePolicy,
    PolicyOverride,
    Posting,
    Timing,
    explain,
    resolve,
)

FIELDS = ("posting", "timing", "send", "payment_terms_days")
LABELS = {"company": "company default", "customer": "customer override",
          "rule": "changed by rule"}

companies = st.from_type(BillingPolicy)
overrides = st.none() | st.from_type(PolicyOverride)


def _own(override: PolicyOverride | None, name: str) -> Any:
    return getattr(override, name) if override is not None else None


def _send_rule_fires(company: BillingPolicy, override: PolicyOverride | None) -> bool:
    posting = _own(override, "posting") or company.posting
    send = _own(override, "send")
    send = company.send if send is None else send
    return bool(send) and posting in (Posting.DRAFT, Posting.NONE)


@given(companies, overrides)
def test_each_field_inherits_on_its_own(
    company: BillingPolicy, override: PolicyOverride | None
) -> None:
    """Every field is the override's when set, else the company's, with that source."""
    effective = resolve(company, override)
    for name in FIELDS:
        if name == "send" and _send_rule_fires(company, override):
            continue  # covered by the conflict-rule test
        own = _own(override, name)
        assert getattr(effective, name) == (own if own is not None else getattr(company, name))
        assert effective.sources[name] == ("customer" if own is not None else "company")


@given(companies, overrides)
def test_send_conflict_rule(company: BillingPolicy, override: PolicyOverride | None) -> None:
    """send with posting draft/none is turned off, sourced to "rule", and explained."""
    effective = resolve(company, override)
    if _send_rule_fires(company, override):
        assert effective.send is False
        assert effective.sources["send"] == "rule"
        assert any("send" in note for note in effective.notes)
    else:
        assert "rule" not in effective.sources.values()


@given(companies, overrides)
def test_send_never_effective_without_booking(
    company: BillingPolicy, override: PolicyOverride | None
) -> None:
    """No effective policy both sends and leaves invoices as drafts or makes none."""
    effective = resolve(company, override)
    if effective.posting in (Posting.DRAFT, Posting.NONE):
        assert effective.send is False
    assert effective.invoices == (effective.posting is not Posting.NONE)


@given(companies, overrides)
def test_posting_none_is_explained(
    company: BillingPolicy, override: PolicyOverride | None
) -> None:
    """With posting=none a note says timing and payment terms have no effect."""
    effective = resolve(company, override)
    has_note = any("no effect" in note for note in effective.notes)
    assert has_note == (effective.posting is Posting.NONE)


@given(companies, overrides, st.none() | st.text(
    st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=10))
def test_explain_mentions_every_field_and_its_source(
    company: BillingPolicy, override: PolicyOverride | None, customer: str | None
) -> None:
    """explain() has a line per field naming the field and where its value came from."""
    effective = resolve(company, override)
    text = explain(effective, customer=customer)
    lines = text.splitlines()
    for name in FIELDS:
        (line,) = [ln for ln in lines if ln.strip().startswith(name + " ")]
        assert LABELS[effective.sources[name]] in line
    for note in effective.notes:
        assert note in text
    if customer is not None:
        assert customer in lines[0]


def test_empty_override_changes_nothing() -> None:
    """An override with nothing set resolves exactly like no override."""
    company = BillingPolicy(Posting.DRAFT, Timing.BEFORE_WORK, False, 14)
    assert PolicyOverride().is_empty
    assert not PolicyOverride(send=False).is_empty
    plain, empty = resolve(company), resolve(company, PolicyOverride())
    assert plain == empty
    assert plain.sources == empty.sources == dict.fromkeys(FIELDS, "company")


def test_customer_draft_with_company_send() -> None:
    """The design's example: company books and sends, the customer collects on a draft."""
    effective = resolve(BillingPolicy(Posting.BOOK, send=True),
                        PolicyOverride(posting=Posting.DRAFT))
    assert (effective.posting, effective.send) == (Posting.DRAFT, False)
    assert effective.sources == {"posting": "customer", "timing": "company",
                                 "send": "rule", "payment_terms_days": "company"}
    assert "email it when you book it by hand" in explain(effective)


def test_customer_can_turn_send_off_explicitly() -> None:
    """A customer's own send=False is the customer's value, not a rule's."""
    effective = resolve(BillingPolicy(send=True), PolicyOverride(send=False))
    assert isinstance(effective, EffectivePolicy)
    assert effective.sources["send"] == "customer"
    assert effective.notes == ()


@pytest.mark.parametrize("days", [-1, 366, 10_000, True, 8.0, "8"])
def test_bad_payment_terms_are_refused(days: object) -> None:
    """Payment terms must be a whole number of days 0..365, in policies and overrides."""
    with pytest.raises(ValidationError) as caught:
        BillingPolicy(payment_terms_days=days)  # type: ignore[arg-type]
    assert caught.value.field == "payment_terms_days"
    with pytest.raises(ValidationError):
        PolicyOverride(payment_terms_days=days)  # type: ignore[arg-type]


@pytest.mark.parametrize("days", [0, 8, 365])
def test_payment_terms_bounds_are_accepted(days: int) -> None:
    """0 (due at once) and 365 days are the limits and are accepted."""
    assert BillingPolicy(payment_terms_days=days).payment_terms_days == days
    assert PolicyOverride(payment_terms_days=days).payment_terms_days == days


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: BillingPolicy(posting="book"), "posting"),  # type: ignore[arg-type]
        (lambda: BillingPolicy(send="yes"), "send"),  # type: ignore[arg-type]
        (lambda: PolicyOverride(timing="before_work"), "timing"),  # type: ignore[arg-type]
    ],
)
def test_policy_fields_refuse_plain_strings(build: Any, field: str) -> None:
    """Policy fields given strings instead of enum members or booleans are refused by name."""
    with pytest.raises(ValidationError) as caught:
        build()
    assert caught.value.field == field
