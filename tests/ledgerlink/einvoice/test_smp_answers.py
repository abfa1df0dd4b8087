"""The official SMP and Directory samples read as expected, the receiver is judged by the
rules (process, AS4 v2, certificate, dates), and hostile XML is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import attrs
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest

from ledgerlink.einvoice.directory import directory_answer, parse_search
from ledgerlink.einvoice.kinds import DocumentKind
from ledgerlink.einvoice.participants import ParticipantId
from ledgerlink.einvoice.receiver import AS4_PROFILE, BILLING_PROCESS, Reachability
from ledgerlink.einvoice.sml import smp_url_from_naptr
from ledgerlink.einvoice.smp import judge_service
from ledgerlink.einvoice.smp_xml import (
    ServiceInformation,
    SmpXmlError,
    parse_service_group,
    parse_signed_service_metadata,
)
from tests.ledgerlink.einvoice.support import sample

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _information(name: str) -> ServiceInformation:
    found = parse_signed_service_metadata(sample(name).read_bytes())
    assert isinstance(found, ServiceInformation)
    return found


def test_the_empty_phoss_service_group_names_its_participant_and_no_documents() -> None:
    """phoss-smp's service group sample: participant 9915:xxx, an empty collection."""
    group = parse_service_group(sample("servicegroup-empty.phoss-smp.xml").read_bytes())
    assert group.participant == "iso6523-actorid-upis::9915:xxx"
    assert group.document_types == ()


def test_service_group_hrefs_are_read_as_decoded_document_type_ids() -> None:
    """The constructed sample's two percent-encoded hrefs are the BIS3 invoice and credit note."""
    group = parse_service_group(sample("servicegroup-with-refs.constructed.xml").read_bytes())
    assert group.participant == "iso6523-actorid-upis::0184:12345678"
    assert group.document_types == (DocumentKind.INVOICE.document_id,
                                    DocumentKind.CREDIT_NOTE.document_id)


def test_the_phoss_bis3_metadata_is_a_ready_as4_endpoint() -> None:
    """phoss-smp's BIS3 service metadata: billing process, AS4 v2 endpoint, certificate present,
    no dates (so always active), unsigned (it is what is PUT, not what GET answers)."""
    information = _information("servicemetadata-bis3-as4.phoss-smp.xml")
    assert information.document_type == DocumentKind.INVOICE.document_id
    assert not information.signed
    answer = judge_service(DocumentKind.INVOICE, information, NOW)
    assert answer.reachability is Reachability.READY
    assert answer.process == BILLING_PROCESS
    assert answer.endpoint is not None
    assert answer.endpoint.url == "http://test.smpserver/as4"
    assert answer.endpoint.transport_profile == AS4_PROFILE
    assert answer.endpoint.certificate == "blacert"
    assert answer.endpoint.description == "Unit test service"


def test_the_real_signed_econnect_answer_is_signed_dated_and_not_bis3() -> None:
    """The 2018 eConnect production answer: signed, two endpoints (AS2 and AS4) with dates and
    certificates, but an old SimplerInvoicing process, so no BIS3 endpoint is usable."""
    information = _information("signed-service-metadata.real-econnect.peppol-commons.xml")
    assert information.signed
    assert information.participant == "iso6523-actorid-upis::0106:55872255"
    (process,) = information.processes
    assert process.process_id == "cenbii-procid-ubl::urn:www.cenbii.eu:profile:bii04:ver1.0"
    as2, as4 = process.endpoints
    assert (as2.transport_profile, as4.transport_profile) == ("busdox-transport-as2-ver1p0",
                                                              AS4_PROFILE)
    assert as4.url == "https://ap.econnect.eu/as4/v1"
    assert as4.activation == datetime(2018, 8, 15, tzinfo=UTC)
    assert as4.expiration == datetime(2020, 8, 4, 23, 59, 59, tzinfo=UTC)
    assert as4.has_certificate and as4.certificate.startswith("MIIFvDCCA6SgAwIBAgIQ")
    judged = judge_service(DocumentKind.INVOICE, information, NOW)
    assert judged.reachability is Reachability.NO_USABLE_ENDPOINT
    assert "bii04" in judged.reason and judged.signed


