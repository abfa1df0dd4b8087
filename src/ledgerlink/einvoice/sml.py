"""Internal: finding a participant's SMP through the SML's DNS (SHA-256/base32 U-NAPTR).

The DNS name is ``lower(base32(sha256(lower(value))))`` without padding, then the
identifier scheme, then the SML zone (PEPPOL Policy for use of Identifiers
POLICY 7 and SML 1.3.0, in force since 2025-11-01; the MD5 ``B-...`` CNAME
form is retired). Its NAPTR records are read as U-NAPTR (RFC 4848): the record
with flag ``U`` and service ``Meta:SMP`` and the lowest order and preference
carries a regular expression whose replacement is the SMP's base URL.

NXDOMAIN (or a name without NAPTR records) means the participant is not
registered; a timeout or SERVFAIL says nothing about the participant and
raises :class:`~ledgerlink.errors.SmlUnavailableError`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from typing import Protocol

import attrs
import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
from dns.rdtypes.IN.NAPTR import NAPTR

from ledgerlink.einvoice.participants import ParticipantId
from ledgerlink.errors import LookupAnswerError, SmlUnavailableError

__all__ = [
    "EC_PRODUCTION_ZONE",
    "EC_TEST_ZONE",
    "PRODUCTION_ZONE",
    "SMP_SERVICE",
    "TEST_ZONE",
    "ZONES",
    "DnsSml",
    "SmlResolver",
    "naptr_name",
    "smp_url_from_naptr",
    "zone_named",
]

#: OpenPeppol's production SML, the default since 2026-03-19.
PRODUCTION_ZONE = "participant.sml.prod.tech.peppol.org"
#: OpenPeppol's test SML.
TEST_ZONE = "participant.sml.test.tech.peppol.org"
#: The European Commission's SML, PEPPOL's production zone until 2026-03-19.
EC_PRODUCTION_ZONE = "edelivery.tech.ec.europa.eu"
#: The European Commission's test SML (SMK) until 2026-03-19.
EC_TEST_ZONE = "acc.edelivery.tech.ec.europa.eu"
#: Names accepted for a zone (``--sml-zone test``).
ZONES = {"production": PRODUCTION_ZONE, "test": TEST_ZONE,
         "ec-production": EC_PRODUCTION_ZONE, "ec-test": EC_TEST_ZONE}
#: The U-NAPTR service that names an SMP.
SMP_SERVICE = "Meta:SMP"
#: A DNS label: what a zone is made of.
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def zone_named(zone: str) -> str:
    """The DNS zone for a name in :data:`ZONES` or a zone given as such (lower-cased).

    Raises:
        ValueError: neither a known name nor a DNS name.
    """
    name = ZONES.get(zone.strip().lower(), zone.strip().lower().rstrip("."))
    if not all(_LABEL.match(label) for label in name.split(".")):
        raise ValueError(f"{zone!r} is not an SML zone (a DNS name, or one of "
                         f"{', '.join(ZONES)})")
    return name


def naptr_name(participant: ParticipantId, zone: str) -> str:
    """The DNS name whose NAPTR records locate ``participant``'s SMP in ``zone``."""
    digest = hashlib.sha256(participant.value.lower().encode("utf-8")).digest()
    label = base64.b32encode(digest).decode("ascii").rstrip("=").lower()
    return f"{label}.{participant.scheme.lower()}.{zone.rstrip('.')}"


def _substitute(regexp: str, subject: str) -> str | None:
    """Apply a NAPTR substitution expression (``!ere!replacement!flags``) to ``subject``."""
    if len(regexp) < 3:
        return None
    delimiter = regexp[0]
    parts = regexp[1:].split(delimiter)
    if len(parts) != 3 or parts[2] not in ("", "i"):
        return None
    pattern, replacement, flags = parts
    try:
        found = re.search(pattern, subject, re.IGNORECASE if flags else 0)
        if found is None:
            return None
        # RFC 3402 back-references are \1..\9; Python's are the same but need \g<>.
        return found.expand(re.sub(r"\\([0-9])", r"\\g<\1>", replacement))
    except (re.error, IndexError):
        return None


