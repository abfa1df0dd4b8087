"""The emulator as an in-process httpx transport (the shared carrier, see
:mod:`ledgerlink.emulation`)."""

from __future__ import annotations

from ledgerlink.emulation import EmulatorTransport, to_emu_request

__all__ = ["EmulatorTransport", "to_emu_request"]
