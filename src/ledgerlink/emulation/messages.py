"""Internal: the values an emulator sees and answers: one HTTP request, one HTTP response.

An emulator is any object with ``handle(EmuRequest) -> EmuResponse``
(:class:`Handler`); the carriers (:mod:`.carriers`) only move bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Protocol

import attrs

__all__ = ["EmuRequest", "EmuResponse", "Handler", "json_answer"]


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


def json_answer(status: int, payload: object) -> EmuResponse:
    """A plain JSON answer (decimals and other values written with ``str``)."""
    body = json.dumps(payload, default=str).encode()
    return EmuResponse(status, {"content-type": "application/json"}, body)
