"""Recorded cassettes pin the Dinero wire format of each connector flow.

Each flow replays from a committed cassette (record mode ``none``): requests must
match the recording on method, path, query (``fields``, ``queryFilter``, paging)
and body, so any change to what the connector sends fails here. The cassettes are
recorded through the emulator served on 127.0.0.1 with
``LEDGERLINK_RECORD_CASSETTES=1``; secrets are scrubbed by the HTTP layer's hooks
and bodies compared after the same redaction (:mod:`ledgerlink.testing.cassettes`).

Everything the connector sends is fixed by the test: the organisation id, the
customer and work-order ids (so our GUIDs from ``keys.object_guid``), the
drafts' dates. Two values are moments of the run and compared by presence
only: ``changesSince`` and the credit note's ``Date`` (the connector dates a
credit note today).
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.request import Request

from ledgerlink import Address, Customer, InvoiceDraft, InvoiceLine
from ledgerlink.errors import NotFoundError
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.oauth import MemoryTokenStore, Token
from ledgerlink.http.redact import REDACTED
from ledgerlink.testing.cassettes import recorder, recording, stable_body, stable_query
from ledgerlink_dinero import DineroConnector
from ledgerlink_dinero.emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DineroEmulator
from ledgerlink_dinero.keys import object_guid
from ledgerlink_dinero.settings import PDF_ACCEPT, PDF_LINK_PLACEHOLDER, TOKEN_PATH

CASSETTES = Path(__file__).with_name("cassettes")
RECORD = recording()
ORGANISATION = "424242424"
#: Never contacted when replaying: vcrpy answers before any connection is made.
REPLAY_BASE = "http://127.0.0.1:9"
TOKEN_KEY = f"dinero:{ORGANISATION}"
#: Moments of the run, compared by presence only.
VOLATILE_QUERY = ("changesSince",)
VOLATILE_BODY = ("Date",)  # only where a credit note is created (dated today)
#: Headers that choose the answer (a PDF or JSON from one path) or say what the body is.
PINNED_HEADERS = ("Accept", "Content-Type")
CUSTOMER = Customer(id="cas-1", name="Kassette ApS", email="bogholderi@kassette.example",
                    address=Address("Vestergade 1", "8000", "Aarhus C", "DK"))
CONTACT_GUID = object_guid(ORGANISATION, "contact", CUSTOMER.id)
ISSUED = date(2026, 11, 22)
DUE = date(2026, 12, 22)


def _draft(key: str, *lines: InvoiceLine) -> InvoiceDraft:
    return InvoiceDraft(key, CUSTOMER.id, "DKK", ISSUED, DUE, list(lines) or [
        InvoiceLine("Vinduespudsning", Decimal(2), Decimal("400"), Decimal(25),
                    source_key="wo:WO-CAS-1")])


@contextmanager
def _book(name: str, *, revoke_access: bool = False, expired: bool = False,
          volatile_body: tuple[str, ...] = (), record: bool = RECORD,
          ) -> Iterator[tuple[DineroConnector, dict[str, Any]]]:
    """A connector replaying (or recording) the cassette ``name``, plus recording context.

    The context holds ``tokens`` (the token store), ``initial`` (the token
    document the connector starts with) and ``cassette``. ``revoke_access``
    makes the provider refuse the stored access token (the emulator expires
    it), so the first call gets a 401 and the token is refreshed; ``expired``
    stores the token as already expired, so it is refreshed before any call.
    ``record=False`` replays even while the other flows record.
    """
    expires_at = time.time() + (-60 if expired else 3600)
    tokens = MemoryTokenStore()
    context: dict[str, Any] = {"tokens": tokens}
    cassette_path = CASSETTES / name
    if not record and not cassette_path.exists():
        pytest.fail(f"cassette {name} is missing: record it with LEDGERLINK_RECORD_CASSETTES=1")
    cassette = recorder(cassette_path, record=record, volatile_query=VOLATILE_QUERY,
                        volatile_body=volatile_body, headers=PINNED_HEADERS)
    if record:
        emulator = DineroEmulator()
        emulator.add_organisation(ORGANISATION)
        tokens.save_token(TOKEN_KEY, {**Token.from_response(
            emulator.connect(ORGANISATION), now=time.time()).to_dict(), "expires_at": expires_at})
        if revoke_access:
            emulator.auth.expire_access_tokens()
        context["initial"] = tokens.load_token(TOKEN_KEY)
        with emulator.serve() as server, cassette as recorded:
            context["cassette"] = recorded
            with _connector(server.base_url, tokens) as book:
                yield book, context
        return
    tokens.save_token(TOKEN_KEY, {"access_token": "replayed", "refresh_token": "replayed",
                                  "expires_at": expires_at})
    context["initial"] = tokens.load_token(TOKEN_KEY)
    with cassette as replayed:
        context["cassette"] = replayed
        with _connector(REPLAY_BASE, tokens) as book:
            yield book, context


def _connector(base: str, tokens: MemoryTokenStore) -> DineroConnector:
    return DineroConnector(organisation_id=ORGANISATION, client_id=DEFAULT_CLIENT_ID,
                           client_secret=DEFAULT_CLIENT_SECRET, token_store=tokens,
                           base_url=base, limiters=LimiterRegistry())


def _sent(context: dict[str, Any], method: str, path_end: str) -> list[Request]:
    """The recorded requests ``method`` whose path ends with ``path_end``."""
    return [r for r in context["cassette"].requests
            if r.method == method and r.path.endswith(path_end)]


def _json(request: Request) -> Any:
    body = request.body
    return json.loads(body.decode() if isinstance(body, bytes) else body)


def _all_played(context: dict[str, Any]) -> None:
    assert RECORD or context["cassette"].all_played  # nothing plays while recording


# --- the flows ------------------------------------------------------------------------


def test_create_contact() -> None:
    """A contact is created with our ContactGuid, the customer id as ExternalReference
    and Dinero's required fields."""
    with _book("create_contact.yaml") as (book, context):
        assert book.create_customer(CUSTOMER) == CONTACT_GUID
        _all_played(context)
    (create,) = _sent(context, "POST", f"/v1/{ORGANISATION}/contacts")
    body = _json(create)
    assert (body["ContactGuid"], body["ExternalReference"], body["Name"], body["CountryKey"],
            body["IsPerson"]) == (CONTACT_GUID, CUSTOMER.id, "Kassette ApS", "DK", False)


