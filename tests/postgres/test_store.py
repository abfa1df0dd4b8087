"""The journal store on a real PostgreSQL server: migrations, schema, round trips, a whole run."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledgerlink import BillingPolicy, Company, Customer, Posting, WorkLine, WorkOrder, WorkStatus
from ledgerlink.api import invoice
from ledgerlink.domain import RemoteInvoice
from ledgerlink.plans import InvoiceRecord, WorkRecord
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.status import InvoiceStatus
from ledgerlink.store import Store, Transaction
from ledgerlink.store import schema as t
from ledgerlink.store.facts import WatermarkMovedError
from ledgerlink.store.migrate import alembic_config, current_revision

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(pg_url: str) -> Store:
    return Store(pg_url)


def test_an_empty_database_is_migrated_to_head_with_exactly_the_declared_schema(
        pg_empty_url: str) -> None:
    """Alembic's autogenerate finds no difference between PostgreSQL's schema and schema.py."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    store = Store(pg_empty_url)
    assert store.engine.dialect.name == "postgresql"
    with store.engine.connect() as conn:
        assert current_revision(conn) == t.SCHEMA_REVISION
        assert set(sa.inspect(conn).get_table_names()) >= set(t.metadata.tables)
        diff = compare_metadata(MigrationContext.configure(conn), t.metadata)
    assert diff == []
    Store(store.url).close()  # reopening an up-to-date database does not migrate again


@pytest.mark.slow
def test_workers_opening_an_empty_database_at_once_migrate_it_once(
        pg_empty_url: str, tmp_path: Path) -> None:
    """Processes starting on a new database: one migrates, the others wait, none fails.

    Processes, not threads: Alembic keeps its migration context in a module global.
    """
    go = tmp_path / "go"
    opener = ("import sys, time, pathlib\n"
              "from ledgerlink.store import Store\n"
              "while not pathlib.Path(sys.argv[2]).exists(): time.sleep(0.005)\n"
              "Store(sys.argv[1]).close()\n")
    workers = [subprocess.Popen([sys.executable, "-c", opener, pg_empty_url, str(go)],
                                stderr=subprocess.PIPE, text=True) for _ in range(3)]
    go.touch()
    for worker in workers:
        _, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
    with Store(pg_empty_url) as store, store.engine.connect() as conn:
        assert current_revision(conn) == t.SCHEMA_REVISION


def test_every_migration_can_be_undone_and_redone(pg_empty_url: str) -> None:
    """Downgrading to an empty database and upgrading again works on PostgreSQL too."""
    from alembic import command

    Store(pg_empty_url).close()
    engine = sa.create_engine(pg_empty_url)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
        with engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
            assert current_revision(conn) == t.SCHEMA_REVISION
    finally:
        engine.dispose()


def test_state_round_trips_invoices_work_drafts_and_customers(store: Store) -> None:
    """Invoices, work, drafts, customer and product refs read back from PostgreSQL per book."""
    with store.transaction("b") as tx:
        tx.invoice("draft:c1:2", "c1", "draft", False, "DKK", pending=False, remote_id="D2")
        tx.invoice("draft:c1:10", "c1", "draft", True, "DKK", pending=False, remote_id="D10")
        tx.work("w1", "f1", "draft:c1:2", 0)
        tx.ref("customers", "c1", "C-1", details="fp1")
        tx.ref("products", "p1", "P-1")
    state = store.state("b")
    assert state.invoices["draft:c1:2"] == InvoiceRecord("draft:c1:2", "c1", "draft",
                                                         remote_id="D2")
    assert state.work["w1"] == WorkRecord("w1", "f1", "draft:c1:2")
    assert state.drafts_opened == {"c1": 10}
    assert state.customers == frozenset({"c1"})
    assert store.refs("b", "customers") == {"c1": "C-1"}
    assert store.refs("b", "products") == {"p1": "P-1"}
    assert store.open_drafts("b") == {"draft:c1:2": "D2", "draft:c1:10": "D10"}
    assert store.books() == ["b"]
    assert store.state("other book").invoices == {}


