"""Internal: the records :class:`~ledgerlink.store.schedules.ScheduleStore` reads and writes.

Times are ISO 8601 UTC text with microseconds, as the journal's RunRecord and
LogEntry keep them: their string order is their time order, so leases compare
in SQL. Methods take aware datetimes.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs

from ledgerlink.errors import ValidationError
from ledgerlink.money import to_decimal

__all__ = [
    "FINAL_STATES",
    "LOG_KINDS",
    "RUN_STATES",
    "TRIGGERS",
    "ItemClaim",
    "JobRow",
    "ScheduleLogEntry",
    "ScheduleRun",
]

#: A run is ``running`` while a worker holds its lease, then ``done`` or ``failed``;
#: ``aborted`` when it stopped before anything was written to the accounting
#: system (bad input, refused authorisation), which leaves its slot open.
RUN_STATES = ("running", "done", "failed", "aborted")
#: The states a run ends in.
FINAL_STATES = RUN_STATES[1:]
#: ``due``: the scheduler started it for its run day; ``manual``: run now, by hand.
TRIGGERS = ("due", "manual")
#: What a schedule-log line records.
LOG_KINDS = ("invoice", "error", "notice", "notification")


def stamp(moment: datetime, *, field: str = "now") -> str:
    """``moment`` as the store keeps it: ISO 8601 in UTC, with microseconds."""
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError("must be a datetime with a time zone", field=field, value=moment)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _one_of(choices: tuple[str, ...]) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value not in choices:
            raise ValidationError(f"must be one of: {', '.join(choices)}",
                                  field=attribute.name, value=value)

    return check


def _optional_amount(value: object) -> Decimal | None:
    return None if value is None else to_decimal(value, field="amount")


@attrs.frozen
class JobRow:
    """A scheduled job as the store keeps it: the columns it queries, and the definition.

    The store never reads the definition: :mod:`ledgerlink.scheduling` writes and
    reads it (JSON text of the job), so the store depends on no job type.

    Attributes:
        id: the job's id.
        company: whose job it is (a name is unique per company among live jobs).
        name: the job's name.
        active: whether the job runs when due.
        version: 1 when created, one more for each saved edit.
        definition: the whole job as JSON text.
        created_by: who created the job.
        deleted_at: when it was deleted (ISO UTC), None while it lives.
    """

    id: str
    company: str
    name: str
    active: bool
    version: int
    definition: str
    created_by: str
    deleted_at: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> JobRow:
        """From a ``schedule_jobs`` row."""
        return cls(row.id, row.company, row.name, bool(row.active), row.version,
                   row.definition, row.created_by, row.deleted_at)


@attrs.frozen
class ScheduleRun:
    """One run of a scheduled job.

    Attributes:
        run_id: uuid4 hex; a resumed run keeps it.
        job_id: the job.
        slot: the run day (ISO) of a due run, ``manual-<run_id>`` of a manual one.
        scheduled_for: the run day.
        trigger: ``due`` or ``manual``.
        job_version: the job version the run works from.
        state: ``running``, ``done``, ``failed`` or ``aborted`` (stopped before
            anything was written; a due run's slot is taken again by the next
            ``run_due``).
        worker: who holds (or held) the run.
        claimed_at: when the run was claimed (ISO 8601 UTC, as RunRecord keeps times):
            first claimed for a resumed run, retried for an aborted one.
        lease_until: while ``running``, the worker holds the run until then (ISO UTC).
        finished_at: when it ended (ISO UTC; None while running).
        summary: counts the run reported (invoices, errors...).
        error: why it failed ("" otherwise).
        resumed: True when this claim took over a run whose worker's lease ran out.
    """

    run_id: str
    job_id: str
    slot: str
    scheduled_for: date
    trigger: str
    job_version: int
    state: str
    worker: str
    claimed_at: str
    lease_until: str
    finished_at: str | None
    summary: dict[str, int]
    error: str
    resumed: bool = False

    @classmethod
    def from_row(cls, row: Any, *, resumed: bool = False) -> ScheduleRun:
        """The run a ``schedule_runs`` row holds."""
        return cls(
            row.run_id, row.job_id, row.slot, date.fromisoformat(row.scheduled_for),
            row.trigger, row.job_version, row.state, row.worker, row.claimed_at,
            row.lease_until, row.finished_at, dict(json.loads(row.summary)), row.error, resumed)


def _at(value: datetime | str) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError("not an ISO 8601 date and time", field="at",
                                  value=value) from None
    return stamp(value, field="at")


@attrs.frozen
class ScheduleLogEntry:
    """One line of a job's log: an invoice made, an error, a notice or a notification.

    Build one with keywords, or hand :meth:`ScheduleStore.add_log` mappings of them.

    Attributes:
        run_id, job_id: the run and its job.
        kind: ``invoice``, ``error``, ``notice`` or ``notification``.
        at: when: an aware datetime or ISO text, kept as ISO 8601 UTC text.
        customer_id: the local customer, when the line is about one.
        projects: the projects the line covers, comma-joined (``"p1, p2"``).
        invoice_key: the journal's invoice key; provider_id and number: the
            provider's id and number for it, once known.
        amount: the invoice's amount in ``currency`` (Decimal; a decimal string is read).
        creator: the actor the invoice was made as.
        message: the provider's text, the error or the note.
        id: the store's sequence number (0 until written).
    """

    run_id: str
    job_id: str
    kind: str = attrs.field(validator=_one_of(LOG_KINDS))
    at: str = attrs.field(converter=_at)
    customer_id: str | None = None
    projects: str | None = None
    invoice_key: str | None = None
    provider_id: str | None = None
    number: str | None = None
    amount: Decimal | None = attrs.field(default=None, converter=_optional_amount)
    currency: str | None = None
    creator: str | None = None
    message: str = ""
    id: int = 0

    def to_row(self) -> dict[str, Any]:
        """The ``schedule_log`` columns (without ``id``, which the database assigns)."""
        row = attrs.asdict(self, recurse=False)
        del row["id"]
        row["amount"] = None if self.amount is None else str(self.amount)
        return row

    @classmethod
    def from_row(cls, row: Any) -> ScheduleLogEntry:
        """The entry a ``schedule_log`` row holds."""
        return cls(**row._mapping)


@attrs.frozen
class ItemClaim:
    """A billable item a run claimed for a work order.

    Attributes:
        book: the accounting book (connector account) the item is billed in.
        item_id: the billable item.
        job_id, run_id: the job and the run that claimed it.
        work_order_id: the work order the run put it on.
        claimed_at: when (ISO 8601 UTC).
    """

    book: str
    item_id: str
    job_id: str
    run_id: str
    work_order_id: str
    claimed_at: str

    @classmethod
    def from_row(cls, row: Any) -> ItemClaim:
        """The claim a ``billed_items`` row holds."""
        return cls(row.book, row.item_id, row.job_id, row.run_id, row.work_order_id,
                   row.claimed_at)