def test_create_draft() -> None:
    """A draft carries our GUID, the key as ExternalReference, net unit prices and the
    payment condition; it reads back as an unbooked draft."""
    key = "inv:WO-CAS-1"
    with _book("create_draft.yaml") as (book, context):
        ref = book.create_customer(CUSTOMER)
        created = book.create_invoice(_draft(key), ref, {})
        assert created.provider_id == object_guid(ORGANISATION, "invoice", key)
        read = book.get_invoice(created.provider_id)
        assert (read.key, read.booked, read.number, read.total, read.line_keys) == (
            key, False, None, Decimal("1000.00"), ("wo:WO-CAS-1",))
        _all_played(context)
    (create,) = _sent(context, "POST", f"/v1/{ORGANISATION}/invoices")
    body = _json(create)
    assert (body["Date"], body["PaymentConditionType"], body["PaymentConditionNumberOfDays"],
            body["Currency"], body["ContactGuid"]) == (
        ISSUED.isoformat(), "Netto", 30, "DKK", CONTACT_GUID)


def test_add_lines_to_a_draft() -> None:
    """Adding work to an open draft is a full ProductLines update (v1.2) carrying the
    Timestamp just read: the first work's line is kept, the new one added."""
    with _book("add_lines.yaml") as (book, context):
        ref = book.create_customer(CUSTOMER)
        created = book.create_invoice(_draft("draft:cas-1:2026-11"), ref, {})
        more = InvoiceLine("Rensning af tagrender", Decimal(1), Decimal("300"), Decimal(25),
                           source_key="wo:WO-CAS-2")
        changed = book.replace_lines(created.provider_id, "wo:WO-CAS-2", [more], {})
        assert set(changed.line_keys) == {"wo:WO-CAS-1", "wo:WO-CAS-2"}
        assert changed.total == Decimal("1375.00")
        _all_played(context)
    (update,) = _sent(context, "PUT", f"/v1.2/{ORGANISATION}/invoices/{created.provider_id}")
    body = _json(update)
    assert body["Timestamp"]
    assert [line["Comments"] for line in body["ProductLines"]] == [
        "ledgerlink:wo:WO-CAS-1", "ledgerlink:wo:WO-CAS-2"]


