"""The emulator itself: one ``handle(request) -> response`` behind the transport and the server.

Checks run in this order for an API call: the PDF download (its URL carries
its own token), the route (404/405), ``X-Access-Token`` (401), the rate limit
per token (429), injected faults, latency, then the handler. A dropped answer
still committed its write.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import attrs

from ledgerlink.emulation import EmulatorBase
from ledgerlink_billy.emulator.records import Call
from ledgerlink_billy.emulator.routes import DOWNLOAD, TABLE
from ledgerlink_billy.emulator.sending import download
from ledgerlink_billy.emulator.state import Organization, new_organization
from ledgerlink_billy.emulator.throttle import Limits, throttle
from ledgerlink_billy.emulator.wire import (
    AUTHENTICATION_REQUIRED,
    INTERNAL_ERROR,
    INVALID_ACCESS_TOKEN,
    TOO_MANY_REQUESTS,
    BillyError,
    EmuRequest,
    EmuResponse,
    error_response,
    stamp,
)

__all__ = ["BillyEmulator", "RequestRecord"]

TOKEN_HEADER = "x-access-token"
#: Hosts answered over plain HTTP in ``downloadUrl`` and paging URLs (the served emulator).
LOCAL_HOSTS = ("127.0.0.1", "localhost")


@attrs.frozen
class RequestRecord:
    """What one call carried, for assertions and benchmarks.

    Attributes:
        method: HTTP method.
        path: The path.
        body: The JSON body (None when there was none or it was not JSON).
        status: HTTP status answered (0 when the connection was dropped).
        organization_id: The organisation the token reaches ("" when none).
    """

    method: str
    path: str
    body: Any
    status: int
    organization_id: str


def _body(request: EmuRequest) -> Any:
    try:
        return request.json()
    except ValueError:
        return None


class BillyEmulator(EmulatorBase):
    """A stateful Billy API v2, in memory and thread-safe.

    Args:
        clock: Returns the current time (aware); tests pass a fake one.
        limits: The rate limit per access token (default :class:`~.throttle.Limits`).
        sleep: Called for the injected latency.
        time_scale: Multiplies the rate-limit window and the latency alike.
        latency: Seconds every API call waits before it is answered.
    """

    def __init__(self, clock: Callable[[], datetime] | None = None, *,
                 limits: Limits | None = None, sleep: Callable[[float], None] = time.sleep,
                 time_scale: float = 1.0, latency: float = 0.0) -> None:
        self.now: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        super().__init__(clock=lambda: self.now().timestamp(), sleep=sleep,
                         time_scale=time_scale, latency=latency)
        self.throttle = throttle(limits or Limits(), self.clock, time_scale)
        self.organizations: dict[str, Organization] = {}
        self.records: list[RequestRecord] = []
        self._tokens: dict[str, str] = {}

    # ------------------------------------------------------------ set-up and counting

    def create_organization(self, name: str, *, access_token: str | None = None
                            ) -> Organization:
        """A Danish company with Billy's defaults and its access token."""
        now = self.now()
        token = access_token or _new_token()
        org = new_organization(name, token, stamp(now), now.date())
        with self._lock:
            self.organizations[org.id] = org
            self._tokens[token] = org.id
        return org

    def add(self, org: Organization) -> None:
        """Hold ``org`` (restored from a state file) and its token."""
        with self._lock:
            self.organizations[org.id] = org
            self._tokens[org.access_token] = org.id

    def seed(self, organization_id: str, method: str, path: str, body: Any = None) -> Any:
        """Answer one write (``"POST", "/v2/products", {"product": {...}}``) for the
        organisation without the token check, limit, faults, latency or a record, so a
        test's set-up does not count as the code under test's requests; returns the JSON
        answer, and raises :class:`~.wire.BillyError` for a refusal."""
        org = self.organizations[organization_id]
        request = EmuRequest(method, path, {}, {}, json.dumps(body, default=str).encode())
        found = TABLE.resolve(method, path)
        if found is None:
            raise ValueError(f"nothing to seed at {method} {path}")
        return found.route.handler(Call(org, request, found.arguments, self.now(),
                                        "https://api.billysbilling.com")).json_body()

    def emails(self, organization_id: str) -> list[dict[str, Any]]:
        """The invoice e-mails the organisation sent (``invoiceId``, ``to``, ``subject``...)."""
        org = self.organizations[organization_id]
        with org.lock:
            return [dict(e) for e in org.emails]

    def invoices(self, organization_id: str) -> list[dict[str, Any]]:
        """The organisation's invoices and credit notes as stored."""
        org = self.organizations[organization_id]
        with org.lock:
            return [dict(r) for r in org.rows("invoices")]

    # ------------------------------------------------------------ the core

    def handle(self, request: EmuRequest) -> EmuResponse:
        """Answer one HTTP request."""
        if request.method == "GET":
            arguments = DOWNLOAD.match(request.method, request.path)
            if arguments is not None:
                try:
                    return self._record(request, "", download(self.organizations, request,
                                                              arguments))
                except BillyError as error:
                    return self._record(request, "", error_response(error))
        found = TABLE.find(request)
        if isinstance(found, EmuResponse):
            return self._record(request, "", found)
        token = request.headers.get(TOKEN_HEADER, "")
        org = self.organizations.get(self._tokens.get(token, "")) if token else None
        if org is None:
            refusal = (BillyError(401, INVALID_ACCESS_TOKEN, "The access token is not valid.")
                       if token else
                       BillyError(401, AUTHENTICATION_REQUIRED, "You must be authenticated "
                                  "with an X-Access-Token header."))
            return self._record(request, "", error_response(refusal))
        if not self.throttle.admit(token):
            return self._record(request, org.id, self.throttle.refusal())
        injected = self.delay_and_fault(request)
        if injected is not None:
            code = TOO_MANY_REQUESTS if injected == 429 else INTERNAL_ERROR
            text = "Too many requests." if injected == 429 else "An internal error occurred."
            return self._record(request, org.id,
                                error_response(BillyError(injected, code, text)))
        call = Call(org, request, found.arguments, self.now(), _origin(request))
        try:
            answer = found.route.handler(call)
        except BillyError as error:
            answer = error_response(error)
        if found.route.write and answer.status < 300 and self.faults.take_drop():
            answer = attrs.evolve(answer, drop=True)
        return self._record(request, org.id, answer)

    def _record(self, request: EmuRequest, organization_id: str,
                answer: EmuResponse) -> EmuResponse:
        status = 0 if answer.drop else answer.status
        with self._lock:
            self.records.append(RequestRecord(request.method, request.path, _body(request),
                                              status, organization_id))
        return answer


def _origin(request: EmuRequest) -> str:
    """Scheme and host the client used (https unless served on this machine)."""
    host = request.headers.get("host", "api.billysbilling.com")
    scheme = "http" if host.split(":")[0] in LOCAL_HOSTS else "https"
    return f"{scheme}://{host}"


def _new_token() -> str:
    """An access token (40 hex characters; Billy's format is not documented)."""
    return secrets.token_hex(20)
