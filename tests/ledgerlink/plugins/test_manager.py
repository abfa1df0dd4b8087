"""The plugin host: registration, duplicates, broken and disabled plugins, hook typos."""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pluggy
import pytest

from ledgerlink.connector import BaseConnector, Capability
from ledgerlink.errors import DuplicateConnectorError, PluginError, UnknownConnectorError
from ledgerlink.plugins import DISABLE_ENV, ConnectorRegistry, get_plugin_manager, hookimpl
from ledgerlink.plugins.registry import PluginOrigin


class FakeConnector(BaseConnector):
    """A connector that does nothing, for registration tests."""

    name = "fake"

    def __init__(self, **options: Any) -> None:
        self.options = options


def _plugin(name: str, *, capabilities: Any = (Capability.DRAFTS,)) -> object:
    """A plugin object registering one connector called ``name``."""

    class Plugin:
        @hookimpl
        def ledgerlink_register_connectors(self, registry: ConnectorRegistry) -> None:
            registry.register(name, FakeConnector, capabilities=capabilities,
                              description=f"the {name} book")

    return Plugin()


def _host(*plugins: tuple[str, object], disabled: tuple[str, ...] = ()) -> Any:
    return get_plugin_manager(load_entry_points=False, plugins=plugins, disabled=disabled)


# --- fake plugins ----------------------------------------------------------------------


def test_plugins_register_connectors_with_their_origin() -> None:
    """Each plugin's connectors are registered, attributed, and buildable with options."""
    host = _host(("alpha-plugin", _plugin("alpha")), ("beta-plugin", _plugin("beta")))
    registry = host.connectors()
    assert [info.name for info in registry] == ["alpha", "beta"]
    info = registry.get("alpha")
    assert info.origin.plugin == "alpha-plugin"
    assert info.capabilities == frozenset({Capability.DRAFTS})
    assert info.description == "the alpha book"
    built = registry.create("beta", account="acme")
    assert isinstance(built, FakeConnector)
    assert built.options == {"account": "acme"}


def test_a_module_can_be_a_plugin() -> None:
    """A plain module with a hookimpl function is a plugin, as entry points load them."""
    module = SimpleNamespace()

    @hookimpl
    def ledgerlink_register_connectors(registry: ConnectorRegistry) -> None:
        registry.register("modbook", FakeConnector)

    module.ledgerlink_register_connectors = ledgerlink_register_connectors
    assert "modbook" in _host(("mod", module)).connectors()


def test_duplicate_connector_names_name_both_origins() -> None:
    """Two plugins registering one connector name: neither is used, asking for it raises
    naming both plugins, the clash is reported, and the other connectors still work."""
    host = _host(("first-dist", _plugin("books")), ("second-dist", _plugin("books")),
                 ("third-dist", _plugin("ledger")))
    registry = host.connectors()
    assert [info.name for info in registry] == ["ledger"]
    with pytest.raises(DuplicateConnectorError) as caught:
        registry.get("books")
    assert any("'books'" in f.error for f in host.failures)
    text = str(caught.value)
    assert "'books'" in text
    assert "first-dist" in text
    assert "second-dist" in text
    assert DISABLE_ENV in text  # and says how to get out of it


def test_unknown_connector_lists_known_names() -> None:
    """Asking for a connector nobody registered lists the names that exist."""
    registry = _host(("a", _plugin("alpha")), ("b", _plugin("beta"))).connectors()
    with pytest.raises(UnknownConnectorError) as caught:
        registry.get("gamma")
    assert "'gamma'" in str(caught.value)
    assert "alpha, beta" in str(caught.value)
    with pytest.raises(UnknownConnectorError, match="known: none"):
        ConnectorRegistry().get("gamma")


@pytest.mark.parametrize("name", ["Bad Name", "UPPER", "1starts-with-digit", "", "x" * 41,
                                  "dots.are.out", 17])
def test_invalid_connector_names_are_refused(name: object) -> None:
    """Names that are not lower-case slugs of at most 40 characters are refused."""
    with pytest.raises(PluginError, match="connector name"):
        ConnectorRegistry().register(name, FakeConnector)  # type: ignore[arg-type]


def test_invalid_capabilities_are_refused_naming_the_plugin() -> None:
    """Capabilities given as strings rather than Capability values are refused."""
    host = _host(("sloppy-plugin", _plugin("books", capabilities={"email", Capability.PDF})),
                 ("fine-plugin", _plugin("ledger")))
    assert [info.name for info in host.connectors()] == ["ledger"]
    [failure] = host.failures
    assert failure.plugin == "sloppy-plugin" and failure.error.startswith("PluginError")
    assert "'email'" in failure.error and "sloppy-plugin" in failure.error


def test_non_callable_factory_is_refused() -> None:
    """A factory that cannot be called is refused at registration."""
    with pytest.raises(PluginError, match="not callable"):
        ConnectorRegistry().register("thing", "not a factory")  # type: ignore[arg-type]


