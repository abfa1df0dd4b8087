"""Invoice numbers: gapless, increasing, shared with credit notes, safe under concurrency."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ledgerlink.domain import RemoteInvoice
from ledgerlink.sandbox import SandboxConnector
from ledgerlink.testing import make_customer, make_invoice_draft

MakeInvoice = Callable[..., RemoteInvoice]

THREADS = 8
PER_THREAD = 25


def _drafts(book: SandboxConnector, count: int) -> list[str]:
    customer = make_customer()
    ref = book.create_customer(customer)
    return [
        book.create_invoice(make_invoice_draft(customer=customer), ref, {}).provider_id
        for _ in range(count)
    ]


def test_numbers_start_at_one_and_increase(book: SandboxConnector, booked_for: MakeInvoice) -> None:
    """The first three booked invoices are numbered 1, 2 and 3."""
    assert [booked_for().number for _ in range(3)] == ["1", "2", "3"]


def test_drafts_take_no_number(book: SandboxConnector, draft_for: MakeInvoice) -> None:
    """Numbers follow booking order, not creation order, so unbooked drafts leave no gaps."""
    first, second, third = draft_for(), draft_for(), draft_for()
    book.delete(second.provider_id)
    assert book.book(third.provider_id).number == "1"
    assert book.book(first.provider_id).number == "2"


def test_gapless_under_concurrent_booking_on_one_connector(book: SandboxConnector) -> None:
    """Eight threads booking 200 drafts through one connector get exactly 1..200."""
    ids = _drafts(book, THREADS * PER_THREAD)
    with ThreadPoolExecutor(THREADS) as pool:
        numbers = list(pool.map(lambda pid: book.book(pid).number, ids))
    assert sorted(int(n or 0) for n in numbers) == list(range(1, len(ids) + 1))


def test_gapless_under_concurrent_booking_on_separate_connections(tmp_path: Path) -> None:
    """Eight connectors on one file (one per thread) still number 1..200 without gaps."""
    path = tmp_path / "shared.db"
    with SandboxConnector(path) as setup:
        ids = _drafts(setup, THREADS * PER_THREAD)
    books = [SandboxConnector(path) for _ in range(THREADS)]
    chunks = [ids[i::THREADS] for i in range(THREADS)]
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            results = pool.map(
                lambda pair: [pair[0].book(pid).number for pid in pair[1]],
                zip(books, chunks, strict=True),
            )
            numbers = [n for chunk in results for n in chunk]
    finally:
        for one in books:
            one.close()
    assert sorted(int(n or 0) for n in numbers) == list(range(1, len(ids) + 1))


def test_credit_notes_share_the_sequence(book: SandboxConnector, booked_for: MakeInvoice) -> None:
    """A credit note takes the next invoice number."""
    first = booked_for()
    note = book.credit(first.provider_id, "credit-1")
    assert (first.number, note.number, booked_for().number) == ("1", "2", "3")


def test_numbering_continues_after_reopening(tmp_path: Path) -> None:
    """A reopened book continues its sequence and keeps its account id."""
    path = tmp_path / "book.db"
    with SandboxConnector(path) as book:
        account = book.account
        book.book(_drafts(book, 1)[0])
    with SandboxConnector(path) as book:
        assert book.account == account
        assert book.book(_drafts(book, 1)[0]).number == "2"
