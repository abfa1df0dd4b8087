"""Delivering run reports: a ledgerlink_notify plugin first, else the app's notifier."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pluggy
import pytest

from ledgerlink.plugins import get_plugin_manager, hookimpl, hookspecs
from ledgerlink.scheduling.model import Recipient
from ledgerlink.scheduling.notify import NotificationError, RunReport
from ledgerlink.scheduling.notify_hook import deliver

ANN = Recipient.parse("Ann Berg <ann@example.com>")
BO = Recipient.parse("bo@example.com")
CPH = timezone(timedelta(hours=1))


def report() -> RunReport:
    return RunReport(job_id="job-1", job_name="Monthly fees", company="acme", run_id="run-7",
                     scheduled_for=date(2026, 11, 30), trigger="schedule",
                     started_at=datetime(2026, 11, 30, 22, 0, 3, tzinfo=CPH),
                     finished_at=datetime(2026, 11, 30, 22, 0, 9, tzinfo=CPH), state="done")


class RecordingNotifier:
    def __init__(self) -> None:
        self.calls: list[tuple[tuple[Recipient, ...], RunReport]] = []

    def notify(self, recipients: Any, report: RunReport) -> None:
        self.calls.append((tuple(recipients), report))


def manager(*plugins: object) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for plugin in plugins:
        pm.register(plugin)
    return pm


class Delivers:
    def __init__(self) -> None:
        self.seen: list[tuple[tuple[Recipient, ...], RunReport]] = []

    @hookimpl
    def ledgerlink_notify(self, recipients: Any, report: RunReport) -> bool:
        self.seen.append((tuple(recipients), report))
        return True


class Passes:
    @hookimpl
    def ledgerlink_notify(self, recipients: Any, report: RunReport) -> None:
        return None


class Breaks:
    @hookimpl
    def ledgerlink_notify(self, recipients: Any, report: RunReport) -> bool:
        raise RuntimeError("chat service down")


def test_a_plugin_that_delivers_wins_over_the_notifier() -> None:
    """A plugin that delivers the report is used, and the notifier is not called."""
    plugin, notifier, run = Delivers(), RecordingNotifier(), report()

    route = deliver([ANN], run, notifier=notifier, plugin_manager=manager(Passes(), plugin))

    assert route == "plugin"
    assert plugin.seen == [((ANN,), run)]
    assert notifier.calls == []


def test_the_notifier_delivers_when_no_plugin_does() -> None:
    """When no plugin delivers, or there is no plugin manager, the notifier sends the report."""
    notifier, run = RecordingNotifier(), report()

    assert deliver([ANN, BO], run, notifier=notifier, plugin_manager=manager(Passes())) == "smtp"
    assert notifier.calls == [((ANN, BO), run)]
    assert deliver([ANN], run, notifier=notifier) == "smtp"  # no plugin manager at all


def test_nobody_delivers_without_notifier_or_recipients() -> None:
    """Without a notifier or without recipients nothing is delivered and "none" is the route."""
    notifier = RecordingNotifier()

    assert deliver([ANN], report(), notifier=None, plugin_manager=manager(Passes())) == "none"
    assert deliver([], report(), notifier=notifier) == "none"
    assert notifier.calls == []


def test_a_plugin_host_without_notify_plugins_falls_back_to_the_notifier() -> None:
    """A real plugin host with no notify plugin leaves delivery to the notifier."""
    host = get_plugin_manager(load_entry_points=False)
    notifier = RecordingNotifier()

    assert deliver([ANN], report(), notifier=notifier, plugin_manager=host) == "smtp"


def test_a_plugin_host_asks_its_plugins() -> None:
    """A plugin added to a real host after it was built is asked to deliver."""
    # Added after the host was built, so the host never checks the hook against
    # a spec: delivery must also work while hookspecs does not declare it yet.
    host = get_plugin_manager(load_entry_points=False)
    plugin, notifier = Delivers(), RecordingNotifier()
    host.add(plugin, "chat")

    assert deliver([ANN], report(), notifier=notifier, plugin_manager=host) == "plugin"
    assert len(plugin.seen) == 1
    assert notifier.calls == []


def test_a_failing_plugin_is_a_notification_error() -> None:
    """A plugin that raises becomes a NotificationError, with the notifier not tried."""
    notifier = RecordingNotifier()

    with pytest.raises(NotificationError, match="chat service down") as err:
        deliver([ANN], report(), notifier=notifier, plugin_manager=manager(Breaks()))
    assert isinstance(err.value.__cause__, RuntimeError)
    assert notifier.calls == []
