"""Invoice and registration dates chosen by the caller, through planner, runner and sandbox."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink import (
    BillingPolicy,
    Company,
    Customer,
    Posting,
    Timing,
    WorkLine,
    WorkOrder,
    WorkStatus,
)
from ledgerlink.api import invoice
from ledgerlink.errors import ConflictError, ValidationError
from ledgerlink.loading import load_work_orders, save_work_orders
from ledgerlink.planning import plan
from ledgerlink.plans import CreateInvoice, InvoiceRecord, JournalState, ReplaceLines
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.store import Store

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # run day 2026-11-22 in Copenhagen
RUN_DAY = date(2026, 11, 22)
TERMS = 8


def company(posting: Posting = Posting.BOOK, terms: int = TERMS,
            timing: Timing = Timing.ON_COMPLETION) -> Company:
    return Company("Test ApS", policy=BillingPolicy(posting, timing, False, terms))


CUSTOMER = Customer(id="c1", name="Customer 1", email="c1@example.dk")


def order(oid: str, *, invoice_date: date | None = None,
          registration_date: date | None = None, planned: date | None = None) -> WorkOrder:
    return WorkOrder(id=oid, customer_id="c1", status=WorkStatus.COMPLETED,
                     completed_at=NOW - timedelta(hours=1), planned_date=planned,
                     lines=[WorkLine("Hours", Decimal(2), Decimal("500"))],
                     invoice_date=invoice_date, registration_date=registration_date)


def creates(orders: list[WorkOrder], c: Company, state: JournalState | None = None,
            ) -> list[CreateInvoice]:
    actions = plan(orders, [CUSTOMER], c, now=NOW, state=state)
    return [a for a in actions if isinstance(a, CreateInvoice)]


# --- planner -------------------------------------------------------------------------


def test_without_dates_the_run_day_dates_the_invoice_as_before() -> None:
    """A work order without dates is issued on the run day, due after the terms."""
    [create] = creates([order("w1")], company())
    draft = create.draft()
    assert (draft.issue_date, draft.due_date) == (RUN_DAY, RUN_DAY + timedelta(days=TERMS))
    assert create.registration_date is None and draft.registration_date is None
    assert draft.registered_on == RUN_DAY


def test_booked_invoices_each_take_their_own_work_orders_dates() -> None:
    """Each booked invoice takes its own work order's dates; one without dates keeps the run day."""
    first, second = date(2026, 10, 31), date(2026, 11, 30)
    by_key = {c.key: c.draft() for c in creates(
        [order("w1", invoice_date=first, registration_date=date(2026, 11, 1)),
         order("w2", invoice_date=second), order("w3")], company())}
    one, two, three = by_key["inv:w1"], by_key["inv:w2"], by_key["inv:w3"]
    assert (one.issue_date, one.due_date, one.registered_on) == (
        first, first + timedelta(days=TERMS), date(2026, 11, 1))
    assert (two.issue_date, two.due_date, two.registered_on) == (
        second, second + timedelta(days=TERMS), second)
    # A work order without dates in the same run keeps the run day.
    assert (three.issue_date, three.registered_on) == (RUN_DAY, RUN_DAY)


def test_an_invoice_date_wins_over_the_planned_work_day_before_work() -> None:
    """Invoicing before work, an invoice date wins over the planned work day."""
    c = company(timing=Timing.BEFORE_WORK)
    [create] = creates([order("w1", invoice_date=date(2026, 11, 1),
                              planned=date(2026, 12, 5))], c)
    assert create.issue_date == date(2026, 11, 1)
    [plain] = creates([order("w2", planned=date(2026, 12, 5))], c)
    assert plain.issue_date == date(2026, 12, 5)


def test_a_new_draft_takes_the_first_work_orders_dates() -> None:
    """A new draft takes the dates of its earliest work order."""
    first = order("w1", invoice_date=date(2026, 11, 30), registration_date=date(2026, 12, 1))
    later = order("w2", invoice_date=date(2026, 12, 15), registration_date=date(2026, 12, 16))
    [create] = creates([later, first], company(Posting.DRAFT))
    draft = create.draft()
    assert (draft.issue_date, draft.due_date, draft.registration_date) == (
        date(2026, 11, 30), date(2026, 12, 8), date(2026, 12, 1))
    assert {ln.source_key for ln in draft.lines} == {"wo:w1", "wo:w2"}


def test_a_new_draft_without_dates_keeps_the_run_day() -> None:
    """A new draft whose work order has no invoice date is issued on the run day."""
    [create] = creates([order("w1", registration_date=date(2026, 12, 1))],
                       company(Posting.DRAFT))
    assert create.issue_date == RUN_DAY and create.registration_date == date(2026, 12, 1)


def test_collecting_onto_an_open_draft_leaves_its_dates_alone() -> None:
    """Work collected onto an open draft only replaces its lines, leaving its dates."""
    state = JournalState(invoices={"draft:c1:1": InvoiceRecord("draft:c1:1", "c1", "draft",
                                                               remote_id="INV-1")},
                         customers=frozenset({"c1"}), drafts_opened={"c1": 1})
    actions = plan([order("w1", invoice_date=date(2026, 12, 31))], [CUSTOMER],
                   company(Posting.DRAFT), now=NOW, state=state)
    assert [type(a) for a in actions] == [ReplaceLines]


