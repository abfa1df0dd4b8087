"""The emulator itself: one ``handle(request) -> response`` behind the transport and the server.

Checks run in this order: the route (404/405), authentication (401), the rate
limit (429), injected faults, latency, then the handler holding the company.
A call authenticates with the company's API token, sent as the ``x-api-token``
header (the SDK's way) or the ``api_token`` query parameter (the older way), or
with an OAuth access token as ``Authorization: Bearer``; when both are sent the
API token is the one used (NOTES §2). Access tokens are handed out by
:meth:`PipedriveEmulator.issue_access_token` in the token response's shape
(the OAuth dance itself is not emulated) and expire after ``expires_in``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs

from ledgerlink.emulation import EmulatorBase, EmuRequest, EmuResponse, Route
from ledgerlink_pipedrive.emulator.budget import OVER_LIMIT, Budget, Plan
from ledgerlink_pipedrive.emulator.records import Call
from ledgerlink_pipedrive.emulator.routes import Served, build_table
from ledgerlink_pipedrive.emulator.seeding import Seeding
from ledgerlink_pipedrive.emulator.state import Company, new_company
from ledgerlink_pipedrive.emulator.wire import PipedriveError, encode, error_response

__all__ = ["ACCESS_TTL", "UNAUTHORIZED", "PipedriveEmulator", "RequestRecord"]

#: Seconds an access token lives (the token response's ``expires_in``, NOTES §2).
ACCESS_TTL = 3600
#: The 401 answer's error text (errors.json).
UNAUTHORIZED = "unauthorized access"
#: The first company id handed out (inferred: real ones are eight digits).
FIRST_COMPANY = 12_000_001


@attrs.frozen
class RequestRecord:
    """One answered call, kept in ``emu.records`` so tests can count requests.

    Attributes:
        method: The HTTP verb.
        path: The URL path (no query).
        status: The status answered; 0 for a connection cut after the write.
        company_id: Whose token the call carried (0: none that was valid).
    """

    method: str
    path: str
    status: int
    company_id: int


@attrs.frozen
class _Bearer:
    company_id: int
    expires: float


class PipedriveEmulator(Seeding, EmulatorBase):
    """A stateful Pipedrive API, in memory and thread-safe.

    Time comes from ``clock`` (an aware ``datetime`` each call; tests pass a fake one
    and a ``sleep`` that moves it). ``plan`` sets the token budget, call costs and
    burst window; ``latency`` seconds (times ``time_scale``, which also stretches
    the burst window) are slept before every API call.
    """

    def __init__(self, clock: Callable[[], datetime] | None = None, *,
                 plan: Plan | None = None, sleep: Callable[[float], None] = time.sleep,
                 time_scale: float = 1.0, latency: float = 0.0) -> None:
        self._wall = clock or _utc_now
        super().__init__(clock=self._epoch, sleep=sleep, time_scale=time_scale,
                         latency=latency)
        self.budget = Budget(plan or Plan(), self._wall, time_scale)
        self.companies: dict[int, Company] = {}
        self.records: list[RequestRecord] = []
        self._api_tokens: dict[str, int] = {}
        self._bearers: dict[str, _Bearer] = {}
        self._table = build_table()

    @property
    def routes(self) -> Sequence[Route[Served]]:
        """What the emulator serves (method, path template, handler, whether it writes)."""
        return self._table.routes

    def now(self) -> datetime:
        """The emulator's current time."""
        return self._wall()

    def _epoch(self) -> float:
        return self._wall().timestamp()

    # ------------------------------------------------------------ companies and tokens

    def create_company(self, name: str, *, api_token: str | None = None,
                       currency: str = "DKK") -> Company:
        """A company with the standard fields and an API token (``.api_token``)."""
        with self._lock:
            company_id = max(self.companies, default=FIRST_COMPANY - 1) + 1
            company = new_company(company_id, name, self.now(), api_token=api_token,
                                  currency=currency)
            self._hold(company)
        return company

    def add(self, company: Company) -> None:
        """Hold ``company`` (restored from a state file) and its API token."""
        with self._lock:
            self._hold(company)

    def _hold(self, company: Company) -> None:
        self.companies[company.id] = company
        self._api_tokens[company.api_token] = company.id

    def company(self, company: Company | int) -> Company:
        """The held company (given itself or its id)."""
        return self.companies[company if isinstance(company, int) else company.id]

    def issue_access_token(self, company: Company | int, *, ttl: int = ACCESS_TTL
                           ) -> dict[str, Any]:
        """An OAuth token response for the company, as Pipedrive's token endpoint answers
        one (``access_token``, ``token_type``, ``expires_in``, ``refresh_token``,
        ``scope``, ``api_domain``); the access token works until ``ttl`` seconds pass."""
        held = self.company(company)
        access = f"{held.id}:{secrets.token_hex(24)}"
        with self._lock:
            self._bearers[access] = _Bearer(held.id, self.clock() + ttl * self.time_scale)
        return {"access_token": access, "token_type": "Bearer", "expires_in": ttl,
                "refresh_token": f"{held.id}:{secrets.token_hex(24)}",
                "scope": "base,deals:read,contacts:read,products:read",
                "api_domain": f"https://{held.domain}.pipedrive.com"}

    def tokens_spent(self, company: Company | int) -> int:
        """Tokens of its daily budget the company spent today."""
        return self.budget.spent_today(self.company(company).id)

    # ------------------------------------------------------------ set-up without a call

    def seed(self, company: Company | int, method: str, path: str, body: Any = None) -> Any:
        """Answer one call for the company without token, budget, faults, latency or a
        record (a test's set-up); ``path`` is the full path (``/api/v2/deals``); returns
        the answer's ``data``.

        Raises:
            PipedriveError: the call was refused.
        """
        held = self.company(company)
        request = EmuRequest(method, path, {}, {}, b"" if body is None else encode(body))
        found = self._table.resolve(method, path)
        if found is None:
            raise ValueError(f"nothing to seed at {method} {path}")
        with held.lock:
            answer = found.route.handler.answer(Call(held, request, found.arguments,
                                                     self.now()))
        return answer.json_body()["data"]

    # ------------------------------------------------------------ the core

    def _authorised(self, request: EmuRequest) -> tuple[Company, str, bool]:
        """The company the call is for, the token it used and whether it is OAuth."""
        token = request.headers.get("x-api-token") or request.query.get("api_token", "")
        scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
        with self._lock:
            if token:
                company_id = self._api_tokens.get(token)
                if company_id is not None:
                    return self.companies[company_id], token, False
            elif scheme.lower() == "bearer" and bearer:
                granted = self._bearers.get(bearer.strip())
                if granted is not None and self.clock() < granted.expires:
                    return self.companies[granted.company_id], bearer.strip(), True
        raise PipedriveError(401, UNAUTHORIZED)

    def handle(self, request: EmuRequest) -> EmuResponse:
        """Answer one HTTP request."""
        found = self._table.find(request)
        if isinstance(found, EmuResponse):
            return self._record(request, 0, found)
        served = found.route.handler
        try:
            company, token, oauth = self._authorised(request)
        except PipedriveError as error:
            return self._record(request, 0, error_response(error))
        try:
            limits = self.budget.take(company.id, token, oauth=oauth, cost=self.budget.plan.cost(
                request.method, served.listing))
        except PipedriveError as error:
            return self._record(request, company.id, error_response(error))
        injected = self.delay_and_fault(request)
        if injected is not None:
            text = OVER_LIMIT if injected == 429 else "Internal server error"
            refusal = PipedriveError(injected, text, headers={
                **limits, **({"retry-after": "1"} if injected == 429 else {})})
            return self._record(request, company.id, error_response(refusal))
        with company.lock:
            try:
                answer = served.answer(Call(company, request, found.arguments, self.now()))
            except PipedriveError as error:
                answer = error_response(error)
        if found.route.write and answer.status < 300 and self.faults.take_drop():
            answer = attrs.evolve(answer, drop=True)
        answer = attrs.evolve(answer, headers={**answer.headers, **limits})
        return self._record(request, company.id, answer)

    def _record(self, request: EmuRequest, company_id: int,
                answer: EmuResponse) -> EmuResponse:
        with self._lock:
            self.records.append(RequestRecord(request.method, request.path,
                                              0 if answer.drop else answer.status, company_id))
        return answer


def _utc_now() -> datetime:
    return datetime.now(UTC)
