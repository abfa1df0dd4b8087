"""The emulator itself: one ``handle(request) -> response`` behind transport and server.

Order of checks for an API call, as the real service layers them: route and
realm, Bearer token (gateway 401), throttling (429 XML), injected faults,
latency, then ``requestid`` replay and the data service.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import attrs

from ledgerlink.emulation import EmulatorBase, Route, RouteTable, consent_redirect
from ledgerlink.emulation import Faults as Faults
from ledgerlink_quickbooks.emulator.accounts import DEFAULT_ACCOUNTS, seed_accounts, seed_defaults
from ledgerlink_quickbooks.emulator.auth import (
    CONSENT_PATH,
    DEFAULT_CLIENT_ID,
    REVOKE_PATH,
    SCOPES,
    TOKEN_PATH,
    auth_server,
)
from ledgerlink_quickbooks.emulator.handlers import dispatch
from ledgerlink_quickbooks.emulator.state import ChangeEvent, Realm
from ledgerlink_quickbooks.emulator.taxes import DEFAULT_VAT_RATES, seed_vat_codes
from ledgerlink_quickbooks.emulator.throttle import Limits, throttle
from ledgerlink_quickbooks.emulator.wire import (
    EmuRequest,
    EmuResponse,
    QBOFault,
    business_validation,
    dumps,
    fault_response,
    gateway_unauthorized,
    json_response,
    server_error,
    throttled,
)

API_PREFIX = "/v3/company/"
MINOR_VERSION_FLOOR = 75  # lower values are ignored by QuickBooks since 2025-08-01
MAX_REQUEST_ID = 50
MAX_BATCH_REQUEST_ID = 36


@attrs.frozen
class RequestRecord:
    """What one API call carried, for assertions and benchmarks.

    Attributes:
        method: HTTP method.
        path: Path after ``/v3/company/{realmId}/``.
        realm_id: Company id.
        minorversion: The minorversion sent (None when omitted).
        effective_minorversion: The version the emulator answered with.
        requestid: The requestid sent, if any.
        status: HTTP status answered.
        replayed: True when the answer was a stored requestid replay.
    """

    method: str
    path: str
    realm_id: str
    minorversion: str | None
    effective_minorversion: int
    requestid: str | None
    status: int
    replayed: bool


class QuickBooksEmulator(EmulatorBase):
    """A stateful QuickBooks Online company service, in memory and thread-safe.

    ``clock`` returns epoch seconds (inject a fake to move time without
    sleeping); ``time_scale`` multiplies the throttling window and the injected
    latency alike; ``sleep`` is called for latency.
    """

    def __init__(
        self,
        *,
        limits: Limits | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        time_scale: float = 1.0,
        latency: float = 0.0,
        refresh_grace: float | None = None,
        require_minorversion: bool = False,
    ) -> None:
        super().__init__(clock=clock, sleep=sleep, time_scale=time_scale, latency=latency)
        base = limits or Limits()
        self.require_minorversion = require_minorversion
        self.auth = auth_server()
        if refresh_grace is not None:
            self.auth.grace = refresh_grace
        self.throttle = throttle(base, clock, time_scale)
        #: The company the consent page grants (``ledgerlink emulate`` sets it).
        self.consent_realm: str | None = None
        self.realms: dict[str, Realm] = {}
        self.requests: list[RequestRecord] = []

    # ------------------------------------------------------------ set-up helpers

    def add_realm(
        self,
        realm_id: str,
        *,
        home_currency: str = "USD",
        vat_rates: Iterable[Decimal | int | str] | None = None,
        accounts: Iterable[tuple[str, str, str, str, str]] | None = None,
    ) -> Realm:
        """Create a company (or return the existing one, unchanged).

        A new company gets one VAT TaxCode (with its TaxRate) per rate in
        ``vat_rates``, by default :data:`~.taxes.DEFAULT_VAT_RATES` (25, 12,
        6 and 0 %); pass ``()`` for a company without VAT codes. Lines without
        a TaxCodeRef, or with the US ``TAX``/``NON``, are untaxed either way.
        Its chart of accounts is ``accounts`` (Id, Name, AccountType,
        AccountSubType, Classification), by default :data:`~.accounts.DEFAULT_ACCOUNTS`.
        """
        with self._lock:
            existing = self.realms.get(realm_id)
            if existing is not None:
                return existing
            realm = Realm(realm_id, home_currency)
            rates = DEFAULT_VAT_RATES if vat_rates is None else vat_rates
            with realm.lock:
                seed_vat_codes(realm, rates, self.clock())
                chart = DEFAULT_ACCOUNTS if accounts is None else accounts
                seed_accounts(realm, chart, self.clock())
            self.realms[realm_id] = realm
            return realm

    def connect(self, realm_id: str) -> dict[str, object]:
        """Create ``realm_id`` if needed and return a token response for it."""
        self.add_realm(realm_id)
        return self.auth.issue(realm_id, DEFAULT_CLIENT_ID, SCOPES, self.clock())

    def authorize(self, realm_id: str) -> str:
        """Simulate the consent screen: an authorization code for ``realm_id``."""
        self.add_realm(realm_id)
        return self.auth.authorize(realm_id, DEFAULT_CLIENT_ID, SCOPES, self.clock())

    def seed(self, realm_id: str, entity: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Create one entity directly (no auth, no throttling); return the stored copy."""
        realm = self.add_realm(realm_id)
        payload = seed_defaults(realm, entity, payload)  # the one leniency of seeding
        response = dispatch(realm, _seed_request(entity, payload), [entity.lower()], self.clock())
        body = response.json_body()
        if "Fault" in body:
            raise ValueError(f"seed of {entity} refused: {body['Fault']}")
        return dict(body[entity])

    def events(self, realm_id: str, since: float = 0.0) -> list[ChangeEvent]:
        """Change events of a realm after ``since`` (epoch seconds), oldest first."""
        realm = self.realms[realm_id]
        with realm.lock:
            return [e for e in realm.events if e.at > since]

    # ------------------------------------------------------------ the core

    def handle(self, request: EmuRequest) -> EmuResponse:
        """Answer one HTTP request."""
        found = ROUTES.find(request)
        if isinstance(found, EmuResponse):
            return found
        return found.route.handler(self, request, found.arguments)

    def _token(self, request: EmuRequest, arguments: dict[str, str]) -> EmuResponse:
        return self.auth.handle_token(request, self.clock())

    def _revoke(self, request: EmuRequest, arguments: dict[str, str]) -> EmuResponse:
        return self.auth.handle_revoke(request)

    def _consent(self, request: EmuRequest, arguments: dict[str, str]) -> EmuResponse:
        """Intuit's consent page, consented at once for :attr:`consent_realm`."""
        realm_id = self.consent_realm or next(iter(self.realms), None)
        if realm_id is None:
            return json_response(400, {"error": "the emulator holds no company to consent to"})
        return consent_redirect(request, self.auth, self.clock(), subject=realm_id,
                                extra={"realmId": realm_id})

    def _api(self, request: EmuRequest, arguments: dict[str, str]) -> EmuResponse:
        """A data-service call: realm and token, then the limits, then the service."""
        now = self.clock()
        realm_id, rest = arguments["realmId"], arguments["rest"]
        realm = self.realms.get(realm_id)
        bearer = request.headers.get("authorization", "")
        granted = None
        if bearer[:7].lower() == "bearer ":
            granted = self.auth.subject_of(bearer[7:].strip(), now)
        if realm is None or granted is None:
            return gateway_unauthorized(now)
        if granted != realm_id:
            fault = QBOFault(
                "120",
                "Authorization Failure",
                "AuthorizationFailure: the token does not grant this company",
                status=403,
                kind="AuthorizationFault",
            )
            return fault_response(fault, now)
        is_batch = rest.rstrip("/").lower() == "batch"
        if not self.throttle.acquire(realm_id, batch=is_batch):
            return self._record(request, realm_id, rest, self.throttle.refusal(), replayed=False)
        try:
            return self._serve(request, realm, rest)
        finally:
            self.throttle.release(realm_id)

    def _serve(self, request: EmuRequest, realm: Realm, rest: str) -> EmuResponse:
        status = self.delay_and_fault(request)
        now = self.clock()
        if status is not None:
            # An injected 429 is answered as QuickBooks throttles: the XML 3001 fault
            # (no Retry-After: QuickBooks sends none and asks for a 60 s wait).
            answer = throttled(now) if status == 429 else server_error(status, now)
            return self._record(request, realm.realm_id, rest, answer, False)
        minor = request.query.get("minorversion")
        if minor is None and self.require_minorversion:
            fault = business_validation("minorversion is required by this emulator.")
            return self._record(request, realm.realm_id, rest, fault_response(fault, now), False)
        is_write = request.method == "POST" and rest.lower() not in ("query",)
        request_id = request.query.get("requestid")
        if is_write and request_id is not None:
            limit = MAX_BATCH_REQUEST_ID if rest.lower() == "batch" else MAX_REQUEST_ID
            if len(request_id) > limit:
                fault = business_validation(
                    f"You cannot enter more than {limit} characters in the request_id field. "
                    f"You tried entering {request_id[:10]}..., which is {len(request_id)} "
                    "characters."
                )
                return self._record(
                    request, realm.realm_id, rest, fault_response(fault, now), False
                )
            with realm.lock:
                stored = realm.request_ids.get(request_id)
                if stored is not None:
                    return self._record(request, realm.realm_id, rest, stored, True)
                response = dispatch(realm, request, rest.strip("/").split("/"), now)
                realm.request_ids[request_id] = response
        else:
            response = dispatch(realm, request, rest.strip("/").split("/"), now)
        if is_write and response.status == 200 and self.faults.take_drop():
            response = attrs.evolve(response, drop=True)
        return self._record(request, realm.realm_id, rest, response, False)

    def _record(
        self, request: EmuRequest, realm_id: str, rest: str, response: EmuResponse, replayed: bool
    ) -> EmuResponse:
        minor = request.query.get("minorversion")
        effective = MINOR_VERSION_FLOOR
        if minor is not None and minor.isdigit():
            effective = max(MINOR_VERSION_FLOOR, int(minor))
        record = RequestRecord(
            request.method,
            rest,
            realm_id,
            minor,
            effective,
            request.query.get("requestid"),
            response.status,
            replayed,
        )
        with self._lock:
            self.requests.append(record)
        return response


Endpoint = Callable[[QuickBooksEmulator, EmuRequest, dict[str, str]], EmuResponse]


def _not_found(request: EmuRequest) -> EmuResponse:
    return json_response(404, {"error": "not_found"})


def _not_allowed(request: EmuRequest) -> EmuResponse:
    return json_response(405, {"error": "method_not_allowed"})


_API = API_PREFIX + "{realmId}/{rest...}"
#: What the emulator serves: Intuit's OAuth endpoints and consent page, and the API.
ROUTES: RouteTable[Endpoint] = RouteTable(
    routes=(
        Route("POST", TOKEN_PATH, QuickBooksEmulator._token),
        Route("POST", REVOKE_PATH, QuickBooksEmulator._revoke),
        Route("GET", CONSENT_PATH, QuickBooksEmulator._consent),
        Route("GET", _API, QuickBooksEmulator._api),
        Route("POST", _API, QuickBooksEmulator._api),
    ),
    not_found=_not_found,
    not_allowed=_not_allowed,
)


def _seed_request(entity: str, payload: dict[str, Any]) -> EmuRequest:
    return EmuRequest("POST", "", {}, {"content-type": "application/json"}, dumps(payload))
