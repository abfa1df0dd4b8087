"""Internal: receiver lookup answers kept until they expire, in memory or a SQLite file.

The journal store has no general key-value table (its ``tokens`` table is for
OAuth credentials), and a lookup cache needs no migrations, leases or
PostgreSQL: a file of its own, written with the standard library's sqlite3,
keeps answers between runs of the command line and of scheduled jobs. Each
answer is kept as the JSON :meth:`ReceiverAnswer.to_json` writes, with the
instant it expires; an expired answer is never returned.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Protocol

from ledgerlink.einvoice.receiver import ReceiverAnswer

__all__ = ["LookupCache", "MemoryLookupCache", "SqliteLookupCache"]


class LookupCache(Protocol):
    """Where lookup answers are kept until they expire."""

    def get(self, key: str, now: datetime) -> ReceiverAnswer | None:
        """The answer kept under ``key`` if it has not expired at ``now``."""
        ...

    def put(self, key: str, answer: ReceiverAnswer, expires: datetime) -> None:
        """Keep ``answer`` under ``key`` until ``expires`` (replacing what was there)."""
        ...


class MemoryLookupCache:
    """Answers kept in this process only (thread-safe)."""

    def __init__(self) -> None:
        self._answers: dict[str, tuple[ReceiverAnswer, datetime]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, now: datetime) -> ReceiverAnswer | None:
        """The answer kept under ``key`` if it has not expired at ``now``."""
        with self._lock:
            kept = self._answers.get(key)
            if kept is None:
                return None
            if now >= kept[1]:
                del self._answers[key]
                return None
            return kept[0]

    def put(self, key: str, answer: ReceiverAnswer, expires: datetime) -> None:
        """Keep ``answer`` under ``key`` until ``expires``."""
        with self._lock:
            self._answers[key] = (answer, expires)


class SqliteLookupCache:
    """Answers kept in a SQLite file, shared by processes on this machine.

    Args:
        path: The file (made with its table when missing).
    """

    _TABLE = ("CREATE TABLE IF NOT EXISTS peppol_lookups (key TEXT PRIMARY KEY, "
              "answer TEXT NOT NULL, expires_at REAL NOT NULL)")

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with closing(self._connect()) as connection, connection:
            connection.execute(self._TABLE)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def get(self, key: str, now: datetime) -> ReceiverAnswer | None:
        """The answer kept under ``key`` if it has not expired at ``now``."""
        with closing(self._connect()) as connection:
            row = connection.execute(
                "SELECT answer FROM peppol_lookups WHERE key = ? AND expires_at > ?",
                (key, now.timestamp())).fetchone()
        return ReceiverAnswer.from_json(json.loads(row[0])) if row else None

    def put(self, key: str, answer: ReceiverAnswer, expires: datetime) -> None:
        """Keep ``answer`` under ``key`` until ``expires``; drop answers expired before it."""
        text = json.dumps(answer.to_json())
        with closing(self._connect()) as connection, connection:
            connection.execute("INSERT OR REPLACE INTO peppol_lookups VALUES (?, ?, ?)",
                               (key, text, expires.timestamp()))
            connection.execute("DELETE FROM peppol_lookups WHERE expires_at <= ?",
                               (answer.checked_at.timestamp(),))