@given(invoice_day=st.dates(date(2000, 1, 1), date(2099, 12, 31)),
       terms=st.integers(0, 365),
       registration=st.none() | st.dates(date(2000, 1, 1), date(2099, 12, 31)),
       posting=st.sampled_from([Posting.BOOK, Posting.DRAFT]))
def test_issue_is_the_invoice_date_and_due_adds_the_terms(
    invoice_day: date, terms: int, registration: date | None, posting: Posting,
) -> None:
    """Any invoice date is the issue date, due adds the terms, and registration defaults to it."""
    [create] = creates([order("w1", invoice_date=invoice_day, registration_date=registration)],
                       company(posting, terms))
    draft = create.draft()
    assert draft.issue_date == invoice_day
    assert draft.due_date == invoice_day + timedelta(days=terms)
    assert draft.registered_on == (registration if registration is not None else invoice_day)


def test_dates_are_not_part_of_what_was_billed() -> None:
    """Re-dating work already invoiced neither replaces nor credits it."""
    assert order("w1").fingerprint() == order("w1", invoice_date=date(2026, 1, 1),
                                              registration_date=date(2026, 1, 2)).fingerprint()


@pytest.mark.parametrize("field", ["invoice_date", "registration_date"])
@pytest.mark.parametrize("value", ["2026-11-30", datetime(2026, 11, 30, tzinfo=UTC)])
def test_a_date_field_that_is_not_a_day_names_the_field(field: str, value: object) -> None:
    """An invoice or registration date given as text or a datetime is refused by field."""
    with pytest.raises(ValidationError) as err:
        WorkOrder(id="w1", customer_id="c1", lines=[], completed_at=NOW,
                  **{field: value})  # type: ignore[arg-type]
    assert err.value.field == field


# --- loading -----------------------------------------------------------------------


def test_json_work_orders_load_and_save_the_dates(tmp_path: Path) -> None:
    """JSON work orders save and load their dates, and files without them still load."""
    path = tmp_path / "orders.json"
    dated = order("w1", invoice_date=date(2026, 11, 30), registration_date=date(2026, 12, 1))
    save_work_orders([dated, order("w2")], path)
    assert json.loads(path.read_text())[0]["invoice_date"] == "2026-11-30"
    assert load_work_orders(path) == [dated, order("w2")]
    legacy = [{k: v for k, v in item.items() if k not in ("invoice_date", "registration_date")}
              for item in json.loads(path.read_text())]
    path.write_text(json.dumps(legacy))
    assert [o.invoice_date for o in load_work_orders(path)] == [None, None]


def test_csv_work_orders_still_load_without_the_dates(tmp_path: Path) -> None:
    """CSV work orders have no date columns: saved dates are left out and loading works."""
    path = tmp_path / "orders.csv"
    save_work_orders([order("w1", invoice_date=date(2026, 11, 30))], path)
    [loaded] = load_work_orders(path)
    assert loaded == order("w1")  # CSV has no date columns: the dates are left out


# --- through the runner to the sandbox ----------------------------------------------


def test_the_sandbox_stores_the_registration_date_and_prints_it(tmp_path: Path) -> None:
    """The sandbox book keeps each invoice's registration date and prints it when set."""
    book = SandboxConnector(tmp_path / "book.db")
    orders = [order("w1", invoice_date=date(2026, 11, 30), registration_date=date(2026, 12, 1)),
              order("w2", invoice_date=date(2026, 11, 30))]
    result = invoice(orders, [CUSTOMER], company(), book, now=NOW,
                     store=Store(tmp_path / "journal.db"))
    assert result.ok
    by_key = {i.key: i for i in book.invoices()}
    dated, plain = by_key["inv:w1"], by_key["inv:w2"]
    assert (dated.issue_date, dated.due_date) == (date(2026, 11, 30), date(2026, 12, 8))
    assert book.registration_date(dated.provider_id) == date(2026, 12, 1)
    assert book.registration_date(plain.provider_id) == date(2026, 11, 30)
    assert b"Registration date: 2026-12-01" in book.pdf(dated.provider_id)
    assert b"Registration date" not in book.pdf(plain.provider_id)
    book.close()


def test_a_book_made_before_registration_dates_opens_and_records_them(
    tmp_path: Path,
) -> None:
    """A sandbox book from before registration dates opens; old invoices date by issue day."""
    path = tmp_path / "old.db"
    book = SandboxConnector(path)
    ref = book.create_customer(CUSTOMER)
    old = book.create_invoice(
        creates([order("w1")], company())[0].draft(), ref, {})
    book.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE registration_dates")
    conn.close()
    book = SandboxConnector(path)
    assert book.registration_date(old.provider_id) == old.issue_date
    new = book.create_invoice(creates([order(
        "w2", registration_date=date(2026, 12, 24))], company())[0].draft(), ref, {})
    assert book.registration_date(new.provider_id) == date(2026, 12, 24)
    book.close()


def test_a_duplicate_key_with_a_registration_date_leaves_nothing_behind(
    tmp_path: Path,
) -> None:
    """A refused duplicate invoice leaves no second invoice and the first's date as it was."""
    book = SandboxConnector(tmp_path / "book.db")
    ref = book.create_customer(CUSTOMER)
    draft = creates([order("w1", registration_date=date(2026, 12, 24))], company())[0].draft()
    first = book.create_invoice(draft, ref, {})
    with pytest.raises(ConflictError):
        book.create_invoice(draft, ref, {})
    assert [i.provider_id for i in book.invoices()] == [first.provider_id]
    assert book.registration_date(first.provider_id) == date(2026, 12, 24)
    book.close()
