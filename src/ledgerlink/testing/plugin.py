"""The ledgerlink pytest plugin, loaded automatically wherever ledgerlink is installed.

It registers the conformance suite for pytest's assertion rewriting (so its
failures show the compared values) and provides fixtures:

* ``ledgerlink_sandbox``: a :class:`~ledgerlink.sandbox.SandboxConnector` on a
  fresh book file in the test's ``tmp_path``, closed after the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ledgerlink.sandbox import SandboxConnector

# Before anything imports it: rewriting only applies to modules imported later.
pytest.register_assert_rewrite("ledgerlink.testing.conformance")

__all__ = ["ledgerlink_sandbox"]


@pytest.fixture
def ledgerlink_sandbox(tmp_path: Path) -> Iterator[SandboxConnector]:
    """A sandbox accounting book in a fresh file, closed after the test."""
    # Imported here: this plugin loads in every pytest session wherever ledgerlink
    # is installed, and most of those sessions never ask for a sandbox.
    from ledgerlink.sandbox import SandboxConnector

    book = SandboxConnector(tmp_path / "ledgerlink-sandbox.db")
    try:
        yield book
    finally:
        book.close()
