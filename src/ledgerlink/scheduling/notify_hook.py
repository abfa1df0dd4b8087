"""Internal: delivering a run report: a plugin first, else the app's notifier.

An app or plugin that delivers notifications its own way (chat, a ticket, its
own mail service) implements the ``ledgerlink_notify`` hook and returns
``True`` when it delivered the report. The hook is first-result: the first
implementation that returns ``True`` ends the search; return ``None`` (not
``False``) to let the next one, and finally the notifier, have it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import pluggy

from ledgerlink.scheduling.notify import NotificationError, Notifier
from ledgerlink.scheduling.run_report import RunReport

if TYPE_CHECKING:
    from ledgerlink.plugins.manager import PluginHost
    from ledgerlink.scheduling.model import Recipient

__all__ = ["HOOK_NAME", "Route", "deliver"]

#: The hook's name.
HOOK_NAME = "ledgerlink_notify"
#: Who delivered a report: a plugin, the notifier (SMTP), or nobody.
Route = Literal["plugin", "smtp", "none"]

def deliver(recipients: Sequence[Recipient], report: RunReport, *, notifier: Notifier | None,
            plugin_manager: pluggy.PluginManager | PluginHost | None = None) -> Route:
    """Deliver ``report`` through the first plugin that takes it, else ``notifier``.

    Args:
        recipients: who the job names; a plugin is asked even when empty (it
            may have its own audience), the notifier only when not.
        report: the run's report.
        notifier: the app's notifier (e.g. :class:`~.notify.SmtpNotifier`), or None.
        plugin_manager: a pluggy manager or :class:`~ledgerlink.plugins.PluginHost`;
            None asks no plugin.

    Returns:
        ``"plugin"``, ``"smtp"`` (the notifier sent it) or ``"none"`` (nobody did).

    Raises:
        NotificationError: a plugin's hook raised (chained), or the notifier failed.
    """
    if _plugin_delivered(recipients, report, plugin_manager):
        return "plugin"
    if notifier is None or not recipients:
        return "none"
    notifier.notify(recipients, report)
    return "smtp"


def _plugin_delivered(recipients: Sequence[Recipient], report: RunReport,
                      plugin_manager: pluggy.PluginManager | PluginHost | None) -> bool:
    if plugin_manager is None:
        return False
    pm = plugin_manager if isinstance(plugin_manager, pluggy.PluginManager) else plugin_manager.pm
    hook = getattr(pm.hook, HOOK_NAME, None)
    if hook is None or not hook.get_hookimpls():
        return False
    try:
        result = hook(recipients=tuple(recipients), report=report)
    except Exception as err:  # a plugin's failure is a failed notification, not a crash
        raise NotificationError(f"a {HOOK_NAME} plugin failed: {type(err).__name__}: "
                                f"{err}") from err
    return result is True
