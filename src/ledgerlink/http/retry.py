"""When a request is tried again, and how long to wait first.

Retries use stamina (hynek/stamina): exponential backoff with jitter, a total
time budget, and ``stamina.set_testing`` to turn every wait off in tests. Its
backoff hook may return the wait itself, which is how Retry-After is honoured.

The policy, in the openai-python / stripe-python mould:

- retried: transport errors, 408, 429 and 5xx; never any other 4xx;
- Retry-After (seconds or an HTTP date) is honoured up to :data:`RETRY_AFTER_CAP`;
- a write (POST, PUT, PATCH, DELETE) is retried only when the caller marks it
  ``idempotent`` (the provider dedupes a request id reused on every attempt, or
  the caller looked the object up first). Otherwise a failure that leaves the
  outcome unknown (the request was sent, then a timeout, a dropped connection
  or a 5xx) raises :class:`~ledgerlink.errors.TransientProviderError` at once,
  so the runner reconciles by key. Failures that prove nothing was done are
  retried for writes too: the connection was never made, or the provider
  answered 408/429 (it refused before processing).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
import stamina

from ledgerlink.errors import TransientProviderError
from ledgerlink.http.redact import redact_text

__all__ = [
    "MAX_ATTEMPTS",
    "RETRY_AFTER_CAP",
    "RETRY_BUDGET",
    "RETRY_STATUSES",
    "SAFE_METHODS",
    "is_retryable_status",
    "parse_retry_after",
    "retry_after_wait",
    "send_with_retries",
]

#: Tries per request, the first included.
MAX_ATTEMPTS = 5
#: Seconds all tries of one request may take together.
RETRY_BUDGET = 300.0
#: The longest Retry-After honoured, in seconds (QuickBooks asks for 60 s on 429).
RETRY_AFTER_CAP = 60.0
#: First backoff, its ceiling and jitter, in seconds, when no Retry-After is given.
WAIT_INITIAL = 0.5
WAIT_MAX = 30.0
WAIT_JITTER = 1.0
#: Statuses worth retrying besides 5xx.
RETRY_STATUSES = frozenset({408, 429})
#: Statuses that say the request was refused before it was processed.
REFUSED_STATUSES = frozenset({408, 429})
#: Methods that never change anything, so always safe to repeat.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Transport errors raised before any byte of the request was sent.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def is_retryable_status(status: int) -> bool:
    """True for 408, 429 and 5xx."""
    return status in RETRY_STATUSES or 500 <= status <= 599


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta seconds or HTTP date); None if unusable.

    Negative or past values mean "now" (0.0); the result is never capped here.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


class _RetryableResponse(Exception):
    """Carries a retryable response to stamina's hook."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def retry_after_wait(response: httpx.Response, *, now: datetime | None = None) -> float | None:
    """The wait a response's Retry-After asks for, capped at :data:`RETRY_AFTER_CAP`."""
    wait = parse_retry_after(response.headers.get("retry-after"), now=now)
    return None if wait is None else min(wait, RETRY_AFTER_CAP)


def _backoff(exc: Exception) -> bool | float:
    # stamina's backoff hook: True retries with its exponential backoff, a float
    # retries after exactly that many seconds (zero under stamina.set_testing).
    if isinstance(exc, _RetryableResponse):
        wait = retry_after_wait(exc.response)
        return True if wait is None else wait
    return isinstance(exc, httpx.TransportError)


def _request_of(exc: httpx.TransportError) -> httpx.Request | None:
    try:
        return exc.request
    except RuntimeError:  # raised by httpx when the error carries no request
        return None


def _ambiguous(exc: httpx.TransportError, request: httpx.Request | None,
               provider: str) -> TransientProviderError:
    where = f"{request.method} {request.url.copy_with(query=None)}" if request else "request"
    return TransientProviderError(
        f"{where} failed after it was sent ({type(exc).__name__}); its outcome is unknown",
        provider=provider)


def send_with_retries(
    send: Callable[[], httpx.Response], *, method: str, provider: str,
    idempotent: bool | None = None, attempts: int = MAX_ATTEMPTS,
) -> httpx.Response:
    """Call ``send`` until it gives a final response, retrying what the policy allows.

    Args:
        send: makes one attempt (rate limiting and auth happen inside it).
        method: the HTTP method, which decides whether the request is a write.
        provider: the connector name, for errors.
        idempotent: whether repeating the request is safe; None means "only if
            the method is safe" (GET, HEAD, OPTIONS).
        attempts: tries in all, the first included.

    Returns:
        The last response: a success, a non-retryable error, or the last
        retryable error once attempts ran out (the caller maps it to an error).

    Raises:
        TransientProviderError: a transport error outlived the retries, or a
            write that may not be repeated failed with an unknown outcome.
    """
    repeatable = method.upper() in SAFE_METHODS if idempotent is None else idempotent
    try:
        for attempt in stamina.retry_context(
            on=_backoff, attempts=attempts, timeout=RETRY_BUDGET, wait_initial=WAIT_INITIAL,
            wait_max=WAIT_MAX, wait_jitter=WAIT_JITTER,
        ):
            with attempt:
                try:
                    response = send()
                except _NOT_SENT:
                    raise
                except httpx.TransportError as exc:
                    if not repeatable:
                        raise _ambiguous(exc, _request_of(exc), provider) from exc
                    raise
                status = response.status_code
                if is_retryable_status(status) and (repeatable or status in REFUSED_STATUSES):
                    response.close()
                    raise _RetryableResponse(response)
                return response
    except _RetryableResponse as exc:
        return exc.response
    except httpx.TransportError as exc:
        raise TransientProviderError(
            redact_text(f"{type(exc).__name__} after {attempts} attempt(s): {exc}"),
            provider=provider,
        ) from exc
    raise AssertionError("stamina ended the retries without a result")  # pragma: no cover
