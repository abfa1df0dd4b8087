"""The runner: exactly-once, failures per customer lane, recovery of each operation kind."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from ledgerlink import (
    BillingPolicy,
    Company,
    Customer,
    InvoiceDraft,
    PolicyOverride,
    Posting,
    RemoteInvoice,
    Timing,
    WorkLine,
    WorkOrder,
    WorkStatus,
)
from ledgerlink.api import invoice
from ledgerlink.connector import ProductRefs
from ledgerlink.errors import ProviderError, TransientProviderError
from ledgerlink.planning import plan
from ledgerlink.runner import Runner
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.store import Store

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
COMPANY = Company("Test ApS", policy=BillingPolicy(Posting.BOOK, Timing.ON_COMPLETION, True, 8))


class Crash(BaseException):
    """Stands in for the process dying: nothing in the runner catches it."""


def customers(n: int = 3, **override: object) -> list[Customer]:
    policy = PolicyOverride(**override) if override else None  # type: ignore[arg-type]
    return [Customer(id=f"c{i}", name=f"Customer {i}", email=f"c{i}@example.dk", policy=policy)
            for i in range(n)]


def orders(n: int = 6, n_customers: int = 3, quantity: str = "2") -> list[WorkOrder]:
    return [WorkOrder(id=f"w{i}", customer_id=f"c{i % n_customers}",
                      completed_at=NOW - timedelta(hours=1), status=WorkStatus.COMPLETED,
                      lines=[WorkLine("Hours", Decimal(quantity), Decimal("450")),
                             WorkLine("Part", Decimal(1), Decimal("99.95"))])
            for i in range(n)]


@pytest.fixture
def book(tmp_path: Path) -> SandboxConnector:
    return SandboxConnector(tmp_path / "book.db")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "journal.db")


def billed(book: SandboxConnector) -> Counter[str]:
    """How many live (not credited/voided/deleted) invoices bill each work order."""
    counts: Counter[str] = Counter()
    credited = {i.credit_for for i in book.invoices() if i.credit_for}
    for inv in book.invoices():
        if inv.credit_for or inv.deleted or inv.voided or inv.provider_id in credited:
            continue
        counts.update(set(inv.line_keys))
    return counts


def test_a_run_creates_books_and_sends_each_invoice_once(
    book: SandboxConnector, store: Store,
) -> None:
    """Six work orders: six booked invoices, six emails; a second run adds nothing."""
    first = invoice(orders(), customers(), COMPANY, book, now=NOW, store=store)
    assert first.ok
    assert first.summary["invoices_created"] == 6
    assert first.summary["booked"] == 6 and first.summary["emailed"] == 6
    again = invoice(orders(), customers(), COMPANY, book, now=NOW, store=store)
    assert again.summary["invoices_created"] == 0 and again.summary["already_invoiced"] == 6
    assert len(book.invoices()) == 6 and len(book.outbox()) == 6
    assert all(v == 1 for v in billed(book).values())
    assert sorted(int(i.number or 0) for i in book.invoices()) == list(range(1, 7))


def test_a_stale_plan_run_again_does_nothing_twice(book: SandboxConnector, store: Store) -> None:
    """Running one plan twice: every action of the second run is already done."""
    p = plan(orders(), customers(), COMPANY, now=NOW)
    Runner(book, store).run(p)
    second = Runner(book, store).run(p)
    assert {o.status for o in second.outcomes} == {"already_done"}
    assert len(book.invoices()) == 6


class RefusingBook(SandboxConnector):
    """Refuses invoices for one customer with a provider error."""

    refused = "c1"

    def create_invoice(self, draft: InvoiceDraft, customer_ref: str,
                       products: ProductRefs) -> RemoteInvoice:
        if draft.customer_id == self.refused:
            raise ProviderError("Kunden er spærret for fakturering", provider="sandbox",
                                status=400, code="CustomerBlocked")
        return super().create_invoice(draft, customer_ref, products)


def test_a_failure_stops_only_its_customer_and_keeps_the_provider_text(
    tmp_path: Path, store: Store,
) -> None:
    """One customer's refusal fails its lane; other customers are invoiced; the log has the text."""
    book = RefusingBook(tmp_path / "book.db")
    result = invoice(orders(6), customers(3), COMPANY, book, now=NOW, store=store)
    assert not result.ok
    failed = result.failed
    assert {o.customer_id for o in failed} == {"c1"}
    assert failed[0].message == "Kunden er spærret for fakturering"
    skipped = [o for o in result.outcomes if o.status == "skipped"]
    assert skipped and {o.customer_id for o in skipped} == {"c1"}
    assert set(billed(book)) == {"wo:w0", "wo:w2", "wo:w3", "wo:w5"}
    messages = [e.message for e in store.log(outcome="failed")]
    assert "Kunden er spærret for fakturering" in messages
    # Fixed at the provider: the next run invoices the rest, still once each.
    book.refused = "nobody"
    invoice(orders(6), customers(3), COMPANY, book, now=NOW, store=store)
    assert all(count == 1 for count in billed(book).values()) and len(billed(book)) == 6


