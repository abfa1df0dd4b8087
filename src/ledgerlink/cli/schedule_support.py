"""Internal: the parts of ``ledgerlink schedule`` behind the commands: options, job documents, data.

A job is built from the command line as a job document (the codec's JSON
shape): the options given are laid over an empty document, a ``--from`` file
or the stored job, and the codec validates the whole. A problem in a value an
option set is reported naming the option (``--every``), others by their path
in the document (``generation.creator``).

The company's files (projects, customers, policy) and the connector are read
once, when a run or preview first needs them, and checked together.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import click

from ledgerlink import api
from ledgerlink.cli.connecting import connect, parse_options
from ledgerlink.cli.inputs import delivery_channels, load_with_customers, missing_file
from ledgerlink.errors import InputFileError, LedgerlinkError, NotFoundError, ValidationError
from ledgerlink.scheduling import codec
from ledgerlink.scheduling import files as words
from ledgerlink.scheduling.model import DateRule, Project, Recipient, ScheduledJob
from ledgerlink.scheduling.runs import Scheduler, Workspace

__all__ = [
    "DEFAULT_COMPANY",
    "Workspaces",
    "apply_options",
    "build_job",
    "company_name",
    "existing_store",
    "job_options",
    "json_option",
    "now_option",
    "parse_day",
    "read_document",
    "resolve_job",
    "scheduler_for",
    "store_option",
    "workspace_options",
]

#: Company key of CLI-created jobs when no policy file names the company.
DEFAULT_COMPANY = "My company"


# --- options ---------------------------------------------------------------------------

store_option = click.option("--store", default=api.DEFAULT_STORE, show_default=True,
                            help="Journal store: SQLite path or SQLAlchemy URL.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
now_option = click.option("--now", help="Act at this ISO 8601 instant (default: now).")


def workspace_options(command: Callable[..., None]) -> Callable[..., None]:
    """The company's data for runs and previews: as ``ledgerlink run`` takes it, plus projects."""
    options = (
        click.option("--projects", type=click.Path(path_type=Path), required=True,
                     help="Projects with billable items, CSV or JSON."),
        click.option("--customers", type=click.Path(path_type=Path), required=True,
                     help="Customers, CSV or JSON."),
        click.option("--policy", type=click.Path(path_type=Path),
                     help="Company and per-customer policies, TOML."),
        click.option("--connector", default="sandbox", show_default=True,
                     help="Registered connector name."),
        click.option("--option", "-o", "pairs", multiple=True, metavar="KEY=VALUE",
                     help="Connector option (repeatable), e.g. -o path=book.db."),
    )
    for option in reversed(options):
        command = option(command)
    return command


#: Option → (path in the job document, how the text becomes its value).
_SCALARS: dict[str, tuple[tuple[str, ...], Callable[[Any], Any]]] = {
    "name": (("name",), str),
    "description": (("description",), str),
    "company": (("company",), str),
    "every": (("recurrence",), lambda v: _unstructured(words.parse_recurrence(v))),
    "hour": (("run_hour",), int),
    "time_zone": (("time_zone",), str),
    "include_up_to": (("include_up_to",),
                      lambda v: words.parse_date_rule(v, field="--include-up-to").value),
    "invoice_date": (("invoice_date",),
                     lambda v: words.parse_date_rule(v, field="--invoice-date").value),
    "registration_date": (("registration_date",),
                          lambda v: words.parse_date_rule(v, field="--registration-date").value),
    "billing_limit": (("filters", "billing_limit"), lambda v: v.replace("-", "_")),
    "status": (("generation", "status"), str),
    "merge": (("generation", "merge_projects"), bool),
    "creator": (("generation", "creator"), str),
    "send": (("generation", "send"), bool),
    "created_by": (("created_by",), str),
    "starts_on": (("starts_on",), str),
}
#: Repeatable option → the filter set it replaces.
_SETS = {"manager": "managers", "department": "departments", "customer_group": "customer_groups",
         "customer": "customers", "project": "projects", "keyword": "keywords"}
#: Document path → the option, to name the option in errors about what it set.
_OPTION_OF = {
    **{".".join(path): "--" + name.replace("_", "-") for name, (path, _) in _SCALARS.items()},
    **{f"filters.{field}": "--" + name.replace("_", "-") for name, field in _SETS.items()},
    "generation.notify": "--notify",
}


def _unstructured(value: Any) -> Any:
    from ledgerlink.convert import unstructure

    return unstructure(value)


