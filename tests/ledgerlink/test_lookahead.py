"""Grouped commits for one customer's lane: intents committed ahead of the lane's turn, each
before its write, withdrawn when the lane stops, and sends kept back where recovery could not
tell they never went out."""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

import ledgerlink as ll
from ledgerlink.api import invoice
from ledgerlink.connector import ProductRefs
from ledgerlink.errors import ProviderError
from ledgerlink.lookahead import Lookahead
from ledgerlink.plans import Send
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.store import Store, Transaction
from ledgerlink.store.leases import Fence

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
COMPANY = ll.Company("Ahead ApS", policy=ll.BillingPolicy(ll.Posting.BOOK, send=True))


def people(n: int) -> list[ll.Customer]:
    return [ll.Customer(id=f"c{i}", name=f"ll.Customer {i}", email=f"c{i}@example.dk")
            for i in range(n)]


def work(n: int, customers: int = 1) -> list[ll.WorkOrder]:
    return [ll.WorkOrder(id=f"w{i}", customer_id=f"c{i % customers}",
                      completed_at=NOW - timedelta(minutes=i), status=ll.WorkStatus.COMPLETED,
                      lines=[ll.WorkLine("Hours", Decimal(i % 3 + 1), Decimal("450"))])
            for i in range(n)]


class CountingStore(Store):
    """The journal store, counting its commits."""

    commits = 0

    def write(self, tx: Transaction, fence: Fence | None = None) -> None:
        self.commits += 1
        super().write(tx, fence)


class Watching(SandboxConnector):
    """A book that reads the committed journal at every write: the write's own intent, and
    whether the send of the invoice being booked is already an intent."""

    def __init__(self, path: Path, journal: Path, *, tells_sent: bool = True,
                 refuse: str | None = None) -> None:
        super().__init__(path)
        self.journal = Store(journal)
        self.tells_sent = tells_sent
        self.refuse = refuse
        self.own_intents: list[str | None] = []
        self.send_ahead_at_book: list[bool] = []

    def _state(self, op_key: str) -> str | None:
        record = self.journal.ops(self.account, [op_key]).get(op_key)
        return None if record is None else record.state

    def create_invoice(self, draft: ll.InvoiceDraft, customer_ref: str,
                       products: ProductRefs) -> ll.RemoteInvoice:
        self.own_intents.append(self._state(f"create:{draft.key}"))
        if draft.key == self.refuse:
            raise ProviderError("Kunden er spærret for fakturering", provider="sandbox",
                                status=400)
        return super().create_invoice(draft, customer_ref, products)

    def book(self, provider_id: str) -> ll.RemoteInvoice:
        key = self.get_invoice(provider_id).key
        self.own_intents.append(self._state(f"book:{key}"))
        self.send_ahead_at_book.append(self._state(f"send:{key}") == "intent")
        return super().book(provider_id)

    def send(self, provider_id: str, email: str | None = None) -> None:
        self.own_intents.append(self._state(f"send:{self.get_invoice(provider_id).key}"))
        super().send(provider_id, email)


def billed(book: SandboxConnector) -> Counter[str]:
    return Counter(key for inv in book.invoices() for key in set(inv.line_keys))


def test_one_customers_lane_commits_in_groups_each_intent_before_its_write(
    tmp_path: Path,
) -> None:
    """300 work orders of one customer (901 actions) take a few dozen commits, and every
    create, book and send finds its own intent committed when it starts."""
    journal = CountingStore(tmp_path / "journal.db")
    book = Watching(tmp_path / "book.db", tmp_path / "journal.db")
    result = invoice(work(300), people(1), COMPANY, book, now=NOW, store=journal)
    assert result.ok and len(result.plan.actions) == 901
    assert billed(book) == Counter({f"wo:w{i}": 1 for i in range(300)})
    assert book.own_intents == ["intent"] * 900
    assert journal.commits < 901 / 4, journal.commits
    assert any(book.send_ahead_at_book), "sends run ahead on a book that tells sent"
    # An invoice's create, book and send outcomes may share a commit: all of them count.
    journaled = journal.state(book.account).invoices.values()
    assert len(journaled) == 300 and all(i.booked and i.sent for i in journaled)


