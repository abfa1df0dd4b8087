"""Internal: scheduled jobs ↔ JSON, on the project's cattrs converter (:mod:`ledgerlink.convert`).

The shape is the converter's (enums by value, dates ISO, attrs classes as
objects keyed by field name, nothing omitted) plus one rule of its own: sets
(``frozenset[str]``) are written as *sorted* lists, so the same job always
serialises to the same text and stored definitions compare as strings.

Reading refuses what the converter refuses (unknown keys, floats, wrong
types) and raises one :class:`~ledgerlink.errors.ValidationError` whose
``problems`` name each bad field by its path, e.g. ``recurrence.day_of_month``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

import cattrs

from ledgerlink.convert import make_converter, structure, unstructure
from ledgerlink.errors import ValidationError
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

__all__ = [
    "is_string_set",
    "job_from_dict",
    "job_from_json",
    "job_from_stored_json",
    "job_to_dict",
    "job_to_json",
    "make_job_converter",
]


def _structure_strings(value: Any, _: type) -> frozenset[str]:
    # A bare string would otherwise become a set of its characters.
    if not isinstance(value, (list, tuple)):
        kind = "null" if value is None else type(value).__name__
        raise ValidationError(f"expected a list of text, got {kind}", value=value)
    bad = [item for item in value if not isinstance(item, str)]
    if bad:
        raise ValidationError("expected a list of text", value=bad[0])
    return frozenset(value)


def is_string_set(tp: Any) -> bool:
    """True for ``frozenset[str]``, the type of a job's sets of names."""
    return bool(tp == frozenset[str])


def _structure_weekday(value: Any, _: type) -> Weekday:
    # Weekday is an IntEnum: the converter's int hook would match it first (by
    # class) and hand back a bare int, so it gets a hook of its own. Written as
    # its number; a name ("friday") is read too.
    try:
        if isinstance(value, int) and not isinstance(value, bool):
            return Weekday(value)
        if isinstance(value, str):
            return Weekday[value.strip().upper()]
    except (KeyError, ValueError):
        pass
    raise ValidationError("must be a weekday, 0 (monday) .. 6 (sunday)", value=value)


def make_job_converter() -> cattrs.Converter:
    """The project's converter with the job rules: weekdays, sets as sorted lists."""
    conv = make_converter()
    conv.register_structure_hook(Weekday, _structure_weekday)
    conv.register_unstructure_hook_func(is_string_set, sorted)
    conv.register_structure_hook_func(is_string_set, _structure_strings)
    return conv


_converter = make_job_converter()


def _dedupe_path(field: str | None) -> str | None:
    """Collapse ``recurrence.recurrence.x`` to ``recurrence.x``, ``notify[0].notify``
    to ``notify[0]``.

    Some model checks name their field from the job's point of view
    (``recurrence.day_of_month``, ``notify``); the converter prefixes the path
    of the object being built, which would say the name twice.
    """
    if not field:
        return field
    out: list[str] = []
    for part in field.split("."):
        if out and out[-1].split("[", 1)[0] == part:
            continue
        out.append(part)
    return ".".join(out)


def job_to_dict(job: ScheduledJob) -> dict[str, Any]:
    """``job`` as JSON-ready primitives (sets as sorted lists)."""
    data: dict[str, Any] = unstructure(job, conv=_converter)
    return data


def job_to_json(job: ScheduledJob) -> str:
    """``job`` as compact JSON text with sorted keys (stable for the same job)."""
    return json.dumps(job_to_dict(job), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def job_from_dict(data: Mapping[str, Any], *, source: str | None = None) -> ScheduledJob:
    """A job from JSON-ready primitives; ValidationError lists every bad field by path."""
    try:
        return structure(data, ScheduledJob, conv=_converter)
    except ValidationError as err:
        problems = [
            ValidationError(p.message, field=_dedupe_path(p.field), value=p.value,
                            source=source or p.source, row=p.row)
            for p in err.problems
        ]
        raise ValidationError(err.message, source=source, problems=problems) from None


def job_from_json(text: str, *, source: str | None = None) -> ScheduledJob:
    """A job from :func:`job_to_json` text (``source`` names where it was read from)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValidationError(f"not valid JSON ({err.msg} at line {err.lineno}, "
                              f"column {err.colno})", source=source) from None
    if not isinstance(data, Mapping):
        raise ValidationError("expected a JSON object describing a job", source=source,
                              value=type(data).__name__)
    return job_from_dict(data, source=source)


# --- the store's fast path ---------------------------------------------------------
# Listing 10,000 stored jobs through the converter takes about two seconds, half
# of it parsing the same notification addresses again. Text the store wrote was
# checked by the converter when saved, so it is built directly (the model's own
# validators still run) and falls back to the converter, with its field paths,
# for anything unexpected (a missing key, a wrong type).


# Jobs share most of their parts (a daily recurrence, the same filters, the same
# accountant told), and the parts are frozen, so one instance serves them all.
_PARTS = 4096


@lru_cache(maxsize=_PARTS)
def _recipient(address: str, name: str) -> Recipient:
    return Recipient(address, name)


@lru_cache(maxsize=_PARTS)
def _recurrence(frequency: str, weekdays_only: bool, weekday: int | None, monthly: str | None,
                day_of_month: int | None) -> Recurrence:
    return Recurrence(Frequency(frequency), weekdays_only,
                      None if weekday is None else Weekday(weekday),
                      None if monthly is None else MonthlyDay(monthly), day_of_month)


@lru_cache(maxsize=_PARTS)
def _generation(creator: str, status: str, merge_projects: bool,
                notify: tuple[tuple[str, str], ...], send: bool) -> InvoiceGeneration:
    recipients = tuple(_recipient(*who) for who in notify)
    return InvoiceGeneration(creator, InvoiceStatusToCreate(status), merge_projects,
                             recipients, send)


_SETS = ("managers", "departments", "customer_groups", "customers", "projects", "keywords")


@lru_cache(maxsize=_PARTS)
def _filters(sets: tuple[tuple[str, ...], ...], billing_limit: str) -> JobFilters:
    values: dict[str, Any] = dict(zip(_SETS, sets, strict=True))
    return JobFilters(**values, billing_limit=BillingLimitFilter(billing_limit))


def _build_stored(data: Mapping[str, Any]) -> ScheduledJob:
    fields = dict(data)
    r = fields["recurrence"]
    fields["recurrence"] = _recurrence(r["frequency"], r["weekdays_only"], r["weekday"],
                                       r["monthly"], r["day_of_month"])
    g = fields["generation"]
    fields["generation"] = _generation(
        g["creator"], g["status"], g["merge_projects"],
        tuple((who["address"], who["name"]) for who in g["notify"]), g["send"])
    f = fields["filters"]
    fields["filters"] = _filters(tuple(tuple(f[name]) for name in _SETS), f["billing_limit"])
    for rule in ("include_up_to", "invoice_date", "registration_date"):
        fields[rule] = DateRule(fields[rule])
    starts_on = fields.get("starts_on")
    fields["starts_on"] = None if starts_on is None else date.fromisoformat(starts_on)
    return ScheduledJob(**fields)


def job_from_stored_json(text: str, *, source: str | None = None) -> ScheduledJob:
    """A job from text :func:`job_to_json` wrote (the store's definitions), fast.

    Equal to :func:`job_from_json` for such text; anything it cannot build is
    read by :func:`job_from_json`, whose errors name the field.
    """
    data = json.loads(text)
    try:
        return _build_stored(data)
    except Exception:  # any surprise is reported, by field, by the strict reader
        return job_from_dict(data, source=source)
