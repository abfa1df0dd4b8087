"""Where one provider account's OAuth tokens, and a started authorization, live in the
journal store: the keys a connector and its ``connect`` command must agree on.

A connector reads its tokens under :func:`token_key` (``"dinero:123456"``,
``"quickbooks:9130..."``); ``connect`` saves them there, and keeps the ``state``
of an authorization it started under :func:`pending_key` until the callback
arrives (one pending authorization per app client id).
"""

from __future__ import annotations

__all__ = ["pending_key", "token_key"]


def token_key(provider: str, account: str) -> str:
    """Where the tokens of ``provider`` account ``account`` live."""
    return f"{provider}:{account}"


def pending_key(provider: str, client_id: str) -> str:
    """Where a started authorization's ``state`` waits for its callback."""
    return f"{provider}:authorize:{client_id}"