def test_disabled_plugins_are_skipped() -> None:
    """A plugin blocked by name registers nothing; the others still do."""
    host = _host(("alpha-plugin", _plugin("alpha")), ("beta-plugin", _plugin("beta")),
                 disabled=("beta-plugin",))
    assert [info.name for info in host.connectors()] == ["alpha"]


def test_disabled_plugins_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """LEDGERLINK_DISABLE_PLUGINS blocks the plugins it names (comma-separated)."""
    monkeypatch.setenv(DISABLE_ENV, " beta-plugin , gamma-plugin")
    host = get_plugin_manager(load_entry_points=False, plugins=[
        ("alpha-plugin", _plugin("alpha")), ("beta-plugin", _plugin("beta")),
        ("gamma-plugin", _plugin("gamma")),
    ])
    assert [info.name for info in host.connectors()] == ["alpha"]


def test_misspelt_hook_fails_check_pending() -> None:
    """A plugin implementing a hook name with a typo is refused by check_pending."""

    class Typo:
        @hookimpl
        def ledgerlink_register_conectors(self, registry: ConnectorRegistry) -> None:
            registry.register("typo", FakeConnector)

    with pytest.raises(pluggy.PluginValidationError, match="ledgerlink_register_conectors"):
        _host(("typo", Typo()))


def test_origin_text_names_distribution_and_version() -> None:
    """An origin prints as distribution, version and plugin name."""
    assert str(PluginOrigin("fiken", "ledgerlink-fiken", "1.2.0")) == (
        "ledgerlink-fiken 1.2.0 (plugin 'fiken')"
    )


# --- real entry points -------------------------------------------------------------------


