"""What every provider emulator shares: request and response values, injected faults,
and the two carriers — an in-process httpx transport and a real server on 127.0.0.1.

An emulator is any object with ``handle(EmuRequest) -> EmuResponse``
(:class:`Handler`); the carriers only move bytes. Provider emulators
(``ledgerlink_quickbooks.emulator``, ``ledgerlink_dinero.emulator``) build on this,
so a connector's tests run the same way in-process and over real sockets.

Faults (:class:`Faults`) are counted (the next N calls) or drawn at random
with a seed (a share of calls), so a benchmark can run a whole job against an
unreliable provider and repeat the same run. :func:`serve_main` serves an
emulator in its own process (``python -m ledgerlink_quickbooks.emulator``);
the parent reads its base URL from stdout and counts what the emulator holds
through the test-only paths under :data:`CONTROL_PREFIX` (:class:`Control`).

The server refuses a body shorter than its ``Content-Length`` (400, and the
connection is closed) as a real HTTP server does: a client cut off after the
headers never reaches the emulator with half a request.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import socket
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType, TracebackType
from typing import Any, Protocol, Self
from urllib.parse import parse_qsl, urlsplit

import attrs
import httpx

__all__ = [
    "CONTROL_PREFIX",
    "HOST",
    "REQUEST_TIMEOUT",
    "Control",
    "EmuRequest",
    "EmuResponse",
    "EmulatorServer",
    "EmulatorTransport",
    "Faults",
    "Handler",
    "Serving",
    "parse_shares",
    "serve_main",
    "to_emu_request",
]

#: Emulators listen on the loopback interface only.
HOST = "127.0.0.1"
#: Test-only paths of a served emulator (its state, a token for an account).
CONTROL_PREFIX = "/_emulator/"
#: Seconds the server waits for the rest of a request before closing the connection.
REQUEST_TIMEOUT = 30.0
#: The status an injected server error answers with.
SERVER_ERROR = 503
#: Names of the fault shares in ``--faults 5xx=0.1,429=0.05,drop=0.02``.
SHARE_NAMES = ("5xx", "429", "drop")


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


def _share(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"a share of calls is between 0 and 1, not {value}")
    return float(value)


@attrs.define
class Faults:
    """Faults to inject into the next calls, counted or drawn at random (thread-safe).

    Counted faults (:meth:`fail_next`, :meth:`drop_after_commit`) come first.
    With :meth:`randomly` each further call is also answered 5xx or 429 with
    the given shares, and each successful write has its connection cut after
    it committed with the drop share; the draws come from one
    ``random.Random(seed)``, so the same calls in the same order meet the same
    faults. :attr:`injected` counts what was injected, by kind.
    """

    _lock: threading.Lock = attrs.field(factory=threading.Lock)
    _errors: list[int] = attrs.field(factory=list)
    _drops: int = 0
    _error_share: float = 0.0
    _throttle_share: float = 0.0
    _drop_share: float = 0.0
    _random: random.Random = attrs.field(factory=random.Random)
    _injected: dict[str, int] = attrs.field(factory=lambda: dict.fromkeys(SHARE_NAMES, 0))

    def fail_next(self, count: int = 1, status: int = SERVER_ERROR) -> None:
        """Answer the next ``count`` API calls with HTTP ``status`` without doing them."""
        with self._lock:
            self._errors.extend([status] * count)

    def drop_after_commit(self, count: int = 1) -> None:
        """Cut the connection on the next ``count`` successful writes, after they committed."""
        with self._lock:
            self._drops += count

    def randomly(self, *, errors: float = 0.0, throttles: float = 0.0, drops: float = 0.0,
                 seed: int | None = None) -> None:
        """From now on answer a share ``errors`` of calls 5xx and ``throttles`` 429, and cut
        a share ``drops`` of successful writes after their commit; ``seed`` makes it repeatable.

        Raises:
            ValueError: a share outside 0..1, or 5xx and 429 shares adding up to more than 1.
        """
        error_share, throttle_share, drop_share = _share(errors), _share(throttles), _share(drops)
        if error_share + throttle_share > 1.0:
            raise ValueError("the 5xx and 429 shares add up to more than every call")
        with self._lock:
            self._error_share, self._throttle_share = error_share, throttle_share
            self._drop_share = drop_share
            self._random = random.Random(seed)

    def clear(self) -> None:
        """Forget every pending fault and stop injecting at random."""
        with self._lock:
            self._errors.clear()
            self._drops = 0
            self._error_share = self._throttle_share = self._drop_share = 0.0

    @property
    def injected(self) -> dict[str, int]:
        """How many 5xx answers, 429 answers and cut connections were injected so far."""
        with self._lock:
            return dict(self._injected)

    def take_error(self) -> int | None:
        """The status of the error to answer this call with, if any (429 or a 5xx)."""
        with self._lock:
            if self._errors:
                status = self._errors.pop(0)
            elif self._error_share or self._throttle_share:
                draw = self._random.random()
                if draw < self._error_share:
                    status = SERVER_ERROR
                elif draw < self._error_share + self._throttle_share:
                    status = 429
                else:
                    return None
            else:
                return None
            self._injected["429" if status == 429 else "5xx"] += 1
            return status

    def take_drop(self) -> bool:
        """True when this committed write's answer must be cut (counted, then at random)."""
        with self._lock:
            if self._drops > 0:
                self._drops -= 1
            elif not (self._drop_share and self._random.random() < self._drop_share):
                return False
            self._injected["drop"] += 1
            return True


