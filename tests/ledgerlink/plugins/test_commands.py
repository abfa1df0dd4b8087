"""The ``ledgerlink_register_commands`` hook: plugins add CLI commands, never break the core.

The end-to-end tests install throw-away plugins through real entry points (a
``.dist-info`` on ``PYTHONPATH``, nothing installed) and run the installed
``ledgerlink`` program, so discovery, the hook and ``--help`` are all the real ones.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink import plugins
from ledgerlink.cli.app import add_plugin_commands
from ledgerlink.errors import PluginError
from ledgerlink.plugins import get_plugin_manager, hookimpl
from ledgerlink.plugins.manager import CommandRegistrar
from ledgerlink.plugins.registry import PluginOrigin

CORE_COMMANDS = ("connectors", "demo", "log", "plan", "policy", "run")


def _core_group() -> click.Group:
    """A stand-in for the ``ledgerlink`` group with one core command."""
    group = click.Group("ledgerlink")

    @group.command("run")
    def run() -> None:
        click.echo("core run")

    return group


class _Adds:
    """A plugin adding ``commands``, then optionally failing."""

    def __init__(self, *commands: click.Command, fail: Exception | None = None) -> None:
        self.commands = commands
        self.fail = fail

    @hookimpl
    def ledgerlink_register_commands(self, cli: CommandRegistrar) -> None:
        for command in self.commands:
            cli.add(command)
        if self.fail is not None:
            raise self.fail


def _command(name: str, says: str = "") -> click.Command:
    return click.Command(name, callback=lambda: click.echo(says or name))


def test_a_plugin_command_joins_the_group_and_runs() -> None:
    """A registered command is listed by --help and callable; no failure is reported."""
    group = _core_group()
    host = get_plugin_manager(load_entry_points=False,
                              plugins=[("hello", _Adds(_command("hello", "hi there")))])
    assert host.register_commands(group) == []
    listing = CliRunner().invoke(group, ["--help"]).output
    assert re.search(r"^  hello\s", listing, re.MULTILINE)
    assert CliRunner().invoke(group, ["hello"]).output == "hi there\n"


def test_a_clash_with_a_core_command_is_refused_naming_the_plugin() -> None:
    """`run` stays the core's; the plugin is reported, by name, with nothing of it added."""
    group = _core_group()
    host = get_plugin_manager(load_entry_points=False, plugins=[
        ("greedy", _Adds(_command("extra"), _command("run", "hijacked")))])
    [failure] = host.register_commands(group)
    assert failure.plugin == "greedy"
    assert "cannot add command 'run'" in failure.error
    assert "the ledgerlink core already has it" in failure.error
    assert "extra" not in group.commands  # all or nothing per plugin
    assert CliRunner().invoke(group, ["run"]).output == "core run\n"


def test_a_clash_between_two_plugins_names_both() -> None:
    """The second plugin to claim a name is refused with both plugins named."""
    group = _core_group()
    host = get_plugin_manager(load_entry_points=False, plugins=[
        ("first", _Adds(_command("sync", "first"))), ("second", _Adds(_command("sync")))])
    failures = host.register_commands(group)
    assert len(failures) == 1
    loser = failures[0].plugin
    winner = ({"first", "second"} - {loser}).pop()
    assert f"plugin {winner!r}" in failures[0].error
    assert f"plugin {loser!r}" in failures[0].error
    assert CliRunner().invoke(group, ["sync"]).output == f"{winner}\n"


def test_a_failing_plugin_costs_only_its_own_commands() -> None:
    """A hook that raises half-way adds nothing; the other plugin and the core still work."""
    group = _core_group()
    host = get_plugin_manager(load_entry_points=False, plugins=[
        ("broken", _Adds(_command("half"), fail=RuntimeError("database is down"))),
        ("fine", _Adds(_command("fine")))])
    [failure] = host.register_commands(group)
    assert failure.plugin == "broken"
    assert failure.error == "RuntimeError: database is down"
    assert sorted(group.commands) == ["fine", "run"]


def test_only_click_commands_are_accepted() -> None:
    """Registering a plain function is refused with the plugin named."""
    registrar = CommandRegistrar(_core_group(), PluginOrigin("odd", "odd-dist", "1.0"), {})
    with pytest.raises(PluginError, match=r"odd-dist 1\.0 \(plugin 'odd'\).*not a click command"):
        registrar.add(print)  # type: ignore[arg-type]


NAME = r"[a-z][a-z0-9_-]{0,39}"


