"""Former home of the provider `connect` commands' OAuth pieces: see ledgerlink.cli.connect.

Kept so plugins written against it keep importing; new code imports
:mod:`ledgerlink.cli.connect`.
"""

from __future__ import annotations

from ledgerlink.cli.connect import (
    EXIT_REFUSED,
    PENDING_TTL,
    OAuthOptions,
    Pending,
    ask_redirect,
    callback_url,
    consume_pending,
    display_store,
    forget_token,
    journal,
    load_pending,
    oauth_options,
    refusals,
    save_pending,
    token_lifetime_lines,
)

__all__ = [
    "EXIT_REFUSED",
    "PENDING_TTL",
    "OAuthOptions",
    "Pending",
    "ask_redirect",
    "callback_url",
    "consume_pending",
    "display_store",
    "forget_token",
    "journal",
    "load_pending",
    "oauth_options",
    "refusals",
    "save_pending",
    "token_lifetime_lines",
]