def _distribution(root: Path, name: str, version: str, entry_points: dict[str, str]) -> None:
    """Install a fake distribution as a *.dist-info directory that importlib.metadata reads."""
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    lines = "\n".join(f"{ep} = {target}" for ep, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[ledgerlink]\n{lines}\n", encoding="utf-8")


def _connector_module(path: Path, name: str) -> None:
    """Write a plugin module registering a connector called ``name``."""
    path.write_text(textwrap.dedent(f"""
        from ledgerlink.connector import BaseConnector
        from ledgerlink.plugins import hookimpl

        class Book(BaseConnector):
            name = {name!r}

        @hookimpl
        def ledgerlink_register_connectors(registry):
            registry.register({name!r}, Book)
    """), encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory on sys.path holding a good plugin, a broken one, and a clashing one."""
    _connector_module(tmp_path / "ll_test_good_plugin.py", "goodbook")
    (tmp_path / "ll_test_broken_plugin.py").write_text(
        "raise ImportError('this plugin needs libfoo')\n", encoding="utf-8")
    (tmp_path / "ll_test_clash_plugin.py").write_text(textwrap.dedent("""
        from ledgerlink.plugins import hookimpl
        from ll_test_good_plugin import Book

        @hookimpl
        def ledgerlink_register_connectors(registry):
            registry.register("goodbook", Book)
    """), encoding="utf-8")
    _distribution(tmp_path, "ledgerlink-goodbook", "1.0.0", {"goodbook": "ll_test_good_plugin"})
    _distribution(tmp_path, "ledgerlink-broken", "0.3.0", {"broken": "ll_test_broken_plugin"})
    _distribution(tmp_path, "ledgerlink-clash", "2.1.0", {"clash": "ll_test_clash_plugin"})
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for module in ("ll_test_good_plugin", "ll_test_broken_plugin", "ll_test_clash_plugin"):
        sys.modules.pop(module, None)


def test_broken_plugin_is_reported_and_the_rest_still_work(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plugin failing to import is listed in host.failures; the other plugins load."""
    monkeypatch.setenv(DISABLE_ENV, "clash")
    host = get_plugin_manager()
    broken = [f for f in host.failures if f.plugin == "broken"]
    assert len(broken) == 1
    assert broken[0].distribution == "ledgerlink-broken"
    assert "ImportError" in broken[0].error
    assert "libfoo" in broken[0].error
    info = host.connectors().get("goodbook")
    assert info.origin == PluginOrigin("goodbook", "ledgerlink-goodbook", "1.0.0")


def test_duplicate_across_distributions_names_both(site: Path) -> None:
    """Two installed distributions registering one name are both named, with versions."""
    host = get_plugin_manager(disabled=())
    with pytest.raises(DuplicateConnectorError) as caught:
        host.connectors().get("goodbook")
    text = str(caught.value)
    assert "ledgerlink-goodbook 1.0.0" in text
    assert "ledgerlink-clash 2.1.0" in text


def test_environment_blocks_entry_point_plugins(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocked entry points are neither imported nor reported as failures."""
    monkeypatch.setenv(DISABLE_ENV, "broken,clash,goodbook")
    host = get_plugin_manager()
    assert not [f for f in host.failures if f.plugin in {"broken", "clash", "goodbook"}]
    assert "goodbook" not in host.connectors()
    assert "ll_test_broken_plugin" not in sys.modules


def test_entry_points_can_be_skipped(site: Path) -> None:
    """load_entry_points=False ignores installed plugins entirely."""
    host = get_plugin_manager(load_entry_points=False)
    assert not host.failures
    assert len(host.connectors()) == 0


class Raising:
    """A plugin whose hook registers one connector, then fails."""

    @hookimpl
    def ledgerlink_register_connectors(self, registry: ConnectorRegistry) -> None:
        registry.register("halfway", FakeConnector)
        raise RuntimeError("the plugin's own bug")


def test_a_plugin_whose_hook_raises_loses_only_its_own_connectors() -> None:
    """What a failing hook registered before it raised is dropped; the failure names the
    plugin; the other plugins' connectors work."""
    host = _host(("buggy", Raising()), ("good", _plugin("books")))
    registry = host.connectors()
    assert [info.name for info in registry] == ["books"]
    assert [(f.plugin, f.error) for f in host.failures] == [
        ("buggy", "RuntimeError: the plugin's own bug")]


@pytest.mark.parametrize("plugin_name", ["aaa-first", "zzz-last"])
def test_the_built_in_sandbox_cannot_be_taken_over(plugin_name: str) -> None:
    """A plugin registering 'sandbox' is refused whichever loads first; the built-in stays
    and the refusal is reported."""
    from ledgerlink.plugins.registry import CORE_DISTRIBUTION
    from ledgerlink.sandbox import plugin as sandbox_plugin

    host = get_plugin_manager(load_entry_points=False, disabled=())
    host.add(_plugin("sandbox"), plugin_name, PluginOrigin(plugin_name, "evil-dist", "1.0"))
    host.add(sandbox_plugin, "sandbox", PluginOrigin("sandbox", CORE_DISTRIBUTION, "0.1.0"))
    info = host.connectors().get("sandbox")
    assert info.origin.distribution == CORE_DISTRIBUTION
    [failure] = host.failures
    assert failure.plugin == plugin_name and "may not take over" in failure.error


def test_connectors_command_lists_the_rest_and_reports_each_broken_plugin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`ledgerlink connectors --json` with a raising plugin, a clash and a would-be sandbox:
    exit 0, the built-in connectors listed, each problem charged to its plugin."""
    import json

    from click.testing import CliRunner

    from ledgerlink import cli, plugins

    def host() -> Any:
        made = get_plugin_manager(disabled=())
        made.add(Raising(), "buggy", PluginOrigin("buggy", "buggy-dist", "0.1"))
        made.add(_plugin("sandbox"), "fake-sandbox",
                 PluginOrigin("fake-sandbox", "evil-dist", "1.0"))
        made.add(_plugin("books"), "one", PluginOrigin("one", "one-dist", "1.0"))
        made.add(_plugin("books"), "two", PluginOrigin("two", "two-dist", "1.0"))
        return made

    monkeypatch.setattr(plugins, "get_plugin_manager", host)
    result = CliRunner().invoke(cli.main, ["connectors", "--json"])
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    names = {row["name"] for row in listing["connectors"]}
    assert {"sandbox", "quickbooks", "dinero"} <= names and "books" not in names
    charged = {failure["plugin"] for failure in listing["failed_plugins"]}
    assert {"buggy", "fake-sandbox", "one", "two"} <= charged
    sandbox = next(r for r in listing["connectors"] if r["name"] == "sandbox")
    assert sandbox["distribution"] == "ledgerlink"


def test_a_plugin_installed_while_the_process_runs_is_found(site: Path) -> None:
    """Discovery is kept between hosts, yet a distribution added to a path entry later is found."""
    with pytest.raises(UnknownConnectorError):
        get_plugin_manager(disabled=("clash",)).connectors().get("latebook")
    _connector_module(site / "ll_test_late_plugin.py", "latebook")
    _distribution(site, "ledgerlink-late", "0.1.0", {"late": "ll_test_late_plugin"})
    # The directory's clock ticks coarsely (milliseconds): make the install's change of
    # its modification time certain, as an install by another process would leave it.
    later = os.stat(site).st_mtime_ns + 1_000_000_000
    os.utime(site, ns=(later, later))
    try:
        host = get_plugin_manager(disabled=("clash",))
        assert host.connectors().get("latebook").origin == PluginOrigin(
            "late", "ledgerlink-late", "0.1.0")
    finally:
        sys.modules.pop("ll_test_late_plugin", None)


def test_discovery_is_read_once_while_the_import_path_is_unchanged(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hosts built again on an unchanged import path reuse the discovered entry points."""
    from ledgerlink.plugins import manager

    reads: list[str] = []
    real = manager.entry_points

    def counted(**kwargs: Any) -> Any:
        reads.append(kwargs["group"])
        return real(**kwargs)

    monkeypatch.setattr(manager, "entry_points", counted)
    monkeypatch.syspath_prepend(str(site / "empty-entry"))  # a new path state: read once
    first = get_plugin_manager(disabled=("clash",))
    again = get_plugin_manager(disabled=("clash",))
    assert reads == ["ledgerlink"]
    assert first.connectors().get("goodbook").origin == again.connectors().get("goodbook").origin
