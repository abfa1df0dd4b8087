"""Receiver lookups against the PEPPOL emulator served on 127.0.0.1 (real UDP DNS and real
HTTP): each answer a lookup can give, each failure it raises, the cache and the Directory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest

from ledgerlink.einvoice import smp
from ledgerlink.einvoice.emulator import Registration, ServedPeppol
from ledgerlink.einvoice.emulator.registrations import registrations_to_json
from ledgerlink.einvoice.kinds import DocumentKind
from ledgerlink.einvoice.lookup import LookupSettings, ReceiverLookup, parse_dns_address
from ledgerlink.einvoice.lookup_cache import LookupCache, MemoryLookupCache, SqliteLookupCache
from ledgerlink.einvoice.participants import participant_for
from ledgerlink.einvoice.receiver import AS4_PROFILE, Reachability, Source
from ledgerlink.emulation import Faults
from ledgerlink.errors import (
    LookupAnswerError,
    ReceiverLookupError,
    SmlUnavailableError,
    SmpUnavailableError,
)
from tests.ledgerlink.einvoice.support import DNS_TIMEOUT, START, Clock, served

READY = "0184:12345674"


@pytest.fixture(scope="module")
def serving() -> Iterator[ServedPeppol]:
    """One emulator on 127.0.0.1 for the module (a server takes half a second to stop)."""
    with served() as started:
        yield started


@pytest.fixture
def peppol(serving: ServedPeppol) -> ServedPeppol:
    """The served emulator reset to one ready DK participant, no faults, no requests."""
    emulator = serving.emulator
    emulator.load_json(registrations_to_json(emulator.zone, [Registration.of(
        READY, name="Nordisk VVS ApS", country="DK", activation=START - timedelta(days=30))]))
    emulator.smp_down = False
    emulator.dns_failure = None
    emulator.faults = Faults()
    emulator.requests.clear()
    return serving


def _lookup(peppol: ServedPeppol, clock: Clock | None = None, cache: LookupCache | None = None,
            **settings: object) -> ReceiverLookup:
    return ReceiverLookup(peppol.settings(dns_timeout=DNS_TIMEOUT, **settings),
                          clock=clock or Clock(), cache=cache)


def _asked(peppol: ServedPeppol) -> list[str]:
    return [unquote(request.path) for request in peppol.emulator.requests]


def test_a_registered_participant_gets_its_as4_endpoint(peppol: ServedPeppol) -> None:
    """DNS NAPTR → SMP service group → both documents' metadata: ready, with the endpoint."""
    with _lookup(peppol) as lookup:
        answer = lookup.lookup_number("DK 12 34 56 74", "DK")
    assert answer.can_receive_invoice and answer.can_receive_credit_note
    assert answer.smp_url == peppol.base_url
    assert answer.source is Source.SMP and not answer.cached
    endpoint = answer.invoice.endpoint
    assert endpoint is not None
    assert (endpoint.url, endpoint.transport_profile) == ("https://ap.example.test/as4",
                                                          AS4_PROFILE)
    assert endpoint.has_certificate and answer.invoice.signed
    assert set(answer.document_types) == {d.document_id for d in DocumentKind}
    assert _asked(peppol) == [
        "/iso6523-actorid-upis::0184:12345674",
        f"/iso6523-actorid-upis::0184:12345674/services/{DocumentKind.INVOICE.document_id}",
        f"/iso6523-actorid-upis::0184:12345674/services/{DocumentKind.CREDIT_NOTE.document_id}"]


def test_an_unregistered_participant_is_nxdomain_and_the_smp_is_not_asked(
        peppol: ServedPeppol) -> None:
    """A number the SML does not know is 'not registered' for both documents, from DNS alone."""
    with _lookup(peppol) as lookup:
        answer = lookup.lookup_number("10000009", "DK")
    assert answer.invoice.reachability is Reachability.NOT_REGISTERED
    assert answer.credit_note.reachability is Reachability.NOT_REGISTERED
    assert answer.smp_url is None and not answer.can_receive_invoice
    assert peppol.emulator.requests == []


def test_a_participant_registered_without_bis3_gets_404_on_the_document_type(
        peppol: ServedPeppol) -> None:
    """Registered for another document type only: the SMP's 404 on each BIS3 type is 'not
    supported', and the service group's own list is reported."""
    other = "busdox-docid-qns::urn:example:other::1.0"
    peppol.emulator.register("5561888404", "SE", documents=(), other_document_types=(other,))
    with _lookup(peppol) as lookup:
        answer = lookup.lookup_number("556188-8404", "SE")
    assert answer.invoice.reachability is Reachability.NOT_SUPPORTED
    assert answer.credit_note.reachability is Reachability.NOT_SUPPORTED
    assert answer.document_types == (other,)
    assert len(peppol.emulator.requests) == 3  # the group, then a 404 for each document


