"""Lanes advanced each on its own: a lane's next action is ready the moment its action
finishes, at most ``size`` lanes are under way, and a failure stops only its lane."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledgerlink import BillingPolicy, Company, Customer, Posting, WorkLine, WorkOrder
from ledgerlink.api import invoice
from ledgerlink.domain import RemoteInvoice
from ledgerlink.lanes import LaneStream
from ledgerlink.plans import Action, Deliver, Plan
from ledgerlink.results import Outcome
from ledgerlink.sandbox.connector import SandboxConnector
from tests.ledgerlink.test_runner_batch import _STEP, _lane

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@given(lanes=st.lists(st.lists(_STEP, max_size=8), min_size=1, max_size=6),
       size=st.integers(1, 4), data=st.data())
def test_every_action_runs_or_is_skipped_once_in_lane_order(
    lanes: list[list[str]], size: int, data: st.DataObject
) -> None:
    """Finishing ready actions in any order, some failing: each action runs or is skipped
    exactly once, a lane's actions run in its order, at most ``size`` lanes are under way,
    and only a lane with a failed (non-delivery) action has skipped actions."""
    plan = Plan(tuple(a for i, s in enumerate(lanes) for a in _lane(f"c{i}", s)), (), NOW)
    stream = LaneStream(plan, size)
    ready = stream.start()
    ran: list[Action] = []
    skipped: list[Action] = []
    failed_customers: set[str] = set()
    while ready:
        under_way = {stream.actions[i].customer_id for i in ready}
        assert len(under_way) == len(ready) <= size
        index = ready.pop(data.draw(st.integers(0, len(ready) - 1)))
        action = stream.actions[index]
        ran.append(action)
        fails = data.draw(st.booleans())
        if fails and not isinstance(action, Deliver):
            failed_customers.add(action.customer_id)
        nexts, lost = stream.after(index, Outcome(action, "failed" if fails else "ok"))
        ready += nexts
        skipped += [o.action for o in lost]
        assert all(o.status == "skipped" for o in lost)
    assert sorted(map(id, ran + skipped)) == sorted(map(id, plan.actions))
    for customer, actions in plan.lanes().items():
        mine = [a for a in ran if a.customer_id == customer]
        assert mine == actions[:len(mine)]
        if customer not in failed_customers:
            assert len(mine) == len(actions)


class Waiting(SandboxConnector):
    """A book whose first customer's invoice is created only after the second customer's
    invoice was booked: lanes that wait for each other never get there."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.max_in_flight = 4  # calls in threads, as a remote provider's
        self.other_booked = threading.Event()
        self.waited: bool | None = None

    def create_invoice(self, draft: Any, customer_ref: str, products: Any) -> RemoteInvoice:
        if draft.customer_id == "slow":
            self.waited = self.other_booked.wait(timeout=10)
        return super().create_invoice(draft, customer_ref, products)

    def book(self, provider_id: str) -> RemoteInvoice:
        booked = super().book(provider_id)
        if booked.key == "inv:fast-1":
            self.other_booked.set()
        return booked


def test_a_lane_does_not_wait_for_another_lanes_slow_call(tmp_path: Path) -> None:
    """On a connector that takes calls in threads, a customer's create, book and the next
    invoice go on while another customer's create is still waiting."""
    book = Waiting(tmp_path / "book.db")
    customers = [Customer(id="slow", name="Slow ApS"), Customer(id="fast", name="Fast ApS")]
    orders = [WorkOrder(id=f"{c}-{n}", customer_id=c, completed_at=NOW - timedelta(hours=1),
                        lines=[WorkLine("Hours", Decimal(1), Decimal("450"))])
              for c, n in (("slow", 1), ("fast", 1))]
    company = Company("Lanes ApS", policy=BillingPolicy(Posting.BOOK, send=False))
    result = invoice(orders, customers, company, book, now=NOW, store=tmp_path / "j.db",
                     workers=4)
    assert result.ok, result.summary
    assert book.waited is True
    assert result.summary["invoices_created"] == 2
