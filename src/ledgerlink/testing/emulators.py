"""Running a provider emulator for a connector under test, in-process or on a socket.

An emulator is anything with ``transport()`` (an httpx transport serving it
in-process) and ``serve()`` (a server on 127.0.0.1 to use as a context manager),
which every emulator built on :class:`ledgerlink.emulation.Serving` has.
:func:`emulated` gives the two things a connector needs to reach it, the base
URL and the transport, so one test can run either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

import attrs
import httpx

__all__ = ["IN_PROCESS_URL", "Emulator", "EmulatorLink", "emulated"]

#: The base URL a connector is given for an in-process emulator (never resolved:
#: its requests go to the transport).
IN_PROCESS_URL = "http://emulator.invalid"


class _Served(Protocol):
    base_url: str


class Emulator(Protocol):
    """What :func:`emulated` runs: an emulator with its two carriers."""

    def transport(self) -> httpx.BaseTransport:
        """An httpx transport serving the emulator in-process."""
        ...

    def serve(self) -> AbstractContextManager[_Served]:
        """A server for the emulator on 127.0.0.1, running while the ``with`` lasts."""
        ...


@attrs.frozen
class EmulatorLink:
    """Where a connector under test reaches its emulator.

    Attributes:
        base_url: the base URL to give the connector.
        transport: the httpx transport to give it; None over a real socket.
    """

    base_url: str
    transport: httpx.BaseTransport | None


@contextmanager
def emulated(emulator: Emulator, *, served: bool = False,
             base_url: str = IN_PROCESS_URL) -> Iterator[EmulatorLink]:
    """Run ``emulator`` for the ``with`` block: in-process by default (``base_url`` and
    its transport), or served on 127.0.0.1 (its server's URL, no transport)."""
    if not served:
        yield EmulatorLink(base_url, emulator.transport())
        return
    with emulator.serve() as server:
        yield EmulatorLink(server.base_url, None)
