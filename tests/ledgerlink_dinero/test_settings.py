"""Dinero's settings: the documented scopes, rate limit, paging bounds and paths."""

from __future__ import annotations

import pytest

from ledgerlink.http.limits import AccountLimiter, RateLimitTimeout
from ledgerlink_dinero.settings import (
    ENDPOINTS,
    LIMITS,
    MAX_PAGE_SIZE,
    endpoints_at,
    organization_path,
)


def test_visma_connect_endpoints_and_scopes() -> None:
    """Authorization code at connect.visma.com with the three Dinero scopes."""
    assert ENDPOINTS.authorize_url == "https://connect.visma.com/connect/authorize"
    assert ENDPOINTS.token_url == "https://connect.visma.com/connect/token"
    assert " ".join(ENDPOINTS.scopes) == (
        "dineropublicapi:read dineropublicapi:write offline_access")
    local = endpoints_at("http://127.0.0.1:8080/")
    assert local.token_url == "http://127.0.0.1:8080/connect/token"
    assert local.scopes == ENDPOINTS.scopes


def test_the_limiter_allows_100_requests_a_minute_and_no_more() -> None:
    """With Dinero's limits the shared limiter lets 100 requests through in a minute."""
    now = [0.0]
    limiter = AccountLimiter(LIMITS, clock=lambda: now[0])
    for _ in range(100):
        with limiter.acquire():
            pass
    with pytest.raises(RateLimitTimeout), limiter.acquire(max_wait=1.0):
        pass
    now[0] = 61.0
    with limiter.acquire(max_wait=0.0):
        pass
    assert MAX_PAGE_SIZE == 1000


def test_organization_paths_carry_version_and_organisation() -> None:
    """``/v1/{organizationId}/...``, other versions on request; a bad id is refused."""
    assert organization_path("42", "/invoices") == "/v1/42/invoices"
    assert organization_path("42", "invoices/g", version="v1.2") == "/v1.2/42/invoices/g"
    with pytest.raises(ValueError, match="organisation id"):
        organization_path("42/../43", "invoices")