def test_endpoint_dates_decide_between_ready_expired_and_not_yet_active() -> None:
    """The same BIS3 endpoint is expired after its expiration date, waiting before its
    activation, and ready in between."""
    information = _information("signed-service-metadata.real-econnect.peppol-commons.xml")
    (process,) = information.processes
    bis3 = attrs.evolve(information, processes=(attrs.evolve(
        process, process_id=f"cenbii-procid-ubl::{BILLING_PROCESS}"),))
    during = judge_service(DocumentKind.INVOICE, bis3, datetime(2019, 1, 1, tzinfo=UTC))
    after = judge_service(DocumentKind.INVOICE, bis3, NOW)
    before = judge_service(DocumentKind.INVOICE, bis3, datetime(2018, 1, 1, tzinfo=UTC))
    assert during.reachability is Reachability.READY
    assert during.endpoint is not None and during.endpoint.url == "https://ap.econnect.eu/as4/v1"
    assert after.reachability is Reachability.EXPIRED and "2020-08-04" in after.reason
    assert before.reachability is Reachability.NOT_YET_ACTIVE and "2018-08-15" in before.reason


def test_an_as4_endpoint_without_a_certificate_is_not_usable() -> None:
    """A BIS3 AS4 endpoint the SMP gives without a certificate cannot be sent to."""
    information = _information("servicemetadata-bis3-as4.phoss-smp.xml")
    (process,) = information.processes
    (endpoint,) = process.endpoints
    bare = attrs.evolve(information, processes=(attrs.evolve(
        process, endpoints=(attrs.evolve(endpoint, certificate=""),)),))
    judged = judge_service(DocumentKind.INVOICE, bare, NOW)
    assert judged.reachability is Reachability.NO_USABLE_ENDPOINT
    assert "certificate" in judged.reason


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
    b'<smp:ServiceGroup xmlns:smp="http://busdox.org/serviceMetadata/publishing/1.0/">&b;'
    b"</smp:ServiceGroup>",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    b"<smp:ServiceGroup",
    b"<html><body>Welcome</body></html>",
])
def test_entities_dtds_and_other_documents_are_refused(body: bytes) -> None:
    """Entity declarations (expansion, local files), broken XML and other documents are refused."""
    with pytest.raises(SmpXmlError):
        parse_service_group(body)


@pytest.mark.parametrize(("records", "url"), [
    (['100 10 "U" "Meta:SMP" "!^.*$!https://smp.example.org!" .'], "https://smp.example.org"),
    (['100 10 "U" "Meta:SMP" "!^.*$!https://b.example!" .',
      '90 10 "U" "Meta:SMP" "!^.*$!https://a.example/smp/!" .'], "https://a.example/smp"),
    (['100 10 "U" "Meta:SMP" "!^(.*)$!https://x.example/\\\\1!" .'],
     "https://x.example/name.zone"),
    (['100 10 "U" "Meta:Other" "!^.*$!https://other.example!" .'], None),
    (['100 10 "S" "Meta:SMP" "" _smp._tcp.example.org.'], None),
])
def test_the_meta_smp_u_naptr_record_with_the_lowest_order_gives_the_smp(
        records: list[str], url: str | None) -> None:
    """Only flag-U, Meta:SMP records count; the lowest order wins; back-references expand."""
    parsed = [dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.NAPTR, text)
              for text in records]
    assert smp_url_from_naptr(parsed, "name.zone") == url  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["directory-search-response.docs-example.json",
                                  "directory-search-response.code-shape.constructed.json"])
def test_directory_answers_are_read_whichever_shape_the_name_has(name: str) -> None:
    """The documentation's example (name as text) and the server code's shape (names as a list)
    both give participants, document types and entity names."""
    matches = parse_search(json.loads(sample(name).read_text(encoding="utf-8")))
    first = matches[0]
    assert first.participant.startswith("iso6523-actorid-upis::")
    assert first.entities[0].name in ("Austrian Government", "Example ApS")
    assert all(document.startswith("busdox-docid-qns::") for document in first.document_types)
    if name.startswith("directory-search-response.docs"):
        assert [m.participant for m in matches] == ["iso6523-actorid-upis::9915:test",
                                                    "iso6523-actorid-upis::9915:digit_test"]
        assert [e.name for e in matches[1].entities][1] == "Second entity name"
        assert matches[1].document_types == ()
    else:
        assert first.entities[0].identifiers == (("DK:CVR", "12345678"),)
        answer = directory_answer(ParticipantId("0184", "12345678"), matches, NOW)
        assert answer is not None
        assert answer.invoice.reachability is Reachability.LISTED_IN_DIRECTORY
        assert answer.credit_note.reachability is Reachability.NOT_SUPPORTED
