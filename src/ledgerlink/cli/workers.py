"""Internal: ``ledgerlink companies``, ``ledgerlink worker`` and ``ledgerlink enqueue``:
companies registered in the store, invoiced by a pool of workers on PostgreSQL.

Secret connector options (``-s KEY=VALUE``, or any ``-o`` whose name says it is
a credential) are kept in the store and never printed: listings show ``***``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from ledgerlink.cli import output
from ledgerlink.cli.connecting import parse_options
from ledgerlink.cli.errors import reported
from ledgerlink.cli.options import json_option, option_option, store_option

__all__ = ["companies", "enqueue_command", "worker_command"]


@click.group()
def companies() -> None:
    """Companies registered for the worker pool: their connector, inputs and policy."""


@companies.command("add")
@click.argument("name")
@click.option("--connector", required=True, help="Registered connector name.")
@option_option
@click.option("--secret", "-s", "secret_pairs", multiple=True, metavar="KEY=VALUE",
              help="Secret connector option (repeatable): kept in the store, never printed.")
@click.option("--source", default="files", show_default=True, help="Work source name.")
@click.option("--source-option", "source_pairs", multiple=True, metavar="KEY=VALUE",
              help="Work source option (repeatable), e.g. --source-option customers=c.csv.")
@click.option("--policy", type=click.Path(path_type=Path), help="Policy file, TOML.")
@click.option("--projects", type=click.Path(path_type=Path),
              help="Projects file of the company's scheduled jobs.")
@click.option("--time-zone", help="IANA time zone (default: the policy file's, else UTC).")
@click.option("--book", help="The book's id (default: the connector's account).")
@store_option
@json_option
def add_command(name: str, connector: str, pairs: tuple[str, ...],
                secret_pairs: tuple[str, ...], source: str, source_pairs: tuple[str, ...],
                policy: Path | None, projects: Path | None, time_zone: str | None,
                book: str | None, store: str, as_json: bool) -> None:
    """Register (or replace) company NAME in the store."""
    from ledgerlink import workers

    with reported(as_json):
        record = workers.add_company(
            store, name, connector=connector, options=parse_options(pairs),
            secrets=parse_options(secret_pairs), source=source,
            source_options=parse_options(source_pairs),
            policy=None if policy is None else policy.resolve(),
            projects=None if projects is None else projects.resolve(),
            time_zone=time_zone, book=book)
    if as_json:
        output.emit_json(record.shown())
    else:
        output.console.print(f"registered {record.name} (book {record.book})", markup=False,
                             highlight=False)


@companies.command("list")
@store_option
@json_option
def list_command(store: str, as_json: bool) -> None:
    """List the registered companies (secret options shown as ***)."""
    from ledgerlink import workers

    with reported(as_json):
        found = [r.shown() for r in workers.companies(store)]
    if as_json:
        output.emit_json(found)
        return
    built = output.table(
        [output.Col("name"), output.Col("book"), output.Col("connector"),
         output.Col("options", fit="wrap"), output.Col("source"),
         output.Col("time zone", drop=1)],
        [(c["name"], c["book"], c["connector"],
          " ".join(f"{k}={v}" for k, v in sorted(c["connector_options"].items())),
          c["source"], c["time_zone"]) for c in found],
        width=output.console.width, title="Companies")
    output.print_table(output.console, built)


@companies.command("remove")
@click.argument("name")
@store_option
@json_option
def remove_command(name: str, store: str, as_json: bool) -> None:
    """Forget company NAME (its journal and invoices stay)."""
    from ledgerlink import workers
    from ledgerlink.errors import ValidationError

    with reported(as_json):
        if not workers.remove_company(store, name):
            raise ValidationError("no company registered under this name", field="name",
                                  value=name)
    if as_json:
        output.emit_json({"removed": name})
    else:
        output.console.print(f"removed {name}", markup=False, highlight=False)


@click.command("worker")
@store_option
@click.option("--concurrency", default=1, show_default=True, help="Jobs run at once.")
@click.option("--enqueue-all", is_flag=True, help="Queue every company's run first.")
@click.option("--until-empty", is_flag=True, help="Stop once the queue is empty.")
@click.option("--heartbeat", default=10.0, show_default=True,
              help="Seconds between this worker's heartbeats.")
@click.option("--stalled-after", default=30.0, show_default=True,
              help="Seconds without a heartbeat after which a worker's jobs are retried.")
@click.option("--nightly-hour", type=click.IntRange(0, 23),
              help="Local hour of each company's nightly run (default 2).")
@click.option("--own-limits", is_flag=True,
              help="Count provider rate limits in this process only, not in the store.")
@click.option("--keep-jobs", type=click.FloatRange(min=0), default=7.0, show_default=True,
              metavar="DAYS", help="Days a finished job stays in the queue's tables.")
@click.option("--keep-failed-jobs", type=click.FloatRange(min=0), metavar="DAYS",
              help="Days a failed job stays (default: until a person removes it); at "
                   "least --keep-jobs.")
@json_option
def worker_command(store: str, concurrency: int, enqueue_all: bool, until_empty: bool,
                   heartbeat: float, stalled_after: float, nightly_hour: int | None,
                   own_limits: bool, keep_jobs: float, keep_failed_jobs: float | None,
                   as_json: bool) -> None:
    """Run a worker of the pool on a PostgreSQL store until stopped (needs the workers
    extra). With --json, errors are JSON and the worker says, as one JSON object when it
    stops, which companies it queued first."""
    from ledgerlink import api
    from ledgerlink.workers import pool

    if keep_failed_jobs is not None and keep_failed_jobs < keep_jobs:
        raise click.BadParameter("failed jobs are kept at least as long as --keep-jobs",
                                 param_hint="--keep-failed-jobs")
    with reported(as_json):
        opened = api.open_store(store)
        queued = pool.enqueue(opened) if enqueue_all else {}
        pool.run(opened, concurrency=concurrency, heartbeat=heartbeat,
                 stalled_after=stalled_after, nightly_hour=nightly_hour,
                 share_limits=not own_limits, wait=not until_empty,
                 keep_jobs=timedelta(days=keep_jobs),
                 keep_failed=None if keep_failed_jobs is None
                 else timedelta(days=keep_failed_jobs))
    if as_json:
        output.emit_json({"queued": queued, "stopped": True})


@click.command("enqueue")
@click.argument("names", nargs=-1)
@store_option
@json_option
def enqueue_command(names: tuple[str, ...], store: str, as_json: bool) -> None:
    """Queue the nightly run of the named companies (default: all) for the workers now."""
    from ledgerlink import api
    from ledgerlink.workers import pool

    with reported(as_json):
        queued = pool.enqueue(api.open_store(store), list(names) or None)
    if as_json:
        output.emit_json(queued)
        return
    for name, fresh in queued.items():
        output.console.print(f"{name}: {'queued' if fresh else 'already waiting'}",
                             markup=False, highlight=False)