@given(st.from_regex(rf"\A{NAME}\Z"))
def test_well_formed_names_are_accepted(name: str) -> None:
    """Any lower-case name of 1-40 letters, digits, "-" and "_" is taken."""
    registrar = CommandRegistrar(click.Group("g"), PluginOrigin("p", "d", "1"), {})
    registrar.add(_command(name))
    assert list(registrar.commands) == [name]


@given(st.text(max_size=45).filter(lambda n: re.fullmatch(NAME, n) is None))
def test_malformed_names_are_refused(name: str) -> None:
    """Empty, upper-case, spaced, over-long or oddly-started names are refused."""
    registrar = CommandRegistrar(click.Group("g"), PluginOrigin("p", "d", "1"), {})
    with pytest.raises(PluginError, match="names are 1-40 lower-case"):
        registrar.add(_command(name))


def test_a_broken_plugin_host_leaves_the_core_commands_and_warns(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Even a plugin host that cannot be built only costs the plugin commands, with a warning."""
    def broken_host() -> None:
        raise RuntimeError("hook validation failed")

    monkeypatch.setattr(plugins, "get_plugin_manager", broken_host)
    group = _core_group()
    add_plugin_commands(group)
    assert sorted(group.commands) == ["run"]
    assert "warning:" in capsys.readouterr().err


# --- through real entry points and the installed program ------------------------------

PLUGINS = {
    "ll_test_hello": """
        import click
        from ledgerlink.plugins import hookimpl

        @click.command("hello")
        def hello():
            '''Say hello from a test plugin.'''
            click.echo("hello from a plugin")

        @hookimpl
        def ledgerlink_register_commands(cli):
            cli.add(hello)
    """,
    "ll_test_broken": """
        from ledgerlink.plugins import hookimpl

        @hookimpl
        def ledgerlink_register_commands(cli):
            raise RuntimeError("this plugin is broken")
    """,
    "ll_test_clash": """
        import click
        from ledgerlink.plugins import hookimpl

        @hookimpl
        def ledgerlink_register_commands(cli):
            cli.add(click.Command("run", callback=lambda: click.echo("hijacked")))
    """,
}


@pytest.fixture
def installed(tmp_path: Path) -> dict[str, str]:
    """Environment for the ledgerlink program with the three test plugins installed."""
    for module, source in PLUGINS.items():
        (tmp_path / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = tmp_path / "ll_test_plugins-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ll-test-plugins\n"
                                   "Version: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        "[ledgerlink]\n" + "".join(f"{m.removeprefix('ll_test_')} = {m}\n" for m in PLUGINS),
        encoding="utf-8")
    path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH")) if p)
    environ = {**os.environ, "PYTHONPATH": path, "COLUMNS": "200"}
    environ.pop("LEDGERLINK_DISABLE_PLUGINS", None)
    return environ


def _program(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    program = shutil.which("ledgerlink")
    assert program, "the ledgerlink console script is installed with the project"
    return subprocess.run([program, *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def test_ledgerlink_help_lists_plugin_commands_and_survives_broken_ones(
        installed: dict[str, str]) -> None:
    """`ledgerlink --help` lists the good plugin's command and every core command, and warns."""
    result = _program("--help", env=installed)
    assert result.returncode == 0, result.stderr
    listed = re.findall(r"^  (\S+)", result.stdout.partition("Commands:")[2], re.MULTILINE)
    assert {"hello", "quickbooks", *CORE_COMMANDS} <= set(listed)
    assert "plugin 'broken' from ll-test-plugins added no commands: RuntimeError: this " \
           "plugin is broken" in result.stderr
    assert "plugin 'clash' from ll-test-plugins added no commands" in result.stderr
    assert "cannot add command 'run'" in result.stderr


def test_plugin_and_core_commands_run_beside_a_broken_plugin(installed: dict[str, str]) -> None:
    """The plugin command runs; `run` is still the core's; `connectors` still answers."""
    hello = _program("hello", env=installed)
    assert hello.returncode == 0, hello.stderr
    assert hello.stdout == "hello from a plugin\n"
    run_help = _program("run", "--help", env=installed)
    assert "--work-orders" in run_help.stdout
    connectors = _program("connectors", "--json", env=installed)
    assert connectors.returncode == 0, connectors.stderr
    assert {"sandbox", "quickbooks"} <= {c["name"] for c in
                                         json.loads(connectors.stdout)["connectors"]}
