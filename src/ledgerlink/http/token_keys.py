"""Where an OAuth connector keeps things in the journal store, the same for every provider.

The connector reads an account's tokens under :func:`token_key`; the ``connect``
command writes them there, and keeps a started authorization's ``state`` under
:func:`pending_key` until its callback arrives.
"""

from __future__ import annotations

__all__ = ["pending_key", "token_key"]


def token_key(provider: str, account: str) -> str:
    """``"<provider>:<account>"``: where the connector for ``account`` reads its tokens."""
    return f"{provider}:{account}"


def pending_key(provider: str, client_id: str) -> str:
    """``"<provider>:authorize:<client id>"``: where a started authorization waits."""
    return f"{provider}:authorize:{client_id}"
