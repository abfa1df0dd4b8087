"""The documentation keeps up with the code, and the example plugin in it really works.

* every hook in :mod:`ledgerlink.plugins.hookspecs` has a heading in
  ``docs/reference/plugins.md`` with its exact signature;
* every command ``ledgerlink --help`` lists (and every option it takes) is in
  ``docs/reference/cli.md``, and every public name in ``docs/reference/python.md``;
* the tutorial and the how-to guides that continue it run as written, in
  order: their files, commands and Python blocks;
* ``docs/example-plugin`` is discovered through a real entry point (a temporary
  ``.dist-info`` on ``sys.path``, nothing installed), connects and creates a
  customer, and its own conformance test passes.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

import ledgerlink
from ledgerlink import api
from ledgerlink.cli import EXIT_BAD_INPUT, EXIT_FAILURES, main
from ledgerlink.domain import Customer, PartyKind
from ledgerlink.loading import load_policy
from ledgerlink.plugins import DISABLE_ENV, get_plugin_manager, hookspecs
from tests.paths import ROOT

DOCS = ROOT / "docs"
PLUGINS_MD = DOCS / "reference" / "plugins.md"
REFERENCE_MD = DOCS / "reference" / "cli.md"
PYTHON_MD = DOCS / "reference" / "python.md"
#: The tutorial, then the how-to guides that continue it with its files, in reading order.
RUN_AS_WRITTEN = ["tutorial/first-invoices.md", "how-to/billing-policy.md",
                  "how-to/changed-work.md", "how-to/recover-from-a-crash.md",
                  "how-to/transfer-log.md", "how-to/connectors.md", "how-to/invoice-actions.md",
                  "how-to/sync.md"]
EXAMPLE = DOCS / "example-plugin"
EXAMPLE_PROJECT = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))


def _hookspecs() -> list[Callable[..., Any]]:
    marker = f"{hookspecs.PROJECT}_spec"  # the attribute pluggy's HookspecMarker sets
    return [fn for _, fn in inspect.getmembers(hookspecs, inspect.isfunction)
            if hasattr(fn, marker)]


def _typed_signature(fn: Callable[..., Any]) -> str:
    """``name(arg: Type, ...) -> Return`` as written in the source (annotations are strings)."""
    sig = inspect.signature(fn)
    params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
    return f"{fn.__name__}({params}) -> {sig.return_annotation}"


def _help_commands(path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], bool]]:
    """Every command path ``ledgerlink [path] --help`` lists, and whether it is a group."""
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    _, found, listing = result.stdout.partition("\nCommands:\n")
    if not found:
        return
    for line in listing.splitlines():
        match = re.match(r"^  (\S+)", line)
        if not match:
            break
        command = (*path, match[1])
        sub = CliRunner().invoke(main, [*command, "--help"])
        is_group = "\nCommands:\n" in sub.stdout
        yield command, is_group
        if is_group:
            yield from _help_commands(command)


def _click_command(path: tuple[str, ...]) -> click.Command:
    command: click.Command = main
    for name in path:
        assert isinstance(command, click.Group)
        found = command.get_command(click.Context(command), name)
        assert found is not None, name
        command = found
    return command


def _section(text: str, heading: re.Pattern[str]) -> str:
    """The text under the first heading matching ``heading``, up to the next heading as high."""
    match = heading.search(text)
    if match is None:
        return ""
    level = len(match[1])
    rest = text[match.end():]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    return rest[:end.start()] if end else rest


HOOKS = _hookspecs()
COMMANDS = list(_help_commands())


# --- plugin hooks ---------------------------------------------------------------------


def test_the_hookspecs_are_found() -> None:
    """The hook scan sees the registration hook (so the tests below are not vacuous)."""
    assert "ledgerlink_register_connectors" in [fn.__name__ for fn in HOOKS]


@pytest.mark.parametrize("hook", HOOKS, ids=lambda fn: fn.__name__)
def test_hook_is_documented_with_its_exact_signature(hook: Callable[..., Any]) -> None:
    """The plugin reference has a heading `hook(params)` and each hookspec's typed signature."""
    text = PLUGINS_MD.read_text(encoding="utf-8")
    call = f"{hook.__name__}({', '.join(inspect.signature(hook).parameters)})"
    heading = re.compile(rf"^(#+) `?{re.escape(call)}`?\s*$", re.MULTILINE)
    assert heading.search(text), f"{PLUGINS_MD} needs a heading: ### {call}"
    assert _typed_signature(hook) in text, f"{PLUGINS_MD} needs: {_typed_signature(hook)}"