def test_only_the_credit_note_missing_is_answered_per_document(peppol: ServedPeppol) -> None:
    """A receiver with the invoice but not the credit note can receive one and not the other."""
    peppol.emulator.register("988077917", "NO", documents=("invoice",))
    with _lookup(peppol) as lookup:
        answer = lookup.lookup_number("NO988077917MVA", "NO")
    assert answer.can_receive_invoice and not answer.can_receive_credit_note
    assert answer.answer_for(DocumentKind.CREDIT_NOTE).reachability is Reachability.NOT_SUPPORTED


def test_an_expired_endpoint_cannot_receive_and_says_since_when(peppol: ServedPeppol) -> None:
    """An endpoint whose expiration date has passed is 'expired', not ready."""
    peppol.emulator.register("10000009", "DK", expiration=START - timedelta(days=1))
    with _lookup(peppol) as lookup:
        answer = lookup.lookup_number("10000009", "DK")
    assert answer.invoice.reachability is Reachability.EXPIRED
    assert "2026-05-31" in answer.invoice.reason
    assert not answer.can_receive_invoice and not answer.can_receive_credit_note


def test_an_endpoint_not_yet_active_is_not_ready(peppol: ServedPeppol) -> None:
    """An endpoint whose activation date is still to come is 'not yet active'."""
    peppol.emulator.register("10000009", "DK", activation=START + timedelta(days=2))
    with _lookup(peppol) as lookup:
        answer = lookup.lookup_number("10000009", "DK")
    assert answer.invoice.reachability is Reachability.NOT_YET_ACTIVE


def test_a_participant_the_smp_does_not_know_is_unknown_at_the_smp(peppol: ServedPeppol) -> None:
    """The SML points to an SMP that answers 404 for the service group."""
    peppol.emulator.register("5790000435975", scheme="gln", at_smp=False)
    with _lookup(peppol) as lookup:
        answer = lookup.lookup("0088:5790000435975")
    assert answer.invoice.reachability is Reachability.UNKNOWN_AT_SMP


def test_an_smp_that_cuts_the_connection_is_a_clear_retryable_error(
        peppol: ServedPeppol) -> None:
    """An SMP that is down raises SmpUnavailableError naming the participant and URL."""
    peppol.emulator.smp_down = True
    with _lookup(peppol) as lookup, pytest.raises(SmpUnavailableError) as failed:
        lookup.lookup(READY)
    assert failed.value.retryable
    assert failed.value.participant == f"iso6523-actorid-upis::{READY}"
    assert failed.value.url is not None and failed.value.url.startswith(peppol.base_url)
    assert "could not be reached" in str(failed.value)


def test_an_smp_nobody_listens_on_or_one_answering_5xx_is_unavailable(
        peppol: ServedPeppol) -> None:
    """Connection refused (the SML points to a closed port) and a 503 are both 'unavailable'."""
    peppol.emulator.register("10000009", "DK", smp_url="http://127.0.0.1:9")
    peppol.emulator.faults.fail_next(1, status=503)
    with _lookup(peppol) as lookup:
        with pytest.raises(SmpUnavailableError, match="HTTP 503"):
            lookup.lookup(READY)
        with pytest.raises(SmpUnavailableError, match=r"127\.0\.0\.1:9"):
            lookup.lookup("0184:10000009")


@pytest.mark.parametrize(("failure", "words"), [("servfail", "SERVFAIL"),
                                                 ("silent", "did not answer")])
def test_a_failing_sml_is_not_taken_for_unregistered(peppol: ServedPeppol, failure: str,
                                                     words: str) -> None:
    """SERVFAIL or no DNS answer at all raises SmlUnavailableError, never 'not registered'."""
    peppol.emulator.dns_failure = failure  # type: ignore[assignment]
    with _lookup(peppol) as lookup, pytest.raises(SmlUnavailableError, match=words):
        lookup.lookup(READY)


def test_a_plain_http_smp_elsewhere_than_loopback_is_refused(peppol: ServedPeppol) -> None:
    """PEPPOL SMPs answer on https: an http URL for another host is refused before any request."""
    peppol.emulator.register("10000009", "DK", smp_url="http://smp.example.org")
    with _lookup(peppol) as lookup, pytest.raises(LookupAnswerError, match="https"):
        lookup.lookup("0184:10000009")


