"""Which projects and items a scheduled job invoices, and the work orders it hands the planner."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.domain import Customer, InvoiceLine, WorkStatus, vat_breakdown
from ledgerlink.scheduling.model import (
    BillableItem,
    BillingLimitFilter,
    Frequency,
    InvoiceGeneration,
    ItemKind,
    JobFilters,
    Project,
    Recurrence,
    ScheduledJob,
)
from ledgerlink.scheduling.selection import JobPreview, matches, preview

CUTOFF = date(2026, 11, 30)
RUN_DAY = date(2026, 11, 30)
INVOICE_DAY = date(2026, 12, 1)
REGISTRATION_DAY = date(2026, 12, 2)
COMPLETED = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
CUSTOMERS = {
    "c1": Customer(id="c1", name="Acme ApS", currency="DKK"),
    "c2": Customer(id="c2", name="Beta AB", currency="EUR"),
}


def job(*, merge: bool = False, filters: JobFilters | None = None) -> ScheduledJob:
    return ScheduledJob(company="acme", name="Month end", recurrence=Recurrence(Frequency.DAILY),
                        generation=InvoiceGeneration(creator="ann", merge_projects=merge),
                        created_by="ann", id="job1", filters=filters or JobFilters())


def item(item_id: str, day: date, price: str = "100", *, kind: ItemKind = ItemKind.HOURS,
         quantity: str = "1", vat: str = "25") -> BillableItem:
    return BillableItem(item_id, day, kind, "Support hours", Decimal(quantity), Decimal(price),
                        Decimal(vat))


def project(pid: str = "p1", customer_id: str = "c1", *, items: Iterable[BillableItem] = (),
            **fields: object) -> Project:
    fields["items"] = tuple(items)
    return Project(pid, f"Project {pid}", customer_id, **fields)  # type: ignore[arg-type]


def run(projects: Iterable[Project], *, billed: Iterable[str] = (), merge: bool = False,
        filters: JobFilters | None = None) -> JobPreview:
    return preview(job(merge=merge, filters=filters), projects, CUSTOMERS, run_day=RUN_DAY,
                   cutoff=CUTOFF, invoice_date=INVOICE_DAY, registration_date=REGISTRATION_DAY,
                   billed=frozenset(billed), slot="2026-11-30", completed_at=COMPLETED)


def ids(items: Iterable[BillableItem]) -> list[str]:
    return [i.id for i in items]


# --- filters -----------------------------------------------------------------------

FULL = project("p1", "c1", manager="ann", department="ops", customer_group="key",
               keywords={"support", "hosting"}, billing_limit="1000")
BARE = project("p2", "c2")


@pytest.mark.parametrize(("filters", "full", "bare"), [
    (JobFilters(), True, True),
    (JobFilters(managers={"ann"}), True, False),
    (JobFilters(managers={"bob"}), False, False),
    (JobFilters(departments={"ops", "sales"}), True, False),
    (JobFilters(customer_groups="key"), True, False),
    (JobFilters(customers={"c2"}), False, True),
    (JobFilters(projects={"p1", "p2"}), True, True),
    (JobFilters(projects={"p2"}), False, True),
    (JobFilters(keywords={"hosting", "other"}), True, False),
    (JobFilters(keywords={"other"}), False, False),
    (JobFilters(billing_limit=BillingLimitFilter.WITH_LIMIT), True, False),
    (JobFilters(billing_limit=BillingLimitFilter.WITHOUT_LIMIT), False, True),
])
def test_each_filter_alone(filters: JobFilters, full: bool, bare: bool) -> None:
    """Each job filter alone matches a project by its own field, and an empty one matches all."""
    assert (matches(filters, FULL), matches(filters, BARE)) == (full, bare)


def test_filters_combine_with_and() -> None:
    """A project must match every filter of a job to be chosen."""
    both = JobFilters(managers={"ann"}, keywords={"support"})
    assert matches(both, FULL)
    assert not matches(attrs.evolve(both, departments={"sales"}), FULL)
    assert not matches(attrs.evolve(both, billing_limit=BillingLimitFilter.WITHOUT_LIMIT), FULL)
    assert not matches(JobFilters(managers={"ann"}, customers={"c2"}), FULL)


def test_preview_only_takes_matching_projects() -> None:
    """A preview takes only the matching projects and gives each item its work order id."""
    result = run([project("p1", manager="ann", items=[item("a", CUTOFF)]),
                  project("p2", manager="bob", items=[item("b", CUTOFF)])],
                 filters=JobFilters(managers={"ann"}))
    assert [p.project.id for p in result.projects] == ["p1"]
    assert result.item_work_orders() == {"a": "sched:job1:2026-11-30:p1"}


# --- cutoff and billing limit --------------------------------------------------------


def test_items_up_to_and_on_the_cutoff_day_are_billed_later_ones_are_not() -> None:
    """Items dated up to and on the cutoff day are billed; later ones are left out."""
    result = run([project(items=[item("late", date(2026, 12, 1)), item("on", CUTOFF),
                                 item("early", date(2026, 11, 2))])])
    [p] = result.projects
    assert ids(p.to_bill) == ["early", "on"] and p.held == ()


def test_a_project_with_only_later_items_is_not_listed() -> None:
    """A project whose items all fall after the cutoff is neither listed nor invoiced."""
    result = run([project(items=[item("late", date(2026, 12, 1))])])
    assert result.projects == () and result.invoices == ()


def test_items_are_taken_in_date_then_id_order() -> None:
    """A project's items are billed in date order, then by id within a day."""
    day = date(2026, 11, 5)
    result = run([project(items=[item("b", day), item("a", day), item("c", date(2026, 11, 1))])])
    assert ids(result.projects[0].to_bill) == ["c", "a", "b"]


