"""ledgerlink's connector conformance suite, run against the in-memory book."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ledgerlink.testing.conformance import ConnectorConformance

from ledgerlink_memory import MemoryConnector


class TestMemoryConnector(ConnectorConformance):
    """Every conformance test, on a fresh, empty memory book each time."""

    @pytest.fixture
    def connector(self) -> Iterator[MemoryConnector]:
        """A new in-memory book."""
        book = MemoryConnector()
        yield book
        book.close()
