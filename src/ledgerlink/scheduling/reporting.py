"""Internal: a scheduled run's transfer log and the report people are sent.

The job's log is built from the exactly-once runner's own transfer log for the
run (what the accounting system answered: ids, numbers, totals, its error text)
joined with what the job selected (which projects each invoice bills) and who
invoiced. One ``invoice`` entry per invoice the run created or added lines to,
one ``error`` entry per failure with the provider's text verbatim, one
``notice`` entry per item the plan left alone or the billing limit held back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ledgerlink.plans import CreateInvoice, ReplaceLines
from ledgerlink.runner import RunResult
from ledgerlink.scheduling.model import ScheduledJob
from ledgerlink.scheduling.notify import ReportedError, ReportedInvoice, RunReport
from ledgerlink.scheduling.selection import JobPreview
from ledgerlink.store.schedules import ScheduleLogEntry, ScheduleRun

__all__ = ["log_entries", "notification_entry", "report_for"]

#: Runner actions that put this run's work on an invoice.
_INVOICING = ("create_invoice", "replace_lines", "book")


def _entry(job: ScheduledJob, run: ScheduleRun, kind: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(
        ("customer_id", "projects", "invoice_key", "provider_id", "number", "amount",
         "currency", "message"))
    row.update(run_id=run.run_id, job_id=job.id, at=datetime.now(UTC).isoformat(),
               kind=kind, creator=job.generation.creator)
    row.update(values)
    row["message"] = row["message"] or ""
    return row


def _projects_by_invoice(result: RunResult, selected: JobPreview) -> dict[str, str]:
    """Invoice key → the projects (comma-joined ids) this run put on it."""
    by_order = {inv.work_order.id: inv.project_ids for inv in selected.invoices}
    out: dict[str, list[str]] = {}
    for action in result.plan.actions:
        if isinstance(action, CreateInvoice):
            orders = [order.id for order, _ in action.work]
            key = action.key
        elif isinstance(action, ReplaceLines):
            orders, key = [action.order.id], action.invoice_key
        else:
            continue
        for order_id in orders:
            out.setdefault(key, []).extend(by_order.get(order_id, ()))
    return {key: ", ".join(dict.fromkeys(ids)) for key, ids in out.items()}


def log_entries(job: ScheduledJob, run: ScheduleRun, selected: JobPreview | None,
                result: RunResult | None, *, error: str) -> list[dict[str, Any]]:
    """The job's transfer-log rows for one finished run."""
    rows: list[dict[str, Any]] = []
    if error:
        rows.append(_entry(job, run, "error", message=error))
    if selected is not None:
        for project in selected.projects:
            if project.held:
                rows.append(_entry(job, run, "notice", customer_id=project.project.customer_id,
                                   projects=project.project.id,
                                   message=f"{len(project.held)} items held back by the "
                                           f"billing limit {project.project.billing_limit}"))
        rows.extend(_entry(job, run, "notice", message=problem) for problem in selected.problems)
    if result is None or selected is None:
        return rows
    projects = _projects_by_invoice(result, selected)
    ours = {inv.work_order.id for inv in selected.invoices}
    for notice in result.plan.notices:
        if notice.subject in ours:
            rows.append(_entry(job, run, "notice", customer_id=notice.customer_id,
                               invoice_key=notice.subject, message=notice.reason))
    invoices: dict[str, dict[str, Any]] = {}
    for line in result.store.log(run_id=result.run_id):
        if line.subject not in projects and line.action != "send":
            continue
        if line.outcome == "failed":
            rows.append(_entry(job, run, "error", customer_id=line.customer_id,
                               projects=projects.get(line.subject), invoice_key=line.subject,
                               message=f"{line.action}: {line.message}"))
            continue
        if line.action not in _INVOICING or line.outcome not in ("ok", "recovered"):
            continue
        row = invoices.setdefault(line.subject, _entry(
            job, run, "invoice", customer_id=line.customer_id,
            projects=projects.get(line.subject), invoice_key=line.subject))
        for name in ("remote_id", "number", "amount", "currency"):
            value = getattr(line, name)
            if value is not None:
                row["provider_id" if name == "remote_id" else name] = value
    rows.extend(invoices.values())
    rows.extend(_made_before(job, run, selected, result))
    return rows


def _made_before(job: ScheduledJob, run: ScheduleRun, selected: JobPreview,
                 result: RunResult) -> list[dict[str, Any]]:
    """Entries for this run's invoices an earlier attempt made (a worker that died).

    A resumed run reproduces the dead worker's work orders; those already in
    the journal are not planned again, so the runner's log of this attempt
    does not name them. The journal does.
    """
    planned = {order.id for action in result.plan.actions if isinstance(action, CreateInvoice)
               for order, _ in action.work}
    planned |= {action.order.id for action in result.plan.actions
                if isinstance(action, ReplaceLines)}
    earlier = {inv.work_order.id: inv for inv in selected.invoices
               if inv.work_order.id not in planned}
    if not earlier:
        return []
    # Only these work orders and their invoices are read, not the book's history.
    work = result.store.work_of(result.book, earlier)
    keys = {work[order_id].invoice_key: inv for order_id, inv in earlier.items()
            if order_id in work}
    return [_entry(job, run, "invoice", customer_id=facts.customer_id,
                   projects=", ".join(keys[facts.key].project_ids), invoice_key=facts.key,
                   provider_id=facts.remote_id, number=facts.number,
                   amount=facts.total, currency=facts.currency,
                   message="made by an earlier attempt of this run")
            for facts in result.store.invoice_facts(result.book, keys=keys)]


def notification_entry(job: ScheduledJob, run: ScheduleRun, route: str) -> dict[str, Any]:
    """The log row saying how the run's notification went."""
    who = ", ".join(str(r) for r in job.generation.notify)
    return _entry(job, run, "error" if route.startswith("failed") else "notification",
                  message=f"notified {who} via {route}")


def report_for(job: ScheduledJob, run: ScheduleRun, selected: JobPreview | None,
               entries: Sequence[ScheduleLogEntry]) -> RunReport:
    """What the people the job names are told about ``run``."""
    names = ({inv.customer_id: inv.customer_name for inv in selected.invoices}
             if selected is not None else {})
    invoices = tuple(
        ReportedInvoice(
            customer_id=e.customer_id or "", customer_name=names.get(e.customer_id or "", ""),
            projects=tuple(p for p in (e.projects or "").split(", ") if p),
            invoice_key=e.invoice_key or "", provider_id=e.provider_id, number=e.number,
            amount=Decimal(e.amount) if e.amount else Decimal(0), currency=e.currency or "")
        for e in entries if e.kind == "invoice")
    errors = tuple(
        ReportedError(customer_id=e.customer_id or "",
                      projects=tuple(p for p in (e.projects or "").split(", ") if p),
                      message=e.message)
        for e in entries if e.kind == "error")
    held = tuple(f"project {e.projects}: {e.message}" if e.projects else e.message
                 for e in entries if e.kind == "notice")
    return RunReport(
        job_id=job.id, job_name=job.name, company=job.company, run_id=run.run_id,
        scheduled_for=run.scheduled_for, trigger=run.trigger,
        started_at=datetime.fromisoformat(run.claimed_at),
        finished_at=datetime.fromisoformat(run.finished_at or run.claimed_at),
        # An aborted run failed as far as the people told are concerned; its error
        # says that nothing was written and that it runs again.
        state="failed" if run.state == "aborted" else run.state,
        invoices=invoices, errors=errors, held=held,
        creator=job.generation.creator,
    )
