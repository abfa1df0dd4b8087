"""A transport that keeps what a connector sends, for the provider test packages."""

from __future__ import annotations

from collections.abc import Callable

import httpx


class RecordingTransport(httpx.BaseTransport):
    """Passes requests to ``inner`` and keeps each one ``keep`` accepts, body read."""

    def __init__(self, inner: httpx.BaseTransport,
                 keep: Callable[[httpx.Request], bool] = lambda request: True) -> None:
        self.inner = inner
        self.keep = keep
        self.requests: list[httpx.Request] = []

    @property
    def queries(self) -> list[str]:
        """The text of each query kept (a QuickBooks query is a ``query`` parameter)."""
        return [request.url.params["query"] for request in self.requests
                if "query" in request.url.params]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        if self.keep(request):
            self.requests.append(request)
        return self.inner.handle_request(request)
