"""The client factory and ProviderClient: timeouts, user agent, transports, a real server."""

from __future__ import annotations

import http.server
import json
import logging
import threading
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest

import ledgerlink.http as llhttp
from ledgerlink.errors import TransientProviderError
from ledgerlink.http import Limit, LimiterRegistry, ProviderClient, RateLimitTimeout, make_client
from ledgerlink.http.client import (
    CONNECT_TIMEOUT,
    POOL_TIMEOUT,
    READ_TIMEOUT,
    USER_AGENT,
    WRITE_TIMEOUT,
)


def test_public_names_are_sorted_and_importable() -> None:
    """ledgerlink.http's __all__ is sorted and every name in it exists."""
    assert list(llhttp.__all__) == sorted(llhttp.__all__)
    for name in llhttp.__all__:
        assert hasattr(llhttp, name)


def test_the_client_has_explicit_timeouts_headers_and_user_agent() -> None:
    """make_client sets the named timeouts, base URL, default headers and ledgerlink's UA."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    client = make_client("https://api.test/v3", transport=httpx.MockTransport(handler),
                         headers={"X-Extra": "1"})
    assert client.timeout == httpx.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT,
                                           write=WRITE_TIMEOUT, pool=POOL_TIMEOUT)
    client.get("/things")
    request = seen[0]
    assert str(request.url) == "https://api.test/v3/things"
    assert request.headers["user-agent"] == USER_AGENT == f"ledgerlink/{version('ledgerlink')}"
    assert request.headers["x-extra"] == "1"
    assert request.headers["accept"] == "application/json"


def test_a_batch_request_counts_against_both_named_limits() -> None:
    """A request naming ("default", "batch") spends a slot of each; a plain one only default."""
    registry = LimiterRegistry()
    client = ProviderClient(
        "qb", "realm", make_client("https://x.test",
                                   transport=httpx.MockTransport(lambda r: httpx.Response(200))),
        limits={"default": Limit(per_minute=3), "batch": Limit(per_minute=1)},
        limiters=registry, max_wait=0.0)
    client.post("/batch", json={}, limits=("default", "batch"))
    with pytest.raises(RateLimitTimeout, match="batch"):
        client.post("/batch", json={}, limits=("default", "batch"))
    client.get("/one")
    client.get("/two")  # the refused batch call took no slot
    with pytest.raises(RateLimitTimeout, match="default"):
        client.get("/three")


def test_logs_never_show_the_authorization_header(caplog: pytest.LogCaptureFixture) -> None:
    """Debug logging of requests prints no bearer token."""
    client = ProviderClient("x", "a", make_client(
        "https://x.test", transport=httpx.MockTransport(
            lambda r: httpx.Response(200, headers={"Set-Cookie": "sid=cookie-secret"})),
        headers={"Authorization": "Bearer at-secret"}), limiters=LimiterRegistry())
    with caplog.at_level(logging.DEBUG, logger="ledgerlink.http"):
        client.get("/x", params={"q": "1"})
    assert caplog.records
    assert "at-secret" not in caplog.text and "cookie-secret" not in caplog.text


class _Handler(http.server.BaseHTTPRequestHandler):
    calls = 0

    def do_GET(self) -> None:
        type(self).calls += 1
        if type(self).calls == 1:
            self.send_response(503)
            self.send_header("Retry-After", "30")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps({"ua": self.headers["User-Agent"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        type(self).calls += 1
        self.rfile.read(int(self.headers["Content-Length"]))
        if type(self).calls == 1:
            # The write "committed", then the connection dropped before any answer.
            self.close_connection = True
            return
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 for the duration of one test."""
    _Handler.calls = 0
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        thread.join(5)
        httpd.server_close()


def test_against_a_real_server_retries_and_succeeds(server: str) -> None:
    """Over a real socket, a 503 with Retry-After is retried (without sleeping in tests)."""
    with ProviderClient("x", "a", make_client(server), limiters=LimiterRegistry()) as client:
        assert client.get("/r").json() == {"ua": USER_AGENT}
    assert _Handler.calls == 2


def test_a_dropped_connection_after_a_write_is_ambiguous(server: str) -> None:
    """A POST whose connection drops after sending raises TransientProviderError, untried again."""
    client = ProviderClient("x", "a", make_client(server), limiters=LimiterRegistry())
    with client, pytest.raises(TransientProviderError, match="outcome is unknown"):
        client.post("/invoice", json={"n": 1})
    assert _Handler.calls == 1


def test_an_idempotent_write_survives_a_dropped_connection(server: str) -> None:
    """The same POST marked idempotent is sent again and its answer returned."""
    with ProviderClient("x", "a", make_client(server), limiters=LimiterRegistry()) as client:
        response = client.post("/invoice", json={"n": 1}, idempotent=True)
    assert response.status_code == 201
    assert _Handler.calls == 2


def test_clients_share_one_tls_context_per_ca_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Clients reuse one loaded CA bundle; SSL_CERT_FILE still picks another, as in httpx."""
    import certifi

    from ledgerlink.http.client import tls_context

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with make_client("https://example.test") as one, make_client("https://other.test") as two:
        contexts = {id(c._transport._pool._ssl_context) for c in (one, two)}  # type: ignore[attr-defined]
    assert contexts == {id(tls_context())}
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(Path(certifi.where()).read_bytes())
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    with make_client("https://example.test") as three:
        assert three._transport._pool._ssl_context is tls_context()  # type: ignore[attr-defined]
    assert id(tls_context()) not in contexts