def test_upserts_replace_rows_and_updates_touch_only_their_book(store: Store) -> None:
    """ON CONFLICT upserts replace non-key columns; a batch of updates is one executemany."""
    for book in ("a", "b"):
        with store.transaction(book) as tx:
            tx.invoice("inv:w1", "c1", "book", False, "DKK", pending=True)
            tx.work("w1", "f1", "inv:w1", 0)
            tx.ref("customers", "c1", "C-old")
    with store.transaction("a") as tx:
        tx.invoice("inv:w1", "c1", "book", True, "DKK", pending=True)  # replaced
        tx.update_invoice("inv:w1", pending=False, remote_id="R", booked=True)
        tx.update_work("inv:w1", credited=True)
        tx.ref("customers", "c1", "C-new")
    assert store.state("a").invoices["inv:w1"] == InvoiceRecord(
        "inv:w1", "c1", "book", True, "R", booked=True)
    assert store.state("a").work["w1"].credited
    assert store.refs("a", "customers") == {"c1": "C-new"}
    assert not store.state("b").invoices["inv:w1"].booked
    assert not store.state("b").work["w1"].credited
    assert store.invoice_ids("a") == {"inv:w1": "R"}
    assert store.invoice_ids("b") == {}


def test_forgetting_and_releasing_remove_only_their_own_work(store: Store) -> None:
    """Forgetting an invoice or work and releasing a draft remove only their own work rows."""
    with store.transaction("b") as tx:
        tx.invoice("inv:w1", "c1", "book", True, "DKK", pending=True)
        tx.work("w1", "f1", "inv:w1", 0)
        tx.work("w2", "f2", "inv:w2", 0)
        tx.work("w3", "f3", "draft:c1:1", 0)
        tx.work("w4", "f4", "draft:c1:1", 0)
    with store.transaction("b") as tx:
        tx.forget_invoice("inv:w1")
        tx.forget_work("w3", "draft:c1:1")
    assert set(store.state("b").work) == {"w2", "w4"}
    with store.transaction("b") as tx:
        tx.release_work("draft:c1:1")
    assert set(store.state("b").work) == {"w2"}


def test_ops_resolve_and_unresolved_intents(store: Store) -> None:
    """Operations resolve, a retry replaces its intent, and unresolved intents are listed."""
    with store.transaction("b") as tx:
        for n in range(3):
            tx.op(f"create:inv:w{n}", "create", "intent", "c1", f"inv:w{n}", "r1")
    with store.transaction("b") as tx:
        tx.resolve("create:inv:w0", "done", "r1")
        tx.resolve("create:inv:w1", "failed", "r1", "provider said no")
        tx.op("create:inv:w1", "create", "intent", "c1", "inv:w1", "r2")  # a retry replaces it
    ops = store.ops("b", [f"create:inv:w{n}" for n in range(600)])  # chunked IN lists
    assert {k: (o.state, o.run_id) for k, o in ops.items()} == {
        "create:inv:w0": ("done", "r1"), "create:inv:w1": ("failed", "r1"),
        "create:inv:w2": ("intent", "r1")}
    assert ops["create:inv:w1"].message == "provider said no"
    assert [o.op_key for o in store.unresolved("b")] == ["create:inv:w2"]


def test_the_log_runs_and_tokens_round_trip(store: Store) -> None:
    """Log lines, runs and tokens read back from PostgreSQL, filtered and in order."""
    store.start_run("r1", "b", "sandbox")
    with store.transaction("b") as tx:
        for i in range(5):
            tx.log("r1" if i < 3 else "r2", "c1", "book", f"inv:w{i}",
                   "failed" if i == 4 else "ok", remote_id=f"R{i}", amount="12.50",
                   currency="DKK", message=f"m{i}")
    store.finish_run("r1", {"invoices_created": 3})
    assert [e.subject for e in store.log(run_id="r1")] == ["inv:w0", "inv:w1", "inv:w2"]
    assert [e.message for e in store.log(outcome="failed")] == ["m4"]
    assert [e.subject for e in store.log(book="b", limit=2)] == ["inv:w3", "inv:w4"]
    ids = [e.id for e in store.log()]
    assert ids == sorted(ids) and len(set(ids)) == 5  # the identity column numbers them
    [run] = store.runs(book="b")
    assert (run.run_id, run.summary) == ("r1", {"invoices_created": 3})
    assert run.finished_at is not None
    assert store.load_token("qb:1") is None
    store.save_token("qb:1", {"access_token": "a", "expires_at": 1})
    store.save_token("qb:1", {"access_token": "b", "expires_at": 2})
    assert store.load_token("qb:1") == {"access_token": "b", "expires_at": 2}


