"""Faults waiting to be injected: 5xx answers and connections cut after a committed write
(shared by every emulator, see :mod:`ledgerlink.emulation`)."""

from __future__ import annotations

from ledgerlink.emulation import Faults

__all__ = ["Faults"]
