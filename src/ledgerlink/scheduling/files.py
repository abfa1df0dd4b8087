"""Internal: project files and the command-line words of scheduled jobs.

Projects with their billable items are a ``.json`` list (the converter's shape,
keywords as a list) or a ``.csv`` file with one row per billable item, read the
way :mod:`ledgerlink.loading` reads work orders: rows sharing a
``project_id`` form one project, the project columns must agree across its
rows, a row whose item columns are all blank adds no item. Every problem of a
file is raised at once, each naming the file, the row and the column (CSV) or
the list index and field path (JSON); nothing is half-loaded. Item ids must be
unique across the file: the journal bills each id once.

The CLI grammar of a recurrence (``daily``, ``weekdays``, ``weekly:friday``,
``monthly:last-weekday``, ``monthly:15`` ...) and of a date rule
(``last-day-of-previous-month`` or with underscores) is parsed and formatted
here too, so the words live next to each other and round-trip.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import cattrs

from ledgerlink.convert import structure, unstructure
from ledgerlink.csvformat import col, flatten, make_csv_converter, text
from ledgerlink.errors import ValidationError
from ledgerlink.rows import (
    TABLE_SUFFIXES,
    PathArg,
    all_problems,
    check_suffix,
    check_unique,
    fold_rows,
    group_rows,
    placed,
    read_json,
    read_records,
    row_order,
    save_table,
)
from ledgerlink.scheduling.codec import is_string_set, make_job_converter
from ledgerlink.scheduling.model import (
    BillableItem,
    DateRule,
    Frequency,
    ItemKind,
    MonthlyDay,
    Project,
    Recurrence,
    Weekday,
)

__all__ = [
    "ITEM_COLUMNS",
    "PROJECT_COLUMNS",
    "RECURRENCE_FORMS",
    "demo_projects",
    "format_date_rule",
    "format_recurrence",
    "load_projects",
    "parse_date_rule",
    "parse_recurrence",
    "save_projects",
]

#: The columns a project's rows repeat ...
PROJECT_COLUMNS = (
    col("project_id", "id"), col("project_name", "name"), col("customer_id"),
    col("manager", required=False), col("department", required=False),
    col("customer_group", required=False), col("keywords", required=False),
    col("billing_limit", required=False),
)
#: ... and the columns of the row's billable item.
ITEM_COLUMNS = (
    col("item_id", "id"), col("item_date", "date"), col("item_kind", "kind"),
    col("description"), col("quantity"), col("unit_price"),
    col("vat_rate", required=False), col("product_id", required=False),
)
#: Keywords share one CSV cell, separated by this.
KEYWORD_SEPARATOR = ";"


def _split_keywords(value: Any, _: type) -> frozenset[str]:
    # CSV: one cell, "a; b"; blank parts are dropped so a trailing ';' is harmless.
    if isinstance(value, str):
        return frozenset(k.strip() for k in value.split(KEYWORD_SEPARATOR) if k.strip())
    raise ValidationError("expected keywords separated by ';'", value=value)


def _csv_converter() -> cattrs.Converter:
    conv = make_csv_converter()
    conv.register_structure_hook_func(is_string_set, _split_keywords)
    return conv


# JSON: keywords are a list (a bare string is refused, not split into letters),
# written sorted so the same projects always give the same file.
_JSON = make_job_converter()
_CSV = _csv_converter()


# --- reading ----------------------------------------------------------------------------


def load_projects(path: PathArg) -> list[Project]:
    """Projects from a ``.json`` list or a ``.csv`` file with one row per billable item.

    Raises :class:`~ledgerlink.errors.ValidationError` listing every problem
    (file, row, field), or :class:`~ledgerlink.errors.InputFileError` for a
    file that cannot be read.
    """
    source = os.fspath(path)
    problems: list[ValidationError] = []
    if check_suffix(path, TABLE_SUFFIXES) == ".json":
        projects = _json_projects(source, problems)
    else:
        projects = _csv_projects(source, problems)
    if problems:
        raise all_problems(source, sorted(problems, key=row_order))
    return projects


def _json_projects(source: str, problems: list[ValidationError]) -> list[Project]:
    rows = list(enumerate(read_json(source)))
    projects: list[Project] = []
    for index, data in rows:
        try:
            projects.append(structure(data, Project, conv=_JSON))
        except ValidationError as err:
            problems.extend(placed(p, source, index, p.field) for p in err.problems)
    # Ids are checked on the raw data, so a duplicate is reported even in a bad project.
    project_ids: list[tuple[int, object, str]] = []
    item_ids: list[tuple[int, object, str]] = []
    for index, data in rows:
        if isinstance(data, Mapping):
            project_ids.append((index, data.get("id"), "id"))
            items = data.get("items")
            item_ids.extend((index, item.get("id"), f"items[{number}].id")
                            for number, item in enumerate(items if isinstance(items, list)
                                                          else ())
                            if isinstance(item, Mapping))
    check_unique(project_ids, "project", source, problems)
    check_unique(item_ids, "item", source, problems)
    return projects


def _csv_projects(source: str, problems: list[ValidationError]) -> list[Project]:
    records = read_records(source, PROJECT_COLUMNS + ITEM_COLUMNS, problems)
    groups = group_rows(records, "project_id", source, problems, key=str.strip)
    check_unique(((row, text(record.get("item_id")).strip(), "item_id")
                  for row, record in records), "item", source, problems)
    projects = []
    for rows in groups.values():
        project = fold_rows(source, rows, Project, _CSV, problems, head=PROJECT_COLUMNS,
                            parts=ITEM_COLUMNS, parts_field="items", what="project")
        if project is not None:
            projects.append(project)
    return projects


# --- writing ----------------------------------------------------------------------------


def save_projects(projects: Iterable[Project], path: PathArg) -> None:
    """Write projects as ``.csv`` (a row per item) or ``.json``; :func:`load_projects` reads it.

    A keyword holding ``;`` cannot be written to CSV (it would read back as two).
    """
    items = list(projects)
    if check_suffix(path, TABLE_SUFFIXES) == ".json":
        save_table(path, (), (), items, conv=_JSON)
        return
    rows: list[list[str]] = []
    for project in items:
        bad = sorted(k for k in project.keywords if KEYWORD_SEPARATOR in k)
        if bad:
            raise ValidationError("a keyword in a CSV file may not contain ';'",
                                  field="keywords", value=bad[0], source=os.fspath(path))
        data = unstructure(project, conv=_JSON)
        data["keywords"] = KEYWORD_SEPARATOR.join(data["keywords"]) or None
        head = flatten(PROJECT_COLUMNS, data)
        for item in data["items"] or [{}]:  # a project without items still needs its row
            rows.append(head + flatten(ITEM_COLUMNS, item))
    save_table(path, PROJECT_COLUMNS + ITEM_COLUMNS, rows, items)


# --- recurrence and date-rule words -----------------------------------------------------

#: What ``--every`` accepts, for help texts and error messages.
RECURRENCE_FORMS = ("daily", "weekdays", "weekly:<monday..sunday>", "monthly:first-day",
                    "monthly:last-day", "monthly:last-weekday", "monthly:<1..31>")
_MONTHLY_WORDS = {"first-day": MonthlyDay.FIRST_DAY, "last-day": MonthlyDay.LAST_DAY,
                  "last-weekday": MonthlyDay.LAST_WEEKDAY}


def _word(value: str) -> str:
    return value.strip().lower().replace("_", "-")


def parse_recurrence(text: str) -> Recurrence:
    """A recurrence from its CLI form (see :data:`RECURRENCE_FORMS`); case and ``_``/``-``
    do not matter. A day of the month past a month's end means that month's last day."""
    kind, _, rest = _word(text).partition(":")
    kind, rest = kind.strip(), rest.strip()
    if kind == "daily" and not rest:
        return Recurrence(Frequency.DAILY)
    if kind == "weekdays" and not rest:
        return Recurrence(Frequency.DAILY, weekdays_only=True)
    if kind == "weekly" and rest.upper() in Weekday.__members__:
        return Recurrence(Frequency.WEEKLY, weekday=Weekday[rest.upper()])
    if kind == "monthly" and rest in _MONTHLY_WORDS:
        return Recurrence(Frequency.MONTHLY, monthly=_MONTHLY_WORDS[rest])
    if kind == "monthly" and rest.isdigit() and 1 <= int(rest) <= 31:
        return Recurrence(Frequency.MONTHLY, monthly=MonthlyDay.DAY_OF_MONTH,
                          day_of_month=int(rest))
    raise ValidationError(f"expected one of: {', '.join(RECURRENCE_FORMS)}",
                          field="recurrence", value=text)


def format_recurrence(recurrence: Recurrence) -> str:
    """The CLI form of ``recurrence``; :func:`parse_recurrence` reads it back."""
    if recurrence.frequency is Frequency.DAILY:
        return "weekdays" if recurrence.weekdays_only else "daily"
    if recurrence.frequency is Frequency.WEEKLY:
        assert recurrence.weekday is not None  # the model requires one
        return f"weekly:{recurrence.weekday.name.lower()}"
    if recurrence.monthly is MonthlyDay.DAY_OF_MONTH:
        return f"monthly:{recurrence.day_of_month}"
    assert recurrence.monthly is not None  # the model requires one
    return f"monthly:{recurrence.monthly.value.replace('_', '-')}"


def parse_date_rule(text: str, *, field: str = "date_rule") -> DateRule:
    """A date rule from its value, with ``-`` or ``_`` (``last-day-of-previous-month``)."""
    value = _word(text).replace("-", "_")
    try:
        return DateRule(value)
    except ValueError:
        choices = ", ".join(r.value.replace("_", "-") for r in DateRule)
        raise ValidationError(f"expected one of: {choices}", field=field, value=text) from None


def format_date_rule(rule: DateRule) -> str:
    """The CLI form of ``rule`` (``last-day-of-previous-month``)."""
    return rule.value.replace("_", "-")


# --- sample data -----------------------------------------------------------------------

_MANAGERS = ("Ann Berg", "Bo Holm", "Cai Lund", "Dina Krog")
_DEPARTMENTS = ("Service", "Installation", "Consulting")
_GROUPS = ("Key accounts", "Public sector", "Small business")
_KEYWORDS = ("licence", "support", "hosting", "maintenance", "training")


def demo_projects(count: int, customers: Sequence[str], seed: int,
                  start: date) -> list[Project]:
    """``count`` projects of ``customers`` with hours, expenses and monthly licence fees.

    Deterministic for the same arguments. Items are dated in the 90 days from
    ``start``; each project has a licence fee on the first of each month in that
    span; about a third of the projects carry a billing limit.
    """
    if not customers:
        raise ValidationError("needs at least one customer", field="customers")
    rng = random.Random(seed)
    months = sorted({(start + timedelta(days=d)).replace(day=1) for d in range(90)})
    projects = []
    for number in range(1, count + 1):
        pid = f"P-{number:05d}"
        items = [BillableItem(f"{pid}-fee-{m:%Y-%m}", m, ItemKind.FEE,
                              f"Licence {m:%B %Y}", 1, Decimal(rng.choice((295, 495, 995))))
                 for m in months]
        for index in range(rng.randint(0, 6)):
            day = start + timedelta(days=rng.randrange(90))
            if rng.random() < 0.7:
                items.append(BillableItem(f"{pid}-h{index}", day, ItemKind.HOURS, "Consulting",
                                          Decimal(rng.randint(1, 16)) / 2, Decimal(850)))
            else:
                items.append(BillableItem(f"{pid}-e{index}", day, ItemKind.EXPENSE, "Travel",
                                          1, Decimal(rng.randint(100, 2000)),
                                          product_id="travel"))
        # Through a mapping: mypy's attrs plugin cannot type the tuple converter of ``items``.
        fields: dict[str, Any] = {"items": items}
        projects.append(Project(
            **fields, id=pid, name=f"Project {number}",
            customer_id=customers[rng.randrange(len(customers))],
            manager=rng.choice(_MANAGERS), department=rng.choice(_DEPARTMENTS),
            customer_group=rng.choice(_GROUPS),
            keywords=frozenset(rng.sample(_KEYWORDS, rng.randint(0, 2))),
            billing_limit=Decimal(rng.choice((2000, 5000, 20000))) if rng.random() < 0.3 else None,
        ))
    return projects
