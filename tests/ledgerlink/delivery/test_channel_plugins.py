"""Delivery channels as plugins: registered through ``ledgerlink_register_channels``,
each plugin on its own (a failing or clashing plugin costs only its own channels),
opened by name with their options checked, and listed."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

import ledgerlink.delivery.host
import ledgerlink.delivery.plugin
from ledgerlink.delivery import DeliveryReceipt, DeliveryState, channels, open_channel
from ledgerlink.errors import (
    ConnectorOptionError,
    DuplicateChannelError,
    PluginError,
    UnknownChannelError,
)
from ledgerlink.plugins import (
    ChannelRegistrar,
    PluginHost,
    PluginOrigin,
    channel_hook,
    connector_hook,
    get_plugin_manager,
    hookimpl,
)
from ledgerlink.testing import make_delivery


class Pigeon:
    """A channel with one required and one optional option."""

    name = "pigeon"

    def __init__(self, *, loft: str, speed: int = 1) -> None:
        self.loft = loft
        self.speed = speed

    def deliver(self, delivery: Any) -> DeliveryReceipt:
        return DeliveryReceipt(DeliveryState.SENT, f"flown from {self.loft}")


def _plugin(*hooks: Any) -> SimpleNamespace:
    """A plugin object holding ``hooks`` under their own names."""
    return SimpleNamespace(**{hook.__name__: hook for hook in hooks})


def _host(*plugins: tuple[str, object]) -> PluginHost:
    return get_plugin_manager(load_entry_points=False, plugins=plugins)


def test_a_registered_channel_is_opened_with_its_options() -> None:
    """channel_hook registers a factory; create() builds it with its options and the
    channel delivers."""
    host = _host(("pigeons", _plugin(channel_hook("pigeon", Pigeon, description="By air"))))
    channel = host.channels().create("pigeon", loft="Aarhus", speed=3)
    assert isinstance(channel, Pigeon) and (channel.loft, channel.speed) == ("Aarhus", 3)
    receipt = channel.deliver(make_delivery("pigeon"))
    assert receipt.message == "flown from Aarhus"
    [info] = host.channels()
    assert (info.name, info.description, info.origin.plugin) == ("pigeon", "By air", "pigeons")
    assert (info.options.accepted, info.options.required) == (("loft", "speed"), ("loft",))


def test_a_factory_named_by_string_is_imported_when_channels_are_asked_for() -> None:
    """A "module:attribute" factory is resolved by the hook, not when the plugin loads."""
    hook = channel_hook("pigeon", "tests.ledgerlink.delivery.test_channel_plugins:Pigeon")
    assert _host(("pigeons", _plugin(hook))).channels().get("pigeon").factory is Pigeon


def test_options_are_checked_and_named() -> None:
    """A misspelt option or a missing required one is an error naming it, as a channel's."""
    registry = _host(("pigeons", _plugin(channel_hook("pigeon", Pigeon)))).channels()
    with pytest.raises(ConnectorOptionError) as caught:
        registry.create("pigeon", lof="Aarhus")
    assert str(caught.value) == ("channel 'pigeon': unknown option 'lof' (did you mean "
                                 "'loft'?); missing required option 'loft'; accepted "
                                 "options: loft, speed")


def test_an_unknown_channel_lists_the_known_ones() -> None:
    """Asking for a name nobody registered raises UnknownChannelError naming the others."""
    registry = _host(("pigeons", _plugin(channel_hook("pigeon", Pigeon)))).channels()
    with pytest.raises(UnknownChannelError, match=r"no channel named 'fax' is installed "
                       r"\(known: pigeon\)"):
        registry.get("fax")


