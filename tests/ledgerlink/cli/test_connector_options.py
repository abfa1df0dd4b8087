"""Connector options: unknown, misspelt and missing ones are bad input, named with the
accepted ones, for Python callers and on the command line (with and without --json)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

import ledgerlink as ll
from ledgerlink.cli import EXIT_BAD_INPUT, main, output
from ledgerlink.errors import ConnectorOptionError, ValidationError
from ledgerlink.plugins import get_plugin_manager
from ledgerlink.plugins.registry import FactoryOptions
from ledgerlink_quickbooks.connector import QuickBooksConnector
from tests.paths import DATA

INPUTS = ("--work-orders", "work_orders.csv", "--customers", "customers.csv")

#: name -> (options that are complete, a misspelling of one of them and what it should be)
CONNECTORS: dict[str, tuple[dict[str, str], tuple[str, str]]] = {
    "sandbox": ({"path": "book.db"}, ("pth", "path")),
    "quickbooks": ({"realm_id": "9130", "client_id": "id", "client_secret": "secret"},
                   ("realmid", "realm_id")),
    "dinero": ({"organisation_id": "12345", "client_id": "id", "client_secret": "secret"},
               ("organization_id", "organisation_id")),
}
#: Connectors with a required option, and the one each test leaves out.
REQUIRED = {"quickbooks": "client_id", "dinero": "client_id"}


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh working directory holding valid work orders and customers; a wide terminal."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(output, "stderr", Console(width=250, stderr=True))
    for name in ("work_orders.csv", "customers.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


def _misspelt(name: str) -> tuple[dict[str, str], str, str]:
    """The connector's complete options with one key misspelt; the wrong and right key."""
    options, (wrong, right) = CONNECTORS[name]
    changed = {(wrong if key == right else key): value for key, value in options.items()}
    return changed, wrong, right


def _cases() -> list[tuple[str, dict[str, str], list[str], list[str]]]:
    """(connector, options, unknown, missing) for every built-in connector."""
    cases: list[tuple[str, dict[str, str], list[str], list[str]]] = []
    for name, (options, _) in CONNECTORS.items():
        cases.append((name, {**options, "bogus": "1"}, ["bogus"], []))
        changed, wrong, right = _misspelt(name)
        required = right in (get_plugin_manager().connectors().get(name).options.required)
        cases.append((name, changed, [wrong], [right] if required else []))
    for name, left_out in REQUIRED.items():
        options = {k: v for k, v in CONNECTORS[name][0].items() if k != left_out}
        cases.append((name, options, [], [left_out]))
    return cases


CASES = _cases()
IDS = [f"{name}-{'unknown' if unknown else 'missing'}-{'+'.join(unknown + missing)}"
       for name, _, unknown, missing in CASES]


def _pairs(options: dict[str, str]) -> list[str]:
    return [arg for key, value in options.items() for arg in ("-o", f"{key}={value}")]


@pytest.mark.parametrize(("name", "options", "unknown", "missing"), CASES, ids=IDS)
def test_python_callers_get_an_error_naming_the_option_and_nothing_is_built(
        workdir: Path, name: str, options: dict[str, str], unknown: list[str],
        missing: list[str]) -> None:
    """ll.connect raises ConnectorOptionError (a ValidationError) naming the bad option and
    listing the accepted ones, before the factory runs: no book or journal file appears."""
    with pytest.raises(ConnectorOptionError) as caught:
        ll.connect(name, **options)
    err = caught.value
    assert isinstance(err, ValidationError)
    assert (list(err.unknown), list(err.missing), err.connector) == (unknown, missing, name)
    accepted = get_plugin_manager().connectors().get(name).options.accepted
    assert err.accepted == accepted and ", ".join(accepted) in str(err)
    assert err.field == (unknown + missing)[0]
    for option in unknown + missing:
        assert repr(option) in str(err)
    assert sorted(p.name for p in workdir.iterdir()) == ["customers.csv", "work_orders.csv"]


def test_a_misspelt_option_suggests_the_accepted_one() -> None:
    """The message says which accepted option a misspelt one probably meant."""
    for name in CONNECTORS:
        options, _, right = _misspelt(name)
        with pytest.raises(ConnectorOptionError, match=f"did you mean {right!r}"):
            ll.connect(name, **options)


@pytest.mark.parametrize(("name", "options", "unknown", "missing"), CASES, ids=IDS)
@pytest.mark.parametrize("command", ["plan", "run"])
def test_the_cli_exits_2_naming_the_option_without_a_traceback(
        workdir: Path, command: str, name: str, options: dict[str, str], unknown: list[str],
        missing: list[str]) -> None:
    """`plan`/`run -o ...` exit 2 with one line naming the option and the accepted ones on
    stderr; nothing is written."""
    result = CliRunner().invoke(main, [command, *INPUTS, "--connector", name,
                                       *_pairs(options)], catch_exceptions=False)
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "accepted options: " in result.stderr and f"connector {name!r}" in result.stderr
    for option in unknown + missing:
        assert repr(option) in result.stderr
    assert sorted(p.name for p in workdir.iterdir()) == ["customers.csv", "work_orders.csv"]


