"""The ``ledgerlink`` command line (click for parsing, rich for tables and progress).

Every command that reads files validates all of them before anything is
written; bad input exits with status 2 and an error naming the file, row and
field. ``--json`` prints one JSON document for scripts instead of tables.
"""

from __future__ import annotations

import inspect
import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import attrs
import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ledgerlink import api, render
from ledgerlink.connector import Connector
from ledgerlink.domain import Company, Customer, WorkOrder
from ledgerlink.errors import InputFileError, LedgerlinkError, ValidationError
from ledgerlink.planning import plan as plan_work
from ledgerlink.plans import Plan
from ledgerlink.plugins import get_plugin_manager
from ledgerlink.policy import PolicyOverride, explain, resolve
from ledgerlink.refreshing import RefreshResult
from ledgerlink.runner import RunResult
from ledgerlink.scheduling.cli import schedule
from ledgerlink.store import Store

__all__ = ["main"]

#: Exit status for bad input (click uses 2 for usage errors too).
EXIT_BAD_INPUT = 2
#: Exit status when a run finished but some actions failed.
EXIT_FAILURES = 1
#: Log lines shown after a run.
LOG_TAIL = 15

console = Console()
errors = Console(stderr=True)


@contextmanager
def _reported() -> Iterator[None]:
    """Turn ledgerlink errors into a clear message and an exit status."""
    try:
        yield
    except ValidationError as err:
        errors.print(f"[bold red]error:[/] {err}", markup=True, highlight=False)
        sys.exit(EXIT_BAD_INPUT)
    except LedgerlinkError as err:
        errors.print(f"[bold red]error:[/] {err}", markup=True, highlight=False)
        sys.exit(EXIT_FAILURES)


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


def _options(pairs: Sequence[str]) -> dict[str, str]:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValidationError("connector options are KEY=VALUE", field="--option", value=pair)
        options[key.replace("-", "_")] = value
    return options


def _connect(name: str, pairs: Sequence[str], store: str) -> Connector:
    options = _options(pairs)
    if name == "sandbox":
        options.setdefault("path", "ledgerlink-sandbox.db")
    factory = get_plugin_manager().connectors().get(name).factory
    if "store" in inspect.signature(factory).parameters:
        # Connectors that keep OAuth tokens keep them in the journal the run uses.
        options.setdefault("store", store)
    return api.connect(name, **options)


def _now(value: str | None) -> datetime:
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


