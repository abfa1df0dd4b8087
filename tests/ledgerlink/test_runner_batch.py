"""Batch creates in the runner: lanes give several independent steps to a wave, creates go
out ``max_batch`` to a request, and each item keeps its own outcome."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink import BillingPolicy, Company, Customer, Posting, Timing, WorkLine, WorkOrder
from ledgerlink.api import invoice
from ledgerlink.connector import BatchItem, BatchResult, Capability, ProductRefs
from ledgerlink.errors import LedgerlinkError, TransientProviderError, ValidationError
from ledgerlink.lanes import Lanes
from ledgerlink.plans import Action, Book, CreateInvoice, Credit, EnsureCustomer, Plan, Send
from ledgerlink.runner import Outcome
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.store import Store

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
COMPANY = Company("Batch ApS", policy=BillingPolicy(Posting.BOOK, Timing.ON_COMPLETION, True, 8))


class BatchingBook(SandboxConnector):
    """The sandbox book with batch creates: records each batch, can refuse chosen drafts."""

    capabilities = SandboxConnector.capabilities | {Capability.BATCH}
    max_batch = 4

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batches: list[list[str]] = []
        self.refuse: set[str] = set()
        self.fail_requests = 0

    def create_invoices(self, items: Sequence[BatchItem], products: ProductRefs) -> BatchResult:
        assert len(items) <= self.max_batch
        if self.fail_requests:
            self.fail_requests -= 1
            raise TransientProviderError("connection reset during the batch", provider=self.name)
        self.batches.append([item.draft.key for item in items])
        results: list[Any] = []
        for item in items:
            if item.draft.key in self.refuse:
                results.append(ValidationError(f"refused {item.draft.key}", field="lines"))
            else:
                results.append(self.create_invoice(item.draft, item.customer_ref, products))
        return results


def _customers(n: int) -> list[Customer]:
    return [Customer(id=f"c{i}", name=f"Customer {i}", email=f"c{i}@example.dk")
            for i in range(n)]


def _orders(n: int, n_customers: int) -> list[WorkOrder]:
    return [WorkOrder(id=f"w{i:03d}", customer_id=f"c{i % n_customers}",
                      completed_at=NOW - timedelta(hours=1),
                      lines=[WorkLine("Hours", Decimal(2), Decimal("450"))])
            for i in range(n)]


@pytest.fixture
def book(tmp_path: Path) -> BatchingBook:
    return BatchingBook(tmp_path / "book.db")


def test_creates_go_out_in_batches_of_max_batch(book: BatchingBook, tmp_path: Path) -> None:
    """Ten invoices for two customers: batches of at most four, every invoice booked and sent."""
    result = invoice(_orders(10, 2), _customers(2), COMPANY, book, now=NOW,
                     store=tmp_path / "j.db")
    assert result.ok
    assert result.summary["invoices_created"] == 10
    assert result.summary["booked"] == result.summary["emailed"] == 10
    assert sorted(len(b) for b in book.batches) == [2, 4, 4]
    assert sorted(key for b in book.batches for key in b) == [f"inv:w{i:03d}" for i in range(10)]


def test_one_refused_item_fails_alone_and_stops_only_its_customer(
    book: BatchingBook, tmp_path: Path
) -> None:
    """A refused item is that work order's failure; the batch's other invoices are created."""
    book.refuse = {"inv:w002"}
    result = invoice(_orders(8, 2), _customers(2), COMPANY, book, now=NOW,
                     store=tmp_path / "j.db")
    failed = [(o.action.subject, o.message) for o in result.outcomes if o.status == "failed"]
    assert failed == [("inv:w002", "field 'lines': refused inv:w002")]
    created = {o.action.subject for o in result.outcomes
               if o.kind == "create_invoice" and o.status == "ok"}
    # Customer c0's other creates ran in the same wave; c1 is untouched by the failure.
    assert created == {f"inv:w{i:03d}" for i in range(8)} - {"inv:w002"}
    skipped = {o.action.customer_id for o in result.outcomes if o.status == "skipped"}
    assert skipped == {"c0"}
    # The next run picks the failed work order and the skipped steps up again.
    book.refuse = set()
    again = invoice(_orders(8, 2), _customers(2), COMPANY, book, now=NOW, store=tmp_path / "j.db")
    assert again.ok
    assert again.summary["invoices_created"] == 1
    assert all(book.find_invoice(f"inv:w{i:03d}") is not None for i in range(8))


def test_a_batch_lost_in_transit_is_reconciled_by_key(book: BatchingBook, tmp_path: Path) -> None:
    """A transient failure of the whole request leaves intents; the next run finds nothing
    created and creates each invoice once."""
    book.fail_requests = 1
    store = Store(tmp_path / "j.db")
    first = invoice(_orders(3, 1), _customers(1), COMPANY, book, now=NOW, store=store)
    assert [o.retry_later for o in first.outcomes if o.kind == "create_invoice"] == [True] * 3
    assert {op.kind for op in store.unresolved(book.account)} == {"create_invoice"}
    second = invoice(_orders(3, 1), _customers(1), COMPANY, book, now=NOW, store=store)
    assert second.ok
    assert second.summary["invoices_created"] == 3
    keys = [inv.key for inv in book.list_invoices(
        store.refs(book.account, "customers")["c0"], date(2026, 1, 1), date(2027, 1, 1))]
    assert sorted(k or "" for k in keys) == ["inv:w000", "inv:w001", "inv:w002"]
    assert not store.unresolved(book.account)


# --- the lanes themselves -----------------------------------------------------------------

def _create(key: str, customer: str, target: str = "book") -> CreateInvoice:
    return CreateInvoice(key, customer, "DKK", date(2026, 11, 22), date(2026, 11, 30), (),
                         target, False)


_STEP = st.sampled_from(["create", "book", "send", "draft", "credit"])


def _lane(customer: str, steps: list[str]) -> list[Action]:
    """A lane like the planner makes: a customer first, then steps on numbered invoices."""
    actions: list[Action] = [EnsureCustomer(Customer(id=customer, name=customer))]
    for n, step in enumerate(steps):
        key = f"inv:{customer}-{n // 3}"
        if step == "create":
            actions.append(_create(key, customer))
        elif step == "draft":
            actions.append(_create(f"draft:{customer}:{n}", customer, target="draft"))
        elif step == "book":
            actions.append(Book(key, customer))
        elif step == "send":
            actions.append(Send(key, customer, "x@example.dk"))
        else:
            actions.append(Credit(key, customer, "changed"))
    return actions


@given(lanes=st.lists(st.lists(_STEP, max_size=12), min_size=1, max_size=5),
       per_lane=st.integers(1, 6), size=st.integers(1, 4))
def test_waves_run_every_action_once_and_keep_dependencies(
    lanes: list[list[str]], per_lane: int, size: int
) -> None:
    """Every action runs once; within a lane, a step never runs before an earlier step of
    the same invoice, and nothing passes a customer, draft or credit step."""
    actions = [a for i, steps in enumerate(lanes) for a in _lane(f"c{i}", steps)]
    plan = Plan(tuple(actions), (), NOW)
    waves = Lanes(plan, size, per_lane)
    ran: dict[int, int] = {}  # id(action) → wave number
    number = 0
    while wave := waves.next_wave():
        for action in wave:
            assert id(action) not in ran
            ran[id(action)] = number
        per_customer: dict[str, int] = {}
        for action in wave:
            per_customer[action.customer_id] = per_customer.get(action.customer_id, 0) + 1
        assert max(per_customer.values()) <= per_lane
        waves.advance(wave, [Outcome(a, "ok") for a in wave])
        number += 1
    assert len(ran) == len(actions)
    for steps_lane in plan.lanes().values():
        for later_index, later in enumerate(steps_lane):
            for earlier in steps_lane[:later_index]:
                barrier = not (isinstance(earlier, (Book, Send)) or (
                    isinstance(earlier, CreateInvoice) and earlier.target != "draft"))
                barrier = barrier or not (isinstance(later, (Book, Send)) or (
                    isinstance(later, CreateInvoice) and later.target != "draft"))
                if barrier or earlier.subject == later.subject:
                    assert ran[id(earlier)] < ran[id(later)], (earlier, later)


def test_without_batches_a_lane_gives_one_action_per_wave() -> None:
    """With a batch size of 1, a customer's lane yields one action per wave."""
    actions = _lane("c0", ["create", "create", "create"])
    waves = Lanes(Plan(tuple(actions), (), NOW), 8, 1)
    sizes = []
    while wave := waves.next_wave():
        sizes.append(len(wave))
        waves.advance(wave, [Outcome(a, "ok") for a in wave])
    assert sizes == [1, 1, 1, 1]


