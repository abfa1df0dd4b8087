"""Provider responses to ledgerlink errors, in one shape every connector shares.

A connector supplies one function, an :data:`ErrorParser`, that reads its
provider's error body into a :class:`Fault` (or ``None`` when the body holds no
error). :func:`raise_for_provider` then picks the error class, keeps status,
provider code, message and request id, and raises::

    ProviderError                 any other refusal (400, 422...)
    ├── AuthError                 401/403: token expired or revoked, no access
    ├── NotFoundError             404, or a fault of kind "not_found"
    ├── ConflictError             409, or a fault of kind "conflict" (stale SyncToken...)
    └── TransientProviderError    408, 429, 5xx, or a fault of kind "transient"

Faults under a 2xx status (QuickBooks sends some) raise as well.

Given the connection's :class:`~ledgerlink.http.redact.KnownSecrets`, the
message is scrubbed of every secret value it repeats (a provider may quote the
token it refused); :func:`scrub_error` does the same to an error already raised.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import attrs
import httpx

from ledgerlink.errors import (
    AuthError,
    ConflictError,
    NotFoundError,
    ProviderError,
    TransientProviderError,
)
from ledgerlink.http.redact import KnownSecrets, redact_text

__all__ = [
    "REQUEST_ID_HEADERS",
    "AuthError",
    "ErrorParser",
    "Fault",
    "FaultKind",
    "error_for",
    "error_from_fault",
    "raise_for_provider",
    "scrub_error",
]

#: Response headers that carry a provider's request/correlation id, first wins.
REQUEST_ID_HEADERS = ("x-request-id", "request-id", "intuit_tid", "x-correlation-id")
#: How much of an unparsed error body goes into a message.
BODY_EXCERPT_CHARS = 500

FaultKind = Literal["auth", "not_found", "conflict", "transient", "other"]


@attrs.frozen
class Fault:
    """One error as the provider stated it.

    Attributes:
        message: the provider's text, unchanged.
        code: the provider's error code (a string even when numeric).
        kind: overrides the class the status alone would choose.
        request_id: the request id from the body, when the body has one.
    """

    message: str
    code: str | None = None
    kind: FaultKind | None = None
    request_id: str | None = None


#: A connector's one error-body reader: the response in, its first fault out.
ErrorParser = Callable[[httpx.Response], Fault | None]

_CLASSES: dict[FaultKind, type[ProviderError]] = {
    "auth": AuthError,
    "not_found": NotFoundError,
    "conflict": ConflictError,
    "transient": TransientProviderError,
    "other": ProviderError,
}


def _kind_for_status(status: int) -> FaultKind:
    if status in (401, 403):
        return "auth"
    if status == 404:
        return "not_found"
    if status == 409:
        return "conflict"
    if status in (408, 429) or status >= 500:
        return "transient"
    return "other"


def _request_id(response: httpx.Response, names: Sequence[str]) -> str | None:
    for name in names:
        value = response.headers.get(name)
        if value:
            return str(value)
    return None


def _scrubber(secrets: KnownSecrets | None) -> Callable[[str], str]:
    return secrets.scrub if secrets is not None else str


def error_for(
    response: httpx.Response, fault: Fault | None, *, provider: str,
    request_id_headers: Sequence[str] = REQUEST_ID_HEADERS,
    secrets: KnownSecrets | None = None,
) -> ProviderError:
    """The ledgerlink error for ``response`` and its parsed ``fault``.

    The provider's message is kept, less any of the ``secrets`` the connection
    knows; an unparsed body's excerpt also loses secret shapes (``Bearer …``).
    """
    scrub = _scrubber(secrets)
    status = response.status_code
    kind = fault.kind if fault and fault.kind else _kind_for_status(status)
    if fault is not None:
        message = scrub(fault.message)
    else:
        excerpt = scrub(redact_text(response.text[:BODY_EXCERPT_CHARS])).strip()
        message = response.reason_phrase or f"HTTP {status}"
        if excerpt:
            message = f"{message}: {excerpt}"
    request_id = (fault.request_id if fault else None) or _request_id(response,
                                                                       request_id_headers)
    return _CLASSES[kind](message, provider=provider, status=status,
                          code=fault.code if fault else None, request_id=request_id)


def error_from_fault(
    fault: Fault, *, provider: str, status: int | None = None, request_id: str | None = None,
    secrets: KnownSecrets | None = None,
) -> ProviderError:
    """The ledgerlink error for a fault read from part of a body (one batch item).

    The fault's kind picks the class; without a kind it is a plain refusal. The
    message loses any of the ``secrets`` the connection knows.
    """
    return _CLASSES[fault.kind or "other"](
        _scrubber(secrets)(fault.message), provider=provider, status=status, code=fault.code,
        request_id=fault.request_id or request_id)


def scrub_error(err: ProviderError, secrets: KnownSecrets) -> ProviderError:
    """``err`` with every known secret removed from its message and text (in place, so
    it can be raised again with its traceback); returns ``err``."""
    err.message = secrets.scrub(err.message)
    err.args = tuple(secrets.scrub(a) if isinstance(a, str) else a for a in err.args)
    return err


def raise_for_provider(
    response: httpx.Response, *, provider: str, parse: ErrorParser | None = None,
    request_id_headers: Sequence[str] = REQUEST_ID_HEADERS,
    secrets: KnownSecrets | None = None,
) -> None:
    """Raise the ledgerlink error ``response`` stands for; return if it is a success.

    Args:
        response: a response whose body has been read.
        provider: the connector name, kept on the error.
        parse: the connector's error-body reader; without one the status and an
            excerpt of the body make the message.
        request_id_headers: where to look for the provider's request id.
        secrets: the connection's secret values, scrubbed from the message.
    """
    fault = parse(response) if parse is not None else None
    if response.is_success and fault is None:
        return
    if response.is_success or response.is_error:
        raise error_for(response, fault, provider=provider,
                        request_id_headers=request_id_headers, secrets=secrets)
