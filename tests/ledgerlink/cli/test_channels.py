"""``ledgerlink channels``: every installed delivery channel with its distribution, the
options its factory takes (required ones marked) and its description, in a table that fits
80 columns and in ``--json``; a plugin that fails to load is reported, not fatal."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner, Result
from rich.console import Console

from ledgerlink import plugins
from ledgerlink.cli import main, output
from ledgerlink.delivery.plugin import BUILT_IN
from ledgerlink.plugins import channel_hook, get_plugin_manager

WIDTH = 80


class PigeonChannel:
    """A channel whose factory requires ``loft`` and may take ``speed``."""

    name = "pigeon"

    def __init__(self, *, loft: str, speed: int = 3) -> None:
        self.loft, self.speed = loft, speed


class Pigeons:
    """A plugin registering the pigeon channel."""

    ledgerlink_register_channels = staticmethod(channel_hook(
        "pigeon", PigeonChannel, description="Invoices by carrier pigeon, one bird each"))


class Broken:
    """A plugin whose channel hook raises."""

    @staticmethod
    @plugins.hookimpl
    def ledgerlink_register_channels(registrar: Any) -> None:
        raise RuntimeError("the loft burned down")


@pytest.fixture(autouse=True)
def consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    """80-column consoles, as in a CI log."""
    monkeypatch.setattr(output, "console", Console(width=WIDTH))
    monkeypatch.setattr(output, "stderr", Console(width=WIDTH, stderr=True))


def invoke(*args: str) -> Result:
    """Run the command line and return its result (stdout and stderr apart)."""
    return CliRunner().invoke(main, list(args))


def with_plugins(monkeypatch: pytest.MonkeyPatch, *extra: tuple[str, object]) -> None:
    """The commands see the built-in channels plus ``extra`` plugins."""
    from ledgerlink.delivery import plugin as builtin

    host = get_plugin_manager(load_entry_points=False,
                              plugins=[("delivery", builtin), *extra])
    monkeypatch.setattr(plugins, "get_plugin_manager", lambda: host)


def test_lists_the_built_in_channels_within_80_columns() -> None:
    """Each built-in channel is a row with its distribution; no line is wider than 80."""
    result = invoke("channels")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= WIDTH, result.stdout
    for name, _, _ in BUILT_IN:
        assert any(line.startswith(f"{name} ") and "ledgerlink" in line for line in lines), name
    assert "seller, access_point" in result.stdout


def test_json_has_each_channels_options_from_its_factory() -> None:
    """--json gives name, distribution, version, description and the factory's options."""
    result = invoke("channels", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    by_name = {c["name"]: c for c in data["channels"]}
    assert set(by_name) >= {name for name, _, _ in BUILT_IN}
    letter = by_name["letter-folder"]
    assert (letter["distribution"], letter["description"]) == (
        "ledgerlink", dict((n, d) for n, _, d in BUILT_IN)["letter-folder"])
    assert letter["version"]
    assert letter["options"] == {"accepted": ["folder", "sender"], "required": [],
                                 "any_other": False}
    email = by_name["email"]["options"]
    assert email["any_other"] is False and {"host", "sender", "subject"} <= set(email["accepted"])
    assert data["failed_plugins"] == []


def test_a_plugins_channel_shows_its_required_option(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plugin's channel is listed with its required option marked * and a caption saying so;
    --json lists it as required."""
    with_plugins(monkeypatch, ("pigeons", Pigeons()))
    result = invoke("channels")
    [row] = [line for line in result.stdout.splitlines() if line.startswith("pigeon ")]
    assert "loft*, speed" in row
    assert "options marked * are required" in result.stdout
    data = json.loads(invoke("channels", "--json").stdout)
    [pigeon] = [c for c in data["channels"] if c["name"] == "pigeon"]
    assert pigeon["options"] == {"accepted": ["loft", "speed"], "required": ["loft"],
                                 "any_other": False}


def test_a_failing_plugin_is_reported_and_the_rest_listed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A plugin whose hook raises is named on stderr (in --json, under failed_plugins); the
    other channels are still listed and the command succeeds."""
    with_plugins(monkeypatch, ("broken", Broken()))
    result = invoke("channels")
    assert result.exit_code == 0, result.output
    assert "broken" in result.stderr and "the loft burned down" in result.stderr
    assert any(line.startswith("email ") for line in result.stdout.splitlines())
    data = json.loads(invoke("channels", "--json").stdout)
    assert [f["plugin"] for f in data["failed_plugins"]] == ["broken"]
    assert "email" in {c["name"] for c in data["channels"]}
