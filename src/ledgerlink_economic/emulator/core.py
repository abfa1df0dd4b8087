"""The emulator itself: one ``handle(request) -> response`` behind the transport and the server.

Both services answer here: the REST API and the Webhooks API (under
:data:`~.webhooks_api.PREFIX`); each refuses in its own error shape. Checks run
in this order: the route (404/405), the two tokens (401; the
shared ``demo`` agreement answers GET only, 403 otherwise), the agreement's
token bucket (429), injected faults, latency, then, holding the agreement, an
``Idempotency-Key`` replay or the handler. Every answer past the token check
carries the bucket's headers. A dropped answer still committed its write, and
its kept answer is what a retry with the same key gets.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs

from ledgerlink.emulation import EmulatorBase, EmuRequest, EmuResponse, Route
from ledgerlink_economic.emulator.booked import BOOKED, register_payment
from ledgerlink_economic.emulator.drafts import DRAFTS
from ledgerlink_economic.emulator.idempotency import Replays
from ledgerlink_economic.emulator.resources import Call
from ledgerlink_economic.emulator.routes import Handler, build_table
from ledgerlink_economic.emulator.state import GROUP_VAT, Agreement, new_agreement
from ledgerlink_economic.emulator.throttle import Bucket, Throttle
from ledgerlink_economic.emulator.webhooks import Webhooks
from ledgerlink_economic.emulator.webhooks_api import PREFIX, problem_response
from ledgerlink_economic.emulator.wire import EconomicError, error_response

__all__ = ["DEMO_TOKEN", "EconomicEmulator", "RequestRecord"]

APP_SECRET_HEADER = "x-appsecrettoken"
GRANT_HEADER = "x-agreementgranttoken"
#: Both tokens set to this reach the shared read-only demo agreement [E1][E8].
DEMO_TOKEN = "demo"
#: The first agreement number handed out (inferred: real ones are six or seven digits).
FIRST_AGREEMENT = 1_000_001
LOGIN_FAILED_HINT = ("Please take a look at https://restapi.e-conomic.com and follow the links "
                     "to help on authorization, or use the word demo for both tokens.")


@attrs.frozen
class RequestRecord:
    """One answered call, kept in ``emu.records`` so tests and benchmarks count requests.

    Attributes:
        method: The HTTP verb.
        path: The URL path (no query).
        body: The decoded JSON body, or None (no body, or not JSON).
        status: The status answered; 0 for a connection cut after the write.
        agreement_number: Whose tokens the call carried (0: none that were valid).
        from_cache: The answer was an ``Idempotency-Key`` replay.
    """

    method: str
    path: str
    body: Any
    status: int
    agreement_number: int
    from_cache: bool = False


class EconomicEmulator(EmulatorBase):
    """A stateful e-conomic REST API, in memory and thread-safe.

    Time comes from ``clock`` (an aware ``datetime`` each call; a test passes a fake
    one and a ``sleep`` that moves it), so the bucket, due dates and the hour an
    ``Idempotency-Key`` is kept never wait on the wall clock. ``bucket`` shapes the
    token bucket each agreement has; ``latency`` seconds (times ``time_scale``, which
    also stretches the bucket's window) are slept before every API call.
    """

    def __init__(self, clock: Callable[[], datetime] | None = None, *,
                 bucket: Bucket | None = None, sleep: Callable[[float], None] = time.sleep,
                 time_scale: float = 1.0, latency: float = 0.0) -> None:
        self._wall = clock or _utc_now
        super().__init__(clock=self._epoch, sleep=sleep, time_scale=time_scale,
                         latency=latency)
        self.throttle = Throttle(bucket or Bucket(), self.clock, time_scale)
        self.app_secret_token = secrets.token_urlsafe(32)
        self.agreements: dict[int, Agreement] = {}
        self.records: list[RequestRecord] = []
        self.webhooks = Webhooks()
        self.replays = Replays()
        self._grants: dict[str, int] = {}
        self._table = build_table(self.webhooks)
        self.demo = new_agreement(1, "Demo A/S", app_secret_token=DEMO_TOKEN,
                                  grant_token=DEMO_TOKEN, read_only=True)

    @property
    def routes(self) -> Sequence[Route[Handler]]:
        """What the emulator serves (method, path template, handler, whether it writes)."""
        return self._table.routes

    def now(self) -> datetime:
        """The emulator's current time."""
        return self._wall()

    def _epoch(self) -> float:
        return self._wall().timestamp()

    # ------------------------------------------------------------ set-up and counting

    def create_agreement(self, name: str, *, grant_token: str | None = None) -> Agreement:
        """A Danish company with e-conomic's defaults and a grant for this emulator's app."""
        with self._lock:
            number = max(self.agreements, default=FIRST_AGREEMENT - 1) + 1
            agreement = new_agreement(number, name, app_secret_token=self.app_secret_token,
                                      grant_token=grant_token)
            self.agreements[number] = agreement
            self._grants[agreement.agreement_grant_token] = number
        return agreement

    def add_product_group(self, agreement: Agreement | int, number: int, name: str,
                          vat_rate: Decimal) -> None:
        """A product group whose products bill ``vat_rate`` in a VAT-charging zone."""
        held = self._agreement(agreement)
        with held.lock:
            held.tables.setdefault("product-groups", {})[str(number)] = {
                "productGroupNumber": number, "name": name,
                "self": f"https://restapi.e-conomic.com/product-groups/{number}"}
            held.tables.setdefault(GROUP_VAT, {})[str(number)] = {"rate": Decimal(vat_rate)}

    def add(self, agreement: Agreement) -> None:
        """Hold ``agreement`` (restored from a state file) and its grant."""
        with self._lock:
            self.agreements[agreement.agreement_number] = agreement
            self._grants[agreement.agreement_grant_token] = agreement.agreement_number

    def _agreement(self, agreement: Agreement | int) -> Agreement:
        number = agreement if isinstance(agreement, int) else agreement.agreement_number
        return self.agreements[number]

    def seed(self, agreement: Agreement | int, method: str, path: str, body: Any = None) -> Any:
        """Answer one write for the agreement without tokens, bucket, faults, latency or a
        record (a test's set-up); returns the JSON answer.

        Raises:
            EconomicError: the write was refused.
        """
        held = self._agreement(agreement)
        request = EmuRequest(method, path, {}, {}, json.dumps(body, default=str).encode())
        found = self._table.resolve(method, path)
        if found is None:
            raise ValueError(f"nothing to seed at {method} {path}")
        with held.lock:
            return found.route.handler(Call(held, request, found.arguments,
                                            self.now())).json_body()

    def invoices(self, agreement: Agreement | int) -> list[dict[str, Any]]:
        """The agreement's booked invoices as stored (with lines)."""
        held = self._agreement(agreement)
        with held.lock:
            return [dict(row) for row in held.rows(BOOKED)]

    def drafts(self, agreement: Agreement | int) -> list[dict[str, Any]]:
        """The agreement's draft invoices as stored (with lines)."""
        held = self._agreement(agreement)
        with held.lock:
            return [dict(row) for row in held.rows(DRAFTS)]

    def pay(self, agreement: Agreement | int, booked_invoice_number: int,
            amount: Decimal) -> dict[str, Any]:
        """Register a payment of ``amount`` on a booked invoice (its remainder falls)."""
        return register_payment(self._agreement(agreement), booked_invoice_number, amount)

    def calls_today(self, agreement: Agreement | int) -> int:
        """Calls the agreement made today (the 50,000 a day fair-use count)."""
        number = agreement if isinstance(agreement, int) else agreement.agreement_number
        return self.throttle.calls_today(number)

    # ------------------------------------------------------------ the core

    def _authorised(self, request: EmuRequest) -> Agreement:
        secret = request.headers.get(APP_SECRET_HEADER, "")
        grant = request.headers.get(GRANT_HEADER, "")
        agreement: Agreement | None
        if request.query.get("demo", "").lower() == "true" or (
                secret == DEMO_TOKEN and grant == DEMO_TOKEN):
            agreement = self.demo
        else:
            number = self._grants.get(grant) if grant else None
            agreement = self.agreements.get(number) if number is not None else None
            if agreement is None or not secret or not secrets.compare_digest(
                    secret, agreement.app_secret_token):
                raise EconomicError(401, "Login to API server failed.", LOGIN_FAILED_HINT)
        if agreement.read_only and request.method != "GET":
            raise EconomicError(403, "The demo agreement is read-only.",
                                "Only GET requests are allowed with the demo tokens.")
        return agreement

    def handle(self, request: EmuRequest) -> EmuResponse:
        """Answer one HTTP request."""
        found = self._table.find(request)
        if isinstance(found, EmuResponse):
            return self._record(request, 0, found)
        try:
            agreement = self._authorised(request)
        except EconomicError as error:
            return self._record(request, 0, self._refused(request, error))
        try:
            limits = self.throttle.take(agreement.agreement_number, request.method)
        except EconomicError as error:
            return self._record(request, agreement.agreement_number,
                                self._refused(request, error))
        injected = self.delay_and_fault(request)
        if injected is not None:
            text = "Too many requests." if injected == 429 else "An unexpected error occurred."
            refusal = EconomicError(injected, text, "Retry the request.",
                                    headers={"retry-after": "1"} if injected == 429 else None)
            return self._record(request, agreement.agreement_number,
                                _with(self._refused(request, refusal), limits))
        with agreement.lock:
            try:
                answer = self.replays.replay(agreement.agreement_number, request, self.clock())
                if answer is None:
                    answer = found.route.handler(Call(agreement, request, found.arguments,
                                                      self.now()))
                    self.replays.keep(agreement.agreement_number, request, answer,
                                      self.clock())
            except EconomicError as error:
                answer = self._refused(request, error)
        if (found.route.write and answer.status < 300 and "x-resultfromcache" not in
                answer.headers and self.faults.take_drop()):
            answer = attrs.evolve(answer, drop=True)
        return self._record(request, agreement.agreement_number, _with(answer, limits))

    def _refused(self, request: EmuRequest, error: EconomicError) -> EmuResponse:
        """``error`` in the shape of the service ``request`` went to."""
        if request.path.startswith(PREFIX + "/"):
            return problem_response(error, self.now())
        return error_response(error, self.now())

    def _record(self, request: EmuRequest, agreement_number: int,
                answer: EmuResponse) -> EmuResponse:
        status = 0 if answer.drop else answer.status
        try:
            body = request.json()
        except ValueError:
            body = None
        with self._lock:
            self.records.append(RequestRecord(
                request.method, request.path, body, status, agreement_number,
                answer.headers.get("x-resultfromcache") == "true"))
        return answer


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _with(answer: EmuResponse, headers: dict[str, str]) -> EmuResponse:
    return attrs.evolve(answer, headers={**answer.headers, **headers})
