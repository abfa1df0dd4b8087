"""The emulator itself: one ``handle(request) -> response`` behind the transport and the server.

Checks run in this order for an API call: route, Bearer token (401),
organisation reachable by the token (403), the plan check (403, code 48),
scope (403), the rate limit per organisation and client id (429), injected
faults, latency, then the handler. A dropped answer still committed its write.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from email.utils import formatdate
from typing import Any

import attrs

from ledgerlink.emulation import EmulatorBase, consent_redirect
from ledgerlink_dinero.emulator.auth import (
    CONSENT_PATH,
    DEFAULT_CLIENT_ID,
    DEFAULT_SCOPES,
    READ_SCOPE,
    TOKEN_PATH,
    WRITE_SCOPE,
    Grant,
    TokenServer,
)
from ledgerlink_dinero.emulator.fields import Call
from ledgerlink_dinero.emulator.listing import project
from ledgerlink_dinero.emulator.routes import ORGANISATIONS_PATH, TABLE, Route, resolve
from ledgerlink_dinero.emulator.state import DEFAULT_RATES, Organisation
from ledgerlink_dinero.emulator.throttle import Limits, quota_message, throttle
from ledgerlink_dinero.emulator.vat import DEFAULT_ACCOUNTS, Account
from ledgerlink_dinero.emulator.wire import (
    PLAN_REQUIRED,
    UNAUTHORIZED,
    DineroError,
    EmuRequest,
    EmuResponse,
    error_response,
    json_response,
    text_response,
)

PLAN_MESSAGE = (
    "The organization does not have an active Pro plan. Access to the Dinero API requires "
    "a Pro subscription."
)


@attrs.frozen
class RequestRecord:
    """What one API call carried, for assertions and benchmarks.

    Attributes:
        method: HTTP method.
        path: The full path.
        organisation_id: Organisation in the path ("" for the organisations list).
        client_id: Client id of the token ("" when unauthenticated).
        status: HTTP status answered (0 when the connection was dropped).
    """

    method: str
    path: str
    organisation_id: str
    client_id: str
    status: int


class DineroEmulator(EmulatorBase):
    """A stateful Dinero API, in memory and thread-safe.

    ``clock`` returns epoch seconds (inject a fake to move time without
    sleeping); ``time_scale`` multiplies the rate-limit window and the
    injected latency alike; ``sleep`` is called for latency.
    """

    def __init__(
        self,
        *,
        limits: Limits | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        time_scale: float = 1.0,
        latency: float = 0.0,
    ) -> None:
        super().__init__(clock=clock, sleep=sleep, time_scale=time_scale, latency=latency)
        base = limits or Limits()
        self.auth = TokenServer()
        self.throttle = throttle(base, clock, time_scale)
        self.organisations: dict[str, Organisation] = {}
        self.requests: list[RequestRecord] = []

    # ------------------------------------------------------------ set-up helpers

    def add_organisation(
        self,
        organisation_id: str,
        name: str | None = None,
        *,
        is_pro: bool = True,
        email: str | None = "faktura@example.dk",
        accounts: Mapping[int, Account] | None = None,
        rates: Mapping[str, Decimal] | None = None,
    ) -> Organisation:
        """Create an organisation (or return the existing one, unchanged)."""
        with self._lock:
            existing = self.organisations.get(organisation_id)
            if existing is not None:
                return existing
            org = Organisation(
                organisation_id,
                name or f"Organisation {organisation_id}",
                is_pro=is_pro,
                email=email,
                accounts=accounts if accounts is not None else DEFAULT_ACCOUNTS,
                rates=rates if rates is not None else DEFAULT_RATES,
            )
            self.organisations[organisation_id] = org
            return org

    def authorize(
        self,
        *organisation_ids: str,
        client_id: str = DEFAULT_CLIENT_ID,
        scopes: str = DEFAULT_SCOPES,
    ) -> str:
        """Simulate the consent screen: an authorization code reaching ``organisation_ids``."""
        for organisation_id in organisation_ids:
            self.add_organisation(organisation_id)
        return self.auth.authorize(frozenset(organisation_ids), client_id,
                                   frozenset(scopes.split()), self.clock())

    def connect(
        self,
        *organisation_ids: str,
        client_id: str = DEFAULT_CLIENT_ID,
        scopes: str = DEFAULT_SCOPES,
    ) -> dict[str, object]:
        """A token response for a user who sees ``organisation_ids`` (created if needed)."""
        for organisation_id in organisation_ids:
            self.add_organisation(organisation_id)
        grant = Grant(client_id, frozenset(organisation_ids), frozenset(scopes.split()))
        return self.auth.issue_grant(grant, self.clock())

    def seed(self, organisation_id: str, resource: str, payload: dict[str, Any]) -> Any:
        """Create through ``POST /v1/{org}/{resource}`` without auth, limits or faults.

        ``resource`` is ``contacts``, ``products``, ``invoices`` or
        ``sales/creditnotes``, or an action on one (``invoices/{guid}/book``,
        ``invoices/{guid}/payments``); returns the answer (e.g. ``{"ContactGuid"}``).
        """
        org = self.add_organisation(organisation_id)
        path = f"/v1/{organisation_id}/{resource}"
        found = resolve("POST", path)
        if found is None:
            raise ValueError(f"nothing to seed at {resource}")
        request = EmuRequest("POST", path, {}, {}, json.dumps(payload, default=str).encode())
        guid = found[1].get("guid", "")
        response = found[0].handler(Call(org, request, guid, self.clock()))
        return response.json_body()

    # ------------------------------------------------------------ the core

    def handle(self, request: EmuRequest) -> EmuResponse:
        """Answer one HTTP request."""
        now = self.clock()
        if request.path == TOKEN_PATH and request.method == "POST":
            return self.auth.handle_token(request, now)
        if request.path == CONSENT_PATH and request.method == "GET":
            # The user sees every organisation the emulator holds, as one Dinero login would.
            return consent_redirect(request, self.auth, now,
                                    subject=frozenset(self.organisations))
        bearer = request.headers.get("authorization", "")
        grant = (
            self.auth.grant_of(bearer[7:].strip(), now) if bearer[:7].lower() == "bearer " else None
        )
        if request.path.rstrip("/") == ORGANISATIONS_PATH and request.method == "GET":
            if grant is None:
                return self._record(request, "", "", _unauthorized())
            return self._record(request, "", grant.client_id, self._organisations(request, grant))
        found = TABLE.find(request)
        if isinstance(found, EmuResponse):
            return found
        route, arguments = found.route, found.arguments
        assert isinstance(route, Route)
        organisation_id = arguments["organizationId"]
        if grant is None:
            return self._record(request, organisation_id, "", _unauthorized())
        org = self.organisations.get(organisation_id)
        if org is None or organisation_id not in grant.organisations:
            message = f"The token does not give access to organization {organisation_id}."
            forbidden = DineroError(403, UNAUTHORIZED, "Forbidden", {"message": message})
            return self._record(
                request, organisation_id, grant.client_id, error_response(forbidden)
            )
        refusal = self._refusal(request, org, grant)
        if refusal is not None:
            return self._record(request, organisation_id, grant.client_id, refusal)
        if not self.throttle.admit((organisation_id, grant.client_id)):
            answer = self.throttle.refusal()
            return self._record(request, organisation_id, grant.client_id, answer)
        injected = self.delay_and_fault(request)
        if injected is not None:
            # An injected 429 reads as Dinero's own quota answer (plain text, and no
            # Retry-After: Dinero documents none, only "wait a minute").
            text = (quota_message(self.throttle.limits) if injected == 429
                    else "An unexpected error occurred.")
            answer = text_response(injected, text)
            return self._record(request, organisation_id, grant.client_id, answer)
        try:
            answer = route.handler(Call(org, request, arguments.get("guid", ""), self.clock()))
        except DineroError as error:
            answer = error_response(error)
        if route.write and answer.status < 300 and self.faults.take_drop():
            answer = attrs.evolve(answer, drop=True)
        return self._record(request, organisation_id, grant.client_id, answer)

    def _refusal(self, request: EmuRequest, org: Organisation, grant: Grant) -> EmuResponse | None:
        """The plan check (code 48), then the scope the method needs."""
        if not org.is_pro:
            return error_response(
                DineroError(403, PLAN_REQUIRED, PLAN_MESSAGE, {"organization": PLAN_MESSAGE})
            )
        scope = READ_SCOPE if request.method == "GET" else WRITE_SCOPE
        if scope not in grant.scopes:
            message = f"The token lacks the scope {scope}."
            return error_response(DineroError(403, UNAUTHORIZED, "Forbidden", {"scope": message}))
        return None

    def _organisations(self, request: EmuRequest, grant: Grant) -> EmuResponse:
        fields = request.query.get("fields") or "id,name,isPro"
        rows = []
        with self._lock:
            for organisation_id in sorted(grant.organisations):
                org = self.organisations.get(organisation_id)
                if org is not None:
                    row = {"id": org.organisation_id, "name": org.name, "isPro": org.is_pro}
                    rows.append(project(row, fields))
        return json_response(200, rows)

    def _record(
        self, request: EmuRequest, organisation_id: str, client_id: str, response: EmuResponse
    ) -> EmuResponse:
        status = 0 if response.drop else response.status
        # Dinero's clock in every answer, as any HTTP server's: the connector reads it.
        response = attrs.evolve(response, headers={
            **response.headers, "date": formatdate(self.clock(), usegmt=True)})
        with self._lock:
            self.requests.append(
                RequestRecord(request.method, request.path, organisation_id, client_id, status)
            )
        return response


def _unauthorized() -> EmuResponse:
    return error_response(
        DineroError(
            401,
            UNAUTHORIZED,
            "Unauthorized",
            {"message": "Authorization has been denied for this request."},
        )
    )