class LostResponseBook(SandboxConnector):
    """Commits the invoice, then loses the response (a timeout after sending)."""

    def create_invoice(self, draft: InvoiceDraft, customer_ref: str,
                       products: ProductRefs) -> RemoteInvoice:
        super().create_invoice(draft, customer_ref, products)
        raise TransientProviderError("read timeout", provider="sandbox")


def test_an_ambiguous_failure_is_reconciled_by_key_not_repeated(
    tmp_path: Path, store: Store,
) -> None:
    """A create whose response was lost is found by its key (in the same run), never created
    twice; the run goes on to book and e-mail it."""
    path = tmp_path / "book.db"
    first = invoice(orders(2, 1), customers(1), COMPANY, LostResponseBook(path), now=NOW,
                    store=store)
    assert first.ok and first.summary["invoices_created"] == 2
    assert not store.unresolved(SandboxConnector(path).account)
    book = SandboxConnector(path)
    assert billed(book) == Counter({"wo:w0": 1, "wo:w1": 1})
    assert len(book.outbox()) == 2
    second = invoice(orders(2, 1), customers(1), COMPANY, book, now=NOW, store=store)
    assert second.summary["invoices_created"] == 0 and not second.recovered


def crash_on(method: str, *, after_write: bool) -> type[SandboxConnector]:
    """A sandbox whose first call of ``method`` dies before or after its write."""

    class Crashing(SandboxConnector):
        def _crash(self, call: object, *args: object) -> object:
            if not after_write:
                raise Crash(method)
            call(*args)  # type: ignore[operator]
            raise Crash(method)

    def wrapper(self: Crashing, *args: object) -> object:
        return self._crash(getattr(super(Crashing, self), method), *args)

    setattr(Crashing, method, wrapper)
    return Crashing


@pytest.mark.parametrize("method", ["create_invoice", "book", "send"])
@pytest.mark.parametrize("after_write", [False, True])
def test_a_crash_at_any_write_is_recovered_exactly_once(
    tmp_path: Path, method: str, after_write: bool,
) -> None:
    """Dying before or after each remote write: the next run bills, books and emails once."""
    path, journal = tmp_path / "book.db", tmp_path / "journal.db"
    crashing = crash_on(method, after_write=after_write)(path)
    with pytest.raises(Crash):
        invoice(orders(3, 1), customers(1), COMPANY, crashing, now=NOW, store=journal,
                workers=1)
    book = SandboxConnector(path)
    result = invoice(orders(3, 1), customers(1), COMPANY, book, now=NOW, store=journal)
    assert result.ok
    assert billed(book) == Counter({"wo:w0": 1, "wo:w1": 1, "wo:w2": 1})
    assert all(i.booked for i in book.invoices())
    assert Counter(e.invoice_id for e in book.outbox()) == Counter(
        {i.provider_id: 1 for i in book.invoices()})
    assert not Store(journal).unresolved(book.account)


class SilentBook(SandboxConnector):
    """A provider that cannot tell whether an invoice was emailed."""

    def get_invoice(self, provider_id: str) -> RemoteInvoice:
        return attrs.evolve(super().get_invoice(provider_id), sent=None)

    def find_invoice(self, key: str) -> RemoteInvoice | None:
        found = super().find_invoice(key)
        return None if found is None else attrs.evolve(found, sent=None)

    def find_invoices(self, keys: Sequence[str]) -> dict[str, RemoteInvoice]:
        return {key: attrs.evolve(found, sent=None)
                for key, found in super().find_invoices(keys).items()}


