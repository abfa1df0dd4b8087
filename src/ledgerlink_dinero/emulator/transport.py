"""The emulator as an in-process httpx transport."""

from __future__ import annotations

import httpx

from ledgerlink_dinero.emulator.core import DineroEmulator
from ledgerlink_dinero.emulator.wire import EmuRequest


def to_emu_request(request: httpx.Request) -> EmuRequest:
    """Convert an httpx request into the emulator's request value."""
    return EmuRequest(
        method=request.method.upper(),
        path=request.url.path,
        query=dict(request.url.params.multi_items()),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=request.read(),
    )


class EmulatorTransport(httpx.BaseTransport):
    """Serve httpx requests from a :class:`DineroEmulator` without a socket.

    An answer the emulator marks as dropped (the write committed, the
    connection was cut) is raised as :class:`httpx.RemoteProtocolError`.
    """

    def __init__(self, emulator: DineroEmulator) -> None:
        self.emulator = emulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request from the emulator."""
        answer = self.emulator.handle(to_emu_request(request))
        if answer.drop:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        return httpx.Response(
            answer.status, headers=dict(answer.headers), content=answer.body, request=request
        )
