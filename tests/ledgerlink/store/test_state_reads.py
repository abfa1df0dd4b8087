"""The journal state read for the work at hand: what it reads; planning from it is unchanged."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ledgerlink as ll
from ledgerlink.planning import plan
from ledgerlink.plans import CREDIT_PREFIX, draft_key, invoice_key
from ledgerlink.sending import plan_deliveries
from ledgerlink.store import Store
from ledgerlink.store import schema as t
from tests.ledgerlink.store.support import (
    BOOK,
    NOW,
    journal,
    keep_one_connection,
    order,
    vm_steps,
)


def _state_cost(tmp_path: Path, history: int) -> tuple[int, int, Any]:
    """(VM steps of state_for, VM steps of the whole book's state, the state read) for 20
    work orders at hand against a journal with ``history`` more work orders, half of them
    for the same customers."""
    store = Store(tmp_path / f"j-{history}.db")
    at_hand = [order(f"w{i:03d}", f"c{i % 4}") for i in range(20)]
    others = [order(f"h{i:05d}", f"c{i % 4}" if i % 2 else f"x{i % 50}")
              for i in range(history)]
    journal(store, BOOK, at_hand + others)
    journal(store, BOOK, [order(f"d{i}", f"c{i % 4}") for i in range(4)], draft=True)
    ids, customers = {o.id for o in at_hand}, {o.customer_id for o in at_hand}
    with vm_steps(store) as narrowed:
        state = store.state_for(BOOK, ids, customers)
    with vm_steps(store) as whole:
        store.state(BOOK)
    store.close()
    return narrowed[0], whole[0], state


@pytest.fixture
def single_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stores made in the test keep one SQLite connection, so counting counts every statement."""
    keep_one_connection(monkeypatch)


@pytest.mark.usefixtures("single_connection")
def test_the_state_for_the_work_at_hand_reads_only_its_rows(tmp_path: Path) -> None:
    """Against a journal 20 times larger, reading the state for 20 work orders does the same
    database work and holds only their rows (their invoices, deliveries, customers and
    open drafts), while reading the whole book grows with it."""
    small_steps, small_whole, small = _state_cost(tmp_path, 100)
    large_steps, large_whole, large = _state_cost(tmp_path, 2_000)
    assert large_steps == small_steps
    assert large_whole > 10 * small_whole
    assert large == small
    # The work on the customers' open drafts comes with the drafts.
    assert set(large.work) == {f"w{i:03d}" for i in range(20)} | {f"d{i}" for i in range(4)}
    assert set(large.invoices) == ({invoice_key(f"w{i:03d}", 0) for i in range(20)}
                                   | {draft_key(f"c{i}", 1) for i in range(4)})
    assert set(large.deliveries) == {invoice_key(f"w{i:03d}", 0) for i in range(20)}
    assert large.customers == {"c0", "c1", "c2", "c3"}
    assert large.drafts_opened == {"c0": 1, "c1": 1, "c2": 1, "c3": 1}


def test_every_read_of_a_run_is_an_indexed_search_on_sqlite(tmp_path: Path) -> None:
    """The state for the work at hand, open drafts and unresolved intents are read by
    index searches (drafts, unfinished invoices and intents through their partial
    indexes), never by scanning the book's rows."""
    store = Store(tmp_path / "j.db")
    journal(store, BOOK, [order(f"w{i}", f"c{i % 2}") for i in range(10)])
    executed: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            executed.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", seen)
    store.state_for(BOOK, {"w1", "w2"}, {"c1"})
    store.open_drafts(BOOK)
    store.unresolved(BOOK)
    store.invoice_ids(BOOK, ["inv:w1"])
    store.refs(BOOK, "customers", ["c1"])
    sa.event.remove(store.engine, "before_cursor_execute", seen)
    steps = []
    with store.engine.connect() as conn:
        for statement, parameters in executed:
            steps += [str(r[-1]) for r in conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters)]
    assert steps and all(step.startswith(("SEARCH", "USE TEMP B-TREE")) for step in steps), steps
    used = " ".join(steps)
    for index in ("ix_invoices_unfinished", "ix_invoices_drafts", "ix_operations_intent"):
        assert f"USING INDEX {index}" in used


# --- planning from the narrowed state equals planning from the whole book ------------------

