"""ledgerlink-tally: a ledgerlink connector plugin for Tally, a small JSON book service.

A template to copy for a real provider. The package holds:

* :mod:`ledgerlink_tally.connector`: :class:`TallyConnector`, the connector
  contract (``ledgerlink.connector``) over Tally's API through ``ledgerlink.http``;
* :mod:`ledgerlink_tally.wire`: Tally's answers read strictly (anything malformed
  becomes a ``ProviderError``);
* :mod:`ledgerlink_tally.emulator`: :class:`TallyEmulator`, Tally itself for tests,
  built on ``ledgerlink.emulation``;
* :func:`ledgerlink_register_connectors`, the hook that registers the connector
  as ``tally``; the entry point in ``pyproject.toml`` tells ledgerlink to call it.
"""

from __future__ import annotations

from ledgerlink.plugins import ConnectorRegistry, hookimpl

from ledgerlink_tally.connector import CAPABILITIES, DEFAULT_URL, TallyConnector
from ledgerlink_tally.emulator import DEFAULT_API_KEY, TallyEmulator

__all__ = [
    "CAPABILITIES",
    "DEFAULT_API_KEY",
    "DEFAULT_URL",
    "TallyConnector",
    "TallyEmulator",
    "ledgerlink_register_connectors",
]


@hookimpl
def ledgerlink_register_connectors(registry: ConnectorRegistry) -> None:
    """Register the ``tally`` connector (options: ``api_key``, ``base_url``, ``book``)."""
    registry.register(
        "tally",
        TallyConnector,
        capabilities=CAPABILITIES,
        description="Tally, a small JSON book service (example plugin).",
    )
