"""Recorded cassettes pin the QuickBooks wire format of each connector flow.

Each flow replays from a committed cassette (record mode ``none``): requests must
match the recording on method, path, query (minorversion, requestid...) and body,
so any change to what the connector sends fails here. Secrets are scrubbed from
every cassette by the HTTP layer's hooks. To re-record against the emulator
(served on 127.0.0.1), run with ``LEDGERLINK_RECORD_CASSETTES=1``.

Bodies are compared by :func:`scrubbed_body`: both sides pass through the same
redaction as the recording did, so a secret that differs on every run (the
emulator's random refresh tokens) still matches, while the rest of the wire
format (``grant_type``, which fields are present) must not change. Like vcrpy's
``body`` matcher, form and JSON bodies compare as parsed (field order is free).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr
from hypothesis import given
from hypothesis import strategies as st
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.request import Request

from ledgerlink import Address, Customer, InvoiceDraft, InvoiceLine
from ledgerlink.connector import BatchItem
from ledgerlink.errors import NotFoundError
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.oauth import MemoryTokenStore, Token
from ledgerlink.http.redact import REDACTED
from ledgerlink.testing.cassettes import recorder, recording, scrubbed_body, stable_query
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    QuickBooksEmulator,
)

CASSETTES = Path(__file__).with_name("cassettes")
RECORD = recording()
#: The change feed's moment of the run, compared by presence only.
VOLATILE_QUERY = ("changedSince",)
REALM = "4620816365"
#: Never contacted when replaying: vcrpy answers before any connection is made.
REPLAY_BASE = "http://127.0.0.1:9"
TOKEN_KEY = f"quickbooks:{REALM}"
TOKEN_PATH = "/oauth2/v1/tokens/bearer"
CUSTOMER = Customer(id="cas-1", name="Cassette Customer", email="ap@cassette.example",
                    currency="USD", address=Address("1 Main St", "94043", "Mountain View",
                                                    "US"))


def _draft(key: str) -> InvoiceDraft:
    return InvoiceDraft(key, CUSTOMER.id, "USD", date(2026, 11, 22), date(2026, 12, 22),
                        [InvoiceLine("Repair", Decimal(2), Decimal("95"), Decimal(0),
                                     source_key="wo:WO-CAS-1")])


@contextmanager
def _book(name: str, *, revoke_access: bool = False, expired: bool = False,
          ) -> Iterator[tuple[QuickBooksConnector, dict[str, Any]]]:
    """A connector replaying (or recording) the cassette ``name``, plus recording context.

    The context holds ``tokens`` (the token store), ``initial`` (the token
    document the connector starts with) and ``cassette``. ``revoke_access``
    makes the provider refuse the stored access token (the emulator expires
    it), so the first call gets a 401 and the token is refreshed; ``expired``
    stores the token as already expired, so it is refreshed before any call.
    """
    expires_at = time.time() + (-60 if expired else 3600)
    tokens = MemoryTokenStore()
    context: dict[str, Any] = {"tokens": tokens}
    if RECORD:
        emulator = QuickBooksEmulator()
        emulator.add_realm(REALM, home_currency="USD")
        context["item"] = emulator.seed(REALM, "Item", {"Name": "Services", "Type": "Service"})
        tokens.save_token(TOKEN_KEY, {**Token.from_response(
            emulator.connect(REALM), now=time.time()).to_dict(), "expires_at": expires_at})
        if revoke_access:
            emulator.auth.expire_access_tokens()
        context["initial"] = tokens.load_token(TOKEN_KEY)
        with (emulator.serve() as server,
              recorder(CASSETTES / name, record=RECORD, volatile_query=VOLATILE_QUERY) as cassette):
            context["cassette"] = cassette
            yield _connector(server.base_url, tokens), context
        return
    if not (CASSETTES / name).exists():
        pytest.fail(f"cassette {name} is missing: record it with LEDGERLINK_RECORD_CASSETTES=1")
    tokens.save_token(TOKEN_KEY, {"access_token": "replayed", "refresh_token": "replayed",
                                  "expires_at": expires_at})
    context["initial"] = tokens.load_token(TOKEN_KEY)
    with recorder(CASSETTES / name, record=RECORD, volatile_query=VOLATILE_QUERY) as cassette:
        context["cassette"] = cassette
        yield _connector(REPLAY_BASE, tokens), context


def _connector(base: str, tokens: MemoryTokenStore) -> QuickBooksConnector:
    # The default item is the emulator's first Item id in a fresh realm.
    return QuickBooksConnector(realm_id=REALM, client_id=DEFAULT_CLIENT_ID,
                               client_secret=DEFAULT_CLIENT_SECRET, token_store=tokens,
                               base_url=base, default_item="1", limiters=LimiterRegistry())


def test_create_customer() -> None:
    """Creating a customer sends the recorded Customer body and reads its Id back."""
    with _book("create_customer.yaml") as (book, _):
        assert book.create_customer(CUSTOMER)


def test_create_invoice_send_and_pdf() -> None:
    """Create, send and download: the invoice is numbered by the work order and sent."""
    with _book("invoice_send_pdf.yaml") as (book, _):
        ref = book.create_customer(CUSTOMER)
        invoice = book.create_invoice(_draft("inv:WO-CAS-1"), ref, {})
        assert invoice.number == "WO-CAS-1"
        assert invoice.total == Decimal("190.00")
        book.send(invoice.provider_id)
        assert book.get_invoice(invoice.provider_id).sent
        assert book.pdf(invoice.provider_id).startswith(b"%PDF")


def test_void_and_delete() -> None:
    """Void zeroes and marks one invoice; delete removes another."""
    with _book("void_delete.yaml") as (book, _):
        ref = book.create_customer(CUSTOMER)
        first = book.create_invoice(_draft("inv:WO-CAS-1"), ref, {})
        assert book.void(first.provider_id).voided
        second = book.create_invoice(_draft("inv:WO-CAS-2"), ref, {})
        book.delete(second.provider_id)


def test_batch_create() -> None:
    """Three invoices in one /batch request; the one naming an unknown Item fails alone."""
    with _book("batch_create.yaml") as (book, _):
        ref = book.create_customer(CUSTOMER)
        drafts = [_draft(f"inv:WO-CAS-B{i}") for i in range(3)]
        broken = InvoiceDraft("inv:WO-CAS-B9", CUSTOMER.id, "USD", date(2026, 11, 22),
                              date(2026, 12, 22), [InvoiceLine(
                                  "Ghost", Decimal(1), Decimal(5), Decimal(0),
                                  product_id="ghost", source_key="wo:WO-CAS-B9")])
        results = book.create_invoices(
            [BatchItem(drafts[0], ref), BatchItem(broken, ref), BatchItem(drafts[1], ref),
             BatchItem(drafts[2], ref)], {"ghost": "999999"})
        assert [getattr(r, "number", None) for r in results] == [
            "WO-CAS-B0", None, "WO-CAS-B1", "WO-CAS-B2"]
        assert isinstance(results[1], NotFoundError) and results[1].code == "610"


def test_change_feed() -> None:
    """One /cdc call reports a paid invoice and a deleted one."""
    with _book("change_feed.yaml") as (book, _):
        ref = book.create_customer(CUSTOMER)
        paid = book.create_invoice(_draft("inv:WO-CAS-F1"), ref, {})
        gone = book.create_invoice(_draft("inv:WO-CAS-F2"), ref, {})
        book.register_payment(paid.provider_id, paid.total, date(2026, 11, 22))
        book.delete(gone.provider_id)
        changes = book.changes(datetime.now(UTC) - timedelta(hours=1))
        assert [(i.provider_id, i.balance) for i in changes.invoices] == [
            (paid.provider_id, Decimal(0))]
        assert changes.deleted == (gone.provider_id,)


def test_credit_note() -> None:
    """A CreditMemo copies the invoice, is applied to it by a Payment of 0, and is keyed."""
    with _book("credit_note.yaml") as (book, _):
        ref = book.create_customer(CUSTOMER)
        invoice = book.create_invoice(_draft("inv:WO-CAS-C1"), ref, {})
        note = book.credit(invoice.provider_id, "credit:inv:WO-CAS-C1")
        assert (note.number, note.total, note.credit_for) == (
            "WO-CAS-C1-C", -invoice.total, invoice.provider_id)
        assert book.get_invoice(invoice.provider_id).balance == 0


def test_token_refresh_after_a_401() -> None:
    """A refused access token is refreshed once (grant_type=refresh_token), then the call
    is retried with the new bearer and the rotated tokens are saved."""
    with _book("token_refresh.yaml", revoke_access=True) as (book, context):
        assert book.create_customer(CUSTOMER)
        assert RECORD or context["cassette"].all_played  # nothing plays while recording
    saved = context["tokens"].load_token(TOKEN_KEY)
    assert saved is not None
    assert saved["access_token"] != context["initial"]["access_token"]
    assert saved["refresh_token"] != context["initial"]["refresh_token"]
    requests = context["cassette"].requests
    assert [(r.method, r.path) for r in requests] == [
        ("POST", f"/v3/company/{REALM}/customer"), ("POST", TOKEN_PATH),
        ("POST", f"/v3/company/{REALM}/customer")]
    assert [status["code"] for status in
            (response["status"] for response in context["cassette"].responses)] == [
        401, 200, 200]
    assert requests[1].body == f"grant_type=refresh_token&refresh_token={REDACTED}".encode()


def test_token_refresh_before_expiry() -> None:
    """An access token at its expiry is refreshed before the call, which then goes once."""
    with _book("token_refresh_expiry.yaml", expired=True) as (book, context):
        assert book.create_customer(CUSTOMER)
        assert RECORD or context["cassette"].all_played
    saved = context["tokens"].load_token(TOKEN_KEY)
    assert saved is not None
    assert saved["refresh_token"] != context["initial"]["refresh_token"]
    assert saved["expires_at"] > time.time() + 3000
    assert [(r.method, r.path) for r in context["cassette"].requests] == [
        ("POST", TOKEN_PATH), ("POST", f"/v3/company/{REALM}/customer")]


def _token_request(body: str) -> Request:
    return Request("POST", REPLAY_BASE + TOKEN_PATH, body,
                   {"Content-Type": "application/x-www-form-urlencoded"})


RECORDED_REFRESH = _token_request(f"grant_type=refresh_token&refresh_token={REDACTED}")
TOKENS = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~",
                 min_size=1, max_size=64)


@given(TOKENS)
def test_any_refresh_token_matches_the_recorded_refresh(token: str) -> None:
    """The refresh token's value is a secret that changes on every run: it is not compared."""
    scrubbed_body(_token_request(f"grant_type=refresh_token&refresh_token={token}"),
                  RECORDED_REFRESH)


