"""Rate limits counted in a PostgreSQL store (SELECT ... FOR UPDATE on the account's row)."""

from __future__ import annotations

from pathlib import Path

from tests.ledgerlink.http.shared_limits_support import most_in_any_window, race

#: Requests per window, the window's length (seconds) and each process's requests.
PER_WINDOW, WINDOW, REQUESTS = 5, 1.0, 8


def test_three_processes_sharing_postgres_never_exceed_the_window(pg_url: str,
                                                                  tmp_path: Path) -> None:
    """Three processes counting one account's limit in PostgreSQL never have more requests
    in any window than the limit allows, together, and all their requests get through."""
    spans = race(pg_url, 3, PER_WINDOW, WINDOW, REQUESTS, tmp_path / "go")
    assert len(spans) == 3 * REQUESTS
    assert most_in_any_window(spans, WINDOW) <= PER_WINDOW