def test_billing_exactly_up_to_the_limit_is_allowed() -> None:
    """Items adding up to exactly the billing limit are all billed."""
    result = run([project(billing_limit="300", items=[
        item("a", date(2026, 11, 1)), item("b", date(2026, 11, 2), "200")])])
    [p] = result.projects
    assert ids(p.to_bill) == ["a", "b"] and p.held == () and p.net == Decimal("300.00")


def test_the_first_item_over_the_limit_and_every_later_one_are_held() -> None:
    """The first item over the billing limit and every later one are held back."""
    result = run([project(billing_limit="250", items=[
        item("a", date(2026, 11, 1)), item("b", date(2026, 11, 2), "200"),
        item("small", date(2026, 11, 3), "10")])])
    [p] = result.projects
    # "small" would fit, but invoices follow the work's order: it waits behind "b".
    assert ids(p.to_bill) == ["a"] and ids(p.held) == ["b", "small"]


def test_items_billed_before_count_against_the_limit() -> None:
    """Items billed by earlier runs count against the project's billing limit."""
    result = run([project(billing_limit="300", items=[
        item("old", date(2026, 10, 1), "250"), item("a", date(2026, 11, 1), "50"),
        item("b", date(2026, 11, 2), "1")])], billed={"old"})
    [p] = result.projects
    assert p.billed_before == Decimal("250.00")
    assert ids(p.to_bill) == ["a"] and ids(p.held) == ["b"]


def test_a_project_with_everything_held_is_listed_but_not_invoiced() -> None:
    """A project whose items are all held is listed with them, and no invoice is made."""
    result = run([project(billing_limit="0", items=[item("a", CUTOFF)])])
    assert ids(result.projects[0].held) == ["a"] and result.invoices == ()


# --- amounts ---------------------------------------------------------------------------


