"""What every provider emulator shares: request and response values, injected faults,
and the two carriers — an in-process httpx transport and a real server on 127.0.0.1.

An emulator is any object with ``handle(EmuRequest) -> EmuResponse``
(:class:`Handler`); the carriers only move bytes. Provider emulators
(``ledgerlink_quickbooks.emulator``, ``ledgerlink_dinero.emulator``) build on this,
so a connector's tests run the same way in-process and over real sockets.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Mapping
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Protocol, Self
from urllib.parse import parse_qsl, urlsplit

import attrs
import httpx

__all__ = [
    "HOST",
    "EmuRequest",
    "EmuResponse",
    "EmulatorServer",
    "EmulatorTransport",
    "Faults",
    "Handler",
    "Serving",
    "to_emu_request",
]

#: Emulators listen on the loopback interface only.
HOST = "127.0.0.1"


@attrs.frozen
class EmuRequest:
    """One HTTP request as an emulator sees it.

    Attributes:
        method: Upper-case HTTP method.
        path: URL path without the query string.
        query: Query parameters (last value wins), names as sent.
        headers: Header names in lower case.
        body: Raw request body.
    """

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes = b""

    def json(self) -> Any:
        """Decode the body as JSON with decimals kept exact (None when empty)."""
        return json.loads(self.body or b"null", parse_float=Decimal)


@attrs.frozen
class EmuResponse:
    """One HTTP response; ``drop`` asks the carrier to cut the connection instead.

    Attributes:
        status: HTTP status code.
        headers: Response headers.
        body: Raw response body.
        drop: When true the client sees a transport error although the write committed.
    """

    status: int
    headers: Mapping[str, str]
    body: bytes
    drop: bool = False

    def json_body(self) -> Any:
        """Decode the body as JSON with decimals kept exact."""
        return json.loads(self.body, parse_float=Decimal)


class Handler(Protocol):
    """An emulator: answers one request."""

    def handle(self, request: EmuRequest) -> EmuResponse:
        """The response to ``request``."""
        ...


@attrs.define
class Faults:
    """Faults waiting to be injected into the next calls (thread-safe)."""

    _lock: threading.Lock = attrs.field(factory=threading.Lock)
    _errors: list[int] = attrs.field(factory=list)
    _drops: int = 0

    def fail_next(self, count: int = 1, status: int = 503) -> None:
        """Answer the next ``count`` API calls with HTTP ``status`` without doing them."""
        with self._lock:
            self._errors.extend([status] * count)

    def drop_after_commit(self, count: int = 1) -> None:
        """Cut the connection on the next ``count`` successful writes, after they committed."""
        with self._lock:
            self._drops += count

    def clear(self) -> None:
        """Forget every pending fault."""
        with self._lock:
            self._errors.clear()
            self._drops = 0

    def take_error(self) -> int | None:
        """The status of the next injected error, if any."""
        with self._lock:
            return self._errors.pop(0) if self._errors else None

    def take_drop(self) -> bool:
        """True (once per pending drop) when this write's answer must be cut."""
        with self._lock:
            if self._drops <= 0:
                return False
            self._drops -= 1
            return True


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


def _handler_for(emulator: Handler) -> type[BaseHTTPRequestHandler]:
    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle's algorithm on, the body
        # waits for the client's delayed ACK (~40 ms a response on a kept-alive
        # connection), which would swamp any latency the emulator is asked to inject.
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            request = EmuRequest(
                method=self.command,
                path=parts.path,
                query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            answer = emulator.handle(request)
            if answer.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)  # cut without answering
                return
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = _serve
        do_POST = _serve
        do_PUT = _serve
        do_DELETE = _serve

        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output quiet (and tokens out of logs)."""

    return RequestHandler


class EmulatorServer:
    """Run ``emulator`` on 127.0.0.1 while the ``with`` block lasts; ``base_url`` locates it."""

    def __init__(self, emulator: Handler) -> None:
        self.emulator = emulator
        self._server = ThreadingHTTPServer((HOST, 0), _handler_for(emulator))
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
