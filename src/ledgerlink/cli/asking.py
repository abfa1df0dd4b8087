"""Asking before an irreversible command acts: ``--yes``, or a question at a terminal.

A command that cannot be undone (deleting a scheduled job, forgetting a
provider's tokens) asks ``Continue?`` when a person is at the terminal. With
``--json`` (a script is reading) or without a terminal to ask at, it never
hangs waiting for an answer nobody will type: it refuses, saying to add
``--yes``.
"""

from __future__ import annotations

import sys

import click

from ledgerlink.errors import ValidationError

__all__ = ["can_ask", "confirm", "yes_option"]

yes_option = click.option("--yes", "-y", "yes", is_flag=True,
                          help="Do it without asking (it cannot be undone).")


def can_ask() -> bool:
    """True when a person can answer a question: stdin and stdout are a terminal."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def confirm(action: str, *, yes: bool, as_json: bool, detail: str = "") -> None:
    """Go on only if ``yes`` or a person confirms ``action`` ("delete job X (Nightly)").

    ``detail`` follows the question (what is kept, what is lost). Raises
    ValidationError (bad input, exit status 2) naming ``--yes`` when nobody
    can be asked, and click.Abort when the person says no.
    """
    if yes:
        return
    if as_json or not can_ask():
        why = "--json never asks" if as_json else "there is no terminal to ask at"
        raise ValidationError(f"not done: {action} cannot be undone and {why}; add --yes",
                              field="--yes")
    click.confirm(f"{action[:1].upper()}{action[1:]}? {detail}".rstrip(), abort=True)
