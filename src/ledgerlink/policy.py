"""Billing policy: what to do with finished work, per company and per customer.

A company sets a :class:`BillingPolicy`; a customer may carry a
:class:`PolicyOverride` where any field left as ``None`` inherits the company's
value. :func:`resolve` merges the two into an :class:`EffectivePolicy` that also
records where every field came from, and :func:`explain` renders that for people.

Combinations that cannot work as written are resolved by these stated rules:

* ``send=True`` with ``posting=DRAFT``: a draft cannot be emailed and ledgerlink
  does not book it (a person does), so the effective ``send`` is ``False`` and a
  note says to email it when booking it by hand.
* ``send=True`` with ``posting=NONE``: nothing is invoiced, so nothing is sent.
* ``timing`` and ``payment_terms_days`` are kept with ``posting=NONE`` but have
  no effect; the explanation says so.
"""

from __future__ import annotations

import enum
from typing import Any, Literal

import attrs

from ledgerlink.errors import ValidationError
from ledgerlink.tabular import cell, html_table

__all__ = [
    "DEFAULT_PAYMENT_TERMS_DAYS",
    "BillingPolicy",
    "EffectivePolicy",
    "PolicyOverride",
    "Posting",
    "Timing",
    "explain",
    "resolve",
]

#: Net days when a company does not say otherwise (the common Danish "netto 8").
DEFAULT_PAYMENT_TERMS_DAYS = 8
#: Longest payment term accepted; anything longer is almost surely a typo.
MAX_PAYMENT_TERMS_DAYS = 365


class Posting(enum.Enum):
    """What an invoice for finished work becomes in the accounting system."""

    NONE = "none"  #: no invoice at all
    DRAFT = "draft"  #: collected on the customer's one open draft, booked by hand later
    BOOK = "book"  #: put on a draft and booked at once


class Timing(enum.Enum):
    """When work becomes billable."""

    ON_COMPLETION = "on_completion"  #: when the work order is completed
    BEFORE_WORK = "before_work"  #: in the nightly run that starts the planned work day


def _terms(instance: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("payment terms must be a whole number of days",
                              field=attribute.name, value=value)
    if not 0 <= value <= MAX_PAYMENT_TERMS_DAYS:
        raise ValidationError(f"payment terms must be 0..{MAX_PAYMENT_TERMS_DAYS} days",
                              field=attribute.name, value=value)


def _member(kind: type[enum.Enum] | type[bool], optional: bool = False) -> Any:
    """A validator naming the field when a value is not of ``kind`` (or None if optional)."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        if not isinstance(value, kind):
            allowed = (", ".join(str(m.value) for m in kind) if issubclass(kind, enum.Enum)
                       else "true or false")
            raise ValidationError(f"must be one of: {allowed}", field=attribute.name, value=value)

    return check


@attrs.frozen
class BillingPolicy:
    """A company's billing policy: every field has a value.

    Attributes:
        posting: none / draft / book.
        timing: on_completion / before_work.
        send: email the booked invoice to the customer.
        payment_terms_days: due date = issue date + this many days.
    """

    posting: Posting = attrs.field(default=Posting.BOOK, validator=_member(Posting))
    timing: Timing = attrs.field(default=Timing.ON_COMPLETION, validator=_member(Timing))
    send: bool = attrs.field(default=False, validator=_member(bool))
    payment_terms_days: int = attrs.field(default=DEFAULT_PAYMENT_TERMS_DAYS, validator=_terms)


@attrs.frozen
class PolicyOverride:
    """A customer's deviations from the company policy; ``None`` means inherit.

    Attributes:
        posting: overrides :attr:`BillingPolicy.posting` when set.
        timing: overrides :attr:`BillingPolicy.timing` when set.
        send: overrides :attr:`BillingPolicy.send` when set.
        payment_terms_days: overrides :attr:`BillingPolicy.payment_terms_days` when set.
    """

    posting: Posting | None = attrs.field(default=None, validator=_member(Posting, True))
    timing: Timing | None = attrs.field(default=None, validator=_member(Timing, True))
    send: bool | None = attrs.field(default=None, validator=_member(bool, True))
    payment_terms_days: int | None = attrs.field(default=None, validator=_terms)

    @property
    def is_empty(self) -> bool:
        """True when the override changes nothing."""
        return all(getattr(self, f.name) is None for f in attrs.fields(PolicyOverride))


Source = Literal["company", "customer", "rule"]
FIELDS = ("posting", "timing", "send", "payment_terms_days")


@attrs.frozen
class EffectivePolicy:
    """The policy that applies to one customer, with the provenance of each field.

    Attributes:
        posting, timing, send, payment_terms_days: the values that apply.
        sources: field name → ``"company"``, ``"customer"`` or ``"rule"`` (a
            conflict rule changed the value).
        notes: one sentence per conflict rule that fired, for people.
    """

    posting: Posting
    timing: Timing
    send: bool
    payment_terms_days: int
    sources: dict[str, Source] = attrs.field(eq=False)
    notes: tuple[str, ...] = ()

    @property
    def invoices(self) -> bool:
        """True when this policy produces invoices at all."""
        return self.posting is not Posting.NONE

    def _repr_html_(self) -> str:
        rows = [(name, cell(getattr(self, name)), self.sources.get(name, ""))
                for name in ("posting", "timing", "send", "payment_terms_days")]
        table = html_table(("field", "value", "from"), rows, "Effective policy")
        if not self.notes:
            return table
        return table + html_table(("note",), ((note,) for note in self.notes))


def resolve(company: BillingPolicy, override: PolicyOverride | None = None) -> EffectivePolicy:
    """Merge ``company`` and a customer's ``override`` field by field."""
    values: dict[str, object] = {}
    sources: dict[str, Source] = {}
    for name in FIELDS:
        own = getattr(override, name) if override is not None else None
        values[name] = own if own is not None else getattr(company, name)
        sources[name] = "customer" if own is not None else "company"
    notes: list[str] = []
    posting = values["posting"]
    if values["send"] and posting is Posting.DRAFT:
        values["send"] = False
        sources["send"] = "rule"
        notes.append("send is off: a draft cannot be emailed; email it when you book it by hand")
    elif values["send"] and posting is Posting.NONE:
        values["send"] = False
        sources["send"] = "rule"
        notes.append("send is off: posting=none makes no invoice to send")
    if posting is Posting.NONE:
        notes.append("timing and payment terms have no effect with posting=none")
    return EffectivePolicy(
        posting=values["posting"],  # type: ignore[arg-type]
        timing=values["timing"],  # type: ignore[arg-type]
        send=values["send"],  # type: ignore[arg-type]
        payment_terms_days=values["payment_terms_days"],  # type: ignore[arg-type]
        sources=sources,
        notes=tuple(notes),
    )


def _show(value: object) -> str:
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def explain(effective: EffectivePolicy, *, customer: str | None = None) -> str:
    """Render ``effective`` as plain text, one line per field plus the notes."""
    origin = {"company": "company default", "customer": "customer override",
              "rule": "changed by rule"}
    title = f"Billing policy for {customer}" if customer else "Billing policy"
    lines = [title]
    for name in FIELDS:
        value = _show(getattr(effective, name))
        lines.append(f"  {name:<19} {value:<14} ({origin[effective.sources[name]]})")
    lines.extend(f"  note: {note}" for note in effective.notes)
    return "\n".join(lines)
