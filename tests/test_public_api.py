"""The public surface: one sorted __all__, every name importable, no accidental exports."""

from __future__ import annotations

import ledgerlink


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted, has no duplicates, and every listed name exists."""
    names = ledgerlink.__all__
    assert names == sorted(names, key=lambda n: (n[0].islower(), n))
    assert len(names) == len(set(names))
    for name in names:
        assert hasattr(ledgerlink, name), name


def test_the_quickstart_names_are_public() -> None:
    """The names the README's quickstart uses are all part of the public API."""
    for name in ("Company", "Customer", "BillingPolicy", "PolicyOverride", "Posting", "Timing",
                 "WorkOrder", "WorkLine", "WorkStatus", "connect", "plan", "run", "invoice"):
        assert name in ledgerlink.__all__, name


def test_public_modules_do_not_leak_private_names() -> None:
    """Nothing in __all__ starts with an underscore."""
    assert not [n for n in ledgerlink.__all__ if n.startswith("_")]