def job_options(command: Callable[..., None]) -> Callable[..., None]:
    """What ``create`` and ``edit`` can set; an option not given leaves the value alone."""
    rules = ", ".join(words.format_date_rule(r) for r in DateRule)
    options = [
        click.option("--name", help="The job's name (unique in its company)."),
        click.option("--description"),
        click.option("--company", help="Company key (default: the policy file's company)."),
        click.option("--every", help="Recurrence: " + ", ".join(words.RECURRENCE_FORMS) + "."),
        click.option("--hour", type=int, help="Local hour the job runs from (default 22)."),
        click.option("--time-zone", help="IANA time zone of the company's days."),
        click.option("--include-up-to", help=f"Cutoff of billable items: {rules}."),
        click.option("--invoice-date", help=f"Invoice date: {rules}."),
        click.option("--registration-date", help=f"Registration (posting) date: {rules}."),
        *(click.option("--" + name.replace("_", "-"), name, multiple=True,
                       help=f"Only projects of this {name.replace('_', ' ')} (repeatable; "
                            "'' clears).")
          for name in _SETS),
        click.option("--billing-limit", type=click.Choice(["any", "with-limit", "without-limit"]),
                     help="Projects with a billing limit, without one, or any."),
        click.option("--status", type=click.Choice(["draft", "booked"]),
                     help="Create draft or booked invoices."),
        click.option("--merge/--no-merge", default=None,
                     help="One invoice per customer for all its projects."),
        click.option("--creator", help="Who the invoices are made as (default: --created-by)."),
        click.option("--notify", multiple=True,
                     help="Who is emailed after a run: 'Name <addr>' or addr (repeatable)."),
        click.option("--send/--no-send", default=None, help="Email invoices to customers."),
        click.option("--starts-on", help="First day the job may run (ISO date)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def apply_options(document: dict[str, Any], given: dict[str, Any]) -> set[str]:
    """Lay the options given over ``document``; the paths they set.

    Every option whose text cannot be read (``--every monthly:32``, a bad
    ``--notify`` address) is reported at once, each naming its option.
    """
    touched: set[str] = set()
    problems: list[ValidationError] = []
    for name, (path, convert) in _SCALARS.items():
        value = given.get(name)
        if value is None:
            continue
        target = document
        for key in path[:-1]:
            target = target.setdefault(key, {})
        try:
            target[path[-1]] = convert(value)
        except ValidationError as err:
            problems.append(ValidationError(err.message, field=_option(name), value=value))
        touched.add(".".join(path))
    for name, field in _SETS.items():
        values = given.get(name) or ()
        if values:
            document.setdefault("filters", {})[field] = sorted({v for v in values if v})
            touched.add(f"filters.{field}")
    if given.get("notify"):
        people = []
        for text in given["notify"]:
            try:
                people.extend([Recipient.parse(text)] if text else [])
            except ValidationError as err:
                problems.append(ValidationError(err.message, field="--notify", value=text))
        document.setdefault("generation", {})["notify"] = [
            {"address": r.address, "name": r.name} for r in people]
        touched.add("generation.notify")
    if problems:
        raise problems[0] if len(problems) == 1 else ValidationError(
            f"{len(problems)} problems", problems=problems)
    return touched


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def build_job(document: dict[str, Any], touched: set[str], source: str | None) -> ScheduledJob:
    try:
        return codec.job_from_dict(document, source=source)
    except ValidationError as err:
        problems = [_named(p, touched) for p in err.problems]
        if len(problems) == 1:
            raise problems[0] from None
        raise ValidationError(err.message, source=source, problems=problems) from None


def _named(problem: ValidationError, touched: set[str]) -> ValidationError:
    """Name the option for a problem in a value an option set (its path otherwise)."""
    path = problem.field or ""
    for prefix in sorted(touched, key=len, reverse=True):
        if path == prefix or path.startswith((prefix + ".", prefix + "[")):
            return ValidationError(problem.message, field=_OPTION_OF[prefix],
                                   value=problem.value)
    return problem


# --- the company's workspace -----------------------------------------------------------


def company_name(policy: Path | None) -> str:
    if policy is None:
        return DEFAULT_COMPANY
    from ledgerlink import loading

    return loading.load_policy(policy).company.name


class Workspaces:
    """Loads the company's files once, when a run or preview first needs them.

    With ``read_only`` (previews) a sandbox book that does not exist yet is not
    created: an empty in-memory book stands in, as nothing was billed there.
    """

    def __init__(self, projects: Path, customers: Path, policy: Path | None, connector: str,
                 pairs: Sequence[str], store: str, *, read_only: bool = False) -> None:
        self.args = (projects, customers, policy, connector, pairs, store)
        self.read_only = read_only
        self.loaded: Workspace | None = None

    def __call__(self, company: str) -> Workspace:
        if self.loaded is None:
            self.loaded = self._load()
        if company != self.loaded.company.name:
            raise LedgerlinkError(
                f"the job belongs to company {company!r}; these files (--policy) are "
                f"{self.loaded.company.name!r}'s")
        return self.loaded

    def _load(self) -> Workspace:

        projects, customers, policy, connector, pairs, store = self.args
        loaded, people, company = load_with_customers(
            lambda: words.load_projects(projects), customers, policy)
        _check_customers(loaded, {c.id for c in people}, str(projects))
        if self.read_only and connector == "sandbox":
            path = parse_options(pairs).get("path", "ledgerlink-sandbox.db")
            if missing_file(path):
                pairs = [*pairs, "path=:memory:"]
        # A preview delivers nothing: its channels are not opened.
        delivery = None if self.read_only else delivery_channels(policy)
        book = connect(connector, pairs, store)
        return Workspace(company, loaded, people, book, delivery)


def _check_customers(projects: Sequence[Project], known: set[str], source: str) -> None:
    unknown = [ValidationError(f"project {p.id!r}: unknown customer {p.customer_id!r}",
                               field="customer_id", value=p.customer_id, source=source)
               for p in projects if p.customer_id not in known]
    if unknown:
        raise ValidationError(f"{len(unknown)} projects refer to unknown customers",
                              source=source, problems=unknown[:20])


def scheduler_for(store: str, workspaces: Callable[[str], Workspace] | None = None) -> Scheduler:
    from ledgerlink.scheduling.notify import Notifier, SmtpNotifier, SmtpSettings

    def no_workspace(company: str) -> Workspace:
        raise ValidationError("this command needs the company's files", field="--projects")

    notifier: Notifier | None = None
    if os.environ.get("LEDGERLINK_SMTP_HOST"):
        notifier = SmtpNotifier(SmtpSettings.from_env())
    return Scheduler(api.open_store(store), workspaces or no_workspace, notifier=notifier)


def resolve_job(scheduler: Scheduler, ref: str, *, include_deleted: bool = False) -> str:
    """The id of the job ``ref`` names: its id, a unique start of its id, or its name.

    NotFoundError when nothing matches; ValidationError (bad input) listing
    the candidates when several jobs do (a short prefix, or one name in two
    companies). Deleted jobs count only with ``include_deleted`` (their log
    and runs stay readable).
    """
    try:
        return scheduler.jobs.get(ref, include_deleted=include_deleted).id
    except NotFoundError:
        pass
    jobs = scheduler.jobs.jobs(include_deleted=include_deleted)
    named = ([j for j in jobs if j.name == ref]
             or [j for j in jobs if j.name.casefold() == ref.casefold()])
    found = named or [j for j in jobs if ref and j.id.startswith(ref.lower())]
    if len(found) == 1:
        return found[0].id
    if not found:
        raise NotFoundError(f"no scheduled job {ref!r}: no job has that id or name, and no "
                            f"job id starts with it (`ledgerlink schedule list --all` lists "
                            f"them)", provider="ledgerlink")
    listed = "; ".join(f"{j.id} ({j.name}, {j.company})" for j in found)
    raise ValidationError(f"{ref!r} names {len(found)} jobs: {listed}; give more of the id",
                          field="JOB_ID", value=ref)


def existing_store(store: str) -> str:
    """``store``, refusing a SQLite path that does not exist (reading must not create one)."""

    if missing_file(store):
        raise ValidationError("no journal store here; create a job first", field="--store",
                              value=store)
    return store


def parse_day(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError("not an ISO 8601 date", field=field, value=value) from None


def read_document(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputFileError("file not found", source=str(path)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputFileError(f"cannot read the file: {err}", source=str(path)) from None
    except json.JSONDecodeError as err:
        raise InputFileError(f"not valid JSON: {err.msg} (line {err.lineno}, column "
                             f"{err.colno})", source=str(path)) from None
    if not isinstance(data, dict):
        raise InputFileError("expected a JSON object describing a job", source=str(path))
    return data