def test_an_smp_answer_longer_than_the_limit_is_refused(peppol: ServedPeppol,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """An answer past MAX_ANSWER_BYTES is not read to the end but refused as unusable."""
    monkeypatch.setattr(smp, "MAX_ANSWER_BYTES", 200)
    with _lookup(peppol) as lookup, pytest.raises(LookupAnswerError, match="longer than 200"):
        lookup.lookup(READY)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_answers_are_cached_until_they_expire(peppol: ServedPeppol, tmp_path: Path,
                                              kind: str) -> None:
    """A second lookup within the lifetime asks nobody; after it, the SMP is asked again."""
    cache: LookupCache = (MemoryLookupCache() if kind == "memory"
                          else SqliteLookupCache(tmp_path / "lookups.db"))
    clock = Clock()
    with _lookup(peppol, clock, cache, answer_ttl=timedelta(hours=2)) as lookup:
        first = lookup.lookup(READY)
        asked = len(peppol.emulator.requests)
        clock.advance(timedelta(hours=1, minutes=59))
        again = lookup.lookup(READY)
        assert again.cached and again.invoice == first.invoice
        assert again.checked_at == first.checked_at
        assert len(peppol.emulator.requests) == asked
        clock.advance(timedelta(minutes=1))
        fresh = lookup.lookup(READY)
    assert not fresh.cached and fresh.checked_at == clock.now
    assert len(peppol.emulator.requests) == 2 * asked


def test_a_negative_answer_is_kept_for_less_time(peppol: ServedPeppol) -> None:
    """'Not registered' is kept for the shorter lifetime, so a new receiver is found soon."""
    clock = Clock()
    with _lookup(peppol, clock, MemoryLookupCache(), negative_ttl=timedelta(minutes=10)) as lookup:
        assert lookup.lookup("0184:10000009").invoice.reachability is Reachability.NOT_REGISTERED
        peppol.emulator.register("10000009", "DK")
        clock.advance(timedelta(minutes=9))
        assert lookup.lookup("0184:10000009").cached
        clock.advance(timedelta(minutes=1))
        assert lookup.lookup("0184:10000009").can_receive_invoice


def test_a_ready_answer_is_not_kept_past_its_endpoints_expiry(peppol: ServedPeppol) -> None:
    """An endpoint expiring within the lifetime ends the cached answer then."""
    expiring = START + timedelta(minutes=30)
    peppol.emulator.register("10000009", "DK", expiration=expiring)
    clock = Clock()
    with _lookup(peppol, clock, MemoryLookupCache()) as lookup:
        answer = lookup.lookup("0184:10000009")
        assert lookup.expiry(answer) == expiring
        clock.advance(timedelta(minutes=30))
        assert lookup.lookup("0184:10000009").invoice.reachability is Reachability.EXPIRED


def test_failures_are_not_cached(peppol: ServedPeppol) -> None:
    """A lookup that failed is asked again next time, and then answers."""
    peppol.emulator.smp_down = True
    with _lookup(peppol, cache=MemoryLookupCache()) as lookup:
        with pytest.raises(SmpUnavailableError):
            lookup.lookup(READY)
        peppol.emulator.smp_down = False
        assert lookup.lookup(READY).can_receive_invoice


def test_the_directory_answers_when_the_sml_cannot(peppol: ServedPeppol) -> None:
    """With the fallback on, a DNS failure for a participant on the Directory gives its card's
    answer (listed, never 'ready'); one not listed still raises the DNS failure."""
    peppol.emulator.register("10000009", "DK", in_directory=False)
    peppol.emulator.dns_failure = "servfail"
    with _lookup(peppol, directory_fallback=True) as lookup:
        answer = lookup.lookup(READY)
        assert answer.source is Source.DIRECTORY
        assert answer.invoice.reachability is Reachability.LISTED_IN_DIRECTORY
        assert answer.can_receive_invoice and answer.invoice.endpoint is None
        with pytest.raises(SmlUnavailableError):
            lookup.lookup("0184:10000009")


def test_every_failure_is_a_receiver_lookup_error(peppol: ServedPeppol) -> None:
    """Callers can catch the whole family at once."""
    peppol.emulator.smp_down = True
    with _lookup(peppol) as lookup, pytest.raises(ReceiverLookupError):
        lookup.lookup(READY)


def test_settings_read_the_environment_and_dns_addresses() -> None:
    """Zone and DNS server come from the environment; HOST:PORT is checked."""
    settings = LookupSettings.from_environment({"LEDGERLINK_PEPPOL_SML_ZONE": "test",
                                                "LEDGERLINK_PEPPOL_DNS": "127.0.0.1:5353"})
    assert (settings.sml_zone, settings.dns_server, settings.dns_port) == (
        "participant.sml.test.tech.peppol.org", "127.0.0.1", 5353)
    assert LookupSettings.from_environment({}).sml_zone == "participant.sml.prod.tech.peppol.org"
    assert parse_dns_address("10.0.0.1") == ("10.0.0.1", 53)
    for bad in ("dns.example.org:53", "127.0.0.1:0", "127.0.0.1:x"):
        with pytest.raises(ValueError, match=r"DNS server|port"):
            parse_dns_address(bad)
    assert participant_for("12345674", "DK").value == READY