ORDER_IDS = ("w0", "w1", "w2", "w3", "w4")
OTHER_IDS = ("h0", "h1", "h2")
CUSTOMER_IDS = ("c0", "c1", "c2")
CHANNELS = ("provider_email", "email", "letter")


@st.composite
def journals(draw: st.DrawFn) -> tuple[list[ll.WorkOrder], list[ll.Customer], ll.Company,
                                      dict[sa.Table, list[dict[str, Any]]], list[str] | None]:
    """An input (work orders, customers, company, a selection) and a journal of that work
    and other work, in every state a run can leave it."""
    customers = [ll.Customer(
        id=cid, name=cid, email=draw(st.sampled_from([None, f"{cid}@example.dk"])),
        delivery=draw(st.sampled_from([None, *(ll.DeliveryChannel(c) for c in CHANNELS)])),
        policy=ll.PolicyOverride(posting=draw(st.sampled_from([None, ll.Posting.DRAFT])),
                                 send=draw(st.sampled_from([None, False]))))
        for cid in CUSTOMER_IDS if draw(st.booleans()) or cid == "c0"]
    every = {oid: order(oid, draw(st.sampled_from(CUSTOMER_IDS)), draw(st.integers(1, 2)))
             for oid in ORDER_IDS + OTHER_IDS}
    given_ids = draw(st.lists(st.sampled_from(ORDER_IDS), unique=True))
    cancelled = draw(st.sets(st.sampled_from(ORDER_IDS)))
    orders = [every[oid] if oid not in cancelled else ll.WorkOrder(
        id=oid, customer_id=every[oid].customer_id, status=ll.WorkStatus.CANCELLED,
        lines=every[oid].lines) for oid in given_ids]
    drafts = {cid: draw(st.integers(0, 2)) for cid in CUSTOMER_IDS}
    draft_keys = [draft_key(cid, n) for cid, count in drafts.items()
                  for n in range(1, count + 1)]
    rows: dict[sa.Table, list[dict[str, Any]]] = {t.invoiced_work: [], t.invoices: [],
                                                  t.deliveries: [], t.customers: []}
    invoice_keys: dict[str, str] = {}
    for oid in ORDER_IDS + OTHER_IDS:
        for revision in range(draw(st.integers(0, 2))):
            # Its own invoice, a draft, or another work order's invoice (billing both).
            shared = invoice_key(draw(st.sampled_from(ORDER_IDS + OTHER_IDS)), 0)
            key = draw(st.sampled_from([invoice_key(oid, revision), shared, *draft_keys]))
            invoice_keys.setdefault(key, every[oid].customer_id)
            fingerprint = draw(st.sampled_from([every[oid].fingerprint(), "stale"]))
            rows[t.invoiced_work].append({
                "book": BOOK, "work_order_id": oid, "revision": revision,
                "fingerprint": fingerprint, "invoice_key": key, "credited": draw(st.booleans())})
    for key in draft_keys:
        invoice_keys[key] = key.split(":")[1]  # a draft is its customer's, as its key says
    for key, owner in invoice_keys.items():
        rows[t.invoices].append({
            "book": BOOK, "key": key, "customer_id": owner, "pending": False,
            "currency": "DKK", "updated_at": "x",
            "target": "draft" if key.startswith("draft:") else "book",
            "send": draw(st.booleans()),
            "remote_id": draw(st.sampled_from([None, f"R-{key}"])),
            "booked": draw(st.booleans()), "sent": draw(st.sampled_from([None, True, False])),
            "closed": draw(st.booleans()), "credited": draw(st.booleans())})
        for delivered in (key, CREDIT_PREFIX + key):
            if draw(st.booleans()):
                rows[t.deliveries].append({
                    "book": BOOK, "invoice_key": delivered, "customer_id": owner,
                    "channel": draw(st.sampled_from(CHANNELS)),
                    "state": draw(st.sampled_from(["sent", "failed", "unknown"])),
                    "attempt": draw(st.integers(0, 1)), "message": "", "updated_at": "x"})
    for cid in CUSTOMER_IDS:
        if draw(st.booleans()):
            rows[t.customers].append({"book": BOOK, "customer_id": cid, "remote_id": f"C-{cid}",
                                      "details": draw(st.sampled_from([None, "old"]))})
    company = ll.Company("Co", allow_credits=draw(st.booleans()),
                         policy=ll.BillingPolicy(ll.Posting.BOOK, send=draw(st.booleans())),
                         delivery=ll.DeliveryChannel(draw(st.sampled_from(CHANNELS))))
    only = draw(st.sampled_from([None, list(given_ids[:2])]))
    return orders, customers, company, rows, only