def test_totals_round_per_line_and_vat_once_per_rate_in_the_customers_currency() -> None:
    """A preview's totals round each line and VAT once per rate, as the invoice will."""
    items = [item("a", CUTOFF, "0.333", quantity="3"), item("b", CUTOFF, "0.335"),
             item("c", CUTOFF, "10.005", vat="0")]
    [inv] = run([project("p2", "c2", items=items)]).invoices
    lines = [InvoiceLine.from_work(line, "k") for line in inv.work_order.lines]
    expected_vat = sum((v.vat.amount for v in vat_breakdown(lines, "EUR")), Decimal(0))
    assert inv.currency == "EUR"
    assert inv.net == sum((ln.net("EUR") for ln in lines), Decimal(0)) == Decimal("11.35")
    assert inv.vat == expected_vat == Decimal("0.34")
    assert inv.gross == Decimal("11.69")


def test_totals_by_currency() -> None:
    """Run totals give net, VAT, gross and invoice count per currency."""
    result = run([project("p1", "c1", items=[item("a", CUTOFF)]),
                  project("p2", "c1", items=[item("b", CUTOFF)]),
                  project("p3", "c2", items=[item("c", CUTOFF, "10")])])
    assert [(t.currency, t.net, t.vat, t.gross, t.invoices) for t in result.totals()] == [
        ("DKK", Decimal("200.00"), Decimal("50.00"), Decimal("250.00"), 2),
        ("EUR", Decimal("10.00"), Decimal("2.50"), Decimal("12.50"), 1),
    ]


# --- work orders -------------------------------------------------------------------------


def test_one_work_order_per_project_with_the_run_dates() -> None:
    """Each project becomes one work order with a stable id, the run's dates and dated lines."""
    result = run([project("p2", items=[item("x", CUTOFF)]),
                  project("p1", items=[item("y", CUTOFF, kind=ItemKind.FEE),
                                       item("z", date(2026, 11, 3), kind=ItemKind.EXPENSE)])])
    first, second = result.invoices
    order = first.work_order
    assert (order.id, second.work_order.id) == ("sched:job1:2026-11-30:p1",
                                                "sched:job1:2026-11-30:p2")
    assert order.customer_id == "c1" and order.project == "Project p1"
    assert order.status is WorkStatus.COMPLETED and order.completed_at == COMPLETED
    assert (order.invoice_date, order.registration_date) == (INVOICE_DAY, REGISTRATION_DAY)
    assert (first.invoice_date, first.registration_date) == (INVOICE_DAY, REGISTRATION_DAY)
    # Hours and expenses carry their day; a fee's text names its period already.
    assert [ln.description for ln in order.lines] == ["2026-11-03 Support hours",
                                                      "Support hours"]
    assert result.item_work_orders() == {"z": order.id, "y": order.id,
                                         "x": second.work_order.id}


def test_merged_projects_make_one_work_order_per_customer() -> None:
    """Merging makes one work order per customer, its lines grouped by project in id order."""
    result = run([project("p2", items=[item("b", date(2026, 11, 1))]),
                  project("p1", items=[item("a", date(2026, 11, 9))]),
                  project("p3", "c2", items=[item("c", CUTOFF)])], merge=True)
    acme, beta = result.invoices
    assert acme.work_order.id == "sched:job1:2026-11-30:customer:c1"
    assert acme.project_ids == ("p1", "p2") and acme.work_order.project == "Project p1, Project p2"
    # Lines grouped by project, projects in id order (not by date across projects).
    assert [ln.description for ln in acme.work_order.lines] == [
        "2026-11-09 Support hours", "2026-11-01 Support hours"]
    assert acme.net == Decimal("200.00") and acme.customer_name == "Acme ApS"
    assert beta.work_order.id == "sched:job1:2026-11-30:customer:c2"
    assert result.item_work_orders() == {"a": acme.work_order.id, "b": acme.work_order.id,
                                         "c": beta.work_order.id}


def test_merging_skips_a_project_with_nothing_to_bill() -> None:
    """A merged invoice leaves out a project that has nothing to bill."""
    result = run([project("p1", items=[item("a", CUTOFF)]),
                  project("p2", billing_limit="0", items=[item("b", CUTOFF)])], merge=True)
    [inv] = result.invoices
    assert inv.project_ids == ("p1",) and len(result.projects) == 2


