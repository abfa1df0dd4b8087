"""Internal: ``ledgerlink demo``: a sample company invoiced against the sandbox book.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from ledgerlink import api
from ledgerlink.cli import output
from ledgerlink.cli.errors import reported
from ledgerlink.cli.inputs import delivery_channels, load_inputs
from ledgerlink.cli.invoicing import result_json, show_result
from ledgerlink.cli.options import json_option

__all__ = ["demo"]


@click.command()
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
    with reported(as_json):
        if not all(path.exists() for path in files.values()):
            directory.mkdir(parents=True, exist_ok=True)
            people = sample.demo_customers(customer_count, seed=seed)
            orders = sample.demo_work_orders(people, count, now=datetime.now(UTC), seed=seed)
            loading.save_customers(people, files["customers.csv"])
            loading.save_work_orders(orders, files["work-orders.csv"])
            loading.save_policy(
                loading.PolicyFile(sample.demo_company(),
                                   channels=sample.demo_channels(directory.as_posix())),
                files["policy.toml"])
        orders, people, company = load_inputs(files["work-orders.csv"], files["customers.csv"],
                                               files["policy.toml"])
        delivery = delivery_channels(files["policy.toml"])
        book = api.connect("sandbox", path=str(directory / "book.db"))
        if not as_json:
            output.console.print(f"Sample company [bold]{company.name}[/]: {len(people)} "
                                 f"customers, {len(orders)} work orders in {directory}/")
        with output.progress(not as_json) as progress:
            result = api.invoice(orders, people, company, book, store=directory / "ledgerlink.db",
                                 progress=progress, delivery=delivery)
    if as_json:
        output.emit_json(result_json(result))
        return
    show_result(output.console, result)
    output.console.print(f"Run it again: nothing is invoiced twice. Inspect with "
                         f"`ledgerlink log --store {directory / 'ledgerlink.db'}`.")
