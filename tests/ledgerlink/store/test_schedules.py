"""JobStore jobs: saving, versions, conflicts, names, soft delete, listing, log, migration."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from ledgerlink.errors import ConflictError, NotFoundError, ValidationError
from ledgerlink.scheduling.codec import job_from_json, job_to_dict
from ledgerlink.scheduling.jobstore import JobStore
from ledgerlink.scheduling.model import (
    Frequency,
    InvoiceGeneration,
    Recipient,
    Recurrence,
    ScheduledJob,
)
from ledgerlink.store import Store
from ledgerlink.store import schema as t
from ledgerlink.store.migrate import alembic_config, current_revision
from ledgerlink.store.schedules import ScheduleLogEntry
from tests.ledgerlink.scheduling.strategies import jobs

# 23:30 UTC on 22 November is already the 23rd in Copenhagen.
NOW = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)


def job(name: str = "Monthly", company: str = "acme", **changes: Any) -> ScheduledJob:
    base = ScheduledJob(company, name, Recurrence(Frequency.DAILY), InvoiceGeneration("ann"),
                        created_by="ann")
    return attrs.evolve(base, **changes)


@pytest.fixture
def schedules(tmp_path: Path) -> JobStore:
    return JobStore(Store(tmp_path / "j.db"))


def test_a_new_job_gets_an_id_version_one_and_starts_on_its_local_day(
        schedules: JobStore) -> None:
    """A saved job gets an id, version 1, and starts on the day it was saved, in its zone."""
    saved = schedules.save(job(), now=NOW)
    assert len(saved.id) == 32 and saved.version == 1
    assert saved.starts_on == date(2026, 11, 23)
    assert schedules.get(saved.id) == saved
    assert schedules.versions(saved.id) == [saved]
    ny = schedules.save(job("NY", time_zone="America/New_York"), now=NOW)
    assert ny.starts_on == date(2026, 11, 22)


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(jobs.map(lambda j: attrs.evolve(j, id="", version=0)))
def test_any_job_is_read_back_as_saved(schedules: JobStore, generated: ScheduledJob) -> None:
    """Any saved job reads back equal from a fresh store."""
    saved = schedules.save(generated, now=NOW)
    assert saved == attrs.evolve(generated, id=saved.id, version=1,
                                 starts_on=generated.starts_on or saved.starts_on)
    assert JobStore(schedules.store).get(saved.id) == saved  # not from a cache
    schedules.delete(saved.id, now=NOW)  # names stay free for the next example


def test_an_edit_bumps_the_version_and_keeps_the_history(schedules: JobStore) -> None:
    """An edit bumps the version, keeps its creator and start, and keeps every version."""
    first = schedules.save(job(starts_on=date(2026, 9, 1)), now=NOW)
    edited = schedules.save(attrs.evolve(first, description="fees", created_by="mallory",
                                         starts_on=None), now=NOW + timedelta(hours=1))
    assert edited.version == 2 and edited.description == "fees"
    assert edited.created_by == "ann"  # who created a job never changes
    assert edited.starts_on == date(2026, 9, 1)  # not given: kept
    assert schedules.get(first.id) == edited
    assert schedules.versions(first.id) == [first, edited]


def test_saving_an_edit_of_an_old_version_is_a_conflict_naming_both(
        schedules: JobStore) -> None:
    """Saving an edit of an old version is a conflict naming both versions."""
    first = schedules.save(job(), now=NOW)
    schedules.save(attrs.evolve(first, description="theirs"), now=NOW)
    with pytest.raises(ConflictError, match=r"version 1.*version 2"):
        schedules.save(attrs.evolve(first, description="mine"), now=NOW)
    assert schedules.get(first.id).description == "theirs"
    with pytest.raises(NotFoundError, match="nope"):
        schedules.save(job(id="nope", version=3), now=NOW)


def test_a_name_is_unique_per_company_among_jobs_not_deleted(schedules: JobStore) -> None:
    """A job name is unique within its company among jobs not deleted."""
    first = schedules.save(job("Fees"), now=NOW)
    with pytest.raises(ValidationError) as caught:
        schedules.save(job("Fees"), now=NOW)
    assert caught.value.field == "name"
    other = schedules.save(job("Hours"), now=NOW)
    with pytest.raises(ValidationError):
        schedules.save(attrs.evolve(other, name="Fees"), now=NOW)  # renaming onto it too
    assert schedules.save(job("Fees", company="globex"), now=NOW).name == "Fees"
    schedules.delete(first.id, now=NOW)
    assert schedules.save(job("Fees"), now=NOW).name == "Fees"


def test_the_database_refuses_a_duplicate_name_even_past_the_check(
        schedules: JobStore) -> None:
    """The database itself refuses a second job of the same name and company."""
    schedules.save(job("Fees"), now=NOW)
    row = dict(id="x", company="acme", name="Fees", active=True, version=1, definition="{}",
               created_at="t", created_by="ann", updated_at="t", deleted_at=None)
    with pytest.raises(sa.exc.IntegrityError), schedules.store.engine.begin() as conn:
        conn.execute(sa.insert(t.schedule_jobs).values(**row))


def test_a_deleted_job_is_gone_from_listings_but_its_history_stays(
        schedules: JobStore) -> None:
    """A deleted job leaves listings and edits, but its versions, runs and log remain."""
    saved = schedules.save(job(), now=NOW)
    run = schedules.claim_run(saved.id, date(2026, 11, 23), trigger="due", job_version=1,
                              worker="w", now=NOW, lease=timedelta(minutes=5))
    assert run is not None
    schedules.add_log([ScheduleLogEntry(run.run_id, saved.id, "notice", NOW, message="hi")])
    schedules.delete(saved.id, now=NOW)
    assert schedules.jobs() == []
    assert schedules.jobs(include_deleted=True) == [saved]
    with pytest.raises(NotFoundError, match=saved.id):
        schedules.get(saved.id)
    assert schedules.get(saved.id, include_deleted=True) == saved
    assert schedules.versions(saved.id) == [saved]
    assert [r.run_id for r in schedules.runs(job_id=saved.id)] == [run.run_id]
    assert [e.message for e in schedules.log(job_id=saved.id)] == ["hi"]
    with pytest.raises(NotFoundError):
        schedules.save(saved, now=NOW)
    with pytest.raises(NotFoundError):
        schedules.delete(saved.id, now=NOW)
    with pytest.raises(NotFoundError):
        schedules.set_active(saved.id, False, now=NOW)


def test_listing_filters_by_company_and_activity(schedules: JobStore) -> None:
    """Listing jobs filters by company and activity; activation changes are versions."""
    a = schedules.save(job("B"), now=NOW)
    b = schedules.save(job("A"), now=NOW)
    c = schedules.save(job("C", company="globex"), now=NOW)
    paused = schedules.set_active(a.id, False, now=NOW)
    assert (paused.version, paused.active) == (2, False)
    assert schedules.set_active(a.id, False, now=NOW) == paused  # already so: unchanged
    assert schedules.jobs() == [b, paused, c]
    assert schedules.jobs(company="acme") == [b, paused]
    assert schedules.jobs(active_only=True) == [b, c]
    assert schedules.set_active(a.id, True, now=NOW).version == 3
    assert [v.active for v in schedules.versions(a.id)] == [True, False, True]


def test_ten_thousand_jobs_load_in_one_query(tmp_path: Path) -> None:
    """Ten thousand stored jobs list with one SQL statement, not one per job (how long it
    takes is a benchmark's business, not a test's)."""
    store = Store(tmp_path / "j.db")
    stamp = NOW.isoformat()
    told: Any = (Recipient("bo@acme.dk"),)  # Any: mypy cannot type converter=tuple
    template = job_to_dict(job(version=1, starts_on=date(2026, 1, 1),
                               generation=InvoiceGeneration("ann", notify=told)))
    rows: list[dict[str, Any]] = []
    for n in range(10_000):
        definition = {**template, "id": f"id{n}", "name": f"job {n}", "company": f"c{n % 50}"}
        rows.append(dict(id=f"id{n}", company=f"c{n % 50}", name=f"job {n}", active=True,
                         version=1, definition=json.dumps(definition), created_at=stamp,
                         created_by="ann", updated_at=stamp, deleted_at=None))
    with store.engine.begin() as conn:
        conn.execute(sa.insert(t.schedule_jobs), rows)
    schedules = JobStore(store)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(store.engine, "before_cursor_execute", count)
    try:
        listed = schedules.jobs()
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", count)
    assert len(listed) == 10_000 and listed[0] == job_from_json(rows[0]["definition"])
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


def test_the_log_keeps_lines_in_order_with_decimal_amounts(schedules: JobStore) -> None:
    """Log lines read back in order, filtered, with Decimal amounts and UTC times."""
    schedules.add_log([
        ScheduleLogEntry("r1", "j1", "invoice", NOW, customer_id="c1", projects="P1, P2",
                         invoice_key="inv:1", provider_id="77", number="1001",
                         amount=Decimal("1250.50"), currency="DKK", creator="ann"),
        {"run_id": "r1", "job_id": "j1", "kind": "error", "at": "2026-11-23T01:00:00+01:00",
         "message": "refused", "amount": "10.00"},
    ])
    schedules.add_log([ScheduleLogEntry("r2", "j2", "notification", NOW)])
    first, second = schedules.log(job_id="j1")
    assert first.amount == Decimal("1250.50") and first.projects == "P1, P2"
    assert first.id < second.id and second.at == "2026-11-23T00:00:00.000000+00:00"
    assert second.amount == Decimal("10.00")
    assert [e.kind for e in schedules.log(run_id="r1", kind="error")] == ["error"]
    assert [e.job_id for e in schedules.log()] == ["j1", "j1", "j2"]


@pytest.mark.parametrize(("values", "field"), [
    ({"kind": "invoiced"}, "kind"), ({"amount": 1.5}, "amount"), ({"at": "noon"}, "at"),
    ({"at": datetime(2026, 11, 23, 12)}, "at"),  # naive: no time zone
])
def test_a_bad_log_line_is_refused_by_field(schedules: JobStore, values: dict[str, object],
                                            field: str) -> None:
    """A log line with a bad kind, float amount or bad time is refused by field."""
    line: dict[str, object] = {"run_id": "r", "job_id": "j", "kind": "notice", "at": NOW}
    with pytest.raises(ValidationError) as caught:
        schedules.add_log([{**line, **values}])
    assert caught.value.field == field
    assert schedules.log() == []


def test_a_0004_store_upgrades_to_head_with_the_declared_schema(tmp_path: Path) -> None:
    """A store at 0004 opens at head (scheduled jobs, book leases) and downgrades back."""
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    path = tmp_path / "j.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0004")
        conn.execute(sa.text("INSERT INTO customers (book, customer_id, remote_id) "
                             "VALUES ('b', 'c1', '58')"))
    engine.dispose()
    store = Store(path)
    with store.engine.connect() as conn:
        assert current_revision(conn) == t.SCHEMA_REVISION
        assert compare_metadata(MigrationContext.configure(conn), t.metadata) == []
    assert store.refs("b", "customers") == {"c1": "58"}
    assert JobStore(store).save(job(), now=NOW).version == 1
    store.close()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0004")
        tables = sa.inspect(conn).get_table_names()
        assert "schedule_jobs" not in tables and "book_leases" not in tables
    engine.dispose()
