"""Internal: the click options the core commands share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from ledgerlink import api

__all__ = [
    "connector_option",
    "customers_option",
    "input_options",
    "json_option",
    "now_option",
    "option_option",
    "policy_option",
    "store_option",
    "work_option",
]

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


def input_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options ``plan`` and ``run`` share: inputs, connector, store, time, --json."""
    for option in reversed((work_option, customers_option, policy_option, connector_option,
                            option_option, store_option, now_option, json_option)):
        command = option(command)
    return command