def smp_url_from_naptr(records: Iterable[NAPTR], queried: str) -> str | None:
    """The SMP base URL the ``Meta:SMP`` U-NAPTR record among ``records`` gives, or None."""
    candidates = sorted(
        (record for record in records
         if record.flags.decode("ascii", "replace").upper() == "U"
         and record.service.decode("ascii", "replace").lower() == SMP_SERVICE.lower()),
        key=lambda record: (record.order, record.preference))
    for record in candidates:
        url = _substitute(record.regexp.decode("utf-8", "replace"), queried)
        if url and url.lower().startswith(("https://", "http://")):
            return url.rstrip("/")
    return None


class SmlResolver(Protocol):
    """Finds a participant's SMP: its base URL, or None when the SML has no such participant."""

    def smp_url(self, participant: ParticipantId) -> str | None:
        """The SMP base URL of ``participant``, or None when it is not registered."""
        ...


@attrs.frozen
class DnsSml:
    """The SML asked over DNS, through the system's resolver or a named server.

    Attributes:
        zone: The SML's DNS zone.
        server: A DNS server to ask instead of the system's (an IP address).
        port: Its port (the emulator listens on a high one).
        timeout: Seconds for the whole query, retries included.
    """

    zone: str = PRODUCTION_ZONE
    server: str | None = None
    port: int = 53
    timeout: float = 5.0

    def smp_url(self, participant: ParticipantId) -> str | None:
        """The SMP base URL of ``participant``, or None when the SML says NXDOMAIN.

        Raises:
            SmlUnavailableError: no answer (timeout, SERVFAIL, no server reached).
            LookupAnswerError: NAPTR records without a usable ``Meta:SMP`` one.
        """
        name = naptr_name(participant, self.zone)
        records = self._naptr(name, str(participant))
        if records is None:
            return None
        url = smp_url_from_naptr(records, name)
        if url is None:
            raise LookupAnswerError(f"the SML has NAPTR records but none with service "
                                    f"{SMP_SERVICE!r} that gives an http(s) URL",
                                    participant=str(participant), url=name)
        return url

    def _naptr(self, name: str, participant: str) -> list[NAPTR] | None:
        """The NAPTR records of ``name``; None for NXDOMAIN or no NAPTR records."""
        if self.server is not None:
            return self._ask_server(self.server, name, participant)
        resolver = dns.resolver.Resolver()
        resolver.lifetime = self.timeout
        try:
            answer = resolver.resolve(name, "NAPTR")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return None
        except dns.exception.DNSException as err:
            # Timeouts, SERVFAIL from every server, no server at all: no answer either way.
            raise SmlUnavailableError(f"the SML's DNS did not answer: {err}",
                                      participant=participant, url=name) from err
        return [record for record in answer if isinstance(record, NAPTR)]

    def _ask_server(self, server: str, name: str, participant: str) -> list[NAPTR] | None:
        """Ask ``server`` directly (UDP, then TCP when the answer was truncated)."""
        query = dns.message.make_query(name, dns.rdatatype.NAPTR)
        where = f"{name} at {server}:{self.port}"
        try:
            response = dns.query.udp_with_fallback(query, server, timeout=self.timeout,
                                                   port=self.port)[0]
        except (dns.exception.Timeout, OSError) as err:
            raise SmlUnavailableError(f"the DNS server did not answer: {err or 'timeout'}",
                                      participant=participant, url=where) from err
        except dns.exception.DNSException as err:
            raise LookupAnswerError(f"the DNS server's answer is unreadable: {err}",
                                    participant=participant, url=where) from err
        rcode = response.rcode()
        if rcode == dns.rcode.NXDOMAIN:
            return None
        if rcode != dns.rcode.NOERROR:
            raise SmlUnavailableError(f"the DNS server answered {dns.rcode.to_text(rcode)}",
                                      participant=participant, url=where)
        qname = dns.name.from_text(name)
        return [record for rrset in response.answer
                if rrset.name == qname and rrset.rdtype == dns.rdatatype.NAPTR
                for record in rrset if isinstance(record, NAPTR)]