def test_book() -> None:
    """Booking posts the draft's Timestamp to /book; the invoice gets its number."""
    with _book("book.yaml") as (book, context):
        ref = book.create_customer(CUSTOMER)
        created = book.create_invoice(_draft("inv:WO-CAS-1"), ref, {})
        booked = book.book(created.provider_id)
        assert booked.booked and booked.number
        _all_played(context)
    (posted,) = _sent(context, "POST", f"/invoices/{created.provider_id}/book")
    assert set(_json(posted)) == {"Timestamp"}


def test_email() -> None:
    """The booked invoice is emailed with a message holding Dinero's PDF link placeholder."""
    with _book("email.yaml") as (book, context):
        ref = book.create_customer(CUSTOMER)
        created = book.create_invoice(_draft("inv:WO-CAS-1"), ref, {})
        book.book(created.provider_id)
        book.send(created.provider_id)
        assert book.get_invoice(created.provider_id).sent
        _all_played(context)
    (mail,) = _sent(context, "POST", f"/invoices/{created.provider_id}/email")
    assert PDF_LINK_PLACEHOLDER in _json(mail)["Message"]


def test_pdf() -> None:
    """The booked invoice's PDF is the invoice GET with Accept: application/octet-stream."""
    with _book("pdf.yaml") as (book, context):
        ref = book.create_customer(CUSTOMER)
        created = book.create_invoice(_draft("inv:WO-CAS-1"), ref, {})
        book.book(created.provider_id)
        assert book.pdf(created.provider_id).startswith(b"%PDF")
        _all_played(context)
    reads = _sent(context, "GET", f"/invoices/{created.provider_id}")
    assert [r.headers.get("Accept") for r in reads][-1] == PDF_ACCEPT


def test_a_pdf_asked_for_as_json_fails_the_replay() -> None:
    """The PDF read differs from an invoice read only by its Accept header, which must
    match: the same GET asking for JSON is not answered with the recorded PDF."""
    guid = object_guid(ORGANISATION, "invoice", "inv:WO-CAS-1")
    url = f"{REPLAY_BASE}/v1/{ORGANISATION}/invoices/{guid}"
    with (recorder(CASSETTES / "pdf.yaml", record=False, headers=PINNED_HEADERS) as cassette,
          httpx.Client() as client):
        for _ in range(sum(r.path.endswith(guid) for r in cassette.requests) - 1):
            client.get(url, headers={"Accept": "application/json"})  # the JSON reads
        with pytest.raises(CannotOverwriteExistingCassetteException):
            client.get(url, headers={"Accept": "application/json"})
        assert client.get(url, headers={"Accept": PDF_ACCEPT}).content.startswith(b"%PDF")


def test_credit_note() -> None:
    """A booked credit note copies the invoice's lines and names it in CreditNoteFor."""
    key = "credit:inv:WO-CAS-C1"
    with _book("credit_note.yaml", volatile_body=VOLATILE_BODY) as (book, context):
        ref = book.create_customer(CUSTOMER)
        invoice = book.create_invoice(_draft("inv:WO-CAS-C1"), ref, {})
        book.book(invoice.provider_id)
        note = book.credit(invoice.provider_id, key)
        assert (note.provider_id, note.credit_for, note.total, note.booked) == (
            object_guid(ORGANISATION, "credit-note", key), invoice.provider_id,
            -invoice.total, True)
        _all_played(context)
    (create,) = _sent(context, "POST", f"/v1/{ORGANISATION}/sales/creditnotes")
    body = _json(create)
    assert (body["CreditNoteFor"], body["ExternalReference"]) == (invoice.provider_id, key)
    assert _sent(context, "POST", f"/sales/creditnotes/{note.provider_id}/book")


def test_delete_a_draft() -> None:
    """A draft is deleted with its Timestamp in the DELETE body; it is then gone."""
    with _book("delete.yaml") as (book, context):
        ref = book.create_customer(CUSTOMER)
        created = book.create_invoice(_draft("inv:WO-CAS-D1"), ref, {})
        book.delete(created.provider_id)
        with pytest.raises(NotFoundError):
            book.get_invoice(created.provider_id)
        _all_played(context)
    (delete,) = _sent(context, "DELETE", f"/invoices/{created.provider_id}")
    assert set(_json(delete)) == {"Timestamp"}