_books = itertools.count()


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One store for every example; each example writes its journal to a book of its own."""
    store = Store(tmp_path_factory.mktemp("states") / "j.db")
    yield store
    store.close()


def _book_of(store: Store, rows: dict[sa.Table, list[dict[str, Any]]]) -> str:
    """A new book in ``store`` holding ``rows``; its name."""
    book = f"b{next(_books)}"
    with store.engine.begin() as conn:
        for table, batch in rows.items():
            if batch:
                conn.execute(table.insert(), [{**row, "book": book} for row in batch])
    return book


def plans_agree(store: Store, case: Any) -> None:
    """Journal ``case`` in a book of its own in ``store``; plans (and the uninvoiced lists)
    made from the whole book's state and from the work at hand's must be equal."""
    from ledgerlink.uninvoiced_work import list_uninvoiced

    orders, customers, company, rows, only = case
    book = _book_of(store, rows)
    whole = store.state(book)
    narrowed = store.state_for(book, {o.id for o in orders}, {o.customer_id for o in orders})
    assert set(narrowed.work) <= set(whole.work)
    made = [plan(orders, customers, company, now=NOW, state=state, only=only)
            for state in (whole, narrowed)]
    assert made[0] == made[1]
    listed = [list_uninvoiced(orders, customers, company, now=NOW, state=state)
              for state in (whole, narrowed)]
    assert listed[0] == listed[1]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=journals())
def test_planning_from_the_work_at_hands_state_equals_planning_from_the_whole_book(
        shared_store: Store, case: Any) -> None:
    """For random journals and inputs, the plan (and the uninvoiced list) made from the
    state read for the work at hand equals the one made from the whole book's state."""
    plans_agree(shared_store, case)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=journals(), retry_failed=st.booleans(), data=st.data())
def test_planning_deliveries_from_the_state_to_deliver_equals_the_whole_books(
        shared_store: Store, case: Any, retry_failed: bool, data: st.DataObject) -> None:
    """For random journals, what ``ledgerlink deliver`` plans (or refuses) from the state
    read for it equals what it plans from the whole book's state."""
    orders, customers, company, rows, _ = case
    book = _book_of(shared_store, rows)
    delivered = sorted(r["invoice_key"] for r in rows[t.deliveries])
    resend = data.draw(st.lists(st.sampled_from([*delivered, "inv:nowhere"]), unique=True,
                                max_size=3))
    made: list[Any] = []
    for state in (shared_store.state(book), shared_store.state_to_deliver(book, resend)):
        try:
            made.append(plan_deliveries(customers, company, now=NOW, state=state,
                                        work_orders=orders, retry_failed=retry_failed,
                                        resend=resend))
        except ll.ValidationError as refused:
            made.append(str(refused))
    assert made[0] == made[1]


@pytest.mark.usefixtures("single_connection")
def test_the_state_to_deliver_reads_only_what_is_left_to_send(tmp_path: Path) -> None:
    """Against a journal 20 times larger of invoices already sent, the state read for
    ``ledgerlink deliver`` costs the same and holds only the invoices left to send and
    those to send again."""
    def cost(history: int) -> tuple[int, Any]:
        store = Store(tmp_path / f"d-{history}.db")
        journal(store, BOOK, [order(f"h{i:05d}", f"c{i % 4}") for i in range(history)])
        journal(store, BOOK, [order(f"d{i}", f"c{i}") for i in range(3)], draft=True)
        with store.engine.begin() as conn:
            conn.execute(t.invoices.update().where(t.invoices.c.key == invoice_key("h00001", 0))
                         .values(sent=False))
        with vm_steps(store) as steps:
            state = store.state_to_deliver(BOOK, [invoice_key("h00002", 0)])
        store.close()
        return steps[0], state

    (small_steps, small), (large_steps, large) = cost(100), cost(2_000)
    assert large_steps == small_steps
    assert large == small
    assert set(large.invoices) == {invoice_key("h00001", 0), invoice_key("h00002", 0)}
    assert set(large.deliveries) == set(large.invoices)
