"""Internal: the two carriers of an emulator: an in-process httpx transport and a real HTTP server
on 127.0.0.1, so a connector's tests run the same way in-process and over sockets.

The server refuses a body shorter than its ``Content-Length`` (400, and the
connection is closed) as a real HTTP server does: a client cut off after the
headers never reaches the emulator with half a request.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import parse_qsl, urlsplit

import httpx

from ledgerlink.emulation.control import CONTROL_PREFIX, Control
from ledgerlink.emulation.messages import EmuRequest, EmuResponse, Handler

__all__ = [
    "HOST",
    "REQUEST_TIMEOUT",
    "EmulatorServer",
    "EmulatorTransport",
    "Serving",
    "to_emu_request",
]

#: Emulators listen on the loopback interface only.
HOST = "127.0.0.1"
#: Seconds the server waits for the rest of a request before closing the connection.
REQUEST_TIMEOUT = 30.0


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
    """Serve httpx requests from an emulator without a socket.

    A response the emulator marks as dropped (the write committed, the
    connection was cut) is raised as :class:`httpx.RemoteProtocolError`.
    """

    def __init__(self, emulator: Handler) -> None:
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


def _refusal(text: str) -> EmuResponse:
    """A 400 the server itself answers (the emulator never sees the request)."""
    return EmuResponse(400, {"content-type": "text/plain; charset=utf-8",
                             "connection": "close"}, text.encode())


def _handler_for(emulator: Handler, control: Control | None,
                 wait: float) -> type[BaseHTTPRequestHandler]:
    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle's algorithm on, the body
        # waits for the client's delayed ACK (~40 ms a response on a kept-alive
        # connection), which would swamp any latency the emulator is asked to inject.
        disable_nagle_algorithm = True
        # A client that stops sending mid-request must not hold a thread forever.
        timeout = wait

        def _body(self) -> bytes | EmuResponse:
            """The whole body, or the refusal a real server answers instead."""
            declared = self.headers.get("content-length")
            if declared is None:
                return b""
            if not declared.strip().isdigit():
                return _refusal(f"invalid Content-Length {declared!r}")
            length = int(declared)
            try:
                body = self.rfile.read(length) if length else b""
            except TimeoutError:
                body = b""
            if len(body) < length:
                # The client went away (or stalled) before the whole body arrived: a
                # truncated request is never handed on, as it never was one.
                return _refusal(
                    f"the body ended after {len(body)} of its {length} declared bytes")
            return body

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            body = self._body()
            if isinstance(body, EmuResponse):
                self.close_connection = True
                self._answer(body)
                return
            request = EmuRequest(
                method=self.command,
                path=parts.path,
                query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            if control is not None and request.path.startswith(CONTROL_PREFIX):
                answer = control.handle(request)
            else:
                answer = emulator.handle(request)
            if answer.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)  # cut without answering
                return
            self._answer(answer)

        def _answer(self, answer: EmuResponse) -> None:
            try:
                # An emulator that stamps ``Date`` from its own clock keeps it: a fake
                # clock's provider time must not be replaced by the wall clock's.
                if any(name.lower() == "date" for name in answer.headers):
                    self.log_request(answer.status)
                    self.send_response_only(answer.status)
                    self.send_header("Server", self.version_string())
                else:
                    self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)
            except OSError:
                self.close_connection = True  # the client is gone; nobody to answer

        do_GET = _serve
        do_POST = _serve
        do_PUT = _serve
        do_DELETE = _serve
        do_PATCH = _serve

        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output quiet (and tokens out of logs)."""

    return RequestHandler


class _Listener(ThreadingHTTPServer):
    """A threading server whose listen backlog holds a bulk run's connections: the
    standard library's 5 makes a client with dozens of calls in flight wait seconds for
    SYN retransmits (every request opens a connection of its own)."""

    request_queue_size = 256


class EmulatorServer:
    """Run ``emulator`` on 127.0.0.1 while the ``with`` block lasts; ``base_url`` locates it.

    Args:
        emulator: what answers the requests.
        control: what answers the test-only paths under :data:`CONTROL_PREFIX`
            (without it they reach the emulator like any other path).
        port: the port to listen on; 0 picks a free one.
        timeout: seconds a connection may wait for the rest of a request.
    """

    def __init__(self, emulator: Handler, control: Control | None = None, *, port: int = 0,
                 timeout: float = REQUEST_TIMEOUT) -> None:
        self.emulator = emulator
        self._server = _Listener((HOST, port), _handler_for(emulator, control, timeout))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` (an ephemeral port)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class Serving:
    """Mixin for an emulator class (anything with ``handle``): its two carriers."""

    def handle(self, request: EmuRequest) -> EmuResponse:  # pragma: no cover - overridden
        raise NotImplementedError

    def transport(self) -> EmulatorTransport:
        """An httpx transport serving this emulator in-process."""
        return EmulatorTransport(self)

    def serve(self) -> EmulatorServer:
        """A server for this emulator on 127.0.0.1 (use as a context manager)."""
        return EmulatorServer(self)