def test_change_feed_and_list() -> None:
    """Two list reads (changesSince, then deletedOnly) report a paid invoice and a
    deleted draft; the contact's invoices list by date range from page 0."""
    with _book("change_feed.yaml") as (book, context):
        ref = book.create_customer(CUSTOMER)
        paid = book.create_invoice(_draft("inv:WO-CAS-F1"), ref, {})
        gone = book.create_invoice(_draft("inv:WO-CAS-F2"), ref, {})
        book.book(paid.provider_id)
        book.register_payment(paid.provider_id, paid.total, ISSUED)
        book.delete(gone.provider_id)
        changes = book.changes(datetime.now(UTC) - timedelta(hours=1))
        assert [(i.provider_id, i.balance) for i in changes.invoices] == [
            (paid.provider_id, Decimal(0))]
        assert changes.deleted == (gone.provider_id,)
        listed = list(book.list_invoices(ref, ISSUED, DUE))
        assert [i.provider_id for i in listed] == [paid.provider_id]
        _all_played(context)
    feed = [dict(r.query) for r in _sent(context, "GET", f"/v1/{ORGANISATION}/invoices")
            if "changesSince" in dict(r.query)]
    assert [(q.get("deletedOnly"), q["page"]) for q in feed] == [(None, "0"), ("true", "0")]


def test_token_refresh_after_a_401() -> None:
    """A refused access token is refreshed once (grant_type=refresh_token), then the call
    is retried with the new bearer and the rotated tokens are saved."""
    with _book("token_refresh.yaml", revoke_access=True) as (book, context):
        assert book.create_customer(CUSTOMER) == CONTACT_GUID
        _all_played(context)
    saved = context["tokens"].load_token(TOKEN_KEY)
    assert saved is not None
    assert saved["access_token"] != context["initial"]["access_token"]
    assert saved["refresh_token"] != context["initial"]["refresh_token"]
    contacts = f"/v1/{ORGANISATION}/contacts"
    assert [(r.method, r.path) for r in context["cassette"].requests] == [
        ("POST", contacts), ("POST", TOKEN_PATH), ("POST", contacts)]
    assert [response["status"]["code"] for response in context["cassette"].responses] == [
        401, 200, 201]
    assert context["cassette"].requests[1].body == (
        f"grant_type=refresh_token&refresh_token={REDACTED}".encode())


def test_token_refresh_before_expiry() -> None:
    """An access token at its expiry is refreshed before the call, which then goes once."""
    with _book("token_refresh_expiry.yaml", expired=True) as (book, context):
        assert book.create_customer(CUSTOMER) == CONTACT_GUID
        _all_played(context)
    saved = context["tokens"].load_token(TOKEN_KEY)
    assert saved is not None
    assert saved["refresh_token"] != context["initial"]["refresh_token"]
    assert saved["expires_at"] > time.time() + 1000
    assert [(r.method, r.path) for r in context["cassette"].requests] == [
        ("POST", TOKEN_PATH), ("POST", f"/v1/{ORGANISATION}/contacts")]


# --- replay is strict where it must be, loose where the run decides ------------------


def test_a_changed_contact_body_fails_the_replay() -> None:
    """Replay answers only what was recorded: another contact body is refused by vcrpy."""
    renamed = Customer(id=CUSTOMER.id, name="Another Name ApS", email=CUSTOMER.email,
                       address=CUSTOMER.address)
    with (pytest.raises(CannotOverwriteExistingCassetteException),
          _book("create_contact.yaml", record=False) as (book, _)):
        book.create_customer(renamed)


def _feed_request(query: str) -> Request:
    return Request("GET", f"{REPLAY_BASE}/v1/{ORGANISATION}/invoices?{query}", b"", {})


RECORDED_FEED = _feed_request("changesSince=2026-11-23T00:00:00Z&page=0&pageSize=1000")
MOMENTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1),
                       timezones=st.just(UTC))


@given(MOMENTS)
def test_any_changes_since_moment_matches_the_recorded_feed(moment: datetime) -> None:
    """``changesSince`` is a moment of the run: its value is not compared."""
    since = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    stable_query(VOLATILE_QUERY)(
        _feed_request(f"changesSince={since}&page=0&pageSize=1000"), RECORDED_FEED)


