"""The emulator kit's parts on their own: token server, account limits, route table,
state file and PDF, each configured the way a provider would."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink.emulation import (
    AccountLimits,
    EmulatorRegistry,
    EmuRequest,
    EmuResponse,
    Issued,
    Limits,
    Route,
    RouteTable,
    TokenRules,
    TokenServer,
    consent_redirect,
    document_pdf,
    json_answer,
    load_state,
    save_state,
)
from ledgerlink.emulation.statefile import decode_state, encode_state
from ledgerlink.plugins import get_plugin_manager, hookimpl
from ledgerlink_dinero.emulator.served import SPEC as DINERO
from ledgerlink_quickbooks.emulator.served import SPEC as QUICKBOOKS

CLIENT, SECRET = "client-1", "secret-1"
GRACE = 600.0


def _token_body(issued: Issued) -> dict[str, object]:
    return {"access_token": issued.access_token, "refresh_token": issued.refresh_token,
            "expires_in": int(issued.access_ttl)}


def _refuse(status: int, error: str) -> EmuResponse:
    return json_answer(status, {"provider_error": error})


def _answer(status: int, body: Mapping[str, object]) -> EmuResponse:
    return json_answer(status, dict(body))


def _server(grace: float = GRACE, **rules: Any) -> TokenServer[str]:
    config = TokenRules(token_path="/token", revoke_path="/revoke", answer=_answer,
                        refuse=_refuse, token_body=_token_body, refresh_ttl=10_000.0,
                        refresh_grace=grace, **rules)
    return TokenServer(config, {CLIENT: SECRET})


def _post(path: str, form: dict[str, str], *, basic: bool = True) -> EmuRequest:
    headers = {}
    if basic:
        headers["authorization"] = "Basic " + base64.b64encode(
            f"{CLIENT}:{SECRET}".encode()).decode()
    return EmuRequest("POST", path, {}, headers, urlencode(form).encode())


def _refresh(server: TokenServer[str], token: str, now: float) -> EmuResponse:
    return server.handle_token(_post("/token", {"grant_type": "refresh_token",
                                                "refresh_token": token}), now)


# ---------------------------------------------------------------- tokens


def test_a_code_is_exchanged_once_for_tokens_granting_its_subject() -> None:
    """An authorization code buys tokens for its subject once; reusing it is invalid_grant."""
    server = _server()
    code = server.authorize("realm-1", CLIENT, frozenset({"s"}), now=0.0)
    form = {"grant_type": "authorization_code", "code": code}
    issued = server.handle_token(_post("/token", form), 1.0)
    assert issued.status == 200
    assert server.subject_of(issued.json_body()["access_token"], 2.0) == "realm-1"
    again = server.handle_token(_post("/token", form), 2.0)
    assert (again.status, again.json_body()) == (400, {"provider_error": "invalid_grant"})


def test_an_unknown_client_gets_the_providers_shape_and_status() -> None:
    """A token request without client credentials gets invalid_client with the configured status."""
    server = _server(invalid_client_status=400)
    answer = server.handle_token(_post("/token", {"grant_type": "refresh_token"}, basic=False),
                                 0.0)
    assert (answer.status, answer.json_body()) == (400, {"provider_error": "invalid_client"})


def test_credentials_in_the_form_count_only_where_the_provider_allows_them() -> None:
    """Client credentials in the form body are refused unless the provider accepts them there."""
    form = {"grant_type": "nonsense", "client_id": CLIENT, "client_secret": SECRET}
    assert _server().handle_token(_post("/token", form, basic=False), 0.0).status == 401
    allowed = _server(client_in_form=True).handle_token(_post("/token", form, basic=False), 0.0)
    assert allowed.json_body() == {"provider_error": "unsupported_grant_type"}


@settings(max_examples=40, deadline=None)
@given(later=st.floats(min_value=0.0, max_value=3 * GRACE))
def test_a_rotated_refresh_token_works_for_the_grace_only(later: float) -> None:
    """Refresh rotates the token; the previous one keeps working for ``grace`` seconds."""
    server = _server()
    first = str(server.issue("realm-1", CLIENT, frozenset(), 0.0)["refresh_token"])
    rotated = _refresh(server, first, 100.0).json_body()["refresh_token"]
    assert rotated != first
    replay = _refresh(server, first, 100.0 + later)
    assert replay.status == (200 if later < GRACE else 400)
    assert _refresh(server, rotated, 100.0 + later).status == 200  # the newest always works


def test_without_grace_a_refresh_token_works_once() -> None:
    """With no grace period a refresh token buys one refresh; its reuse is invalid_grant."""
    server = _server(grace=0.0)
    first = str(server.issue("realm-1", CLIENT, frozenset(), 0.0)["refresh_token"])
    assert _refresh(server, first, 1.0).status == 200
    assert _refresh(server, first, 1.0).json_body() == {"provider_error": "invalid_grant"}
    assert server.refresh_count == 1


def test_refresh_tokens_expire_and_revoked_ones_are_refused() -> None:
    """A refresh token is refused once it has expired or after it was revoked."""
    server = _server()
    token = str(server.issue("realm-1", CLIENT, frozenset(), 0.0)["refresh_token"])
    assert _refresh(server, token, 10_000.0).status == 400
    other = str(server.issue("realm-1", CLIENT, frozenset(), 0.0)["refresh_token"])
    revoke = EmuRequest("POST", "/revoke", {}, _post("/x", {}).headers,
                        json.dumps({"token": other}).encode())
    assert server.handle_revoke(revoke).status == 200
    assert _refresh(server, other, 1.0).status == 400


def test_refresh_tokens_only_come_with_the_providers_scope() -> None:
    """A refresh token is issued only when the provider's offline scope was granted."""
    server = _server(refresh_scope="offline_access")
    assert server.issue("o", CLIENT, frozenset({"read"}), 0.0)["refresh_token"] is None
    assert server.issue("o", CLIENT, frozenset({"offline_access"}), 0.0)["refresh_token"]


