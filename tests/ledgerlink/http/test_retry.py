"""Retry policy: what is retried, Retry-After, and writes that must not be repeated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import ProviderError, TransientProviderError
from ledgerlink.http import LimiterRegistry, ProviderClient, make_client
from ledgerlink.http.retry import (
    MAX_ATTEMPTS,
    RETRY_AFTER_CAP,
    parse_retry_after,
    retry_after_wait,
)

Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler, attempts: int = MAX_ATTEMPTS) -> tuple[ProviderClient,
                                                                          list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    http = make_client("https://api.test", transport=httpx.MockTransport(record))
    return ProviderClient("test", "acct", http, limiters=LimiterRegistry(),
                          attempts=attempts), seen


def failing_then_ok(status: int, failures: int = 1,
                    headers: dict[str, str] | None = None) -> Handler:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] <= failures:
            return httpx.Response(status, headers=headers or {})
        return httpx.Response(200, json={"ok": True})

    return handler


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_reads_retry_408_429_and_5xx(status: int) -> None:
    """A GET answered 408, 429 or 5xx is tried again and its success returned."""
    client, seen = client_for(failing_then_ok(status, failures=2))
    assert client.get("/x").json() == {"ok": True}
    assert len(seen) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_other_4xx_are_never_retried(status: int) -> None:
    """Any 4xx besides 408 and 429 is final: one attempt, then the mapped error."""
    client, seen = client_for(failing_then_ok(status, failures=5))
    with pytest.raises(ProviderError) as info:
        client.get("/x")
    assert len(seen) == 1
    assert info.value.status == status
    assert not isinstance(info.value, TransientProviderError)


def test_retries_stop_after_the_configured_attempts() -> None:
    """A server that keeps failing gets exactly ``attempts`` tries, then TransientProviderError."""
    client, seen = client_for(failing_then_ok(503, failures=100), attempts=3)
    with pytest.raises(TransientProviderError) as info:
        client.get("/x")
    assert len(seen) == 3
    assert info.value.status == 503


def test_transport_errors_on_reads_are_retried() -> None:
    """A dropped connection on a read is retried like a 5xx."""
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ReadError("connection reset", request=request)
        return httpx.Response(200, json={})

    client, _ = client_for(handler)
    assert client.get("/x").status_code == 200
    assert calls["n"] == 2


def test_transport_errors_that_outlive_retries_raise_transient() -> None:
    """When every attempt fails in transport, the caller gets TransientProviderError."""
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client, _ = client_for(handler, attempts=2)
    with pytest.raises(TransientProviderError, match="ConnectError after 2"):
        client.get("/x")


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_write_is_not_retried_on_5xx_unless_idempotent(status: int) -> None:
    """A POST answered 5xx is tried once and raised as TransientProviderError (outcome unknown)."""
    client, seen = client_for(failing_then_ok(status, failures=1))
    with pytest.raises(TransientProviderError) as info:
        client.post("/invoice", json={"a": 1})
    assert len(seen) == 1
    assert info.value.status == status


def test_an_idempotent_write_is_retried_with_the_same_request_id() -> None:
    """A POST marked idempotent is retried, and every attempt carries the same request id."""
    client, seen = client_for(failing_then_ok(503, failures=2))
    response = client.post("/invoice", params={"requestid": "rid-1"}, json={"a": 1},
                           idempotent=True)
    assert response.status_code == 200
    assert [r.url.params["requestid"] for r in seen] == ["rid-1"] * 3
    assert {r.content for r in seen} == {b'{"a":1}'}


def test_a_write_that_times_out_after_sending_is_ambiguous() -> None:
    """A read timeout on a non-idempotent POST raises TransientProviderError after one try."""
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client, seen = client_for(handler)
    with pytest.raises(TransientProviderError, match="outcome is unknown"):
        client.post("/invoice", json={})
    assert len(seen) == 1


def test_a_write_whose_connection_never_opened_is_retried() -> None:
    """A connect error proves nothing was sent, so even a plain POST is retried."""
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={})

    client, _ = client_for(handler)
    assert client.post("/invoice", json={}).status_code == 200
    assert calls["n"] == 2


def test_a_throttled_write_is_retried() -> None:
    """A 429 means the provider refused before processing, so a plain POST is retried."""
    client, seen = client_for(failing_then_ok(429, headers={"Retry-After": "60"}))
    assert client.post("/invoice", json={}).status_code == 200
    assert len(seen) == 2


def test_retry_after_seconds_are_honoured_up_to_the_cap() -> None:
    """Retry-After in seconds is the wait, never more than RETRY_AFTER_CAP."""
    def wait(value: str) -> float | None:
        return retry_after_wait(httpx.Response(429, headers={"Retry-After": value}))

    assert wait("7") == 7.0
    assert wait("0") == 0.0
    assert wait(str(RETRY_AFTER_CAP * 10)) == RETRY_AFTER_CAP
    assert wait("soon") is None
    assert retry_after_wait(httpx.Response(503)) is None


def test_retry_after_http_dates_are_honoured_up_to_the_cap() -> None:
    """Retry-After as an HTTP date waits until then, capped; a past date means now."""
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def wait(when: datetime) -> float | None:
        response = httpx.Response(429, headers={"Retry-After": format_datetime(when,
                                                                               usegmt=True)})
        return retry_after_wait(response, now=now)

    assert wait(now + timedelta(seconds=30)) == 30.0
    assert wait(now + timedelta(hours=1)) == RETRY_AFTER_CAP
    assert wait(now - timedelta(minutes=5)) == 0.0


def test_stamina_is_told_the_retry_after_wait() -> None:
    """The wait stamina is asked to use for a 429 is the capped Retry-After value."""
    from ledgerlink.http.retry import _backoff, _RetryableResponse

    assert _backoff(_RetryableResponse(httpx.Response(429, headers={"Retry-After": "12"}))) == 12
    assert _backoff(_RetryableResponse(httpx.Response(503))) is True
    assert _backoff(ValueError("not ours")) is False


@given(st.integers(min_value=0, max_value=10**9))
def test_parse_retry_after_reads_any_delta_seconds(seconds: int) -> None:
    """Every non-negative integer of seconds parses to itself."""
    assert parse_retry_after(str(seconds)) == float(seconds)


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
       st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)))
def test_parse_retry_after_reads_http_dates(when: datetime, now: datetime) -> None:
    """An HTTP date parses to the whole seconds from now until then, or 0 if past."""
    when, now = when.replace(microsecond=0, tzinfo=UTC), now.replace(tzinfo=UTC)
    parsed = parse_retry_after(format_datetime(when, usegmt=True), now=now)
    assert parsed == max((when - now).total_seconds(), 0.0)


@given(st.text())
def test_parse_retry_after_never_raises(value: str) -> None:
    """Any header text parses to a non-negative finite wait or None, never an exception."""
    parsed = parse_retry_after(value)
    assert parsed is None or parsed >= 0.0
