"""The HTTP client every connector talks to its provider through.

:func:`make_client` builds the ``httpx.Client`` (timeouts, base URL, headers,
user agent, an injectable transport for emulators and ``MockTransport``).
:class:`ProviderClient` wraps it with the rest of the policy: the account's
rate limits, retries (:mod:`ledgerlink.http.retry`) and error mapping
(:mod:`ledgerlink.http.errors`). Connectors configure it with named constants.

Every error it raises, and its log lines, are scrubbed of the connection's
:class:`~ledgerlink.http.redact.KnownSecrets`: those its OAuth2 auth registers
(tokens as they are loaded and refreshed, the client secret), so a provider
that quotes a token in prose does not carry it into ledgerlink's messages.
"""

from __future__ import annotations

import functools
import logging
import os
import ssl
import threading
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import httpx

from ledgerlink.errors import ProviderError
from ledgerlink.http.errors import (
    REQUEST_ID_HEADERS,
    ErrorParser,
    raise_for_provider,
    scrub_error,
)
from ledgerlink.http.limits import (
    DEFAULT_LIMIT,
    MAX_WAIT,
    Limit,
    LimiterRegistry,
    shared_limiters,
)
from ledgerlink.http.redact import KnownSecrets, redact_headers
from ledgerlink.http.retry import MAX_ATTEMPTS, send_with_retries

__all__ = [
    "CONNECT_TIMEOUT",
    "POOL_TIMEOUT",
    "READ_TIMEOUT",
    "USER_AGENT",
    "WRITE_TIMEOUT",
    "ProviderClient",
    "default_timeout",
    "make_client",
]

log = logging.getLogger("ledgerlink.http")

#: Seconds to open a connection.
CONNECT_TIMEOUT = 10.0
#: Seconds to wait for response bytes (QuickBooks gives up on requests after 120 s).
READ_TIMEOUT = 125.0
#: Seconds to send the request body.
WRITE_TIMEOUT = 30.0
#: Seconds to wait for a free connection from the pool.
POOL_TIMEOUT = 30.0


def _user_agent() -> str:
    try:
        return f"ledgerlink/{version('ledgerlink')}"
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "ledgerlink/0"


#: The User-Agent of every request.
USER_AGENT = _user_agent()


def default_timeout() -> httpx.Timeout:
    """The timeouts above as one ``httpx.Timeout``."""
    return httpx.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT, write=WRITE_TIMEOUT,
                         pool=POOL_TIMEOUT)


@functools.cache
def _tls_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """One TLS context per CA setting, shared by every client of the process."""
    return httpx.create_ssl_context()


def tls_context() -> ssl.SSLContext:
    """The TLS context of every client, as httpx would build it for ``verify=True``.

    Building one loads the CA bundle (about 40 ms of CPU), and a worker opens
    several clients per job; a context is safe to share between clients and
    threads. ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` are honoured as httpx does.
    """
    return _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


def make_client(
    base_url: str = "", *, transport: httpx.BaseTransport | None = None,
    headers: Mapping[str, str] | None = None, auth: httpx.Auth | None = None,
    timeout: httpx.Timeout | None = None,
) -> httpx.Client:
    """An ``httpx.Client`` with ledgerlink's timeouts, user agent and ``headers``."""
    return httpx.Client(
        base_url=base_url, transport=transport, auth=auth,
        verify=tls_context(),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
        timeout=timeout or default_timeout(),
    )


class ProviderClient:
    """Requests to one provider account with limits, retries and error mapping.

    Args:
        provider: connector name (``"quickbooks"``).
        account: the provider account (realm, organisation...); limits are per account.
        client: the httpx client (from :func:`make_client`).
        limits: the account's named limits (connector constants).
        parse: the connector's error-body reader.
        limiters: the registry sharing limits between clients (process-wide by default).
        max_wait: the longest a request waits for its rate limits.
        attempts: tries per request, the first included.
        request_id_headers: response headers holding the provider's request id.
        secrets: the connection's secret values; by default those the client's
            auth keeps (:class:`~ledgerlink.http.oauth.OAuth2Auth` registers them).

    Attributes:
        sent: requests sent to the provider so far, every attempt counted (retries
            too), so a caller can tell what an operation cost without counting by hand.
    """

    def __init__(
        self, provider: str, account: str, client: httpx.Client, *,
        limits: Mapping[str, Limit] | None = None, parse: ErrorParser | None = None,
        limiters: LimiterRegistry | None = None, max_wait: float = MAX_WAIT,
        attempts: int = MAX_ATTEMPTS, request_id_headers: Sequence[str] = REQUEST_ID_HEADERS,
        secrets: KnownSecrets | None = None,
    ) -> None:
        if secrets is None:
            kept = getattr(client.auth, "secrets", None)
            secrets = kept if isinstance(kept, KnownSecrets) else KnownSecrets()
        self.secrets = secrets
        self.provider = provider
        self.account = account
        self.client = client
        self.parse = parse
        self.limiter = (limiters or shared_limiters()).get(provider, account, limits or {})
        self.max_wait = max_wait
        self.attempts = attempts
        self.request_id_headers = tuple(request_id_headers)
        self.sent = 0
        self._sent_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ProviderClient(provider={self.provider!r}, account={self.account!r})"

    def request(
        self, method: str, url: str, *, idempotent: bool | None = None,
        limits: Sequence[str] = (DEFAULT_LIMIT,), check: bool = True, **kwargs: Any,
    ) -> httpx.Response:
        """Send a request under the account's limits, retrying where safe.

        Args:
            method: HTTP method.
            url: absolute, or relative to the client's base URL.
            idempotent: True when a write may be repeated (the provider dedupes
                a request id reused on every attempt, or the object was looked
                up first); None decides by method (reads only).
            limits: the named limits this request counts against.
            check: raise the mapped ledgerlink error for error responses.
            kwargs: passed to ``httpx.Client.build_request`` (``json``, ``params``...).

        Raises:
            ProviderError: (when ``check``) the provider refused; the subclass
                says why, see :mod:`ledgerlink.http.errors`.
            TransientProviderError: retries ran out, or a write that may not be
                repeated failed with an unknown outcome.
            RateLimitTimeout: the limits did not allow the request in time.
        """
        request = self.client.build_request(method, url, **kwargs)
        scrub = self.secrets.scrub

        def send() -> httpx.Response:
            with self.limiter.acquire(limits, self.max_wait):
                with self._sent_lock:
                    self.sent += 1
                response = self.client.send(request)
            headers = redact_headers(response.headers.items())
            log.debug("%s %s -> %s %s", request.method,
                      scrub(str(request.url.copy_with(query=None))), response.status_code,
                      {name: scrub(value) for name, value in headers.items()})
            return response

        try:
            response = send_with_retries(send, method=method, provider=self.provider,
                                         idempotent=idempotent, attempts=self.attempts)
            if check:
                raise_for_provider(response, provider=self.provider, parse=self.parse,
                                   request_id_headers=self.request_id_headers,
                                   secrets=self.secrets)
        except ProviderError as err:
            # Also those raised on the way: retries run out, a refused token refresh.
            scrub_error(err, self.secrets)
            raise
        return response

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """``request("GET", ...)``."""
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """``request("POST", ...)``; a write, retried only when ``idempotent=True``."""
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        """Close the underlying httpx client."""
        self.client.close()

    def __enter__(self) -> ProviderClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