def test_the_consent_page_redirects_with_a_code_bound_to_its_redirect_uri() -> None:
    """Consent redirects with state and a code that no other redirect URI can exchange."""
    server = _server()
    query = {"client_id": CLIENT, "redirect_uri": "https://app.example/cb", "state": "s1",
             "response_type": "code"}
    page = consent_redirect(EmuRequest("GET", "/authorize", query, {}), server, 0.0,
                            subject="realm-9", extra={"realmId": "realm-9"})
    assert page.status == 302
    location = urlsplit(page.headers["location"])
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert (params["state"], params["realmId"]) == ("s1", "realm-9")
    wrong = {"grant_type": "authorization_code", "code": params["code"],
             "redirect_uri": "https://evil.example/cb"}
    assert server.handle_token(_post("/token", wrong), 1.0).status == 400
    unknown = consent_redirect(EmuRequest("GET", "/authorize", {**query, "client_id": "x"}, {}),
                               server, 0.0, subject="realm-9")
    assert unknown.status == 400


def test_tokens_survive_a_dump_and_load() -> None:
    """Tokens issued before a dump still grant their subject and refresh after a load."""
    server = _server()
    issued = server.issue("realm-1", CLIENT, frozenset({"s"}), 0.0)
    restored = _server()
    restored.load(decode_state(encode_state(server.dump())), str)
    assert restored.subject_of(str(issued["access_token"]), 1.0) == "realm-1"
    assert _refresh(restored, str(issued["refresh_token"]), 1.0).status == 200


# ---------------------------------------------------------------- limits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _limits(limits: Limits, clock: Clock) -> AccountLimits:
    return AccountLimits(limits, clock, lambda lim: json_answer(429, {"per": lim.per_second}))


@pytest.mark.parametrize(("field", "window"), [("per_minute", 60.0), ("per_second", 1.0)])
def test_a_window_admits_its_cap_and_frees_as_it_slides(field: str, window: float) -> None:
    """A rate window admits its cap per account, refuses with 429, and frees as it slides."""
    clock = Clock()
    limits = _limits(Limits(**{field: 3}), clock)
    assert [limits.admit("a") for _ in range(4)] == [True, True, True, False]
    assert limits.admit("b"), "another account has its own window"
    clock.now += window / 2
    assert not limits.admit("a")
    clock.now += window / 2
    assert limits.admit("a")
    assert limits.rejected == 2
    assert limits.refusal().status == 429


def test_the_windows_scale_with_time() -> None:
    """Scaled limits shrink the window with the emulator's time scale."""
    clock = Clock()
    limits = _limits(Limits(per_second=1).scaled(0.1), clock)
    assert limits.admit("a") and not limits.admit("a")
    clock.now += 0.1
    assert limits.admit("a")


def test_in_flight_slots_are_held_until_released() -> None:
    """An account holds at most its in-flight slots until one is released."""
    limits = _limits(Limits(in_flight=2), Clock())
    assert limits.acquire("a") and limits.acquire("a")
    assert not limits.acquire("a")
    limits.release("a")
    assert limits.acquire("a")