def test_sends_wait_for_their_turn_where_the_provider_cannot_tell_sent(tmp_path: Path) -> None:
    """On a connector that does not declare tells_sent, no send's intent is committed before
    its invoice is booked, while creates and books still run ahead."""
    journal = CountingStore(tmp_path / "journal.db")
    book = Watching(tmp_path / "book.db", tmp_path / "journal.db", tells_sent=False)
    result = invoice(work(60), people(1), COMPANY, book, now=NOW, store=journal)
    assert result.ok and book.own_intents == ["intent"] * 180
    assert not any(book.send_ahead_at_book)
    # One commit per send at most, plus the outcomes' flushes: not one per action.
    assert journal.commits < 181 / 2, journal.commits


def test_an_answer_that_cannot_tell_sent_stops_sends_running_ahead(tmp_path: Path) -> None:
    """A connector declaring tells_sent whose answer says sent=None keeps later sends back."""
    ahead = Lookahead(SandboxConnector(tmp_path / "book.db"))
    send = Send("inv:w0", "c0", "c0@example.dk")
    told = ll.RemoteInvoice(provider_id="1", key="inv:w0", customer_ref="1", currency="DKK",
                         total=Decimal(1), balance=Decimal(1), issue_date=NOW.date(),
                         due_date=NOW.date(), sent=False)
    ahead.saw(told)
    assert ahead.may_run_ahead(send)
    ahead.saw(attrs.evolve(told, sent=None))
    assert not ahead.may_run_ahead(send)


def test_a_failure_mid_lane_withdraws_the_intents_committed_ahead(tmp_path: Path) -> None:
    """A create refused mid-lane stops the lane; the later intents already committed are
    resolved as rolled back in the run's commits, and the next run invoices them once."""
    journal = Store(tmp_path / "journal.db")
    book = Watching(tmp_path / "book.db", tmp_path / "journal.db", refuse="inv:w3")
    first = invoice(work(30), people(1), COMPANY, book, now=NOW, store=journal)
    assert [o.action.subject for o in first.outcomes if o.status == "failed"] == ["inv:w3"]
    assert not journal.unresolved(book.account)
    rolled = [op for op in journal.ops(book.account, (a.op_key for a in first.plan.actions))
              .values() if op.state == "rolled_back"]
    assert rolled, "intents committed ahead of the refused create were withdrawn"
    assert all(op.message.startswith("not run: an earlier step") for op in rolled)
    assert not {op.subject for op in rolled if op.kind == "create_invoice"} & set(
        journal.invoice_ids(book.account))
    second = invoice(work(30), people(1), COMPANY, SandboxConnector(tmp_path / "book.db"),
                     now=NOW, store=journal)
    assert second.ok
    assert billed(book) == Counter({f"wo:w{i}": 1 for i in range(30)})


@settings(max_examples=20, deadline=None)
@given(customers=st.integers(1, 3), orders=st.integers(1, 14),
       refused=st.none() | st.integers(0, 13))
def test_any_refusal_leaves_no_dangling_intent_and_a_rerun_bills_once(
    customers: int, orders: int, refused: int | None,
) -> None:
    """Whatever lane shape and refused create: the run leaves no open intent, and a rerun on
    a healthy book bills every work order exactly once."""
    with tempfile.TemporaryDirectory() as tmp:
        path, journal_path = Path(tmp) / "book.db", Path(tmp) / "journal.db"
        journal = Store(journal_path)
        book = Watching(path, journal_path, refuse=f"inv:w{refused}")
        invoice(work(orders, customers), people(customers), COMPANY, book, now=NOW,
                store=journal)
        assert not journal.unresolved(book.account)
        again = invoice(work(orders, customers), people(customers), COMPANY,
                        SandboxConnector(path), now=NOW, store=journal)
        assert again.ok
        assert billed(book) == Counter({f"wo:w{i}": 1 for i in range(orders)})
        assert all(state == "intent" for state in book.own_intents)
        book.close()
        book.journal.close()
        journal.close()
