"""``--json`` on every command, and one JSON error object on stdout when a command fails.

The walk loads every command of the assembled ``ledgerlink`` program (the
lazily imported core commands and the installed plugins' commands, such as
``quickbooks`` and ``dinero``) and checks each runnable command has ``--json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from rich.console import Console

from ledgerlink.cli import main, output


def _commands(group: click.Group, ctx: click.Context, path: str) -> Iterator[
        tuple[str, click.Command]]:
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)  # imports a lazy command
        assert command is not None, name
        if isinstance(command, click.Group):
            yield from _commands(command, click.Context(command, parent=ctx), f"{path} {name}")
        else:
            yield f"{path} {name}", command


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh working directory; wide consoles."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(output, "console", Console(width=200))
    monkeypatch.setattr(output, "stderr", Console(width=200, stderr=True))
    return tmp_path


def test_every_command_takes_json() -> None:
    """Every command (groups aside) of the assembled CLI, plugins' included, has --json."""
    walked = dict(_commands(main, click.Context(main, info_name="ledgerlink"), "ledgerlink"))
    for expected in ("ledgerlink schedule delete", "ledgerlink schedule activate",
                     "ledgerlink quickbooks disconnect", "ledgerlink dinero connect",
                     "ledgerlink emulate", "ledgerlink policy explain"):
        assert expected in walked
    missing = [name for name, command in walked.items()
               if not any("--json" in getattr(p, "opts", ()) for p in command.params)]
    assert missing == []


def _error(args: list[str], status: int) -> dict[str, object]:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == status, result.output
    document = json.loads(result.stdout)  # the whole of stdout is one JSON document
    assert set(document) == {"error"}
    error: dict[str, object] = document["error"]
    assert error["exit_status"] == status
    assert isinstance(error["message"], str) and error["message"]
    return error


def test_a_usage_error_under_json_is_one_json_object() -> None:
    """click's own errors (a missing option) are a JSON error object too, exit status 2."""
    error = _error(["plan", "--json"], 2)
    assert error["type"] == "MissingParameter"
    assert "--work-orders" in str(error["message"])
    assert _error(["schedule", "list", "--json", "--bogus"], 2)["type"] == "NoSuchOption"


def test_a_ledgerlink_error_under_json_is_one_json_object() -> None:
    """A missing journal is a JSON error naming the file, for the core and plugin commands."""
    error = _error(["log", "--store", "nowhere.db", "--json"], 2)
    assert error["type"] == "InputFileError" and error["source"] == "nowhere.db"
    error = _error(["schedule", "delete", "abc", "--store", "nowhere.db", "--json"], 2)
    assert error["field"] == "--store"
    error = _error(["dinero", "status", "--organisation-id", "1", "--store", "nowhere.db",
                    "--json"], 1)
    assert "no journal store at nowhere.db" in str(error["message"])
    assert not Path("nowhere.db").exists()


def test_without_json_errors_stay_on_stderr() -> None:
    """Without --json a usage error is click's usual message on stderr, stdout empty."""
    result = CliRunner().invoke(main, ["plan"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Missing option '--work-orders'" in result.stderr


def test_provider_status_json_has_no_secret(tmp_path: Path) -> None:
    """quickbooks status --json says connected or not, with no token in it; exit 1 when not."""
    from ledgerlink.store import Store

    store = Store(tmp_path / "ledgerlink.db")
    store.save_token("quickbooks:42", {"access_token": "access-secret-1234",
                                       "refresh_token": "refresh-secret-1234",
                                       "expires_at": 4_102_444_800.0})
    store.close()
    result = CliRunner().invoke(main, ["quickbooks", "status", "--realm-id", "42", "--store",
                                       str(tmp_path / "ledgerlink.db"), "--json"])
    assert result.exit_code == 0, result.output
    facts = json.loads(result.stdout)
    assert facts["connected"] is True and facts["realm_id"] == "42"
    assert facts["access_token_valid"] is True
    assert "secret" not in result.stdout
    other = CliRunner().invoke(main, ["quickbooks", "status", "--realm-id", "7", "--store",
                                      str(tmp_path / "ledgerlink.db"), "--json"])
    assert other.exit_code == 1
    assert json.loads(other.stdout)["connected"] is False
