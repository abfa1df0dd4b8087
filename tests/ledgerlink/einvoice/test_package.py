"""The e-invoice package's surface: its __all__, and building without the validator's engine."""

from __future__ import annotations

import subprocess
import sys

import ledgerlink.einvoice as einvoice


def test_all_is_complete() -> None:
    """__all__ (sorted by ruff's RUF022) has no duplicates, and every name in it exists."""
    names = einvoice.__all__
    assert len(names) == len(set(names))
    assert all(hasattr(einvoice, name) for name in names)


def test_importing_the_package_does_not_load_saxonche() -> None:
    """Building documents needs lxml only: saxonche loads when a validator is made."""
    code = "import ledgerlink.einvoice, sys; print('saxonche' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