def test_an_email_of_unknown_fate_is_never_sent_twice(tmp_path: Path) -> None:
    """A crash while emailing, on a provider that cannot tell: marked ambiguous, not re-sent."""
    path, journal = tmp_path / "book.db", tmp_path / "journal.db"
    with pytest.raises(Crash):
        invoice(orders(1, 1), customers(1), COMPANY, crash_on("send", after_write=True)(path),
                now=NOW, store=journal)
    silent = SilentBook(path)
    result = invoice(orders(1, 1), customers(1), COMPANY, silent, now=NOW, store=journal)
    # The create and book that finished within the last flush interval are found done.
    assert {o.kind: o.status for o in result.recovered if o.kind != "ensure_customer"} == {
        "create_invoice": "recovered", "book": "recovered", "send": "ambiguous"}
    assert len(silent.outbox()) == 1
    assert Store(journal).log(outcome="ambiguous")[0].message.startswith("the run stopped")
    third = invoice(orders(1, 1), customers(1), COMPANY, silent, now=NOW, store=journal)
    assert not third.plan.actions and len(silent.outbox()) == 1


def test_draft_customers_collect_work_on_one_draft_across_runs(
    book: SandboxConnector, store: Store,
) -> None:
    """posting=draft: the first run opens a draft; later work is added to the same draft."""
    people = customers(1, posting=Posting.DRAFT)
    invoice(orders(2, 1), people, COMPANY, book, now=NOW, store=store)
    invoice(orders(4, 1), people, COMPANY, book, now=NOW, store=store)
    drafts = book.invoices()
    assert len(drafts) == 1 and not drafts[0].booked
    assert sorted(drafts[0].line_keys) == [f"wo:w{i}" for i in range(4)]


def test_a_draft_booked_by_hand_is_closed_and_new_work_opens_another(
    book: SandboxConnector, store: Store,
) -> None:
    """After a person books the draft, the next run puts new work on draft 2."""
    people = customers(1, posting=Posting.DRAFT)
    invoice(orders(1, 1), people, COMPANY, book, now=NOW, store=store)
    book.book(book.invoices()[0].provider_id)
    invoice(orders(2, 1), people, COMPANY, book, now=NOW, store=store)
    first, second = book.invoices()
    assert first.booked and set(first.line_keys) == {"wo:w0"}
    assert not second.booked and set(second.line_keys) == {"wo:w1"}
    assert second.key == "draft:c0:2"


def test_work_on_a_deleted_draft_is_billed_again(book: SandboxConnector, store: Store) -> None:
    """A person deleting the draft releases its work: the next run bills it on a new draft."""
    people = customers(1, posting=Posting.DRAFT)
    invoice(orders(1, 1), people, COMPANY, book, now=NOW, store=store)
    book.delete(book.invoices()[0].provider_id)
    invoice(orders(1, 1), people, COMPANY, book, now=NOW, store=store)
    assert billed(book) == Counter({"wo:w0": 1})


def test_changed_work_on_a_draft_updates_its_lines(book: SandboxConnector, store: Store) -> None:
    """Changing a work order that sits on a draft replaces its lines; the total follows."""
    people = customers(1, posting=Posting.DRAFT)
    invoice(orders(1, 1, quantity="2"), people, COMPANY, book, now=NOW, store=store)
    before = book.invoices()[0].total
    result = invoice(orders(1, 1, quantity="4"), people, COMPANY, book, now=NOW, store=store)
    assert [o.kind for o in result.outcomes] == ["replace_lines"]
    after = book.invoices()[0]
    assert after.total - before == Decimal("1125.00")  # 2 h x 450 x 1.25
    assert after.line_keys == ("wo:w0",)


def test_changed_booked_work_is_credited_and_reinvoiced_once(
    book: SandboxConnector, store: Store,
) -> None:
    """With credits allowed, a changed booked invoice is credited in full and billed anew, once."""
    invoice(orders(1, 1, "2"), customers(1), COMPANY, book, now=NOW, store=store)
    company = attrs.evolve(COMPANY, allow_credits=True)
    result = invoice(orders(1, 1, "3"), customers(1), company, book, now=NOW, store=store)
    assert result.summary["credited"] == 1 and result.summary["invoices_created"] == 1
    invoice(orders(1, 1, "3"), customers(1), company, book, now=NOW, store=store)
    everything = book.invoices()
    assert len(everything) == 3  # original, credit note, new invoice
    assert billed(book) == Counter({"wo:w0": 1})
    newest = next(i for i in everything if i.key == "inv:w0:r1")
    assert newest.total == Decimal("1812.44")  # (3 x 450 + 99.95) x 1.25