@pytest.mark.parametrize(("name", "options", "unknown", "missing"), CASES, ids=IDS)
@pytest.mark.parametrize("command", ["plan", "run"])
def test_with_json_the_error_is_one_json_object_on_stdout(
        workdir: Path, command: str, name: str, options: dict[str, str], unknown: list[str],
        missing: list[str]) -> None:
    """With --json the error is a single JSON object on stdout carrying the bad and the
    accepted options, and stderr stays empty."""
    result = CliRunner().invoke(main, [command, *INPUTS, "--connector", name,
                                       *_pairs(options), "--json"], catch_exceptions=False)
    assert result.exit_code == EXIT_BAD_INPUT
    assert result.stderr == ""
    error = json.loads(result.stdout)["error"]
    accepted = list(get_plugin_manager().connectors().get(name).options.accepted)
    assert error["type"] == "ConnectorOptionError" and error["exit_status"] == EXIT_BAD_INPUT
    assert (error["connector"], error["unknown"], error["missing"], error["accepted"]) == (
        name, unknown, missing, accepted)
    assert error["field"] == (unknown + missing)[0]


def test_status_refresh_checks_options_too(workdir: Path) -> None:
    """`status --refresh -o pth=...` is the same bad input, and creates no book."""
    ll.open_store("ledgerlink.db").close()
    result = CliRunner().invoke(main, ["status", "--refresh", "-o", "pth=x.db", "--json"],
                                catch_exceptions=False)
    assert result.exit_code == EXIT_BAD_INPUT
    assert json.loads(result.stdout)["error"]["unknown"] == ["pth"]
    assert not Path("x.db").exists() and not Path("ledgerlink-sandbox.db").exists()


def test_the_installed_program_prints_no_traceback(workdir: Path) -> None:
    """The real `ledgerlink` process, given a misspelt option, prints one error line."""
    program = shutil.which("ledgerlink") or str(Path(sys.executable).parent / "ledgerlink")
    done = subprocess.run([program, "plan", *INPUTS, "-o", "pth=x.db"], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "COLUMNS": "200"},
                          check=False)
    assert done.returncode == EXIT_BAD_INPUT
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert "unknown option 'pth' (did you mean 'path'?)" in done.stderr


# --- the rule, over any options ---------------------------------------------------------

_ACCEPTED = FactoryOptions.from_factory(QuickBooksConnector)
_NAMES = st.sampled_from(_ACCEPTED.accepted) | st.from_regex(r"[a-z][a-z_]{0,11}",
                                                              fullmatch=True)


@given(st.sets(_NAMES, max_size=8))
def test_options_are_refused_exactly_when_one_is_unknown_or_missing(names: set[str]) -> None:
    """Any set of options passes the check iff every one is accepted and every required one
    is present; the error names exactly the unknown and the missing ones."""
    unknown = sorted(o for o in names if o not in _ACCEPTED.accepted)
    missing = [o for o in _ACCEPTED.required if o not in names]
    if not unknown and not missing:
        _ACCEPTED.check("quickbooks", sorted(names))
        return
    with pytest.raises(ConnectorOptionError) as caught:
        _ACCEPTED.check("quickbooks", sorted(names))
    assert (list(caught.value.unknown), list(caught.value.missing)) == (unknown, missing)


def test_a_factory_taking_any_keyword_still_needs_its_required_ones() -> None:
    """A factory with **kwargs accepts unknown options but not a missing required one."""
    def factory(*, token: str, **extra: Any) -> Any:
        return (token, extra)

    options = FactoryOptions.from_factory(factory)
    assert (options.accepted, options.required, options.open) == (("token",), ("token",), True)
    options.check("open", ["token", "anything"])
    with pytest.raises(ConnectorOptionError, match="missing required option 'token'"):
        options.check("open", ["anything"])


# --- typed options from the command line ------------------------------------------------


def test_numeric_options_are_converted_by_the_factorys_annotation(workdir: Path) -> None:
    """-o latency=0 reaches the sandbox as a number: `run` works and makes the book."""
    result = CliRunner().invoke(main, ["run", *INPUTS, "-o", "latency=0", "-o",
                                       "kill_after_writes=1000", "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert Path("ledgerlink-sandbox.db").exists()


@pytest.mark.parametrize(("pair", "field"), [("latency=fast", "-o latency"),
                                             ("kill_after_writes=many", "-o kill_after_writes")])
def test_an_option_that_is_not_a_number_is_bad_input(workdir: Path, pair: str,
                                                     field: str) -> None:
    """A numeric option given text exits 2 naming the option, without a traceback, and
    nothing is written."""
    result = CliRunner().invoke(main, ["run", *INPUTS, "-o", pair, "--json"],
                                catch_exceptions=False)
    assert result.exit_code == EXIT_BAD_INPUT
    error = json.loads(result.stdout)["error"]
    assert (error["field"], error["message"].endswith("must be a number")) == (field, True)
    assert sorted(p.name for p in workdir.iterdir()) == ["customers.csv", "work_orders.csv"]
