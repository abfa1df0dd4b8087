"""Shared set-up for the HTTP layer's tests: stamina never sleeps, limits stay private."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stamina


@pytest.fixture(autouse=True)
def _no_retry_waits() -> Iterator[None]:
    """Turn stamina's waits off while keeping each call's own number of attempts."""
    with stamina.set_testing(True, attempts=1000, cap=True):
        yield
