"""The PEPPOL emulator itself: participants from JSON, its DNS answers as a resolver sees them,
the SMP's XML and 404s, and the Directory's search filters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import httpx
import pytest

from ledgerlink.einvoice.emulator import PeppolEmulator, Registration, ServedPeppol
from ledgerlink.einvoice.emulator.served import SAMPLE_PARTICIPANTS
from ledgerlink.einvoice.kinds import DocumentKind
from ledgerlink.einvoice.participants import ParticipantId
from ledgerlink.einvoice.sml import naptr_name, smp_url_from_naptr
from ledgerlink.einvoice.smp_xml import parse_service_group, parse_signed_service_metadata
from ledgerlink.emulation import save_state
from tests.ledgerlink.einvoice.support import served

PARTICIPANT = ParticipantId("0184", "12345674")


@pytest.fixture(scope="module")
def peppol() -> Iterator[ServedPeppol]:
    """The sample participants served on 127.0.0.1."""
    with served(PeppolEmulator(SAMPLE_PARTICIPANTS)) as serving:
        yield serving


def _ask(peppol: ServedPeppol, name: str, rdtype: dns.rdatatype.RdataType
         ) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype)
    return dns.query.udp(query, peppol.dns_host, port=peppol.dns_port, timeout=2)


def test_participants_round_trip_through_a_json_file(tmp_path: Path) -> None:
    """Registrations written with to_json (as --state keeps them) read back the same."""
    emulator = PeppolEmulator(SAMPLE_PARTICIPANTS, zone="sml.example.org")
    path = tmp_path / "participants.json"
    save_state(path, emulator.to_json())
    again = PeppolEmulator.from_file(path)
    assert again.zone == "sml.example.org"
    assert again.registrations == list(SAMPLE_PARTICIPANTS)


def test_a_hand_written_file_needs_only_the_ids() -> None:
    """A participant entry may be its id alone; a bad entry is named by its index."""
    emulator = PeppolEmulator()
    emulator.load_json({"participants": [{"id": "0007:5561888404"},
                                         {"id": "0184:12345674", "documents": ["invoice"],
                                          "expiration": "2030-01-01T00:00:00+00:00"}]})
    first, second = emulator.registrations
    assert first.documents == (DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE)
    assert second.documents == (DocumentKind.INVOICE,)
    assert second.expiration == datetime(2030, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match=r"participants\[1\]"):
        emulator.load_json({"participants": [{"id": "0184:12345674"}, {"name": "no id"}]})


def test_the_sml_answers_a_u_naptr_record_pointing_to_the_smp(peppol: ServedPeppol) -> None:
    """A registered participant's name has one Meta:SMP U-NAPTR record giving the SMP's URL."""
    name = naptr_name(PARTICIPANT, peppol.emulator.zone)
    response = _ask(peppol, name, dns.rdatatype.NAPTR)
    assert response.rcode() == dns.rcode.NOERROR
    (rrset,) = response.answer
    assert smp_url_from_naptr(list(rrset), name) == peppol.base_url  # type: ignore[arg-type]


def test_the_sml_says_nxdomain_in_its_zone_and_refuses_other_zones(peppol: ServedPeppol) -> None:
    """Unknown names in the zone are NXDOMAIN; names outside it REFUSED; other types empty."""
    unknown = naptr_name(ParticipantId("0184", "10000017"), peppol.emulator.zone)
    assert _ask(peppol, unknown, dns.rdatatype.NAPTR).rcode() == dns.rcode.NXDOMAIN
    elsewhere = naptr_name(PARTICIPANT, "example.org")
    assert _ask(peppol, elsewhere, dns.rdatatype.NAPTR).rcode() == dns.rcode.REFUSED
    known = naptr_name(PARTICIPANT, peppol.emulator.zone)
    other_type = _ask(peppol, known, dns.rdatatype.A)
    assert other_type.rcode() == dns.rcode.NOERROR and other_type.answer == []


def test_the_smp_serves_the_group_and_metadata_and_404s_the_rest(peppol: ServedPeppol) -> None:
    """The service group lists the documents with hrefs that fetch their metadata; a document
    type not registered, an unknown participant and a write are refused."""
    with httpx.Client(base_url=peppol.base_url) as http:
        group = http.get(f"/{PARTICIPANT.percent_encoded()}")
        assert group.status_code == 200
        read = parse_service_group(group.content)
        assert read.document_types == tuple(d.document_id for d in DocumentKind)
        href = group.text.split('href="')[1].split('"')[0]
        metadata = parse_signed_service_metadata(http.get(href).content)
        assert getattr(metadata, "document_type", None) == DocumentKind.INVOICE.document_id
        swedish = ParticipantId("0007", "5561888404").percent_encoded()
        credit_note = quote(DocumentKind.CREDIT_NOTE.document_id, safe="")
        assert http.get(f"/{swedish}/services/{credit_note}").status_code == 404
        unknown = ParticipantId("0184", "10000017").percent_encoded()
        assert http.get(f"/{unknown}").status_code == 404
        assert http.post(f"/{PARTICIPANT.percent_encoded()}").status_code == 405


def test_the_directory_search_filters_by_every_term_given(peppol: ServedPeppol) -> None:
    """Name (partial, any case), country and participant narrow the matches; no term is a 400."""
    with httpx.Client(base_url=peppol.base_url) as http:
        def found(**terms: str) -> list[str]:
            answer = http.get("/search/1.0/json", params=terms).json()
            return [match["participantID"]["value"] for match in answer["matches"]]

        assert found(country="dk") == ["0184:12345674", "0184:10000009", "0088:5790000435975"]
        assert found(name="APS", country="DK") == ["0184:12345674", "0184:10000009"]
        assert found(participant="iso6523-actorid-upis::0192:988077917") == ["0192:988077917"]
        assert http.get("/search/1.0/json").status_code == 400


def test_a_registration_can_be_removed_and_replaced() -> None:
    """Removing a participant makes its name NXDOMAIN; adding it again replaces the old one."""
    emulator = PeppolEmulator([Registration.of(PARTICIPANT)])
    query = dns.message.make_query(naptr_name(PARTICIPANT, emulator.zone), dns.rdatatype.NAPTR)
    emulator.remove(PARTICIPANT)
    answer = emulator.dns_answer(query.to_wire())
    assert answer is not None and dns.message.from_wire(answer).rcode() == dns.rcode.NXDOMAIN
    emulator.add(Registration.of(PARTICIPANT, documents=()))
    emulator.add(Registration.of(PARTICIPANT, name="Again"))
    assert [r.name for r in emulator.registrations] == ["Again"]
