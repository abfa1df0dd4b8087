"""Internal: commands that are imported when they run, so ``ledgerlink --help`` stays fast.

A :class:`LazyCommand` stands in a :class:`LazyGroup` for a click command
named by ``"package.module:attribute"``, with the name and one-line help the
listing shows. The group imports the real command the first time it is asked
for it by name (to run it or show its own ``--help``); listing the group's
commands imports nothing. Plugins hand one to the registrar like any command
(see :func:`ledgerlink.plugins.shortcuts.commands_hook`), so loading a plugin
module need not load its provider's connector, HTTP client or store.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

__all__ = ["LazyCommand", "LazyGroup", "resolve"]


def resolve(target: str) -> Any:
    """The object ``"package.module:attribute"`` names (the module is imported)."""
    module, sep, attribute = target.partition(":")
    if not sep or not module or not attribute:
        raise ValueError(f"expected 'package.module:attribute', got {target!r}")
    found: Any = importlib.import_module(module)
    for part in attribute.split("."):
        found = getattr(found, part)
    return found


class LazyCommand(click.Command):
    """A stand-in for the command ``target`` names, listed as ``name`` with ``help``.

    Only a :class:`LazyGroup` replaces it with the real command; run directly
    it imports the real command and hands over to it.
    """

    def __init__(self, name: str, target: str, *, help: str) -> None:
        super().__init__(name, help=help, add_help_option=False)
        self.target = target

    def load(self) -> click.Command:
        """Import the real command; it must be a click command under the same name."""
        command = resolve(self.target)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.target} is {command!r}, not a click command")
        if command.name != self.name:
            raise TypeError(f"{self.target} is named {command.name!r}, listed as {self.name!r}")
        return command

    def main(self, *args: Any, **kwargs: Any) -> Any:
        return self.load().main(*args, **kwargs)


class LazyGroup(click.Group):
    """A click group whose :class:`LazyCommand` members are imported on first use."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        listed = self.commands.get(cmd_name)
        if not isinstance(listed, LazyCommand):
            return listed
        try:
            command = listed.load()
        except Exception as err:  # a broken plugin module: say which, no traceback
            raise click.ClickException(
                f"command {cmd_name!r} could not be loaded from {listed.target}: "
                f"{type(err).__name__}: {err}") from None
        self.commands[cmd_name] = command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands as click does, from what is registered: importing none."""
        shown = [(name, self.commands[name]) for name in self.list_commands(ctx)
                 if not self.commands[name].hidden]
        if shown:
            limit = formatter.width - 6 - max(len(name) for name, _ in shown)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit))
                                    for name, command in shown])