def test_many_customers_in_parallel_get_gapless_numbers(tmp_path: Path) -> None:
    """Four workers over 40 customers: every work order billed once, numbers 1..N without gaps."""
    book = SandboxConnector(tmp_path / "book.db", latency=0.001)
    result = invoice(orders(120, 40), customers(40), COMPANY, book, now=NOW,
                     store=tmp_path / "j.db", workers=4, batch_size=16)
    assert result.ok
    assert all(v == 1 for v in billed(book).values()) and len(billed(book)) == 120
    assert sorted(int(i.number or 0) for i in book.invoices()) == list(range(1, 121))


def test_progress_reports_every_action(book: SandboxConnector, store: Store) -> None:
    """The progress callback ends at (total, total) and never goes backwards."""
    seen: list[tuple[int, int]] = []
    invoice(orders(), customers(), COMPANY, book, now=NOW, store=store,
            progress=lambda done, total: seen.append((done, total)))
    assert seen[-1][0] == seen[-1][1] > 0
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_the_run_is_recorded_with_its_summary(book: SandboxConnector, store: Store) -> None:
    """Each run leaves a run record with its summary and a transfer log with amounts."""
    result = invoice(orders(1, 1), customers(1), COMPANY, book, now=NOW, store=store)
    [run] = store.runs()
    assert run.run_id == result.run_id and run.summary["invoices_created"] == 1
    booked = [e for e in result.log if e.action == "book"]
    assert booked[0].number == "1" and booked[0].amount == "1249.94"
    assert booked[0].currency == "DKK"


def test_issue_and_due_dates_reach_the_provider(book: SandboxConnector, store: Store) -> None:
    """The provider's invoice carries the planned issue date and issue + terms as due date."""
    invoice(orders(1, 1), customers(1), COMPANY, book, now=NOW, store=store)
    [inv] = book.invoices()
    assert inv.issue_date == date(2026, 11, 22) and inv.due_date == date(2026, 11, 30)


def test_the_runner_respects_the_connectors_limit_in_flight(tmp_path: Path) -> None:
    """A connector declaring max_in_flight=1 gets no thread pool, whatever workers asks."""
    assert Runner(SandboxConnector(tmp_path / "a.db"), Store(tmp_path / "j.db"),
                  workers=8).workers == 1
    simulated_network = SandboxConnector(tmp_path / "b.db", latency=0.001)
    assert Runner(simulated_network, Store(tmp_path / "j.db"), workers=8).workers == 8


class RefusingReinvoiceBook(SandboxConnector):
    """Refuses every revision-1 invoice until told otherwise."""

    refuse = True

    def create_invoice(self, draft: InvoiceDraft, customer_ref: str,
                       products: ProductRefs) -> RemoteInvoice:
        if self.refuse and draft.key.endswith(":r1"):
            raise ProviderError("Periode er lukket", provider="sandbox", status=400)
        return super().create_invoice(draft, customer_ref, products)


def test_a_failed_reinvoice_after_a_credit_is_retried_not_lost(
    tmp_path: Path, store: Store,
) -> None:
    """Credit succeeds, the new invoice is refused; once allowed, the next run bills it once."""
    book = RefusingReinvoiceBook(tmp_path / "book.db")
    invoice(orders(1, 1, "2"), customers(1), COMPANY, book, now=NOW, store=store)
    company = attrs.evolve(COMPANY, allow_credits=True)
    refused = invoice(orders(1, 1, "3"), customers(1), company, book, now=NOW, store=store)
    assert [o.kind for o in refused.failed] == ["create_invoice"]
    assert billed(book) == Counter()  # credited, not yet re-billed: nothing live
    book.refuse = False
    again = invoice(orders(1, 1, "3"), customers(1), company, book, now=NOW, store=store)
    assert again.summary["invoices_created"] == 1
    assert billed(book) == Counter({"wo:w0": 1})
    assert {i.key for i in book.invoices()} == {"inv:w0", "credit:inv:w0", "inv:w0:r1"}


def test_invoices_not_emailed_are_counted(book: SandboxConnector, store: Store) -> None:
    """A customer without an email is invoiced and booked, and counted as not emailed."""
    nomail = [Customer(id="c0", name="No Mail")]
    result = invoice(orders(2, 1), nomail, COMPANY, book, now=NOW, store=store)
    assert result.summary["booked"] == 2
    assert result.summary["emailed"] == 0
    assert result.summary["not_emailed"] == 2
    assert not book.outbox()
