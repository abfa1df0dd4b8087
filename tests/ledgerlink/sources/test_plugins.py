"""Work sources as plugins: registered through ``ledgerlink_register_sources``, each plugin
on its own (a failing or clashing plugin costs only its own sources), opened by name with
their options checked, and listed by ``ledgerlink sources``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

import ledgerlink.sources.plugin
from ledgerlink import cli, plugins
from ledgerlink.deals import Deal, DealStatus
from ledgerlink.errors import (
    ConnectorOptionError,
    DuplicateSourceError,
    PluginError,
    UnknownSourceError,
)
from ledgerlink.plugins import (
    PluginHost,
    PluginOrigin,
    SourceRegistrar,
    get_plugin_manager,
    hookimpl,
    source_hook,
)
from ledgerlink.plugins.registry import CORE_DISTRIBUTION
from ledgerlink.sources import BaseSource, Source, open_source, sources


class Ledger(BaseSource):
    """A source holding one won deal, with one required and one optional option."""

    name = "ledger"

    def __init__(self, *, book: str, page: int = 1) -> None:
        self.book = book
        self.page = page
        self.closed = False

    def deals(self, *, status: DealStatus = DealStatus.WON,
              updated_since: datetime | None = None) -> Iterable[Deal]:
        won = Deal(id="d-1", title=self.book, status=DealStatus.WON, currency="DKK",
                   value=Decimal(10), updated_at=datetime(2026, 1, 2, tzinfo=UTC))
        return [won] if status is DealStatus.WON else []

    def close(self) -> None:
        self.closed = True


def _plugin(*hooks: Any) -> SimpleNamespace:
    """A plugin object holding ``hooks`` under their own names."""
    return SimpleNamespace(**{hook.__name__: hook for hook in hooks})


def _host(*added: tuple[str, object]) -> PluginHost:
    return get_plugin_manager(load_entry_points=False, plugins=added)


def test_a_registered_source_is_built_with_its_options() -> None:
    """source_hook registers a factory; create() builds it with its options and it hands
    over its deals."""
    host = _host(("ledgers", _plugin(source_hook("ledger", Ledger, description="Books"))))
    built = host.sources().create("ledger", book="Aarhus", page=3)
    assert isinstance(built, Ledger) and (built.book, built.page) == ("Aarhus", 3)
    assert isinstance(built, Source)
    assert [deal.title for deal in built.deals()] == ["Aarhus"]
    assert list(built.deals(status=DealStatus.LOST)) == []
    info = host.sources().get("ledger")
    assert (info.description, info.origin.plugin) == ("Books", "ledgers")


def test_an_unknown_option_is_refused_naming_it_and_the_known_ones() -> None:
    """A misspelt option names itself, the option it resembles and every accepted one."""
    host = _host(("ledgers", _plugin(source_hook("ledger", Ledger))))
    with pytest.raises(ConnectorOptionError) as caught:
        host.sources().create("ledger", book="A", pgae=2)
    text = str(caught.value)
    assert "source 'ledger'" in text and "'pgae'" in text and "'page'" in text
    assert "accepted options: book, page" in text
    assert caught.value.unknown == ("pgae",)


def test_a_missing_required_option_is_named() -> None:
    """Leaving out a required option names it before the factory runs."""
    host = _host(("ledgers", _plugin(source_hook("ledger", Ledger))))
    with pytest.raises(ConnectorOptionError, match="missing required option 'book'"):
        host.sources().create("ledger")


def test_an_unknown_source_lists_the_known_ones() -> None:
    """Asking for a name nobody registered names the installed sources."""
    host = _host(("ledgers", _plugin(source_hook("ledger", Ledger))))
    with pytest.raises(UnknownSourceError, match=r"no source named 'crm' .*known: ledger"):
        host.sources().get("crm")


def test_two_plugins_registering_one_name_are_both_named_and_neither_is_used() -> None:
    """A name two plugins register is refused naming both origins; each is charged."""
    host = get_plugin_manager(load_entry_points=False, disabled=())
    host.add(_plugin(source_hook("ledger", Ledger)), "one", PluginOrigin("one", "one-dist", "1"))
    host.add(_plugin(source_hook("ledger", Ledger)), "two", PluginOrigin("two", "two-dist", "2"))
    registry = host.sources()
    with pytest.raises(DuplicateSourceError) as caught:
        registry.get("ledger")
    assert "one-dist 1" in str(caught.value) and "two-dist 2" in str(caught.value)
    assert {failure.plugin for failure in host.failures} == {"one", "two"}


class Raising:
    """A plugin whose hook registers one source, then fails."""

    @hookimpl
    def ledgerlink_register_sources(self, registrar: SourceRegistrar) -> None:
        registrar.add("halfway", Ledger)
        raise RuntimeError("the plugin's own bug")


def test_a_plugin_whose_hook_raises_loses_only_its_own_sources() -> None:
    """What a failing hook registered is dropped, the failure names the plugin, and the
    other plugins' sources still load."""
    host = _host(("buggy", Raising()), ("good", _plugin(source_hook("ledger", Ledger))))
    assert [info.name for info in host.sources()] == ["ledger"]
    assert [(f.plugin, f.error) for f in host.failures] == [
        ("buggy", "RuntimeError: the plugin's own bug")]