def parse_shares(text: str) -> dict[str, float]:
    """``"5xx=0.1,429=0.05,drop=0.02"`` as ``{"5xx": 0.1, "429": 0.05, "drop": 0.02}``.

    Raises:
        ValueError: an unknown name, a value that is not a number in 0..1.
    """
    shares: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep or name.strip() not in SHARE_NAMES:
            raise ValueError(f"{part!r}: expected one of {', '.join(SHARE_NAMES)} as name=share")
        try:
            shares[name.strip()] = _share(float(value))
        except ValueError as err:
            raise ValueError(f"{part!r}: {err}") from err
    return shares


@attrs.frozen
class Control:
    """What the test-only paths of a served emulator answer (see :data:`CONTROL_PREFIX`).

    Attributes:
        state: ``GET /_emulator/state``: what the emulator holds, as JSON-ready data.
        authorize: ``POST /_emulator/authorize?account=X``: an authorization code
            for account ``X`` (a realm, an organisation), to exchange for tokens.
        connect: ``POST /_emulator/connect?account=X``: a token response for ``X``.
    """

    state: Callable[[], Any]
    authorize: Callable[[str], str]
    connect: Callable[[str], Mapping[str, object]]

    def handle(self, request: EmuRequest) -> EmuResponse:
        """Answer one request under :data:`CONTROL_PREFIX`."""
        name = request.path[len(CONTROL_PREFIX):].strip("/")
        account = request.query.get("account", "")
        if name == "state" and request.method == "GET":
            return _json_answer(200, self.state())
        if name in ("authorize", "connect") and request.method == "POST":
            if not account:
                return _json_answer(400, {"error": "the account query parameter is required"})
            if name == "authorize":
                return _json_answer(200, {"code": self.authorize(account)})
            return _json_answer(200, dict(self.connect(account)))
        return _json_answer(404, {"error": f"no control path {request.path}"})


def _json_answer(status: int, payload: object) -> EmuResponse:
    body = json.dumps(payload, default=str).encode()
    return EmuResponse(status, {"content-type": "application/json"}, body)


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

        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output quiet (and tokens out of logs)."""

    return RequestHandler


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
        self._server = ThreadingHTTPServer((HOST, port), _handler_for(emulator, control, timeout))
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


class FaultyHandler(Handler, Protocol):
    """An emulator with injectable faults (both provider emulators are)."""

    faults: Faults


def _arguments(prog: str, argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=prog, description="Serve the emulator on 127.0.0.1 until stopped; the first "
        "line on stdout is its base URL.")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free)")
    parser.add_argument("--faults", type=parse_shares, default={},
                        help="shares of calls to fail: 5xx=0.1,429=0.05,drop=0.02")
    parser.add_argument("--seed", type=int, default=None, help="seed of the fault draws")
    return parser.parse_args(argv)


def serve_main(prog: str, build: Callable[[], tuple[FaultyHandler, Control]],
               argv: Sequence[str] | None = None) -> int:
    """Serve the emulator ``build`` makes, with faults from the command line, until
    SIGTERM or SIGINT; print its base URL first. Returns the exit status."""
    args = _arguments(prog, argv)
    emulator, control = build()
    emulator.faults.randomly(errors=args.faults.get("5xx", 0.0),
                             throttles=args.faults.get("429", 0.0),
                             drops=args.faults.get("drop", 0.0), seed=args.seed)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    with EmulatorServer(emulator, control, port=args.port) as server:
        print(server.base_url, flush=True)
        while not stop.wait(timeout=1.0):
            pass  # woken by the signal handler; the timeout keeps signals deliverable
    print(f"{prog}: stopped; injected {emulator.faults.injected}", file=sys.stderr)
    return 0