def test_plugin_guide_names_the_entry_point_group_and_the_disable_variable() -> None:
    """The plugin reference names the entry-point group, the variable that blocks plugins and
    the conformance suite."""
    text = PLUGINS_MD.read_text(encoding="utf-8")
    assert f"[project.entry-points.{hookspecs.PROJECT}]" in text
    assert DISABLE_ENV in text
    assert "ledgerlink.testing.conformance" in text


# --- command line -------------------------------------------------------------------------


def test_the_help_lists_every_command() -> None:
    """Parsing `ledgerlink --help` finds exactly the commands click knows (the scan is sound)."""
    top = {path[0] for path, _ in COMMANDS if len(path) == 1}
    assert top == set(main.commands)
    assert ("demo",) in [path for path, _ in COMMANDS]


@pytest.mark.parametrize(("path", "is_group"), COMMANDS, ids=lambda v: " ".join(v)
                         if isinstance(v, tuple) else None)
def test_cli_command_is_in_the_reference(path: tuple[str, ...], is_group: bool) -> None:
    """The CLI reference has a heading for every command, and its section names every option."""
    text = REFERENCE_MD.read_text(encoding="utf-8")
    command = "ledgerlink " + " ".join(path)
    # A group is covered by a heading for it or for any of its subcommands.
    tail = r"(?: [^`]*)?" if is_group else ""
    heading = re.compile(rf"^(#+) .*`{re.escape(command)}{tail}`", re.MULTILINE)
    assert heading.search(text), f"{REFERENCE_MD} needs a heading for `{command}`"
    if is_group:
        return
    section = _section(text, heading)
    for param in _click_command(path).params:
        for option in param.opts:
            if option.startswith("--"):
                documented = re.search(rf"`{re.escape(option)}(?=[ `=])", section)
                assert documented, f"`{command}` option {option} is not documented"


def test_reference_lists_the_exit_codes() -> None:
    """The CLI reference explains every exit status the CLI uses."""
    section = _section(REFERENCE_MD.read_text(encoding="utf-8"),
                       re.compile(r"^(#+) Exit (codes|status)", re.MULTILINE | re.IGNORECASE))
    for code in (0, EXIT_FAILURES, EXIT_BAD_INPUT):
        assert re.search(rf"^\| `{code}` \|", section, re.MULTILINE), code


@pytest.mark.parametrize("name", sorted({*ledgerlink.__all__, *api.__all__}))
def test_public_name_is_in_the_reference(name: str) -> None:
    """Every name exported by `ledgerlink` and `ledgerlink.api` is explained in the Python
    reference (the generated API pages list them too; tests/test_docs_site.py checks those)."""
    text = PYTHON_MD.read_text(encoding="utf-8")
    mentioned = re.search(rf"`{re.escape(name)}(?=[`( ])", text)
    rendered = f"::: ledgerlink.api.{name}\n" in text
    assert mentioned or rendered, f"{PYTHON_MD} lacks `{name}`"


# --- the user guide ---------------------------------------------------------------------

FENCE = re.compile(r"^```(?P<lang>[\w-]*)(?P<info>[^\n]*)\n(?P<body>.*?)^```[ \t]*$",
                   re.MULTILINE | re.DOTALL)