def test_a_failing_plugin_costs_only_its_own_channels() -> None:
    """A hook that raises half-way registers nothing of its own; other plugins' channels
    and the connectors are unaffected, and the failure names the plugin."""

    @hookimpl
    def ledgerlink_register_channels(registrar: ChannelRegistrar) -> None:
        registrar.add("first", Pigeon)
        raise RuntimeError("boom")

    host = _host(("broken", _plugin(ledgerlink_register_channels)),
                 ("pigeons", _plugin(channel_hook("pigeon", Pigeon),
                                     connector_hook("tally", object))))
    assert [info.name for info in host.channels()] == ["pigeon"]
    assert "tally" in host.connectors()
    assert [(f.plugin, f.error) for f in host.failures] == [("broken", "RuntimeError: boom")]


def test_a_bad_name_or_factory_is_refused() -> None:
    """Names are 1-40 lower-case letters, digits, '-' and '_'; factories are callable."""
    registrar = ChannelRegistrar()
    with pytest.raises(PluginError, match="channel name 'Fax!'"):
        registrar.add("Fax!", Pigeon)
    with pytest.raises(PluginError, match="factory for 'fax' is not callable"):
        registrar.add("fax", "not a factory")  # type: ignore[arg-type]
    assert len(registrar) == 0


def test_two_plugins_with_one_name_get_neither() -> None:
    """A name two plugins register is used by neither; asking for it names both, and
    each plugin's other channels work."""
    host = _host(("one", _plugin(channel_hook("pigeon", Pigeon))),
                 ("two", _plugin(channel_hook("pigeon", Pigeon))),
                 ("three", _plugin(channel_hook("owl", Pigeon))))
    registry = host.channels()
    assert [info.name for info in registry] == ["owl"]
    with pytest.raises(DuplicateChannelError, match="channel 'pigeon' is registered by both"):
        registry.get("pigeon")
    assert sorted(f.plugin for f in host.failures) == ["one", "two"]


def test_the_cores_channels_cannot_be_taken_over() -> None:
    """A plugin registering a channel name the ledgerlink distribution has is refused;
    the core's channel stays."""
    host = get_plugin_manager(load_entry_points=False)
    host.add(_plugin(channel_hook("pigeon", Pigeon)), "delivery",
             PluginOrigin("delivery", "ledgerlink", "0.1.0"))
    host.add(_plugin(channel_hook("pigeon", dict)), "thief", PluginOrigin("thief", "thief", "1"))
    assert host.channels().get("pigeon").factory is Pigeon
    [failure] = host.failures
    assert failure.plugin == "thief" and "may not take over the built-in channel" in failure.error


def test_a_disabled_plugin_registers_no_channels() -> None:
    """LEDGERLINK_DISABLE_PLUGINS (here: disabled=) blocks a channel plugin by name."""
    host = get_plugin_manager(load_entry_points=False, disabled=["pigeons"],
                              plugins=[("pigeons", _plugin(channel_hook("pigeon", Pigeon)))])
    assert len(host.channels()) == 0


def test_the_delivery_plugin_is_installed_and_registers_its_list(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The entry point ``delivery`` loads ledgerlink.delivery.plugin, whose one hook
    registers every BUILT_IN entry as the ledgerlink distribution's."""
    monkeypatch.setattr(ledgerlink.delivery.plugin, "BUILT_IN", (
        ("pigeon", "tests.ledgerlink.delivery.test_channel_plugins:Pigeon", "By air"),))
    host = get_plugin_manager(disabled=[])
    info = host.channels().get("pigeon")
    assert (info.factory, info.description) == (Pigeon, "By air")
    assert (info.origin.plugin, info.origin.distribution) == ("delivery", "ledgerlink")


def test_open_channel_and_channels_use_the_installed_plugins(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """open_channel(name, **options) and channels() ask the plugin manager, like connect()."""
    host = _host(("pigeons", _plugin(channel_hook("pigeon", Pigeon))))
    monkeypatch.setattr(ledgerlink.delivery.host, "get_plugin_manager", lambda: host)
    channel = open_channel("pigeon", loft="Odense")
    assert isinstance(channel, Pigeon) and channel.loft == "Odense"
    assert [info.name for info in channels()] == ["pigeon"]
    with pytest.raises(UnknownChannelError):
        open_channel("fax")