def test_batch_calls_have_their_own_cap_and_count_as_requests() -> None:
    """A batch call is capped on its own and also counts against the per-minute cap."""
    clock = Clock()
    limits = _limits(Limits(per_minute=3, batch_per_minute=1), clock)
    assert limits.acquire("a", batch=True)
    assert not limits.acquire("a", batch=True)
    assert limits.acquire("a") and limits.acquire("a")
    assert not limits.acquire("a"), "the batch call counted against the minute"


@settings(max_examples=50, deadline=None)
@given(cap=st.integers(1, 60), batch_cap=st.integers(1, 10), window=st.sampled_from([3.0, 60.0]),
       freed=st.integers(0, 10))
def test_a_filled_account_frees_one_slot_per_window_over_cap(
        cap: int, batch_cap: int, window: float, freed: int) -> None:
    """A filled account refuses at once and then admits one call (and one batch call) every
    window / cap seconds, as a client running at the limits leaves it."""
    clock = Clock()
    limits = _limits(Limits(per_minute=cap, batch_per_minute=batch_cap, window=window), clock)
    limits.admit("a")
    limits.fill("a")
    assert not limits.admit("a")
    assert limits.admit("b"), "another account stays empty"
    clock.now += window / cap * min(freed, cap) + window / cap / 2
    assert [limits.admit("a") for _ in range(cap + 1)].count(True) == min(freed, cap)
    later = Clock()
    batches = _limits(Limits(batch_per_minute=batch_cap, window=window), later)
    batches.fill("a")
    assert not batches.acquire("a", batch=True)
    assert batches.acquire("a"), "a call that is not a batch is not held up"
    later.now += window / batch_cap * 1.5
    assert batches.acquire("a", batch=True) and not batches.acquire("a", batch=True)


# ---------------------------------------------------------------- routes


def _table() -> RouteTable[str]:
    return RouteTable(
        routes=(Route("GET", "/v1/{org}/items", "list"), Route("POST", "/v1/{org}/items", "add"),
                Route("GET", "/v1/{org}/items/{id}", "get"),
                Route("GET", "/files/{rest...}", "file")),
        not_found=lambda request: json_answer(404, {"code": 40}),
        not_allowed=lambda request: json_answer(405, {"code": 45}),
    )


def _find(method: str, path: str) -> Any:
    found = _table().find(EmuRequest(method, path, {}, {}))
    if isinstance(found, EmuResponse):
        return found.status, found.json_body()
    return found.route.handler, found.arguments


def test_routes_match_templates_and_answer_404_and_405_in_the_providers_shape() -> None:
    """Routes match path templates, and misses answer 404 or 405 in the provider's shape."""
    assert _find("GET", "/v1/7/items/abc") == ("get", {"org": "7", "id": "abc"})
    assert _find("POST", "/v1/7/items") == ("add", {"org": "7"})
    assert _find("GET", "/files/a/b/c") == ("file", {"rest": "a/b/c"})
    assert _find("DELETE", "/v1/7/items") == (405, {"code": 45})
    assert _find("GET", "/v1/7/others") == (404, {"code": 40})
    assert _find("GET", "/v1//items") == (404, {"code": 40})
    assert _find("GET", "/files") == (404, {"code": 40})


def test_literal_segments_fold_case_only_when_asked() -> None:
    """A route's literal segments match case-insensitively only when folding is asked."""
    route = Route("GET", "invoice/{id}/pdf", "pdf")
    assert route.match_path("Invoice/5/PDF") is None
    assert route.match_path("Invoice/5/PDF", fold_case=True) == {"id": "5"}


# ---------------------------------------------------------------- state and PDF


amounts = st.decimals(allow_nan=False, allow_infinity=False, places=2,
                      min_value=-10**9, max_value=10**9)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | amounts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=4),
    max_leaves=20)


@given(values)
def test_the_state_codec_keeps_decimals_exact(value: Any) -> None:
    """The state codec round-trips any JSON-like value and keeps a Decimal's digits."""
    assert decode_state(encode_state(value)) == value
    text = encode_state({"amount": Decimal("12.50")})
    assert '"12.50"' in text and decode_state(text)["amount"].as_tuple().exponent == -2


def test_a_state_file_round_trips_and_a_missing_one_is_none(tmp_path: Path) -> None:
    """A saved state file loads back equal, leaves no stray file, and a missing one is None."""
    target = tmp_path / "state.json"
    assert load_state(target) is None
    save_state(target, {"total": Decimal("1.10"), "rows": [1, "a", None]})
    assert load_state(target) == {"total": Decimal("1.10"), "rows": [1, "a", None]}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


