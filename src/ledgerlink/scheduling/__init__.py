"""Scheduled invoicing jobs: recurring fees and billable items invoiced on a calendar.

See ``docs/scheduling.md``. The engine is :class:`Scheduler`; the calendar
rules live in :mod:`ledgerlink.scheduling.calendar`, previews in
:mod:`.selection`, notifications in :mod:`.notify`.
"""

import importlib
from typing import TYPE_CHECKING, Any

from ledgerlink.scheduling.model import (
    BillableItem,
    BillingLimitFilter,
    DateRule,
    Frequency,
    InvoiceGeneration,
    InvoiceStatusToCreate,
    ItemKind,
    JobFilters,
    MonthlyDay,
    Project,
    Recipient,
    Recurrence,
    ScheduledJob,
    Weekday,
)

if TYPE_CHECKING:
    from ledgerlink.scheduling.files import load_projects, save_projects
    from ledgerlink.scheduling.notify import NotificationError, SmtpNotifier, SmtpSettings
    from ledgerlink.scheduling.runs import JobListing, JobRun, Scheduler, Workspace
    from ledgerlink.scheduling.selection import InvoicePreview, JobPreview, ProjectPreview

# The engine imports the journal store (SQLAlchemy) and the runner: loading it
# on first use keeps ``import ledgerlink.scheduling`` (the job types) cheap.
_LAZY = {
    "NotificationError": "notify", "SmtpNotifier": "notify", "SmtpSettings": "notify",
    "JobListing": "runs", "JobRun": "runs", "Scheduler": "runs", "Workspace": "runs",
    "InvoicePreview": "selection", "JobPreview": "selection", "ProjectPreview": "selection",
    "load_projects": "files", "save_projects": "files",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)

__all__ = [
    "BillableItem",
    "BillingLimitFilter",
    "DateRule",
    "Frequency",
    "InvoiceGeneration",
    "InvoicePreview",
    "InvoiceStatusToCreate",
    "ItemKind",
    "JobFilters",
    "JobListing",
    "JobPreview",
    "JobRun",
    "MonthlyDay",
    "NotificationError",
    "Project",
    "ProjectPreview",
    "Recipient",
    "Recurrence",
    "ScheduledJob",
    "Scheduler",
    "SmtpNotifier",
    "SmtpSettings",
    "Weekday",
    "Workspace",
    "load_projects",
    "save_projects",
]