@pytest.mark.parametrize("name", ["", "Files", "has space", "x" * 41, 7])
def test_malformed_names_are_refused(name: object) -> None:
    """A source name must be 1-40 lower-case letters, digits, '-' or '_'."""
    registrar = SourceRegistrar()
    with pytest.raises(PluginError, match="source name"):
        registrar.add(name, Ledger)  # type: ignore[arg-type]


@pytest.mark.parametrize("plugin_name", ["aaa-first", "zzz-last"])
def test_the_built_in_files_source_cannot_be_taken_over(plugin_name: str) -> None:
    """A plugin registering 'files' is refused whichever loads first; the built-in stays."""
    host = get_plugin_manager(load_entry_points=False, disabled=())
    host.add(_plugin(source_hook("files", Ledger)), plugin_name,
             PluginOrigin(plugin_name, "evil-dist", "1.0"))
    host.add(ledgerlink.sources.plugin, "sources",
             PluginOrigin("sources", CORE_DISTRIBUTION, "0.1.0"))
    assert host.sources().get("files").origin.distribution == CORE_DISTRIBUTION
    [failure] = host.failures
    assert failure.plugin == plugin_name and "may not take over" in failure.error


def test_open_source_builds_installed_sources_by_name() -> None:
    """The installed files and pipedrive sources are listed and opened by name."""
    assert {"files", "pipedrive"} <= {info.name for info in sources()}
    with open_source("files") as files:
        assert files.name == "files" and list(files.customers()) == []
    with pytest.raises(ConnectorOptionError, match="did you mean 'customers'"):
        open_source("files", custmers="c.csv")


def test_a_base_source_is_empty_and_closes_on_leaving_a_with_block() -> None:
    """BaseSource hands over nothing, and the with statement closes the source."""
    with Ledger(book="B") as ledger:
        assert (list(ledger.customers()), list(ledger.work_orders()),
                list(ledger.products())) == ([], [], [])
    assert ledger.closed


def test_sources_command_lists_the_rest_and_reports_each_broken_plugin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`ledgerlink sources --json` with a raising plugin and a clash: exit 0, the built-in
    sources listed with origin and options, each problem charged to its plugin."""

    def host() -> Any:
        made = get_plugin_manager(disabled=())
        made.add(Raising(), "buggy", PluginOrigin("buggy", "buggy-dist", "0.1"))
        made.add(_plugin(source_hook("ledger", Ledger)), "one", PluginOrigin("one", "a", "1"))
        made.add(_plugin(source_hook("ledger", Ledger)), "two", PluginOrigin("two", "b", "1"))
        return made

    monkeypatch.setattr(plugins, "get_plugin_manager", host)
    result = CliRunner().invoke(cli.main, ["sources", "--json"])
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    rows = {row["name"]: row for row in listing["sources"]}
    assert {"files", "pipedrive"} <= set(rows) and "ledger" not in rows
    assert rows["files"]["distribution"] == "ledgerlink"
    assert rows["files"]["options"]["accepted"] == ["customers", "work_orders", "products"]
    assert {failure["plugin"] for failure in listing["failed_plugins"]} >= {"buggy", "one",
                                                                             "two"}


def test_sources_command_prints_a_table_and_warns_of_broken_plugins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without --json the sources are a table and each failed plugin a line on stderr."""

    def host() -> Any:
        made = get_plugin_manager(disabled=())
        made.add(Raising(), "buggy", PluginOrigin("buggy", "buggy-dist", "0.1"))
        return made

    monkeypatch.setattr(plugins, "get_plugin_manager", host)
    result = CliRunner().invoke(cli.main, ["sources"])
    assert result.exit_code == 0, result.output
    assert "files" in result.stdout and "pipedrive" in result.stdout
    assert "plugin 'buggy' from buggy-dist failed to load" in result.stderr
