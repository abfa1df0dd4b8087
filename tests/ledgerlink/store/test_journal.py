"""The journal store: migrations, schema agreement, refusal of newer schemas, round trips."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledgerlink.errors import StoreError
from ledgerlink.plans import InvoiceRecord, WorkRecord
from ledgerlink.store import Store
from ledgerlink.store import schema as t
from ledgerlink.store.migrate import alembic_config, current_revision


def test_a_new_store_is_migrated_to_the_expected_revision(tmp_path: Path) -> None:
    """Opening a new file runs the migrations up to SCHEMA_REVISION."""
    store = Store(tmp_path / "j.db")
    with store.engine.connect() as conn:
        assert current_revision(conn) == t.SCHEMA_REVISION
        assert set(sa.inspect(conn).get_table_names()) >= set(t.metadata.tables)


def test_schema_revision_is_alembics_head() -> None:
    """SCHEMA_REVISION names the newest migration script."""
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == t.SCHEMA_REVISION


def test_migrations_produce_exactly_the_declared_tables(tmp_path: Path) -> None:
    """Alembic's autogenerate finds no difference between the migrated store and schema.py."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    store = Store(tmp_path / "j.db")
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), t.metadata)
    assert diff == []


def test_a_store_from_a_newer_ledgerlink_is_refused(tmp_path: Path) -> None:
    """A store stamped with an unknown revision raises StoreError instead of being touched."""
    path = tmp_path / "j.db"
    Store(path).close()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="9999"):
        Store(path)


def test_reopening_an_up_to_date_store_keeps_its_data(tmp_path: Path) -> None:
    """Data written survives closing and reopening (no re-migration)."""
    path = tmp_path / "j.db"
    with Store(path) as store, store.transaction("book") as tx:
        tx.ref("customers", "c1", "C-1")
    assert Store(path).refs("book", "customers") == {"c1": "C-1"}


def test_state_round_trips_invoices_work_and_drafts(tmp_path: Path) -> None:
    """What a transaction writes comes back as the planner's JournalState."""
    store = Store(tmp_path / "j.db")
    with store.transaction("b") as tx:
        tx.invoice("draft:c1:2", "c1", "draft", False, "DKK", pending=False, remote_id="D2")
        tx.work("w1", "f1", "draft:c1:2", 0)
        tx.ref("customers", "c1", "C-1")
    state = store.state("b")
    assert state.invoices["draft:c1:2"] == InvoiceRecord("draft:c1:2", "c1", "draft",
                                                         remote_id="D2")
    assert state.work["w1"] == WorkRecord("w1", "f1", "draft:c1:2")
    assert state.drafts_opened == {"c1": 2}
    assert state.customers == frozenset({"c1"})
    assert store.state("other book").invoices == {}


def test_forgetting_an_invoice_releases_only_its_own_work(tmp_path: Path) -> None:
    """Rolling back a create removes the invoice and the work that waited on it, nothing else."""
    store = Store(tmp_path / "j.db")
    with store.transaction("b") as tx:
        tx.invoice("inv:w1", "c1", "book", True, "DKK", pending=True)
        tx.work("w1", "f1", "inv:w1", 0)
        tx.work("w2", "f2", "inv:w2", 0)
    with store.transaction("b") as tx:
        tx.forget_invoice("inv:w1")
    state = store.state("b")
    assert "inv:w1" not in state.invoices
    assert set(state.work) == {"w2"}


def test_updates_touch_only_their_book(tmp_path: Path) -> None:
    """An update for one book's invoice key leaves another book's same key alone."""
    store = Store(tmp_path / "j.db")
    for book in ("a", "b"):
        with store.transaction(book) as tx:
            tx.invoice("inv:w1", "c1", "book", False, "DKK", pending=True)
    with store.transaction("a") as tx:
        tx.update_invoice("inv:w1", pending=False, remote_id="R", booked=True)
    assert store.state("a").invoices["inv:w1"].booked
    assert not store.state("b").invoices["inv:w1"].booked


def test_updates_of_one_invoice_in_one_commit_apply_in_order(tmp_path: Path) -> None:
    """A create's outcome then a book's, of differing columns, in one commit: the book's wins."""
    store = Store(tmp_path / "j.db")
    with store.transaction("b") as tx:
        for key in ("inv:w1", "inv:w2"):
            tx.invoice(key, "c1", "book", False, "DKK", pending=True)
    with store.transaction("b") as tx:
        tx.update_invoice("inv:w1", booked=True, sent=True)
        tx.update_invoice("inv:w2", pending=False, remote_id="R2", booked=False, sent=False)
        tx.update_invoice("inv:w2", booked=True, sent=True)
    invoices = store.state("b").invoices
    assert invoices["inv:w2"].booked and invoices["inv:w2"].sent
    assert invoices["inv:w2"].remote_id == "R2" and invoices["inv:w1"].booked


def test_the_log_filters_by_run_outcome_and_limit(tmp_path: Path) -> None:
    """log() filters by run id and outcome and returns the newest entries oldest first."""
    store = Store(tmp_path / "j.db")
    with store.transaction("b") as tx:
        for i in range(5):
            tx.log("r1" if i < 3 else "r2", "c1", "book", f"inv:w{i}",
                   "failed" if i == 4 else "ok", message=f"m{i}")
    assert [e.subject for e in store.log(run_id="r1")] == ["inv:w0", "inv:w1", "inv:w2"]
    assert [e.message for e in store.log(outcome="failed")] == ["m4"]
    assert [e.subject for e in store.log(limit=2)] == ["inv:w3", "inv:w4"]


