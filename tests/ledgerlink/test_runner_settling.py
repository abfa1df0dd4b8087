"""Unclear writes are settled within the run: the provider is asked what happened, and a
write that did not happen is made again; an e-mail of unknown fate is never sent twice."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs

from ledgerlink import (
    BillingPolicy,
    Company,
    Customer,
    InvoiceDraft,
    Posting,
    RemoteInvoice,
    WorkLine,
    WorkOrder,
    WorkStatus,
)
from ledgerlink.api import invoice
from ledgerlink.connector import ProductRefs
from ledgerlink.errors import TransientProviderError
from ledgerlink.runner import RunResult
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.settling import CONFIRMED
from ledgerlink.store import Store

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
COMPANY = Company("Settle ApS", policy=BillingPolicy(Posting.BOOK, send=True))
PEOPLE = [Customer(id="c1", name="Customer 1", email="c1@example.dk")]
WORK = [WorkOrder(id=f"w{i}", customer_id="c1", completed_at=NOW - timedelta(hours=1),
                  status=WorkStatus.COMPLETED,
                  lines=[WorkLine("Hours", Decimal(2), Decimal("450"))]) for i in range(3)]
LOST = "the connection was cut; whether it was done is unknown"


class Unclear(SandboxConnector):
    """A book whose first ``times`` calls of ``operation`` end unclear, before or after
    the write happened."""

    def __init__(self, path: Path, operation: str, *, after_write: bool, times: int = 1,
                 silent: bool = False) -> None:
        super().__init__(path)
        self.operation, self.after_write, self.left = operation, after_write, times
        self.silent = silent

    def _unclear(self, write: object) -> object:
        if self.left <= 0:
            return write() if callable(write) else write
        self.left -= 1
        if self.after_write and callable(write):
            write()
        raise TransientProviderError(LOST, provider="sandbox")

    def create_invoice(self, draft: InvoiceDraft, customer_ref: str,
                       products: ProductRefs) -> RemoteInvoice:
        write = lambda: super(Unclear, self).create_invoice(draft, customer_ref, products)  # noqa: E731
        if self.operation != "create":
            return write()
        return self._unclear(write)  # type: ignore[return-value]

    def book(self, provider_id: str) -> RemoteInvoice:
        write = lambda: super(Unclear, self).book(provider_id)  # noqa: E731
        return write() if self.operation != "book" else self._unclear(write)  # type: ignore[return-value]

    def send(self, provider_id: str, email: str | None = None) -> None:
        write = lambda: super(Unclear, self).send(provider_id, email)  # noqa: E731
        if self.operation != "send":
            write()
            return
        self._unclear(write)

    def get_invoice(self, provider_id: str) -> RemoteInvoice:
        found = super().get_invoice(provider_id)
        return attrs.evolve(found, sent=None) if self.silent else found


def run(tmp_path: Path, book: SandboxConnector) -> tuple[RunResult, SandboxConnector]:
    result = invoice(WORK, PEOPLE, COMPANY, book, now=NOW, store=Store(tmp_path / "j.db"))
    return result, SandboxConnector(tmp_path / "book.db")


def test_a_create_that_happened_despite_an_unclear_answer_is_confirmed(tmp_path: Path) -> None:
    """Created, then the answer lost: the run finds it by key and goes on; one invoice each."""
    result, book = run(tmp_path, Unclear(tmp_path / "book.db", "create", after_write=True))
    assert result.ok and result.summary["emailed"] == 3
    assert sorted(i.key or "" for i in book.invoices()) == ["inv:w0", "inv:w1", "inv:w2"]
    assert any(e.message == CONFIRMED for e in result.log)


def test_a_create_that_did_not_happen_is_made_again_in_the_same_run(tmp_path: Path) -> None:
    """Refused unclearly before the write: not found by key, so created again; one each."""
    result, book = run(tmp_path, Unclear(tmp_path / "book.db", "create", after_write=False))
    assert result.ok
    assert sorted(i.key or "" for i in book.invoices()) == ["inv:w0", "inv:w1", "inv:w2"]


def test_a_book_whose_answer_was_lost_is_confirmed(tmp_path: Path) -> None:
    """Booked, then the answer lost: confirmed booked, the invoice sent once."""
    result, book = run(tmp_path, Unclear(tmp_path / "book.db", "book", after_write=True))
    assert result.ok and all(i.booked for i in book.invoices())
    assert len(book.outbox()) == 3


def test_an_email_that_did_not_go_out_is_sent_in_the_same_run(tmp_path: Path) -> None:
    """A send refused unclearly before it happened: the invoice is not sent, so it is sent
    again now; each invoice e-mailed exactly once and nothing left for the next run."""
    result, book = run(tmp_path, Unclear(tmp_path / "book.db", "send", after_write=False))
    assert result.ok
    assert sorted(Counter(e.invoice_id for e in book.outbox()).values()) == [1, 1, 1]


def test_an_email_that_went_out_is_confirmed_not_sent_twice(tmp_path: Path) -> None:
    """Sent, then the answer lost: the provider says sent, so no second e-mail."""
    result, book = run(tmp_path, Unclear(tmp_path / "book.db", "send", after_write=True))
    assert result.ok
    assert sorted(Counter(e.invoice_id for e in book.outbox()).values()) == [1, 1, 1]


def test_an_email_of_unknown_fate_is_left_for_recovery(tmp_path: Path) -> None:
    """A provider that cannot tell whether it e-mailed: the send is not repeated in the run;
    it stays an intent (a failure to look at again), and the e-mail went out once (the
    customer's later sends wait for it)."""
    result, book = run(tmp_path, Unclear(tmp_path / "book.db", "send", after_write=True,
                                          silent=True))
    assert [o.retry_later for o in result.failed] == [True]
    assert len(book.outbox()) == 1


def test_settling_is_bounded(tmp_path: Path) -> None:
    """A send that stays unclear however often it is made is tried a bounded number of times
    and left for recovery, never looping."""
    result, book = run(tmp_path, Unclear(tmp_path / "book.db", "send", after_write=False,
                                          times=100))
    assert {o.kind for o in result.failed} == {"send"}
    assert all(o.retry_later for o in result.failed)
    assert book.outbox() == []
