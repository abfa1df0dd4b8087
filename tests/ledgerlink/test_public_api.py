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


def test_importing_ledgerlink_does_not_load_the_store() -> None:
    """`import ledgerlink` (done by the pytest plugin everywhere) leaves SQLAlchemy unloaded."""
    import subprocess
    import sys

    code = "import ledgerlink, sys; print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_lazy_names_resolve_and_unknown_names_raise() -> None:
    """The store-backed names load on first use; a misspelled name is an AttributeError."""
    import pytest

    assert ledgerlink.Store.__name__ == "Store"
    assert callable(ledgerlink.invoice)
    with pytest.raises(AttributeError, match="no attribute 'Stor'"):
        _ = ledgerlink.Stor  # type: ignore[attr-defined]


def test_lazy_functions_are_not_shadowed_by_submodules() -> None:
    """Importing every submodule (as a connector plugin does) leaves ledgerlink.refresh,
    .plan and .invoice the functions the reference documents."""
    import importlib
    import pkgutil

    import ledgerlink

    for module in pkgutil.walk_packages(ledgerlink.__path__, "ledgerlink."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    for name in ("refresh", "plan", "invoice", "run", "connect", "open_store", "statuses"):
        assert callable(getattr(ledgerlink, name)), name


def test_statuses_is_a_function_and_the_status_module_still_imports() -> None:
    """``ll.statuses(...)`` is the one-call statuses; ``ledgerlink.status`` stays a module."""
    import importlib

    from ledgerlink.status import InvoiceStatus

    assert InvoiceStatus.PAID.labels == ["paid"]
    importlib.import_module("ledgerlink.status_report")
    assert callable(ledgerlink.statuses)
    assert ledgerlink.statuses.__module__ == "ledgerlink.api"