@given(MOMENTS, st.sampled_from([
    "page=0&pageSize=1000",                            # changesSince left out
    "changesSince={s}&page=1&pageSize=1000",           # another page
    "changesSince={s}&page=0&pageSize=1000&deletedOnly=true",  # a parameter added
]))
def test_a_changed_feed_query_does_not_match(moment: datetime, query: str) -> None:
    """Whatever the moment, a missing changesSince or any other change is a mismatch."""
    since = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    with pytest.raises(AssertionError):
        stable_query(VOLATILE_QUERY)(_feed_request(query.format(s=since)), RECORDED_FEED)


def _note_request(body: dict[str, Any]) -> Request:
    return Request("POST", f"{REPLAY_BASE}/v1/{ORGANISATION}/sales/creditnotes",
                   json.dumps(body), {"Content-Type": "application/json"})


RECORDED_NOTE = {"CreditNoteFor": "g-1", "Date": "2026-11-23", "Currency": "DKK"}


@given(st.dates())
def test_a_credit_note_of_any_day_matches(day: date) -> None:
    """The credit note's Date is today's: only its presence is compared."""
    stable_body(VOLATILE_BODY)(_note_request({**RECORDED_NOTE, "Date": day.isoformat()}),
                               _note_request(RECORDED_NOTE))


@given(st.dates(), st.sampled_from(["CreditNoteFor", "Currency", "Date"]))
def test_a_credit_note_with_another_field_changed_does_not_match(day: date,
                                                                 field: str) -> None:
    """Any other field changed, or the Date left out, is a mismatch."""
    changed: dict[str, Any] = {**RECORDED_NOTE, "Date": day.isoformat()}
    if field == "Date":
        del changed["Date"]
    else:
        changed[field] = "other"
    with pytest.raises(AssertionError):
        stable_body(VOLATILE_BODY)(_note_request(changed), _note_request(RECORDED_NOTE))


def test_replaying_the_refresh_with_another_grant_type_fails() -> None:
    """Through vcrpy itself: the recorded refresh answers only a refresh_token grant,
    whatever refresh token is sent."""
    credentials = (DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    with (recorder(CASSETTES / "token_refresh_expiry.yaml", record=False),
          httpx.Client() as client):
        good = client.post(REPLAY_BASE + TOKEN_PATH, auth=credentials, data={
            "grant_type": "refresh_token", "refresh_token": "ANY-VALUE"})
        assert good.json()["access_token"] == REDACTED
        with pytest.raises(CannotOverwriteExistingCassetteException):
            client.post(REPLAY_BASE + TOKEN_PATH, auth=credentials, data={
                "grant_type": "client_credentials", "refresh_token": "ANY-VALUE"})


FLOWS = {"token_refresh.yaml", "token_refresh_expiry.yaml", "create_contact.yaml",
         "create_draft.yaml", "add_lines.yaml", "book.yaml", "email.yaml", "pdf.yaml",
         "credit_note.yaml", "delete.yaml", "change_feed.yaml"}


def test_cassettes_hold_no_secrets() -> None:
    """No bearer token, refresh token, client credential or code appears in any cassette."""
    basic = base64.b64encode(f"{DEFAULT_CLIENT_ID}:{DEFAULT_CLIENT_SECRET}".encode()).decode()
    texts = {path.name: path.read_text() for path in CASSETTES.glob("*.yaml")}
    assert set(texts) == FLOWS
    for name, text in texts.items():
        assert "eyJdinero." not in text, name  # the emulator's access tokens, anywhere
        assert "Bearer " not in text.replace(f"Bearer {REDACTED}", ""), name
        assert DEFAULT_CLIENT_SECRET not in text, name
        assert basic not in text, name
        assert not re.search(r"[0-9A-F]{64}", text), name  # the emulator's refresh tokens
    for name in ("token_refresh.yaml", "token_refresh_expiry.yaml"):
        refresh = " ".join(texts[name].split())  # YAML folds long strings
        assert f"refresh_token={REDACTED}" in refresh
        assert f'"access_token": "{REDACTED}"' in refresh
        assert f'"refresh_token": "{REDACTED}"' in refresh
