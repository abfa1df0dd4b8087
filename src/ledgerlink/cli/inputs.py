"""Internal: reading the commands' input: files checked together, instants, journal paths.

Every file is validated before anything is written; bad input is a
ValidationError naming the file, row and field.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledgerlink.errors import ValidationError

if TYPE_CHECKING:
    from ledgerlink.delivery import DeliveryChannels
    from ledgerlink.domain import Company, Customer, WorkOrder

__all__ = ["delivery_channels", "load_inputs", "load_with_customers", "missing_file",
           "parse_now"]


def parse_now(value: str | None) -> datetime:
    """``--now``: an ISO 8601 instant with a UTC offset, or the current time."""
    if value is None:
        return datetime.now(UTC)
    try:
        now = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError("not an ISO 8601 instant", field="--now", value=value) from None
    if now.tzinfo is None:
        raise ValidationError("needs a UTC offset, e.g. 2026-11-22T23:00+01:00",
                              field="--now", value=value)
    return now


def load_with_customers(load: Callable[[], Any], customers: Path, policy: Path | None
                        ) -> tuple[Any, list[Customer], Company]:
    """Run ``load`` and read the customers and policy files, reporting every file's
    problems at once; the customers come with the policy file's overrides applied."""
    from ledgerlink import loading
    from ledgerlink.domain import Company

    problems: list[ValidationError] = []
    loaded: dict[str, Any] = {}
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("main", load),
        ("customers", lambda: loading.load_customers(customers)),
    ]
    if policy is not None:
        steps.append(("policy", lambda: loading.load_policy(policy)))
    for name, step in steps:
        try:
            loaded[name] = step()
        except ValidationError as err:
            problems.append(err)
    if problems:
        raise problems[0] if len(problems) == 1 else ValidationError(
            "the input files have problems", problems=problems)
    company = Company("My company")
    people: list[Customer] = loaded["customers"]
    if "policy" in loaded:
        company = loaded["policy"].company
        people = loading.apply_overrides(people, loaded["policy"].overrides, source=str(policy),
                                          deliveries=loaded["policy"].deliveries)
    return loaded["main"], people, company


def load_inputs(work: Path, customers: Path, policy: Path | None) -> tuple[
        list[WorkOrder], list[Customer], Company]:
    """Load and cross-check every input file before anything is written."""
    from ledgerlink import loading

    orders, people, company = load_with_customers(
        lambda: loading.load_work_orders(work), customers, policy)
    known = {c.id for c in people}
    if any(o.customer_id not in known for o in orders):
        # Only the loader knows rows: read again with the customers known, so
        # each unknown customer is named by file, row and column.
        orders = loading.load_work_orders(work, customer_ids=known)
    return orders, people, company


def delivery_channels(policy: Path | None) -> DeliveryChannels | None:
    """The channels the policy file's ``[channels.*]`` tables set up (None: none); a
    table that cannot be opened is a ValidationError naming the file and the table."""
    if policy is None:
        return None
    from ledgerlink import loading
    from ledgerlink.delivery import DeliveryChannels
    from ledgerlink.errors import DeliveryError

    settings = loading.load_policy(policy).channels
    if not settings:
        return None
    try:
        return DeliveryChannels.from_settings(settings)
    except DeliveryError as err:
        # A table that cannot be opened is bad input, like any other in the file.
        raise ValidationError(str(err), source=str(policy)) from err


def missing_file(target: str) -> bool:
    """True for a SQLite path (not a URL) whose file does not exist yet."""
    return "://" not in target and not Path(target).exists()