def test_a_failure_skips_the_rest_of_its_lane_only() -> None:
    """A failed create skips the rest of its customer's lane; other lanes go on."""
    lane0: list[Action] = [EnsureCustomer(Customer(id="c0", name="c0"))]
    for key in ("inv:a", "inv:b"):
        lane0 += [_create(key, "c0"), Send(key, "c0", "x@example.dk")]
    lane1 = _lane("c1", ["create"])
    waves = Lanes(Plan(tuple(lane0 + lane1), (), NOW), 8, 30)
    first = waves.next_wave()
    assert waves.advance(first, [Outcome(a, "ok") for a in first]) == []
    second = waves.next_wave()
    assert [a.kind for a in second] == ["create_invoice", "create_invoice", "create_invoice"]
    outcomes = [Outcome(a, "failed" if a is lane0[1] else "ok") for a in second]
    skipped = waves.advance(second, outcomes)
    # c0's two sends wait for their creates, so they are skipped; c1 is done.
    assert [(o.action.kind, o.action.customer_id) for o in skipped] == [
        ("send", "c0"), ("send", "c0")]
    assert waves.next_wave() == []


def test_a_batch_error_keeps_the_provider_message(book: BatchingBook, tmp_path: Path) -> None:
    """A batch call that raises fails each of its invoices with the provider's message."""
    class Broken(BatchingBook):
        def create_invoices(self, items: Sequence[BatchItem],
                            products: ProductRefs) -> BatchResult:
            raise LedgerlinkError("batch envelope refused: too large")

    broken = Broken(tmp_path / "b.db")
    result = invoice(_orders(2, 1), _customers(1), COMPANY, broken, now=NOW,
                     store=tmp_path / "j.db")
    messages = {o.message for o in result.outcomes if o.kind == "create_invoice"}
    assert messages == {"batch envelope refused: too large"}