@given(TOKENS, st.sampled_from([
    "grant_type=authorization_code&refresh_token={t}",   # another grant
    "grant_type=refresh_token",                          # the token left out
    "grant_type=refresh_token&refresh_token={t}&scope=x",  # a field added
]))
def test_a_changed_token_request_does_not_match(token: str, body: str) -> None:
    """Another grant, a missing or an extra field is a mismatch, whatever the token."""
    with pytest.raises(AssertionError):
        scrubbed_body(_token_request(body.format(t=token)), RECORDED_REFRESH)


def test_replaying_the_refresh_with_another_grant_type_fails() -> None:
    """Through vcrpy itself: the recorded refresh answers only a refresh_token grant."""
    strict = vcr.VCR(record_mode="none", match_on=["method", "path", "query", "scrubbed_body"])
    strict.register_matcher("scrubbed_body", scrubbed_body)
    strict.register_matcher("stable_query", stable_query(VOLATILE_QUERY))
    credentials = (DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    with strict.use_cassette(str(CASSETTES / "token_refresh.yaml")), httpx.Client() as client:
        good = client.post(REPLAY_BASE + TOKEN_PATH, auth=credentials, data={
            "grant_type": "refresh_token", "refresh_token": "RT1-any-value"})
        assert good.json()["access_token"] == REDACTED
        with pytest.raises(CannotOverwriteExistingCassetteException):
            client.post(REPLAY_BASE + TOKEN_PATH, auth=credentials, data={
                "grant_type": "client_credentials", "refresh_token": "RT1-any-value"})


def test_cassettes_hold_no_secrets() -> None:
    """No bearer token, refresh token, client credential or code appears in any cassette."""
    basic = base64.b64encode(f"{DEFAULT_CLIENT_ID}:{DEFAULT_CLIENT_SECRET}".encode()).decode()
    texts = {path.name: path.read_text() for path in CASSETTES.glob("*.yaml")}
    assert texts, "cassettes are committed"
    assert {"token_refresh.yaml", "token_refresh_expiry.yaml"} <= set(texts)
    for text in texts.values():
        assert "Bearer ey" not in text
        assert "eyJemu." not in text  # the emulator's access tokens, anywhere
        assert DEFAULT_CLIENT_SECRET not in text
        assert basic not in text
        assert "RT1-" not in text  # the emulator's refresh tokens
    for refresh in (texts["token_refresh.yaml"], texts["token_refresh_expiry.yaml"]):
        assert f"refresh_token={REDACTED}" in refresh
        assert f'"access_token": "{REDACTED}"' in refresh
        assert f'"refresh_token": "{REDACTED}"' in refresh