def test_full_durability_is_selectable(tmp_path: Path) -> None:
    """durable='full' sets SQLite's synchronous=FULL; the default is NORMAL in WAL mode."""
    for durable, expected in (("normal", 1), ("full", 2)):
        store = Store(tmp_path / f"{durable}.db", durable=durable)  # type: ignore[arg-type]
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == expected
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_forgetting_a_reinvoice_keeps_the_credited_revision(tmp_path: Path) -> None:
    """A failed revision-1 invoice is forgotten; revision 0 stays credited, so it is re-planned."""
    store = Store(tmp_path / "j.db")
    with store.transaction("b") as tx:
        tx.work("w1", "f1", "inv:w1", 0)
        tx.update_work("inv:w1", credited=True)
        tx.invoice("inv:w1:r1", "c1", "book", False, "DKK", pending=True)
        tx.work("w1", "f2", "inv:w1:r1", 1)
    assert store.state("b").work["w1"].revision == 1  # the newest revision wins
    with store.transaction("b") as tx:
        tx.forget_invoice("inv:w1:r1")
    assert store.state("b").work["w1"] == WorkRecord("w1", "f1", "inv:w1", 0, credited=True)


def _store_at(path: Path, revision: str) -> sa.Engine:
    """A journal file migrated only up to ``revision``, as an older ledgerlink left it."""
    from alembic import command

    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
    return engine


def test_upgrading_from_0002_keeps_invoices_and_adds_unknown_status_facts(
        tmp_path: Path) -> None:
    """A 0002 journal with invoices opens at the newest revision: rows kept, facts
    unknown, no watermark."""
    path = tmp_path / "j.db"
    engine = _store_at(path, "0002")
    with engine.begin() as conn:
        assert current_revision(conn) == "0002"
        conn.execute(sa.text(
            "INSERT INTO invoices (book, key, customer_id, target, send, pending, remote_id, "
            "number, booked, sent, closed, credited, currency, total, updated_at) VALUES "
            "('b', 'inv:w1', 'c1', 'book', 1, 0, 'INV-1', '7', 1, 1, 0, 0, 'DKK', '125.00', "
            "'2026-11-01T10:00:00.000000+00:00')"))
        conn.execute(sa.text("INSERT INTO tokens (key, token, updated_at) VALUES "
                             "('quickbooks:1', '{\"a\": 1}', '2026-11-01')"))
    engine.dispose()
    store = Store(path)
    with store.engine.connect() as conn:
        assert current_revision(conn) == t.SCHEMA_REVISION
    assert store.state("b").invoices["inv:w1"] == InvoiceRecord(
        "inv:w1", "c1", "book", True, "INV-1", booked=True, sent=True)
    assert store.load_token("quickbooks:1") == {"a": 1}
    (facts,) = store.invoice_facts("b")
    assert (facts.number, str(facts.total), facts.refreshed_at) == ("7", "125.00", None)
    assert facts.status(date(2026, 11, 2)) is None
    assert store.feed_watermark("b") is None


def test_the_0003_upgrade_can_be_undone(tmp_path: Path) -> None:
    """Downgrading to 0002 drops the facts columns and the watermark table, nothing else."""
    from alembic import command

    path = tmp_path / "j.db"
    Store(path).close()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0002")
        inspector = sa.inspect(conn)
        assert "change_feeds" not in inspector.get_table_names()
        columns = {c["name"] for c in inspector.get_columns("invoices")}
        assert "balance" not in columns and "total" in columns
    engine.dispose()
    assert Store(path).feed_watermark("b") is None  # upgraded again on open


def test_upgrading_from_0003_keeps_customers_with_unknown_details(tmp_path: Path) -> None:
    """A 0003 journal's linked customers stay linked; what was written of them is unknown,
    so a connector with CUSTOMER_UPDATES writes their details once."""
    path = tmp_path / "j.db"
    engine = _store_at(path, "0003")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO customers (book, customer_id, remote_id) "
                             "VALUES ('b', 'c1', '58')"))
    engine.dispose()
    store = Store(path)
    state = store.state("b")
    assert state.customers == frozenset({"c1"})
    assert state.customer_details == {"c1": None}
    with store.transaction("b") as tx:
        tx.ref("customers", "c1", "58", details="abc")
    assert store.state("b").customer_details == {"c1": "abc"}
    assert store.refs("b", "customers") == {"c1": "58"}
    store.close()
    from alembic import command

    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0003")
        assert "details" not in {c["name"] for c in sa.inspect(conn).get_columns("customers")}
    engine.dispose()


def test_sql_logs_never_show_statement_parameters(tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    """With SQLAlchemy's engine logger on, a saved OAuth token stays out of the log lines."""
    import logging

    secret = "at-0123456789-very-secret-access-token"
    store = Store(tmp_path / "journal.db")
    with caplog.at_level(logging.INFO, logger="sqlalchemy.engine"):
        store.engine.echo = True  # what a user switching SQL logging on does
        store.save_token("quickbooks:1", {"access_token": secret, "refresh_token": secret[::-1]})
        assert store.load_token("quickbooks:1") == {"access_token": secret,
                                                    "refresh_token": secret[::-1]}
    assert "tokens" in caplog.text, "the statements were logged"
    assert secret not in caplog.text and secret[::-1] not in caplog.text
