"""Internal: ``ledgerlink emulate NAME``: serve a provider's emulator on 127.0.0.1 for people.

The emulators come from plugins (hook ``ledgerlink_register_emulators``), the
built-in ``quickbooks`` and ``dinero`` included. The command prints how to
connect (base URL, client id and secret, the company it made, how to obtain an
authorization code), or with ``--json`` the same as one JSON object on one
line, then serves until Ctrl-C or SIGTERM. ``--state FILE`` keeps the
company's data between runs: loaded at start when the file exists, saved on exit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ledgerlink.cli.options import json_option

__all__ = ["emulate"]


def _shares(ctx: click.Context, param: click.Parameter, value: str | None) -> dict[str, float]:
    from ledgerlink.emulation import parse_shares

    try:
        return parse_shares(value or "")
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


@click.command()
@click.argument("name")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port on 127.0.0.1 (0: any free one, printed).")
@click.option("--state", "state_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Keep the company's data in this JSON file: loaded at start if it "
                   "exists, saved on exit.")
@click.option("--faults", callback=_shares, metavar="5xx=S,429=S,drop=S",
              help="Shares of calls to fail, e.g. 5xx=0.1,429=0.05,drop=0.02.")
@click.option("--seed", type=int, help="Seed of the fault draws (the same run twice).")
@json_option
def emulate(name: str, port: int, state_file: Path | None, faults: dict[str, float],
            seed: int | None, as_json: bool) -> None:
    """Serve the NAME provider's emulator (quickbooks, dinero, ...) until Ctrl-C."""
    from ledgerlink.emulation import run_emulator, stop_on_signals
    from ledgerlink.plugins import get_plugin_manager

    registry = get_plugin_manager().emulators()
    if name not in registry.names():
        known = ", ".join(registry.names()) or "none"
        raise click.UsageError(f"no emulator named {name!r} (installed: {known})")
    spec = registry.get(name)

    def announce(info: dict[str, object]) -> None:
        if as_json:
            click.echo(json.dumps(info))
        else:
            click.echo(f"{spec.description}")
            for key, value in info.items():
                click.echo(f"  {key}: {value}")
            click.echo("Serving until Ctrl-C.")
        sys.stdout.flush()  # a parent reading the pipe must see it now

    try:
        run_emulator(spec, stop=stop_on_signals(), announce=announce, port=port,
                     state_file=state_file, shares=faults, seed=seed)
    except (OSError, ValueError) as err:
        raise click.ClickException(f"emulator {name}: {err}") from None
    if state_file is not None and not as_json:
        click.echo(f"State saved in {state_file}.")
