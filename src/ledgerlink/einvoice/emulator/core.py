"""Internal: the PEPPOL emulator, an SML's DNS answers and an SMP's (and Directory's) HTTP.

:class:`PeppolEmulator` holds the registrations. Its :meth:`~PeppolEmulator.dns_answer`
answers DNS queries (served by :class:`~.dns_server.DnsServer`): a NAPTR record
``Meta:SMP`` pointing to the SMP for a registered participant's name,
NXDOMAIN for any other name in the zone, REFUSED outside it. Its
:meth:`~PeppolEmulator.handle` answers HTTP (served by the emulator kit's
carriers): the service group, the signed service metadata of a document type
(404 when the participant has not registered it) and the Directory's search.

Switches for tests: :attr:`~PeppolEmulator.smp_down` (every SMP request has
its connection cut), :attr:`~PeppolEmulator.dns_failure` (``"servfail"`` or
``"silent"``), the kit's :attr:`faults` (5xx, drops) and per-registration
dates, documents and SMP URLs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from ledgerlink.einvoice.emulator.documents import (
    directory_json,
    service_group_xml,
    service_metadata_xml,
)
from ledgerlink.einvoice.emulator.registrations import (
    Registration,
    registrations_from_json,
    registrations_to_json,
)
from ledgerlink.einvoice.participants import ParticipantId, participant_for
from ledgerlink.einvoice.sml import SMP_SERVICE, TEST_ZONE, naptr_name, zone_named
from ledgerlink.emulation import EmulatorBase, EmuRequest, EmuResponse, json_answer
from ledgerlink.errors import ValidationError

__all__ = ["DnsFailure", "PeppolEmulator"]

#: How the emulated SML fails when told to: SERVFAIL, or no answer at all.
DnsFailure = Literal["servfail", "silent"]
#: Seconds resolvers may keep the emulator's answers (short: tests change them).
DNS_TTL = 60
_SEARCH_PATH = "/search/1.0/json"
_XML = {"content-type": "application/xml; charset=utf-8"}


def _not_found(what: str) -> EmuResponse:
    return EmuResponse(404, {"content-type": "text/plain; charset=utf-8"}, what.encode())


class PeppolEmulator(EmulatorBase):
    """An SML and an SMP (and the PEPPOL Directory) for the participants it holds.

    Args:
        registrations: The participants to serve.
        zone: The SML zone it answers for (``test`` by default; names as
            :func:`~ledgerlink.einvoice.sml.zone_named` takes them).
        smp_url: The SMP base URL its NAPTR records give (set when served; see
            :meth:`serve_at`).
    """

    def __init__(self, registrations: Iterable[Registration] = (), *, zone: str = TEST_ZONE,
                 smp_url: str = "http://127.0.0.1") -> None:
        super().__init__()
        self.zone = zone_named(zone)
        self.smp_url = smp_url
        #: Cut every SMP (and Directory) connection without answering.
        self.smp_down = False
        #: Make the SML fail instead of answering.
        self.dns_failure: DnsFailure | None = None
        self.requests: list[EmuRequest] = []
        self._registrations: dict[ParticipantId, Registration] = {}
        for registration in registrations:
            self.add(registration)

    # --- the registrations --------------------------------------------------------------

    def add(self, registration: Registration) -> Registration:
        """Serve ``registration`` (replacing the participant's earlier one)."""
        with self._lock:
            self._registrations[registration.participant] = registration
        return registration

    def register(self, number: str, country: str | None = None, *, scheme: str | None = None,
                 **fields: Any) -> Registration:
        """Serve organisation ``number`` of ``country`` with ``fields`` (see :class:`Registration`).

        Raises:
            ValidationError: a number its register refuses.
        """
        return self.add(Registration.of(participant_for(number, country, scheme=scheme),
                                        **fields))

    def remove(self, participant: ParticipantId) -> None:
        """Stop serving ``participant`` (its DNS name answers NXDOMAIN from now on)."""
        with self._lock:
            self._registrations.pop(participant, None)

    @property
    def registrations(self) -> list[Registration]:
        """Every registration served, in the order added."""
        with self._lock:
            return list(self._registrations.values())

    def serve_at(self, smp_url: str) -> None:
        """Point the NAPTR records (and service group hrefs) at ``smp_url``."""
        self.smp_url = smp_url.rstrip("/")

    def to_json(self) -> dict[str, Any]:
        """The zone and registrations, as :meth:`load_json` reads them."""
        return registrations_to_json(self.zone, self.registrations)

    @classmethod
    def from_file(cls, path: str | Path) -> PeppolEmulator:
        """An emulator serving the participants (and zone) of a JSON file (see
        :mod:`.registrations` for its form).

        Raises:
            ValueError: not a PEPPOL emulator file.
        """
        emulator = cls()
        emulator.load_json(json.loads(Path(path).read_text(encoding="utf-8")))
        return emulator

    def load_json(self, data: dict[str, Any]) -> None:
        """Serve the registrations (and zone) of ``data`` instead of the current ones.

        Raises:
            ValueError: not a PEPPOL emulator document.
        """
        zone, registrations = registrations_from_json(data)
        with self._lock:
            self.zone = zone_named(zone) if zone else self.zone
            self._registrations = {r.participant: r for r in registrations}

    # --- DNS ----------------------------------------------------------------------------

    def _by_name(self) -> dict[dns.name.Name, Registration]:
        return {dns.name.from_text(naptr_name(r.participant, self.zone)): r
                for r in self.registrations}

    def dns_answer(self, wire: bytes) -> bytes | None:
        """The reply to one DNS query (None: no reply, when :attr:`dns_failure` is ``silent``)."""
        query = dns.message.from_wire(wire)
        if self.dns_failure == "silent":
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if self.dns_failure == "servfail" or len(query.question) != 1:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response.to_wire()
        question = query.question[0]
        if not question.name.is_subdomain(dns.name.from_text(self.zone)):
            response.set_rcode(dns.rcode.REFUSED)
            return response.to_wire()
        registration = self._by_name().get(question.name)
        if registration is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.NAPTR:
            target = registration.smp_url or self.smp_url
            record = dns.rdata.from_text(
                dns.rdataclass.IN, dns.rdatatype.NAPTR,
                f'100 10 "U" "{SMP_SERVICE}" "!^.*$!{target}!" .')
            response.answer.append(dns.rrset.from_rdata(question.name, DNS_TTL, record))
        return response.to_wire()

    # --- HTTP ---------------------------------------------------------------------------

    def _find(self, segment: str) -> Registration | None:
        try:
            participant = ParticipantId.parse(unquote(segment))
        except ValidationError:
            return None
        with self._lock:
            return self._registrations.get(participant)

    def handle(self, request: EmuRequest) -> EmuResponse:
        """Answer one SMP or Directory request."""
        with self._lock:
            self.requests.append(request)
        if self.smp_down:
            return EmuResponse(503, {}, b"", drop=True)
        status = self.delay_and_fault(request)
        if status is not None:
            return EmuResponse(status, {"content-type": "text/plain"}, b"injected fault")
        if request.method != "GET":
            return EmuResponse(405, {"allow": "GET"}, b"the SMP's read API is GET only")
        if request.path.rstrip("/") == _SEARCH_PATH:
            return self._search(request)
        parts = request.path.strip("/").split("/")
        registration = self._find(parts[0]) if parts[0] else None
        if registration is None or not registration.at_smp:
            return _not_found(f"unknown service group {unquote(parts[0])}")
        if len(parts) == 1:
            host = request.headers.get("host")
            base = f"http://{host}" if host else self.smp_url
            return EmuResponse(200, _XML, service_group_xml(registration, base))
        if len(parts) == 3 and parts[1] == "services":
            wanted = unquote(parts[2])
            for document in registration.documents:
                if document.document_id == wanted:  # case-sensitive, as PEPPOL says
                    return EmuResponse(200, _XML, service_metadata_xml(registration, document))
            return _not_found(f"no service metadata for {wanted}")
        return _not_found(f"no such path {request.path}")

    def _search(self, request: EmuRequest) -> EmuResponse:
        terms = request.query
        participant = terms.get("participant", "").lower()
        name = terms.get("name", "").lower()
        country = terms.get("country", "").upper()
        if not (participant or name or country):
            return json_answer(400, {"error": "no query term"})
        found = [r for r in self.registrations if r.in_directory
                 and (not participant or str(r.participant).lower() == participant)
                 and (not name or name in r.name.lower())
                 and (not country or r.country.upper() == country)]
        query = "&".join(f"{key}={value}" for key, value in terms.items())
        body = json.dumps(directory_json(found, query)).encode()
        return EmuResponse(200, {"content-type": "application/json"}, body)
