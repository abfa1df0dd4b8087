"""The emulator as a real HTTP server on 127.0.0.1 (the shared carrier, see
:mod:`ledgerlink.emulation`)."""

from __future__ import annotations

from ledgerlink.emulation import HOST, EmulatorServer

__all__ = ["HOST", "EmulatorServer"]