def test_workers_saving_the_same_token_at_once_all_succeed(pg_url: str) -> None:
    """Workers refreshing one OAuth2 token together: every save commits, one document stays."""
    stores = [Store(pg_url) for _ in range(6)]
    stores[0].save_token("qb:1", {"access_token": "old"})
    barrier = threading.Barrier(len(stores))
    errors: list[BaseException] = []

    def save(racer: Store, n: int) -> None:
        barrier.wait()
        try:
            racer.save_token("qb:1", {"access_token": f"t{n}"})
        except Exception as error:  # the assertion below shows which
            errors.append(error)

    threads = [threading.Thread(target=save, args=(s, n), daemon=True)
               for n, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    saved = stores[0].load_token("qb:1")
    assert saved in [{"access_token": f"t{n}"} for n in range(len(stores))]
    for racer in stores:
        racer.close()


def test_status_facts_and_the_feed_watermark_round_trip(store: Store) -> None:
    """Invoice facts and the feed watermark round-trip, and a stale watermark move is refused."""
    due = date(2026, 1, 9)
    with store.transaction("b") as tx:
        tx.invoice("inv:w1", "c1", "book", False, "DKK", pending=False, remote_id="R1")
        tx.invoice("inv:w2", "c1", "book", False, "DKK", pending=False, remote_id="R2")
    remote = RemoteInvoice("R1", "inv:w1", "C1", "DKK", Decimal("125.00"), Decimal("25.50"),
                           date(2026, 1, 1), due, number="7", booked=True)
    until = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    with store.transaction("b") as tx:
        tx.record_facts("inv:w1", remote)
        tx.record_deleted("inv:w2")
        tx.advance_feed(until, None)
    one, two = store.invoice_facts("b")
    assert (one.number, one.total, one.balance, one.due_date) == (
        "7", Decimal("125.00"), Decimal("25.50"), due)
    assert InvoiceStatus.OVERDUE in one.status(date(2026, 1, 10))
    assert two.deleted is True
    assert [f.key for f in store.invoice_facts("b", ["R2"])] == ["inv:w2"]
    assert store.feed_watermark("b") == until
    stale = Transaction("b")
    stale.advance_feed(until + timedelta(hours=1), None)  # read before the first moved it
    with pytest.raises(WatermarkMovedError):
        store.write(stale)
    assert store.feed_watermark("b") == until


def _race_refreshes(stores: list[Store], book: str, read_from: datetime | None,
                    first_until: datetime) -> Counter[str]:
    """Every store commits a refresh read from ``read_from`` at once; how many won or lost."""
    barrier = threading.Barrier(len(stores))
    outcomes: list[str] = []  # list.append is atomic across threads; += on a Counter is not

    def refresh(racer: Store, n: int) -> None:
        tx = Transaction(book)
        tx.advance_feed(first_until + timedelta(hours=n), read_from)
        barrier.wait()
        try:
            racer.write(tx)
            outcomes.append("won")
        except WatermarkMovedError:
            outcomes.append("told")

    threads = [threading.Thread(target=refresh, args=(s, n), daemon=True)
               for n, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return Counter(outcomes)


def test_refreshes_committing_at_once_move_the_watermark_once(pg_url: str) -> None:
    """The compare-and-set holds under READ COMMITTED: one refresh wins, the others are told."""
    stores = [Store(pg_url) for _ in range(6)]
    start = datetime(2026, 1, 5, tzinfo=UTC)
    with stores[0].transaction("b") as tx:
        tx.advance_feed(start, None)
    everyone_else = len(stores) - 1
    moved = _race_refreshes(stores, "b", start, start + timedelta(hours=1))
    assert moved == Counter({"won": 1, "told": everyone_else})
    first = _race_refreshes(stores, "new", None, start)  # a book's first watermark
    assert first == Counter({"won": 1, "told": everyone_else})
    for racer in stores:
        racer.close()


def test_the_drafts_watermark_is_kept_apart_and_the_refresh_watermark_held(
        store: Store) -> None:
    """The drafts' watermark round-trips apart from the refresh's and is dropped; a commit
    holding the refresh watermark is refused, recording nothing, once a refresh moved it."""
    until = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    with store.transaction("b") as tx:
        tx.advance_drafts_feed(until, None)
    assert (store.drafts_watermark("b"), store.feed_watermark("b")) == (until, None)
    held = Transaction("b")
    held.hold_feed(None)
    held.advance_drafts_feed(until + timedelta(hours=1), until)
    with store.transaction("b") as tx:
        tx.advance_feed(until, None)  # a status refresh commits first
    with pytest.raises(WatermarkMovedError):
        store.write(held)
    assert store.drafts_watermark("b") == until
    again = Transaction("b")
    again.hold_feed(until)
    again.advance_drafts_feed(until + timedelta(hours=1), until)
    store.write(again)
    assert (store.drafts_watermark("b"), store.feed_watermark("b")) == (
        until + timedelta(hours=1), until)
    with store.transaction("b") as tx:
        tx.forget_drafts_feed()
    assert store.drafts_watermark("b") is None


def test_a_draft_booked_by_hand_is_closed_with_the_journal_on_postgres(
        pg_url: str, tmp_path: Path) -> None:
    """A sandbox draft a person booked is closed by the next run, read from the drafts'
    watermark of the run before; the open one stays open."""
    company = Company("P", policy=BillingPolicy(Posting.DRAFT, send=False))
    people = [Customer(id=f"c{i}", name=f"C{i}", email=f"c{i}@example.dk") for i in range(2)]
    book = SandboxConnector(tmp_path / "book.db")
    try:
        assert invoice(_orders([1, 2]), people, company, book, now=NOW, store=pg_url).ok
        assert invoice([], people, company, book, now=NOW, store=pg_url).ok
        journal = Store(pg_url)
        mark = journal.drafts_watermark(book.account)
        assert mark is not None and len(journal.open_drafts(book.account)) == 2
        book.book(journal.open_drafts(book.account)["draft:c0:1"])
        assert invoice([], people, company, book, now=NOW, store=pg_url).ok
        assert set(journal.open_drafts(book.account)) == {"draft:c1:1"}
        assert journal.state(book.account).invoices["draft:c0:1"].booked
        assert journal.drafts_watermark(book.account) > mark  # type: ignore[operator]
        assert journal.feed_watermark(book.account) is None
    finally:
        book.close()


def _orders(quantities: list[int]) -> list[WorkOrder]:
    return [WorkOrder(id=f"w{i}", customer_id=f"c{i % 2}", status=WorkStatus.COMPLETED,
                      completed_at=NOW - timedelta(hours=1),
                      lines=[WorkLine("Hours", Decimal(q), Decimal("100"))])
            for i, q in enumerate(quantities)]


def test_a_whole_run_with_the_journal_on_postgres_invoices_once(
        pg_url: str, tmp_path: Path) -> None:
    """ledgerlink.invoice against the sandbox book; a second run finds nothing to do."""
    company = Company("P", policy=BillingPolicy(Posting.BOOK, send=True))
    people = [Customer(id=f"c{i}", name=f"C{i}", email=f"c{i}@example.dk") for i in range(2)]
    work = _orders([1, 2, 3])
    book = SandboxConnector(tmp_path / "book.db")
    try:
        first = invoice(work, people, company, book, now=NOW, store=pg_url, workers=2,
                        batch_size=2)
        assert first.summary["invoices_created"] == 3
        assert first.summary["customers_linked"] == 2
        second = invoice(work, people, company, book, now=NOW, store=pg_url)
        assert second.summary["invoices_created"] == 0
        assert second.plan.actions == ()
        assert second.plan.already_invoiced == 3
        invoices = book.invoices()
        assert sorted(i.total for i in invoices) == [Decimal("125.00"), Decimal("250.00"),
                                                     Decimal("375.00")]
        journal = Store(pg_url)
        assert {e.outcome for e in journal.log(run_id=first.run_id)} == {"ok"}
        assert set(journal.invoice_ids(book.account).values()) == {
            i.provider_id for i in invoices}
    finally:
        book.close()


def test_the_longest_ids_the_domain_accepts_fit_the_journal_on_postgres(
        pg_url: str, tmp_path: Path) -> None:
    """PostgreSQL holds columns to their length: ids at MAX_ID_LENGTH still journal whole."""
    from ledgerlink.domain import MAX_ID_LENGTH

    customer = Customer(id="c" * MAX_ID_LENGTH, name="Long", email="long@example.dk")
    order = WorkOrder(id="w" * MAX_ID_LENGTH, customer_id=customer.id,
                      completed_at=NOW - timedelta(hours=1),
                      lines=[WorkLine("Hours", Decimal(1), Decimal("100"))])
    book = SandboxConnector(tmp_path / "book.db")
    try:
        result = invoice([order], [customer], Company("P"), book, now=NOW, store=pg_url)
        assert result.summary["invoices_created"] == 1 and result.summary["failed"] == 0
    finally:
        book.close()
