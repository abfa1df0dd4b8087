"""A small company with projects, customers and a sandbox book, for scheduler tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledgerlink.domain import Company, Customer
from ledgerlink.sandbox.connector import SandboxConnector
from ledgerlink.scheduling.model import (
    BillableItem,
    DateRule,
    Frequency,
    InvoiceGeneration,
    InvoiceStatusToCreate,
    ItemKind,
    JobFilters,
    MonthlyDay,
    Project,
    Recurrence,
    ScheduledJob,
)
from ledgerlink.scheduling.runs import Scheduler, Workspace
from ledgerlink.store import Store

COMPANY = "acme"
MONTHLY_LAST_DAY = Recurrence(Frequency.MONTHLY, monthly=MonthlyDay.LAST_DAY)
DAILY = Recurrence(Frequency.DAILY)


def fee(item_id: str, day: date, price: str = "100") -> BillableItem:
    return BillableItem(item_id, day, ItemKind.FEE, "Licence fee", 1, Decimal(price))


def hours(item_id: str, day: date, qty: str = "2", price: str = "650") -> BillableItem:
    return BillableItem(item_id, day, ItemKind.HOURS, "Support", Decimal(qty), Decimal(price))


def projects() -> list[Project]:
    """Two projects for customer c1 (managers ann and bob), one limited one for c2."""
    return [
        Project("P1", "Licences", "c1", manager="ann", department="north",
                keywords={"licence"},
                items=(fee("P1-sep", date(2026, 9, 1)), fee("P1-oct", date(2026, 10, 1)),
                       fee("P1-nov", date(2026, 11, 1)))),
        Project("P2", "Support", "c1", manager="bob", department="north",
                items=(hours("P2-a", date(2026, 10, 6)), hours("P2-b", date(2026, 10, 20)))),
        Project("P3", "Rollout", "c2", manager="ann", department="south",
                billing_limit=Decimal("2000"),
                items=(hours("P3-a", date(2026, 10, 2)), hours("P3-b", date(2026, 10, 9)),
                       hours("P3-c", date(2026, 10, 16)))),
    ]


def customers() -> list[Customer]:
    return [Customer("c1", "Nordlys ApS", email="bill@nordlys.dk"),
            Customer("c2", "Fjord A/S", email="ap@fjord.dk")]


def job(name: str = "Monthly", *, recurrence: Recurrence = MONTHLY_LAST_DAY,
        status: InvoiceStatusToCreate = InvoiceStatusToCreate.BOOKED, merge: bool = False,
        filters: JobFilters | None = None, creator: str = "ann",
        include_up_to: DateRule = DateRule.RUN_DAY, starts_on: date | None = date(2026, 10, 1),
        notify: Sequence[str] = ()) -> ScheduledJob:
    from ledgerlink.scheduling.model import Recipient

    return ScheduledJob(
        COMPANY, name, recurrence,
        InvoiceGeneration(creator, status=status, merge_projects=merge,
                          notify=tuple(Recipient.parse(n) for n in notify)),
        created_by="ann", include_up_to=include_up_to, filters=filters or JobFilters(),
        starts_on=starts_on)


class Books:
    """One company's workspace on files under ``root`` (reopened per call, like workers do)."""

    def __init__(self, root: Path, project_list: Sequence[Project] | None = None) -> None:
        self.root = root
        self.projects = list(project_list if project_list is not None else projects())
        self.connector = SandboxConnector(root / "book.db")

    def workspace(self, company: str) -> Workspace:
        assert company == COMPANY, company
        return Workspace(Company("Acme"), self.projects, customers(), self.connector)

    def scheduler(self, store: Store | None = None, **kwargs: Any) -> Scheduler:
        return Scheduler(store or Store(self.root / "ledgerlink.db"), self.workspace, **kwargs)

    def invoices(self) -> list[tuple[str, str, Decimal]]:
        """(customer name, reference, total) of every invoice in the sandbox book, oldest first."""
        import sqlite3

        with sqlite3.connect(self.root / "book.db") as db:
            rows = db.execute(
                "SELECT c.name, i.reference, i.total FROM invoices i "
                "JOIN customers c ON c.id = i.customer_id ORDER BY i.id").fetchall()
        return [(name, ref, Decimal(total)) for name, ref, total in rows]
