"""`ll.uninvoiced` lists the work not invoiced yet, each row saying why, from the journal only;
`ll.invoice(select=..., posting=...)` invoices all, one or a chosen set exactly once, counted
in the sandbox book, with a per-run posting that never rewrites an invoice already made."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ledgerlink as ll
from ledgerlink.planning import plan
from ledgerlink.plans import InvoiceRecord, JournalState, Send, WorkRecord
from ledgerlink.sandbox import SandboxConnector

NOW = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
COMPLETED = NOW - timedelta(hours=5)
COMPANY = ll.Company("Fjordvarme ApS", policy=ll.BillingPolicy(ll.Posting.BOOK, send=False))
CUSTOMERS = [
    ll.Customer(id="nordisk", name="Nordisk Byg A/S", email="bog@nordiskbyg.dk"),
    ll.Customer(id="havn", name="Havnens Kro", email="kro@example.dk"),
    ll.Customer(id="fri", name="Friskolen", policy=ll.PolicyOverride(posting=ll.Posting.NONE)),
    ll.Customer(id="tidlig", name="Tidlig Service",
                policy=ll.PolicyOverride(timing=ll.Timing.BEFORE_WORK)),
]
HOURS = [ll.WorkLine("Service hours", Decimal("2"), Decimal("500"))]


def done(order_id: str, customer: str, at: datetime = COMPLETED) -> ll.WorkOrder:
    return ll.WorkOrder(id=order_id, customer_id=customer, completed_at=at, lines=HOURS)


def planned(order_id: str, customer: str, day: date) -> ll.WorkOrder:
    return ll.WorkOrder(id=order_id, customer_id=customer, status=ll.WorkStatus.PLANNED,
                        planned_date=day, lines=HOURS)


def day_of_work() -> list[ll.WorkOrder]:
    """Five completed bookings of two customers that are invoiced."""
    return [done("WO-1", "nordisk"), done("WO-2", "nordisk"), done("WO-3", "havn"),
            done("WO-4", "havn"), done("WO-5", "nordisk", COMPLETED - timedelta(days=2))]


def billed(book: SandboxConnector) -> Counter[str]:
    """Work order id → how many invoices in the book bill it (credit notes not counted)."""
    counts: Counter[str] = Counter()
    for invoice in book.invoices():
        if invoice.credit_for is None and not invoice.deleted:
            counts.update(k.removeprefix("wo:") for k in set(invoice.line_keys))
    return counts


@pytest.fixture
def book(tmp_path: Path) -> SandboxConnector:
    return SandboxConnector(tmp_path / "book.db")


def states(listed: ll.Uninvoiced) -> dict[str, str]:
    return {row.work_order_id: row.state for row in listed}


# --- the list ------------------------------------------------------------------------------


def test_the_list_holds_completed_work_not_invoiced_and_says_why(tmp_path: Path) -> None:
    """Completed work is billable ("completed ..."), work kept off by posting=none, cancelled
    work and unfinished on_completion work are left out, and every row has its amount."""
    work = [*day_of_work(), done("WO-6", "fri"),
            attrs.evolve(done("WO-7", "havn"), status=ll.WorkStatus.CANCELLED),
            planned("WO-8", "havn", date(2026, 11, 22))]
    listed = ll.uninvoiced(work, CUSTOMERS, COMPANY, now=NOW)
    assert states(listed) == dict.fromkeys(["WO-3", "WO-4", "WO-1", "WO-2", "WO-5"],
                                           "billable")
    first = listed.rows[0]
    assert (first.work_order_id, first.customer_name) == ("WO-3", "Havnens Kro")
    assert first.reason == "completed 2026-11-20 17:00"  # company time, Copenhagen
    assert first.billable_from == COMPLETED
    assert first.amount == Decimal("1250.00") and first.currency == "DKK"
    assert first.invoice_key == "inv:WO-3" and first.posting == "book"
    assert listed.totals() == {"DKK": Decimal("6250.00")}


def test_before_work_is_listed_once_its_night_has_come_and_upcoming_says_when() -> None:
    """Under before_work, work due from the night before its day is billable then; work whose
    night is still ahead is listed only with upcoming, with the instant it becomes billable."""
    tomorrow = planned("WO-10", "tidlig", date(2026, 11, 21))
    later = planned("WO-11", "tidlig", date(2026, 11, 24))
    listed = ll.uninvoiced([tomorrow, later], CUSTOMERS, COMPANY, now=NOW)
    assert states(listed) == {"WO-10": "billable"}
    assert "the night before the work on 2026-11-21" in listed.rows[0].reason
    ahead = ll.uninvoiced([tomorrow, later], CUSTOMERS, COMPANY, now=NOW, upcoming=True)
    row = ahead.rows[1]
    assert (row.work_order_id, row.state) == ("WO-11", "upcoming")
    assert row.reason.startswith("not due yet: the night before the work on 2026-11-24")
    assert row.billable_from == datetime(2026, 11, 23, 22, 0, tzinfo=COMPANY.zone)


def test_work_that_cannot_be_invoiced_is_listed_as_blocked_with_the_reason() -> None:
    """Completed work without lines is listed as blocked, naming why, and has no invoice."""
    empty = attrs.evolve(done("WO-9", "havn"), lines=())
    (row,) = ll.uninvoiced([empty], CUSTOMERS, COMPANY, now=NOW)
    assert (row.state, row.reason, row.invoice_key) == ("blocked", "work order has no lines",
                                                        None)


def test_the_list_reads_the_journal_and_never_the_provider(
        tmp_path: Path, book: SandboxConnector) -> None:
    """Once WO-1 is invoiced it leaves the list; listing asks the connector nothing but its
    account and capabilities."""
    store = tmp_path / "ledgerlink.db"
    assert ll.invoice(day_of_work(), CUSTOMERS, COMPANY, book, store=store, now=NOW,
                      select=ll.WorkSelection(only=["WO-1"])).ok

    class JournalOnly:
        account, capabilities = book.account, book.capabilities

        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"the provider was asked: {name}")

    listed = ll.uninvoiced(day_of_work(), CUSTOMERS, COMPANY, now=NOW, store=store,
                           connector=JournalOnly())  # type: ignore[arg-type]
    assert "WO-1" not in states(listed) and len(listed) == 4
    assert listed.book == book.account


def test_the_list_becomes_a_dataframe_with_exact_amounts() -> None:
    """to_pandas() has one row per work order, every field a column, amounts as Decimal."""
    frame = ll.uninvoiced(day_of_work(), CUSTOMERS, COMPANY, now=NOW).to_pandas()
    assert list(frame["work_order_id"]) == ["WO-3", "WO-4", "WO-1", "WO-2", "WO-5"]
    assert list(frame.columns) == [f.name for f in attrs.fields(ll.UninvoicedWork)]
    assert frame["amount"].sum() == Decimal("6250.00")
    assert set(frame["state"]) == {"billable"}


# --- the selection ---------------------------------------------------------------------------


def test_a_selection_keeps_the_chosen_customers_and_the_work_completed_before_a_day() -> None:
    """customers= keeps their work; before= keeps work completed before that day (company
    time); both together keep what both select."""
    work = day_of_work()
    havn = ll.uninvoiced(work, CUSTOMERS, COMPANY, now=NOW,
                         select=ll.WorkSelection(customers="havn"))
    assert set(states(havn)) == {"WO-3", "WO-4"}
    early = ll.uninvoiced(work, CUSTOMERS, COMPANY, now=NOW,
                          select=ll.WorkSelection(before=date(2026, 11, 20)))
    assert set(states(early)) == {"WO-5"}
    both = ll.uninvoiced(work, CUSTOMERS, COMPANY, now=NOW,
                         select=ll.WorkSelection(customers=["havn"], before=date(2026, 11, 21)))
    assert set(states(both)) == {"WO-3", "WO-4"}


def test_unknown_ids_are_refused_by_name_and_nothing_is_written(
        tmp_path: Path, book: SandboxConnector) -> None:
    """only= or customers= naming what the inputs lack is a ValidationError naming them; no
    journal is created and the book stays empty."""
    store = tmp_path / "journal.db"
    with pytest.raises(ll.ValidationError, match="unknown work orders: WO-12, WO-99"):
        ll.invoice(day_of_work(), CUSTOMERS, COMPANY, book, store=store, now=NOW,
                   select=ll.WorkSelection(only="WO-1,WO-99,WO-12"))
    with pytest.raises(ll.ValidationError, match="unknown customers: nobody"):
        ll.invoice(day_of_work(), CUSTOMERS, COMPANY, book, store=store, now=NOW,
                   select=ll.WorkSelection(customers="nobody"))
    assert not store.exists() and book.invoices() == []


def test_one_then_a_chosen_set_then_all_bills_each_work_order_once(
        tmp_path: Path, book: SandboxConnector) -> None:
    """Invoicing WO-1, then WO-2 and WO-4, then all bills each of the five once (counted in the
    sandbox book), and each step bills only what it chose."""
    store, work = tmp_path / "ledgerlink.db", day_of_work()
    steps = [ll.WorkSelection(only=["WO-1"]), ll.WorkSelection(only=["WO-2", "WO-4"]),
             ll.WorkSelection()]
    seen = []
    for select in steps:
        assert ll.invoice(work, CUSTOMERS, COMPANY, book, store=store, now=NOW,
                          select=select).ok
        seen.append(set(billed(book)))
    assert seen[0] == {"WO-1"} and seen[1] == {"WO-1", "WO-2", "WO-4"}
    assert billed(book) == dict.fromkeys(["WO-1", "WO-2", "WO-3", "WO-4", "WO-5"], 1)
    again = ll.invoice(work, CUSTOMERS, COMPANY, book, store=store, now=NOW,
                       select=ll.WorkSelection())
    assert again.summary["invoices_created"] == 0 and len(book.invoices()) == 5
    assert len(ll.uninvoiced(work, CUSTOMERS, COMPANY, now=NOW, store=store,
                             connector=book)) == 0


def test_a_selection_leaves_work_already_invoiced_as_it_is_even_when_it_changed(
        tmp_path: Path, book: SandboxConnector) -> None:
    """WO-1 booked, then changed: a selection naming it neither credits nor re-invoices it
    (credits allowed), while a plain run does."""
    store, crediting = tmp_path / "ledgerlink.db", attrs.evolve(COMPANY, allow_credits=True)
    assert ll.invoice([done("WO-1", "nordisk")], CUSTOMERS, crediting, book, store=store,
                      now=NOW).ok
    changed = attrs.evolve(done("WO-1", "nordisk"),
                           lines=[ll.WorkLine("Service hours", Decimal("3"), Decimal("500"))])
    chosen = ll.invoice([changed], CUSTOMERS, crediting, book, store=store, now=NOW,
                        select=ll.WorkSelection(only="WO-1"))
    assert chosen.summary["credited"] == 0 and len(book.invoices()) == 1
    plain = ll.invoice([changed], CUSTOMERS, crediting, book, store=store, now=NOW)
    assert plain.summary["credited"] == 1


# --- the per-run posting --------------------------------------------------------------------


def test_drafts_for_this_run_while_the_policy_says_book(
        tmp_path: Path, book: SandboxConnector) -> None:
    """posting=DRAFT collects this run's work on one draft per customer; the next run without
    it books again, as the policy says."""
    store, work = tmp_path / "ledgerlink.db", day_of_work()
    assert ll.invoice(work[:4], CUSTOMERS, COMPANY, book, store=store, now=NOW,
                      select=ll.WorkSelection(), posting=ll.Posting.DRAFT).ok
    made = book.invoices()
    assert sorted(i.key or "" for i in made) == ["draft:havn:1", "draft:nordisk:1"]
    assert not any(i.booked for i in made)
    assert ll.invoice(work, CUSTOMERS, COMPANY, book, store=store, now=NOW,
                      select=ll.WorkSelection()).ok
    fifth = [i for i in book.invoices() if i.key == "inv:WO-5"]
    assert len(fifth) == 1 and fifth[0].booked
    assert billed(book) == dict.fromkeys(["WO-1", "WO-2", "WO-3", "WO-4", "WO-5"], 1)


def test_the_posting_override_never_rewrites_an_invoice_already_made(
        tmp_path: Path, book: SandboxConnector) -> None:
    """WO-1 booked, then all invoiced as drafts: WO-1's invoice stays booked and alone, the rest
    go on a draft."""
    store, work = tmp_path / "ledgerlink.db", day_of_work()
    assert ll.invoice(work, CUSTOMERS, COMPANY, book, store=store, now=NOW,
                      select=ll.WorkSelection(only="WO-1")).ok
    first = book.invoices()[0]
    assert ll.invoice(work, CUSTOMERS, COMPANY, book, store=store, now=NOW,
                      posting=ll.Posting.DRAFT).ok
    kept = next(i for i in book.invoices() if i.key == "inv:WO-1")
    assert kept == first and kept.booked
    assert billed(book) == dict.fromkeys(["WO-1", "WO-2", "WO-3", "WO-4", "WO-5"], 1)
    assert sum(1 for i in book.invoices() if not i.booked) == 2


def test_an_invoice_an_earlier_run_booked_is_still_sent_under_a_draft_override() -> None:
    """The override is for new work only: an earlier booked, unsent invoice of a sending policy
    is still e-mailed in a run making drafts."""
    sending = attrs.evolve(COMPANY, policy=ll.BillingPolicy(ll.Posting.BOOK, send=True))
    state = JournalState(
        work={"WO-1": WorkRecord("WO-1", "f", "inv:WO-1")},
        invoices={"inv:WO-1": InvoiceRecord("inv:WO-1", "nordisk", "book", send=True,
                                            remote_id="r1", booked=True)},
        customers=frozenset({"nordisk"}))
    made = plan([done("WO-1", "nordisk"), done("WO-2", "nordisk")], CUSTOMERS, sending, now=NOW,
                state=state, only=["WO-1", "WO-2"],
                override=ll.PolicyOverride(posting=ll.Posting.DRAFT))
    assert [a.kind for a in made] == ["create_invoice", "send"]
    assert isinstance(made.actions[1], Send) and made.actions[1].invoice_key == "inv:WO-1"


def test_posting_none_is_not_a_run_posting(tmp_path: Path, book: SandboxConnector) -> None:
    """posting=NONE for a run is refused before anything is written."""
    with pytest.raises(ll.ValidationError, match="draft or book"):
        ll.invoice(day_of_work(), CUSTOMERS, COMPANY, book, store=tmp_path / "j.db", now=NOW,
                   posting=ll.Posting.NONE)
    assert not (tmp_path / "j.db").exists()


# --- the rule, over any split -----------------------------------------------------------------

ORDERS = [done(f"WO-{i}", ("nordisk", "havn", "tidlig")[i % 3]) for i in range(7)]


@settings(max_examples=15, deadline=None)
@given(groups=st.lists(st.integers(0, 3), min_size=len(ORDERS), max_size=len(ORDERS)),
       order=st.permutations(range(4)),
       postings=st.lists(st.sampled_from([None, ll.Posting.DRAFT, ll.Posting.BOOK]),
                         min_size=4, max_size=4),
       repeat=st.booleans())
def test_any_split_invoiced_in_any_order_bills_each_work_order_once(
        groups: Sequence[int], order: Sequence[int], postings: Sequence[ll.Posting | None],
        repeat: bool) -> None:
    """Split the work into chosen sets, invoice them in any order (each with any posting, a set
    maybe twice): each work order is billed exactly once and together they are all the work."""
    with tempfile.TemporaryDirectory() as scratch:
        book = SandboxConnector(Path(scratch) / "book.db")
        store = ll.open_store(Path(scratch) / "ledgerlink.db")
        for group in [*order, *order[:1]] if repeat else order:
            chosen = [o.id for o, g in zip(ORDERS, groups, strict=True) if g == group]
            result = ll.invoice(ORDERS, CUSTOMERS, COMPANY, book, store=store, now=NOW,
                                select=ll.WorkSelection(only=chosen), posting=postings[group])
            assert result.ok
        assert billed(book) == {o.id: 1 for o in ORDERS}
        store.close()
        book.close()


def test_a_draft_deleted_by_hand_is_listed_from_the_journal_and_invoiced_again(
        tmp_path: Path, book: SandboxConnector) -> None:
    """WO-1's draft deleted in the book still counts as invoiced in the list (journal only);
    invoicing the selection asks first and bills WO-1 again, once."""
    store = tmp_path / "ledgerlink.db"
    assert ll.invoice(day_of_work(), CUSTOMERS, COMPANY, book, store=store, now=NOW,
                      select=ll.WorkSelection(only="WO-1"), posting=ll.Posting.DRAFT).ok
    (draft,) = book.invoices()
    book.delete(draft.provider_id)
    listed = ll.uninvoiced(day_of_work(), CUSTOMERS, COMPANY, now=NOW, store=store,
                           connector=book)
    assert "WO-1" not in states(listed)
    assert ll.invoice(day_of_work(), CUSTOMERS, COMPANY, book, store=store, now=NOW,
                      select=ll.WorkSelection(only="WO-1")).ok
    assert billed(book) == {"WO-1": 1}