@pytest.mark.parametrize("spec", [QUICKBOOKS, DINERO], ids=lambda s: s.name)
def test_each_emulators_book_survives_a_save_and_load(spec: Any, tmp_path: Path) -> None:
    """A company with a customer and an invoice is the same after a round trip."""
    emulator = spec.build()
    account = spec.prepare(emulator)
    if spec is QUICKBOOKS:
        customer = emulator.seed(account, "Customer", {"DisplayName": "Acme"})
        item = emulator.seed(account, "Item", {"Name": "Hour", "Type": "Service"})
        emulator.seed(account, "Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [
            {"Amount": Decimal("12.50"), "DetailType": "SalesItemLineDetail",
             "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "Qty": 1,
                                     "UnitPrice": Decimal("12.50")}}]})
    else:
        contact = emulator.seed(account, "contacts", {
            "Name": "Acme ApS", "CountryKey": "DK", "IsPerson": False, "IsMember": False,
            "UseCvr": True, "Email": "ap@acme.dk", "VatNumber": "12345678"})
        emulator.seed(account, "invoices", {
            "ContactGuid": contact["ContactGuid"], "Currency": "DKK", "Date": "2026-05-28",
            "PaymentConditionType": "Netto", "PaymentConditionNumberOfDays": 8,
            "ExternalReference": "ledgerlink:wo-1",
            "ProductLines": [{"Description": "Hour", "Quantity": 1, "AccountNumber": 1000,
                              "Unit": "hours", "BaseAmountValue": 12.5,
                              "LineType": "Product"}]})
    save_state(tmp_path / "book.json", spec.dump(emulator))
    restored = spec.build()
    spec.load(restored, load_state(tmp_path / "book.json"))
    assert spec.prepare(restored) == account
    assert spec.control(restored).state() == spec.control(emulator).state() | {
        "requests": 0, "faults": {"5xx": 0, "429": 0, "drop": 0}}
    assert spec.dump(restored) == spec.dump(emulator)


def test_a_document_pdf_is_a_valid_pdf_holding_its_text() -> None:
    """A document PDF is well formed, with a valid xref offset, and holds its text."""
    data = document_pdf("Invoice 1001", ["Total: 12.50 DKK", "Kunde: Søren Æbelø"])
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert b"Invoice 1001" in data and b"12.50 DKK" in data
    # The cross-reference table points at each object: a reader can open the file.
    offset = int(data[data.rindex(b"startxref") + 9:].split()[0])
    assert data[offset:offset + 4] == b"xref"
    assert b"/Type /Page" in data


# ---------------------------------------------------------------- registry


def test_the_registry_refuses_bad_and_taken_names() -> None:
    """The emulator registry refuses a taken name; a merge keeps its own and returns the clashes."""
    registry = EmulatorRegistry()
    registry.register(QUICKBOOKS)
    with pytest.raises(ValueError, match="already"):
        registry.register(QUICKBOOKS)
    other = EmulatorRegistry()
    other.register(QUICKBOOKS)
    other.register(DINERO)
    assert registry.merge(other) == ["quickbooks"]
    assert registry.names() == ["dinero", "quickbooks"]


class _ThirdParty:
    """A plugin adding an emulator of its own (the Dinero one under another name)."""

    @hookimpl
    def ledgerlink_register_emulators(self, registry: EmulatorRegistry) -> None:
        registry.register(attrs.evolve(DINERO, name="fiken"))


class _Broken:
    """A plugin whose emulator hook raises."""

    @hookimpl
    def ledgerlink_register_emulators(self, registry: EmulatorRegistry) -> None:
        raise RuntimeError("boom")


class _Thief:
    """A plugin registering a name the built-in QuickBooks plugin has."""

    @hookimpl
    def ledgerlink_register_emulators(self, registry: EmulatorRegistry) -> None:
        registry.register(attrs.evolve(DINERO, name="quickbooks"))


def test_plugins_add_emulators_and_a_broken_one_loses_only_its_own() -> None:
    """Plugins add emulators; a failing or name-stealing plugin is reported and skipped."""
    host = get_plugin_manager(plugins=[("third", _ThirdParty()), ("broken", _Broken()),
                                       ("thief", _Thief())])
    registry = host.emulators()
    assert {"dinero", "fiken", "quickbooks"} <= set(registry.names())
    assert registry.get("quickbooks") is QUICKBOOKS
    problems = {failure.plugin: failure.error for failure in host.failures}
    assert "boom" in problems["broken"]
    assert "quickbooks" in problems["thief"]
