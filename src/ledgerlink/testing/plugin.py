"""Internal: the ledgerlink pytest plugin, loaded automatically wherever ledgerlink is installed.

It registers the conformance suite for pytest's assertion rewriting (so its
failures show the compared values) and provides fixtures (none is autouse):

* ``ledgerlink_sandbox``: a :class:`~ledgerlink.sandbox.SandboxConnector` on a
  fresh book file in the test's ``tmp_path``, closed after the test.
* ``ledgerlink_no_retry_waits``: retries run at once for the test (stamina's
  testing mode), each call keeping its number of attempts. To have it in every
  test of a directory, ask for it from an autouse fixture in its conftest::

      @pytest.fixture(autouse=True)
      def _no_waits(ledgerlink_no_retry_waits: None) -> None: ...

* ``ledgerlink_store``: a fresh journal :class:`~ledgerlink.store.Store`
  (SQLite in ``tmp_path``), closed after the test.
* ``ledgerlink_emulate``: ``emulate(emulator, *, served=False, base_url=...)``
  runs an emulator (anything with ``transport()`` and ``serve()``) until the
  test ends and returns an :class:`~ledgerlink.testing.emulators.EmulatorLink`
  (the base URL and transport to build the connector under test with).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ledgerlink.sandbox import SandboxConnector
    from ledgerlink.store import Store
    from ledgerlink.testing.emulators import EmulatorLink

# Before anything imports it: rewriting only applies to modules imported later.
pytest.register_assert_rewrite("ledgerlink.testing.conformance", "ledgerlink.testing.channels")

__all__ = [
    "JOURNAL_FILE",
    "RETRY_ATTEMPTS_CAP",
    "ledgerlink_emulate",
    "ledgerlink_no_retry_waits",
    "ledgerlink_sandbox",
    "ledgerlink_store",
]

#: The journal's file name in the test's ``tmp_path``.
JOURNAL_FILE = "ledgerlink-journal.db"
#: Attempts a retried call may make in testing mode: high enough that every call
#: keeps its own number (stamina's ``cap``), low enough to end a runaway loop.
RETRY_ATTEMPTS_CAP = 1000

# Imports below happen inside the fixtures: this plugin loads in every pytest
# session wherever ledgerlink is installed, and most sessions use none of them.


@pytest.fixture
def ledgerlink_sandbox(tmp_path: Path) -> Iterator[SandboxConnector]:
    """A sandbox accounting book in a fresh file, closed after the test."""
    from ledgerlink.sandbox import SandboxConnector

    book = SandboxConnector(tmp_path / "ledgerlink-sandbox.db")
    try:
        yield book
    finally:
        book.close()


@pytest.fixture
def ledgerlink_no_retry_waits() -> Iterator[None]:
    """Retries run at once (stamina's waits off), keeping each call's number of attempts."""
    import stamina

    with stamina.set_testing(True, attempts=RETRY_ATTEMPTS_CAP, cap=True):
        yield


@pytest.fixture
def ledgerlink_store(tmp_path: Path) -> Iterator[Store]:
    """A fresh journal store (SQLite in ``tmp_path``), closed after the test."""
    from ledgerlink.store import Store

    store = Store(tmp_path / JOURNAL_FILE)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def ledgerlink_emulate() -> Iterator[Callable[..., EmulatorLink]]:
    """``emulate(emulator, *, served=False, base_url=...)``: run ``emulator`` until the
    test ends (see :func:`ledgerlink.testing.emulators.emulated`)."""
    from ledgerlink.testing.emulators import emulated

    with ExitStack() as running:

        def emulate(emulator: Any, **how: Any) -> EmulatorLink:
            return running.enter_context(emulated(emulator, **how))

        yield emulate
