"""The installation-URL grant flow: the agreement's grant comes back to a local callback.

An app's installation URL asks the person signed in to e-conomic to grant the
app access to their agreement; e-conomic then sends the browser to the app's
redirect URL with the grant as the query parameter ``token`` [E7] (the
parameter name is from third-party callback handlers, inferred). :func:`receive_grant`
serves that redirect on 127.0.0.1 (an ephemeral port unless one is given), only
for one request on ``/callback`` carrying a ``token``, and answers the browser
with a page saying it may close; the grant never appears in a log line.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from ledgerlink.errors import AuthError
from ledgerlink_economic.settings import PROVIDER

__all__ = ["CALLBACK_PATH", "consent_url", "receive_grant"]

CALLBACK_PATH = "/callback"
_DONE = (b"<!DOCTYPE html><html lang='da'><body><p>ledgerlink er forbundet til e-conomic. "
         b"Du kan lukke vinduet.</p><p>ledgerlink is connected to e-conomic; you may close "
         b"this window.</p></body></html>")


def consent_url(installation_url: str, redirect_url: str) -> str:
    """The installation URL with ``redirectUrl`` set to the local callback."""
    parts = urlsplit(installation_url)
    query = "&".join(filter(None, [parts.query, urlencode({"redirectUrl": redirect_url})]))
    return urlunsplit(parts._replace(query=query))


def receive_grant(*, port: int = 0, timeout: float = 300.0,
                  ready: Callable[[str], None]) -> str:
    """Serve the callback on 127.0.0.1, call ``ready(callback URL)``, and return the grant
    token the browser brings; AuthError when none comes in ``timeout`` seconds."""
    received: list[str] = []
    arrived = threading.Event()

    class Callback(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            token = parse_qs(url.query).get("token", [""])[0]
            if url.path != CALLBACK_PATH or not token:
                self.send_error(404)
                return
            received.append(token)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(_DONE)))
            self.end_headers()
            self.wfile.write(_DONE)
            arrived.set()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the request line carries the grant."""

    server = ThreadingHTTPServer(("127.0.0.1", port), Callback)
    worker = threading.Thread(target=server.serve_forever, name="economic-grant", daemon=True)
    worker.start()
    try:
        ready(f"http://127.0.0.1:{server.server_address[1]}{CALLBACK_PATH}")
        if not arrived.wait(timeout):
            raise AuthError(f"no grant came back in {timeout:g} s; nothing was saved",
                            provider=PROVIDER)
        return received[0]
    finally:
        server.shutdown()
        server.server_close()
        worker.join()
