"""Start-up of the command line: what ``ledgerlink --help`` imports, and the lazy listing."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from ledgerlink.cli import main
from ledgerlink.cli.app import CORE_COMMANDS
from ledgerlink.plugins.lazy import LazyCommand, LazyGroup, resolve

#: Runs ``ledgerlink --help`` as the console script does, then prints the loaded modules.
_HELP_THEN_MODULES = """
import json, sys
from ledgerlink.cli import main
try:
    main(["--help"])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""

#: What ``--help`` must leave unloaded: the store's database layer, the HTTP stack,
#: OAuth, the provider connectors and the command modules themselves.
HEAVY = ("sqlalchemy", "httpx", "authlib", "ledgerlink_quickbooks.connector",
         "ledgerlink_dinero.connector", "ledgerlink.store", "ledgerlink.api",
         "ledgerlink.cli.invoicing", "ledgerlink.cli.schedule")


def test_help_imports_no_database_http_oauth_or_connector_module() -> None:
    """`ledgerlink --help` in a fresh interpreter lists the plugin commands without
    importing SQLAlchemy, httpx, authlib, the connectors or the command modules."""
    done = subprocess.run([sys.executable, "-c", _HELP_THEN_MODULES], capture_output=True,
                          text=True, check=True)
    lines = done.stdout.splitlines()
    loaded = set(json.loads(lines[-1]))
    assert "quickbooks" in done.stdout and "dinero" in done.stdout  # plugin commands listed
    assert [m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY] == []


@pytest.mark.parametrize("listed", CORE_COMMANDS, ids=lambda c: c.name)
def test_each_listed_help_is_the_commands_own(listed: LazyCommand) -> None:
    """The help line the listing shows is the one the loaded command would show."""
    command = listed.load()
    for limit in (45, 60, 200):
        assert listed.get_short_help_str(limit) == command.get_short_help_str(limit)


def test_a_command_is_imported_when_it_runs_and_replaces_its_stand_in() -> None:
    """Running `ledgerlink policy --help` loads the real group into the main group."""
    result = CliRunner().invoke(main, ["policy", "--help"])
    assert result.exit_code == 0, result.output
    assert "explain" in result.output
    assert not isinstance(main.commands["policy"], LazyCommand)


def test_a_stand_in_that_cannot_load_is_a_clear_error() -> None:
    """A lazy command whose module is missing fails with its target named, no traceback."""
    group = LazyGroup("top")
    group.add_command(LazyCommand("gone", "no_such_module_here:cmd", help="Gone."))
    listing = CliRunner().invoke(group, ["--help"])
    assert listing.exit_code == 0 and "Gone." in listing.output
    result = CliRunner().invoke(group, ["gone"])
    assert result.exit_code == 1
    assert "no_such_module_here:cmd" in result.output
    assert "Traceback" not in result.output


def test_a_stand_in_must_name_a_click_command_of_its_own_name() -> None:
    """Loading checks the target is a click command listed under its own name."""
    with pytest.raises(TypeError, match="not a click command"):
        LazyCommand("x", "json:dumps", help="x").load()
    with pytest.raises(TypeError, match="listed as 'other'"):
        LazyCommand("other", "ledgerlink.cli.policy:policy", help="x").load()
    assert isinstance(resolve("ledgerlink.cli.policy:policy"), click.Group)
    with pytest.raises(ValueError, match=r"package\.module:attribute"):
        resolve("ledgerlink.cli.policy")


def test_provider_packages_still_export_their_connectors() -> None:
    """`from ledgerlink_dinero import DineroConnector` (and the others) work, imported on use."""
    import ledgerlink.sandbox
    import ledgerlink_dinero
    import ledgerlink_quickbooks
    from ledgerlink.sandbox.connector import SandboxConnector
    from ledgerlink_dinero.connector import DineroConnector
    from ledgerlink_quickbooks.connector import QuickBooksConnector

    assert ledgerlink_dinero.DineroConnector is DineroConnector
    assert ledgerlink_quickbooks.QuickBooksConnector is QuickBooksConnector
    assert ledgerlink.sandbox.SandboxConnector is SandboxConnector
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = ledgerlink_dinero.Nope  # type: ignore[attr-defined]