def test_the_tutorial_and_guides_run_as_written(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The tutorial's and its how-to guides' files, `ledgerlink` commands and Python blocks all
    work, page after page in one directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(DISABLE_ENV, raising=False)
    monkeypatch.delenv("LEDGERLINK_SANDBOX_KILL_AFTER_WRITES", raising=False)
    namespace: dict[str, Any] = {"__name__": "guide"}
    files, commands, blocks = [], [], 0
    for page in RUN_AS_WRITTEN:
        n_files, n_commands, n_blocks = _run_page(DOCS / page, namespace)
        files += n_files
        commands += n_commands
        blocks += n_blocks
    assert {"customers.csv", "work-orders.csv", "policy.toml", "overrides.toml"} <= set(files)
    for name in files:
        if name.endswith(".toml"):
            load_policy(name)
    assert len(commands) >= 12
    assert blocks >= 5


def _run_page(path: Path, namespace: dict[str, Any]) -> tuple[list[str], list[str], int]:
    """Write the page's titled files, run its `$ ledgerlink` lines and its Python blocks."""
    text = path.read_text(encoding="utf-8")
    files, commands, blocks = [], [], 0
    for block in FENCE.finditer(text):
        body, title = block["body"], re.search(r'title="([^"]+)"', block["info"])
        if title:
            Path(title[1]).write_text(body, encoding="utf-8")
            files.append(title[1])
        elif block["lang"] == "python":
            # Pad with blank lines so a traceback points at the guide's own line numbers.
            padding = "\n" * text.count("\n", 0, block.start("body"))
            exec(compile(padding + body, str(path), "exec"), namespace)
            blocks += 1
        elif block["lang"] == "console":
            for line in body.splitlines():
                if line.startswith("$ ledgerlink "):
                    args = shlex.split(line.removeprefix("$ ledgerlink "))
                    result = CliRunner().invoke(main, args)
                    assert result.exit_code == 0, f"{line}\n{result.output}"
                    commands.append(line)
    return files, commands, blocks


# --- the example plugin -------------------------------------------------------------------


@pytest.fixture
def example_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Make docs/example-plugin visible as an installed distribution; yield its entry-point name.

    The ``.dist-info`` is built from the example's own ``pyproject.toml``, so
    the entry point tested is the one the example declares.
    """
    project = EXAMPLE_PROJECT["project"]
    points = project["entry-points"][hookspecs.PROJECT]
    assert len(points) == 1
    dist_name = project["name"].replace("-", "_")
    info = tmp_path / f"{dist_name}-{project['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n",
        encoding="utf-8")
    (info / "entry_points.txt").write_text(
        f"[{hookspecs.PROJECT}]\n" + "".join(f"{k} = {v}\n" for k, v in points.items()),
        encoding="utf-8")
    monkeypatch.delenv(DISABLE_ENV, raising=False)
    monkeypatch.syspath_prepend(str(EXAMPLE))
    monkeypatch.syspath_prepend(str(tmp_path))
    packages = {value.split(":")[0].split(".")[0] for value in points.values()}
    yield next(iter(points))
    # Forget the example's modules so no later test sees them without the entry point.
    for module in [m for m in sys.modules if m.split(".")[0] in packages]:
        del sys.modules[module]


def test_example_plugin_is_discovered_through_its_entry_point(example_plugin: str) -> None:
    """The example's connector is registered through the entry point, attributed to its dist."""
    host = get_plugin_manager()
    assert host.failures == []
    registry = host.connectors()
    assert "sandbox" in registry
    info = registry.get("tally")
    assert info.origin.plugin == example_plugin
    assert info.origin.distribution == EXAMPLE_PROJECT["project"]["name"]
    assert info.origin.version == EXAMPLE_PROJECT["project"]["version"]
    assert info.capabilities


def test_example_plugin_connects_and_creates_a_customer(example_plugin: str) -> None:
    """`connect("tally", ...)` builds the example connector, which creates and finds a
    customer on the example's own emulator."""
    from ledgerlink_tally import DEFAULT_API_KEY, TallyEmulator

    book = api.connect("tally", api_key=DEFAULT_API_KEY, base_url="http://tally.invalid",
                       transport=TallyEmulator().transport())
    assert isinstance(book, ledgerlink.BaseConnector)
    assert isinstance(book, ledgerlink.Connector)
    customer = Customer(id="c-17", name="Acme ApS", kind=PartyKind.COMPANY,
                        email="billing@acme.dk")
    assert book.find_customer(customer) is None
    ref = book.create_customer(customer)
    assert book.find_customer(customer) == ref
    book.close()


def test_example_plugin_is_listed_by_the_cli_and_can_be_disabled(
        example_plugin: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`ledgerlink connectors` lists the example; LEDGERLINK_DISABLE_PLUGINS blocks it by name."""
    result = CliRunner().invoke(main, ["connectors", "--json"])
    assert result.exit_code == 0, result.output
    listed = {c["name"]: c for c in json.loads(result.stdout)["connectors"]}
    assert listed["tally"]["distribution"] == EXAMPLE_PROJECT["project"]["name"]

    monkeypatch.setenv(DISABLE_ENV, example_plugin)
    registry = get_plugin_manager().connectors()
    assert "tally" not in registry
    assert "sandbox" in registry


@pytest.mark.slow
def test_example_plugin_passes_its_own_conformance_test(tmp_path: Path) -> None:
    """The example's test (ledgerlink's conformance suite on its connector) passes as shipped."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(EXAMPLE), *filter(None, [os.environ.get("PYTHONPATH")])])}
    env.pop(DISABLE_ENV, None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "--rootdir", str(EXAMPLE), "-c", str(EXAMPLE / "pyproject.toml"),
         str(EXAMPLE / "tests")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b[1-9]\d* passed", done.stdout), done.stdout
