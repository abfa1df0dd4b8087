"""Internal: a tiny DNS server on 127.0.0.1 (UDP) answering as a function says.

It reads nothing itself: every datagram goes to ``answer(wire) -> wire | None``
(None: stay silent, as a server that is down does), and the reply goes back to
the sender. One thread serves it; closing the socket ends the thread.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Self

from ledgerlink.emulation import HOST

__all__ = ["DnsServer"]

#: The largest datagram read (EDNS0 allows 4096 bytes; plain DNS 512).
MAX_DATAGRAM = 4096


class DnsServer:
    """Serve UDP DNS on 127.0.0.1 while the ``with`` block lasts.

    Args:
        answer: Turns one query's bytes into the reply's bytes, or None for no reply.
        port: The port; 0 picks a free one (see :attr:`port`).
    """

    def __init__(self, answer: Callable[[bytes], bytes | None], *, port: int = 0) -> None:
        self._answer = answer
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((HOST, port))
        self._thread = threading.Thread(target=self._serve, name="peppol-dns", daemon=True)
        self._stopping = threading.Event()

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self._socket.getsockname()[1])

    @property
    def address(self) -> str:
        """``127.0.0.1:PORT``, as ``--dns`` takes it."""
        return f"{HOST}:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                query, sender = self._socket.recvfrom(MAX_DATAGRAM)
            except OSError:
                return  # the socket was closed: stop
            if self._stopping.is_set():
                return
            try:
                reply = self._answer(query)
            except Exception:  # a query it cannot read gets no answer, as from a real server
                reply = None
            if reply is not None:
                try:
                    self._socket.sendto(reply, sender)
                except OSError:
                    return

    def start(self) -> Self:
        """Start answering in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering and close the socket."""
        # shutdown() wakes the thread blocked in recvfrom on Linux (and raises ENOTCONN
        # for an unconnected socket all the same); close() frees the port.
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)
        self._socket.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