def test_the_same_inputs_give_the_same_work_orders() -> None:
    """The same projects in any order give the same work orders and fingerprints."""
    projects = [project(f"p{i}", items=[item(f"i{i}", CUTOFF)]) for i in range(5)]
    first, again = run(projects), run(reversed(projects))
    assert first.work_orders() == again.work_orders()
    assert [o.fingerprint() for o in first.work_orders()] == [
        o.fingerprint() for o in again.work_orders()]


def test_a_project_of_an_unknown_customer_is_skipped_and_named() -> None:
    """A project of an unknown customer is skipped and named with the customer in a problem."""
    result = run([project("p1", items=[item("a", CUTOFF)]),
                  project("p9", "nobody", items=[item("b", CUTOFF)])])
    assert [p.project.id for p in result.projects] == ["p1"]
    [problem] = result.problems
    assert "p9" in problem and "'nobody'" in problem


# --- the partition property -------------------------------------------------------------


@st.composite
def projects_with_items(draw: st.DrawFn) -> tuple[Project, frozenset[str]]:
    count = draw(st.integers(0, 12))
    items = [
        BillableItem(f"i{n}", draw(st.dates(date(2026, 10, 1), date(2026, 12, 31))),
                     draw(st.sampled_from(list(ItemKind))), "Work",
                     draw(st.decimals("0", "20", places=2)),
                     draw(st.decimals("0", "500", places=3)),
                     draw(st.sampled_from([Decimal(0), Decimal(25)])))
        for n in range(count)
    ]
    limit = draw(st.none() | st.decimals("0", "5000", places=2))
    billed = frozenset(draw(st.sets(st.sampled_from([i.id for i in items]))) if items else ())
    return project(items=items, billing_limit=limit), billed


@given(projects_with_items())
def test_every_item_is_billed_held_billed_before_or_after_the_cutoff(
    case: tuple[Project, frozenset[str]],
) -> None:
    """Every item is exactly one of billed, held, billed before or after the cutoff."""
    proj, billed = case
    result = run([proj], billed=billed)
    to_bill, held = ((set(ids(result.projects[0].to_bill)), set(ids(result.projects[0].held)))
                     if result.projects else (set(), set()))
    later = {i.id for i in proj.items if i.id not in billed and i.date > CUTOFF}
    parts = [to_bill, held, set(billed), later]
    assert sum(map(len, parts)) == len(proj.items)
    assert set().union(*parts) == {i.id for i in proj.items}
    if result.projects:
        p = result.projects[0]
        if proj.billing_limit is not None:
            assert p.billed_before + p.net <= proj.billing_limit or not p.to_bill
        dates = [i.date for i in (*p.to_bill, *p.held)]
        assert dates == sorted(dates)
        # The totals are what the invoice of these items will add up to.
        lines = [InvoiceLine(i.description, i.quantity, i.unit_price, i.vat_rate)
                 for i in p.to_bill]
        assert p.net == sum((ln.net("DKK") for ln in lines), Decimal(0))
        assert p.vat == sum((v.vat.amount for v in vat_breakdown(lines, "DKK")), Decimal(0))
        assert p.gross == p.net + p.vat


def test_project_and_item_ids_are_held_to_the_journals_length() -> None:
    """Project and item ids longer than the journal allows are refused by field."""
    from ledgerlink.domain import MAX_ID_LENGTH
    from ledgerlink.errors import ValidationError

    long = "x" * (MAX_ID_LENGTH + 1)
    with pytest.raises(ValidationError, match="at most") as caught:
        Project(long, "Name", "c1")
    assert caught.value.field == "id"
    with pytest.raises(ValidationError, match="at most") as caught:
        BillableItem(long, date(2026, 11, 1), ItemKind.FEE, "Fee", 1, 1)
    assert caught.value.field == "id"
