"""ledgerlink's connector conformance suite, run against the in-memory book."""

from __future__ import annotations

from pathlib import Path

from ledgerlink.testing.conformance import ConnectorConformance

from ledgerlink_memory import MemoryConnector


class TestMemoryConnector(ConnectorConformance):
    """Every conformance test, each on a fresh, empty memory book."""

    def make_connector(self, tmp_path: Path) -> MemoryConnector:
        """A new in-memory book (it keeps no files, so ``tmp_path`` goes unused)."""
        return MemoryConnector()
