"""The emulator as a real HTTP server on 127.0.0.1 (an ephemeral port, in a thread)."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from ledgerlink_dinero.emulator.core import DineroEmulator
from ledgerlink_dinero.emulator.wire import EmuRequest

HOST = "127.0.0.1"


def _handler_for(emulator: DineroEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in two writes; with Nagle's algorithm the body would
        # wait for the client's delayed ACK (~40 ms per kept-alive response) and swamp
        # any latency the emulator is asked to inject.
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

    return Handler


class EmulatorServer:
    """Run ``emulator`` on 127.0.0.1 while the ``with`` block lasts; ``base_url`` locates it."""

    def __init__(self, emulator: DineroEmulator) -> None:
        self.emulator = emulator
        self._server = ThreadingHTTPServer((HOST, 0), _handler_for(emulator))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``; the API lives under ``/v1/{organizationId}``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> EmulatorServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