def _inputs(work: Path, customers: Path, policy: Path | None) -> tuple[
        list[WorkOrder], list[Customer], Company]:
    """Load and cross-check every input file before anything is written."""
    from ledgerlink import loading

    problems: list[ValidationError] = []
    loaded: dict[str, Any] = {}
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("work", lambda: loading.load_work_orders(work)),
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
        people = loading.apply_overrides(people, loaded["policy"].overrides, source=str(policy))
    known = {c.id for c in people}
    unknown = [ValidationError(f"unknown customer {o.customer_id!r}", field="customer_id",
                               value=o.customer_id, source=str(work))
               for o in loaded["work"] if o.customer_id not in known]
    if unknown:
        raise ValidationError(f"{len(unknown)} work orders refer to unknown customers",
                              source=str(work), problems=unknown[:20])
    return loaded["work"], people, company


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    if not enabled:
        yield None
        return
    columns = (TextColumn("invoicing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("run", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _missing_file(target: str) -> bool:
    """True for a SQLite path (not a URL) whose file does not exist yet."""
    return "://" not in target and not Path(target).exists()


def _preview(orders: list[WorkOrder], people: list[Customer], company: Company,
             now: datetime, connector: str, pairs: Sequence[str], store: str) -> Plan:
    """Plan without writing anything: no journal or sandbox file is created."""
    info = get_plugin_manager().connectors().get(connector)
    options = _options(pairs)
    sandbox_missing = connector == "sandbox" and _missing_file(
        options.get("path", "ledgerlink-sandbox.db"))
    if _missing_file(store) or sandbox_missing:
        # Nothing was ever invoiced there: plan from an empty journal for the
        # connector's declared capabilities, without opening (creating) anything.
        return plan_work(orders, people, company, now=now, capabilities=info.capabilities)
    book = _connect(connector, pairs, store)
    return api.plan(orders, people, company, now=now, connector=book, store=store)


def _plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "now": plan.now.isoformat(),
        "counts": plan.counts(),
        "already_invoiced": plan.already_invoiced,
        "actions": [{"customer": a.customer_id, "kind": a.kind, "key": a.op_key,
                     "detail": render.describe(a)} for a in plan.actions],
        "notices": [{"customer": n.customer_id, "kind": n.kind.value, "subject": n.subject,
                     "reason": n.reason} for n in plan.notices],
    }


def _result_json(result: RunResult) -> dict[str, Any]:
    return {
        "run_id": result.run_id,
        "book": result.book,
        "summary": result.summary,
        "failures": [{"customer": o.customer_id, "kind": o.kind, "message": o.message}
                     for o in result.failed],
    }


def _show_result(result: RunResult) -> None:
    console.print(render.summary_table(result.summary))
    console.print(render.log_table(result.log[-LOG_TAIL:], with_time=False,
                                   title=f"Transfer log (last {LOG_TAIL} of run {result.run_id})"))


# --- commands -----------------------------------------------------------------------

work_option = click.option("--work-orders", "work", type=click.Path(path_type=Path),
                           required=True, help="Work orders, CSV or JSON.")
customers_option = click.option("--customers", type=click.Path(path_type=Path), required=True,
                                help="Customers, CSV or JSON.")
policy_option = click.option("--policy", type=click.Path(path_type=Path),
                             help="Company and per-customer policies, TOML.")
connector_option = click.option("--connector", default="sandbox", show_default=True,
                                help="Registered connector name.")
option_option = click.option("--option", "-o", "pairs", multiple=True, metavar="KEY=VALUE",
                             help="Connector option (repeatable), e.g. -o path=book.db.")
store_option = click.option("--store", default=api.DEFAULT_STORE, show_default=True,
                            help="Journal store: SQLite path or SQLAlchemy URL.")
now_option = click.option("--now", help="Plan for this ISO 8601 instant (default: now).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


@click.group()
@click.version_option(package_name="ledgerlink")
def main() -> None:
    """Turn operational work into customers and invoices in accounting systems."""
    # Retries are routine (throttling, dropped connections) and what finally
    # happened is in the transfer log; without this, Python's last-resort handler
    # prints each scheduled retry over the progress bar. Only this application
    # entry point does it: library users keep their own logging configuration.
    logging.getLogger("stamina").setLevel(logging.ERROR)


@main.command()
@json_option
def connectors(as_json: bool) -> None:
    """List installed connectors with their distribution, version and capabilities."""
    with _reported():
        host = get_plugin_manager()
        registry = host.connectors()
    rows = [{"name": i.name, "distribution": i.origin.distribution, "version": i.origin.version,
             "capabilities": sorted(c.value for c in i.capabilities),
             "description": i.description} for i in registry]
    failures = [attrs.asdict(f) for f in host.failures]
    if as_json:
        _emit_json({"connectors": rows, "failed_plugins": failures})
        return
    from rich.table import Table

    table = Table(title="Connectors")
    for column in ("name", "distribution", "version", "capabilities"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(str(row["name"]), str(row["distribution"]), str(row["version"]),
                      ", ".join(row["capabilities"]))
    console.print(table)
    for failure in host.failures:
        errors.print(f"plugin {failure.plugin!r} from {failure.distribution} failed to load: "
                     f"{failure.error}", highlight=False)


def input_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options ``plan`` and ``run`` share: inputs, connector, store, time, --json."""
    for option in reversed((work_option, customers_option, policy_option, connector_option,
                            option_option, store_option, now_option, json_option)):
        command = option(command)
    return command


@main.command("plan")
@input_options
def plan_command(work: Path, customers: Path, policy: Path | None, connector: str,
                 pairs: tuple[str, ...], store: str, now: str | None, as_json: bool) -> None:
    """Preview what a run would do; nothing is written anywhere."""
    with _reported():
        moment = _now(now)
        orders, people, company = _inputs(work, customers, policy)
        preview = _preview(orders, people, company, moment, connector, pairs, store)
    if as_json:
        _emit_json(_plan_json(preview))
    else:
        console.print(render.plan_table(preview))


@main.command("run")
@input_options
@click.option("--workers", default=4, show_default=True, help="Remote calls in flight.")
@click.option("--allow-credits", is_flag=True, help="Credit booked invoices whose work changed.")
def run_command(work: Path, customers: Path, policy: Path | None, connector: str,
                pairs: tuple[str, ...], store: str, now: str | None, workers: int,
                allow_credits: bool, as_json: bool) -> None:
    """Invoice the work exactly once (recovers a crashed run first)."""
    with _reported():
        moment = _now(now)
        orders, people, company = _inputs(work, customers, policy)
        if allow_credits:
            company = attrs.evolve(company, allow_credits=True)
        book = _connect(connector, pairs, store)
        with _progress(not as_json) as progress:
            result = api.invoice(orders, people, company, book, now=moment, store=store,
                                 workers=workers, progress=progress)
    if as_json:
        _emit_json(_result_json(result))
    else:
        _show_result(result)
    if not result.ok:
        sys.exit(EXIT_FAILURES)


@main.command()
@store_option
@click.option("--run", "run_id", help="Only this run.")
@click.option("--limit", default=50, show_default=True, help="Newest entries to show.")
@click.option("--failed", is_flag=True, help="Only failures.")
@json_option
def log(store: str, run_id: str | None, limit: int, failed: bool, as_json: bool) -> None:
    """Show the transfer log: what was created, what failed and the provider's words."""
    with _reported():
        if _missing_file(store):
            # Reading must not create an empty journal where a user mistyped a path.
            raise InputFileError("no journal store here; `ledgerlink run` creates one",
                                 source=store)
        entries = api.open_store(store).log(run_id=run_id, limit=limit,
                                            outcome="failed" if failed else None)
    if as_json:
        _emit_json([attrs.asdict(e) for e in entries])
    else:
        console.print(render.log_table(entries))


def _today(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError("not an ISO 8601 date", field="--today", value=value) from None


def _status_rows(journal: Store, books: Sequence[str], day: date) -> list[dict[str, Any]]:
    rows = []
    for book in books:
        for facts in journal.invoice_facts(book):
            status = facts.status(day)
            rows.append({
                "book": book, "key": facts.key, "customer": facts.customer_id,
                "provider_id": facts.remote_id, "number": facts.number,
                "currency": facts.currency,
                "total": None if facts.total is None else str(facts.total),
                "balance": None if facts.balance is None else str(facts.balance),
                "due_date": None if facts.due_date is None else facts.due_date.isoformat(),
                "status": None if status is None else status.labels,
                "refreshed_at": (None if facts.refreshed_at is None
                                 else facts.refreshed_at.isoformat()),
            })
    return rows


def _refresh_json(result: RefreshResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "book": result.book, "mode": result.mode, "calls": result.calls,
        "checked": result.checked, "note": result.note,
        "until": None if result.until is None else result.until.isoformat(),
        "changes": [{"key": c.key, "provider_id": c.provider_id,
                     "before": None if c.before is None else c.before.labels,
                     "after": None if c.after is None else c.after.labels}
                    for c in result.changes],
        "failures": [{"key": key, "message": message} for key, message in result.failures],
    }


def _show_statuses(rows: list[dict[str, Any]], books: Sequence[str]) -> None:
    from rich.table import Table

    table = Table(title="Invoices ledgerlink made")
    columns = ["key", "customer", "number", "total", "balance", "due", "status"]
    if len(books) > 1:
        columns.insert(0, "book")
    for column in columns:
        # The status is what people look for: it keeps its words whole.
        table.add_column(column, overflow="fold", no_wrap=column == "status",
                         justify="right" if column in ("total", "balance") else "left")
    for row in rows:
        cells = {
            "book": row["book"], "key": row["key"], "customer": row["customer"],
            "number": row["number"] or "", "due": row["due_date"] or "",
            "total": f"{row['total'] or ''} {row['currency']}".strip(),
            "balance": row["balance"] or "",
            "status": ", ".join(row["status"]) if row["status"] is not None
            else "not refreshed",
        }
        table.add_row(*(str(cells[c]) for c in columns))
    console.print(table)


@main.command("status")
@store_option
@click.option("--refresh", "do_refresh", is_flag=True,
              help="Ask the provider (--connector) for changes first.")
@connector_option
@option_option
@click.option("--book", help="Only this book (connector account); default: every book, "
                             "or the connector's with --refresh.")
@click.option("--today", help="Judge overdue on this ISO 8601 date (default: today).")
@json_option
def status_command(store: str, do_refresh: bool, connector: str, pairs: tuple[str, ...],
                   book: str | None, today: str | None, as_json: bool) -> None:
    """List the invoices ledgerlink made with their status (open, paid, overdue, void...)."""
    refreshed: RefreshResult | None = None
    with _reported():
        day = _today(today)
        if _missing_file(store):
            raise InputFileError("no journal store here; `ledgerlink run` creates one",
                                 source=store)
        journal = api.open_store(store)
        if do_refresh:
            remote = _connect(connector, pairs, store)
            try:
                refreshed = api.refresh(remote, store=journal, today=day)
            finally:
                remote.close()
            book = remote.account
        books = [book] if book else journal.books()
        rows = _status_rows(journal, books, day)
    if as_json:
        _emit_json({"today": day.isoformat(), "refresh": _refresh_json(refreshed),
                    "invoices": rows})
    else:
        if refreshed is not None:
            how = ("one change-feed call" if refreshed.mode == "change_feed"
                   else f"{refreshed.calls} reads")
            console.print(f"Refreshed {refreshed.book} with {how}: {refreshed.checked} "
                          f"invoices reported, {len(refreshed.changes)} changed status."
                          + (f" ({refreshed.note})" if refreshed.note else ""),
                          highlight=False)
        _show_statuses(rows, books)
    if refreshed is not None and not refreshed.ok:
        for key, message in refreshed.failures:
            errors.print(f"could not refresh {key}: {message}", highlight=False)
        sys.exit(EXIT_FAILURES)


@main.group()
def policy() -> None:
    """Billing-policy tools."""


@policy.command("explain")
@click.option("--policy", "policy_path", type=click.Path(path_type=Path), required=True,
              help="Company and per-customer policies, TOML.")
@click.option("--customers", type=click.Path(path_type=Path),
              help="Customers (CSV/JSON), for overrides kept there.")
@click.option("--customer", "customer_ids", multiple=True, help="Only these customer ids.")
@json_option
def policy_explain(policy_path: Path, customers: Path | None, customer_ids: tuple[str, ...],
                   as_json: bool) -> None:
    """Show each customer's effective policy and where every field comes from."""
    from ledgerlink import loading

    with _reported():
        loaded = loading.load_policy(policy_path)
        overrides: dict[str, PolicyOverride | None] = dict(loaded.overrides)
        if customers is not None:
            people = loading.apply_overrides(loading.load_customers(customers),
                                             loaded.overrides, source=str(policy_path))
            overrides = {c.id: c.policy for c in people}
        wanted = customer_ids or tuple(sorted(overrides))
        unknown = [c for c in wanted if c not in overrides]
        if unknown:
            raise ValidationError(f"no such customer: {', '.join(unknown)}", field="--customer")
    company = loaded.company.policy
    effective = {"(company)": resolve(company)}
    effective.update({cid: resolve(company, overrides[cid]) for cid in wanted})
    if as_json:
        _emit_json({cid: {"posting": e.posting.value, "timing": e.timing.value, "send": e.send,
                          "payment_terms_days": e.payment_terms_days, "sources": e.sources,
                          "notes": list(e.notes)} for cid, e in effective.items()})
        return
    for cid, e in effective.items():
        console.print(explain(e, customer=None if cid == "(company)" else cid), highlight=False)


@main.command()
@click.option("--dir", "directory", type=click.Path(path_type=Path),
              default=Path("ledgerlink-demo"), show_default=True,
              help="Where the sample files, the sandbox book and the journal go.")
@click.option("--work-orders", "count", default=300, show_default=True,
              help="Work orders in the sample company (used when the files are created).")
@click.option("--customers", "customer_count", default=40, show_default=True)
@click.option("--seed", default=7, show_default=True)
@json_option
def demo(directory: Path, count: int, customer_count: int, seed: int, as_json: bool) -> None:
    """Create a sample company and invoice it against the sandbox book."""
    from ledgerlink import demo as sample
    from ledgerlink import loading

    files = {name: directory / name for name in
             ("customers.csv", "work-orders.csv", "policy.toml")}
    with _reported():
        if not all(path.exists() for path in files.values()):
            directory.mkdir(parents=True, exist_ok=True)
            people = sample.demo_customers(customer_count, seed=seed)
            orders = sample.demo_work_orders(people, count, now=datetime.now(UTC), seed=seed)
            loading.save_customers(people, files["customers.csv"])
            loading.save_work_orders(orders, files["work-orders.csv"])
            loading.save_policy(loading.PolicyFile(sample.demo_company()), files["policy.toml"])
        orders, people, company = _inputs(files["work-orders.csv"], files["customers.csv"],
                                          files["policy.toml"])
        book = api.connect("sandbox", path=str(directory / "book.db"))
        if not as_json:
            console.print(f"Sample company [bold]{company.name}[/]: {len(people)} customers, "
                          f"{len(orders)} work orders in {directory}/")
        with _progress(not as_json) as progress:
            result = api.invoice(orders, people, company, book, store=directory / "ledgerlink.db",
                                 progress=progress)
    if as_json:
        _emit_json(_result_json(result))
        return
    _show_result(result)
    console.print(f"Run it again: nothing is invoiced twice. Inspect with "
                  f"`ledgerlink log --store {directory / 'ledgerlink.db'}`.")


# --- commands from plugins (hook ledgerlink_register_commands) ---------------------------
# Added last, when the CLI starts, so every core command exists first: a plugin can
# never shadow one (the registrar refuses the clash), and a plugin that fails costs
# only its own commands, reported as a warning on stderr.


def add_plugin_commands(group: click.Group) -> None:
    """Add the commands installed plugins register to ``group``; warn about failures."""
    from ledgerlink.plugins import PluginFailure

    try:
        failures = get_plugin_manager().register_commands(group)
    except Exception as err:  # the plugin host itself broke: the core commands still work
        failures = [PluginFailure("*", "plugin host", f"{type(err).__name__}: {err}")]
    for failure in failures:
        errors.print(f"warning: plugin {failure.plugin!r} from {failure.distribution} added "
                     f"no commands: {failure.error}", markup=False, highlight=False)


main.add_command(schedule)
add_plugin_commands(main)
