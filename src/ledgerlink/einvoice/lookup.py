"""Internal: can this customer receive a PEPPOL BIS Billing 3 invoice? Ask SML, then SMP.

:class:`ReceiverLookup` hashes the participant id into the SML's DNS
(:mod:`.sml`), reads the SMP's service group and the service metadata of the
BIS3 invoice and credit note (:mod:`.smp`), and says for each whether it can be
sent, to which AS4 endpoint, or why not (:class:`~.receiver.ReceiverAnswer`).
Answers are cached until they expire (:mod:`.lookup_cache`); a lookup that got
no answer raises :class:`~ledgerlink.errors.ReceiverLookupError` and is not
cached. With ``directory_fallback`` the PEPPOL Directory is asked when the
SML or SMP cannot be.

Example::

    with ReceiverLookup(LookupSettings(sml_zone="test")) as lookup:
        answer = lookup.lookup_number("12345674", country="DK")
        if answer.can_receive_invoice:
            print(answer.invoice.endpoint.url)
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

import attrs
import httpx

from ledgerlink.einvoice.directory import DIRECTORY_URL, PeppolDirectory, directory_answer
from ledgerlink.einvoice.kinds import DocumentKind
from ledgerlink.einvoice.lookup_cache import LookupCache
from ledgerlink.einvoice.participants import ParticipantId, participant_for
from ledgerlink.einvoice.receiver import DocumentAnswer, Reachability, ReceiverAnswer
from ledgerlink.einvoice.sml import PRODUCTION_ZONE, DnsSml, SmlResolver, zone_named
from ledgerlink.einvoice.smp import SmpClient, judge_service
from ledgerlink.errors import LookupAnswerError, ReceiverLookupError

__all__ = ["LookupSettings", "ReceiverLookup", "parse_dns_address"]

#: Seconds for one DNS question, retries included.
DNS_TIMEOUT = 5.0
#: Seconds for one SMP or Directory request (connect, read, write, pool alike).
HTTP_TIMEOUT = 10.0
#: How long an answer whose documents can all be sent is kept.
ANSWER_TTL = timedelta(hours=24)
#: How long any other answer ("not registered", "no BIS3") is kept: receivers join
#: PEPPOL at any time, and the first invoice after they do should find them.
NEGATIVE_TTL = timedelta(hours=1)
#: Environment variables the settings are read from (:meth:`LookupSettings.from_environment`).
ENV_ZONE = "LEDGERLINK_PEPPOL_SML_ZONE"
ENV_DNS = "LEDGERLINK_PEPPOL_DNS"
ENV_DIRECTORY = "LEDGERLINK_PEPPOL_DIRECTORY_URL"


def parse_dns_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (or ``HOST``, port 53) of a DNS server given by IP address.

    Raises:
        ValueError: not an IP address with an optional port.
    """
    host, _, port = text.strip().rpartition(":") if ":" in text else (text.strip(), "", "53")
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host)
        number = int(port)
    except ValueError:
        raise ValueError(f"{text!r} is not a DNS server's IP address and port "
                         "(HOST:PORT, e.g. 127.0.0.1:5353)") from None
    if not 0 < number < 65536:
        raise ValueError(f"{text!r}: the port must be 1-65535")
    return host, number


@attrs.frozen
class LookupSettings:
    """Where and how receivers are looked up.

    Attributes:
        sml_zone: The SML's DNS zone, or ``production`` / ``test`` (OpenPeppol's SML)
            or ``ec-production`` / ``ec-test`` (the European Commission's, retired).
        dns_server: A DNS server's IP address to ask instead of the system's (the emulator's).
        dns_port: Its port.
        dns_timeout: Seconds for one DNS question.
        http_timeout: Seconds for one SMP or Directory request.
        answer_ttl: How long an answer with every document ready is cached.
        negative_ttl: How long any other answer is cached.
        directory_fallback: Ask the PEPPOL Directory when the SML or SMP cannot be asked.
        directory_url: The Directory's base URL.
        allow_http: Accept a plain-http SMP URL from the SML for any host (loopback
            hosts, where the emulator listens, always are).
    """

    sml_zone: str = attrs.field(default=PRODUCTION_ZONE, converter=zone_named)
    dns_server: str | None = None
    dns_port: int = 53
    dns_timeout: float = DNS_TIMEOUT
    http_timeout: float = HTTP_TIMEOUT
    answer_ttl: timedelta = ANSWER_TTL
    negative_ttl: timedelta = NEGATIVE_TTL
    directory_fallback: bool = False
    directory_url: str = DIRECTORY_URL
    allow_http: bool = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> LookupSettings:
        """Settings from ``LEDGERLINK_PEPPOL_SML_ZONE``, ``LEDGERLINK_PEPPOL_DNS``
        (``HOST:PORT``) and ``LEDGERLINK_PEPPOL_DIRECTORY_URL``, defaults otherwise."""
        env = os.environ if environ is None else environ
        server, port = (parse_dns_address(env[ENV_DNS]) if env.get(ENV_DNS) else (None, 53))
        return cls(sml_zone=env.get(ENV_ZONE) or PRODUCTION_ZONE, dns_server=server,
                   dns_port=port, directory_url=env.get(ENV_DIRECTORY) or DIRECTORY_URL)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class ReceiverLookup:
    """Looks receivers up in the SML and their SMP; use as a context manager (or ``close``).

    Args:
        settings: Zone, DNS server, timeouts, cache lifetimes, Directory fallback.
        cache: Where answers are kept until they expire (none: always ask).
        clock: The current instant (tests move it).
        http: The HTTP client for SMP and Directory (made from the settings when not given).
        sml: How the SMP is found (DNS from the settings when not given).
    """

    def __init__(self, settings: LookupSettings | None = None, *,
                 cache: LookupCache | None = None, clock: Callable[[], datetime] = _utcnow,
                 http: httpx.Client | None = None, sml: SmlResolver | None = None) -> None:
        self.settings = settings or LookupSettings()
        self.cache = cache
        self.clock = clock
        self._own_http = http is None
        self.http = http or httpx.Client(timeout=self.settings.http_timeout,
                                         follow_redirects=False)
        self.sml = sml or DnsSml(zone=self.settings.sml_zone, server=self.settings.dns_server,
                                 port=self.settings.dns_port, timeout=self.settings.dns_timeout)
        self.smp = SmpClient(self.http)

    def lookup_number(self, number: str, country: str | None = None, *,
                      scheme: str | None = None) -> ReceiverAnswer:
        """Look up organisation ``number`` of ``country`` (see
        :func:`~ledgerlink.einvoice.participants.participant_for`)."""
        return self.lookup(participant_for(number, country, scheme=scheme))

    def lookup(self, participant: ParticipantId | str) -> ReceiverAnswer:
        """What ``participant`` can receive: from the cache while fresh, else the SML and SMP.

        Raises:
            ValidationError: ``participant`` given as text that is not a participant id.
            ReceiverLookupError: no answer (DNS or SMP unavailable, unusable answers),
                and the Directory (when enabled) does not list the participant.
        """
        if isinstance(participant, str):
            participant = ParticipantId.parse(participant)
        key = f"{self.settings.sml_zone}|{participant}"
        now = self.clock()
        if self.cache is not None:
            kept = self.cache.get(key, now)
            if kept is not None:
                return attrs.evolve(kept, cached=True)
        try:
            answer = self._ask(participant, now)
        except ReceiverLookupError:
            fallback = (self._from_directory(participant, now)
                        if self.settings.directory_fallback else None)
            if fallback is None:
                raise
            return fallback  # not cached: the Directory asks its clients not to
        if self.cache is not None:
            self.cache.put(key, answer, self.expiry(answer))
        return answer

    def expiry(self, answer: ReceiverAnswer) -> datetime:
        """When ``answer`` stops being true enough to reuse: its lifetime, or sooner when an
        endpoint expires or becomes active before then."""
        documents = (answer.invoice, answer.credit_note)
        ready = all(d.reachability is Reachability.READY for d in documents)
        until = answer.checked_at + (self.settings.answer_ttl if ready
                                     else self.settings.negative_ttl)
        for document in documents:
            endpoint = document.endpoint
            if endpoint is None:
                continue
            if document.reachability is Reachability.READY and endpoint.expiration:
                until = min(until, endpoint.expiration)
            if document.reachability is Reachability.NOT_YET_ACTIVE and endpoint.activation:
                until = min(until, endpoint.activation)
        return until

    def _ask(self, participant: ParticipantId, now: datetime) -> ReceiverAnswer:
        smp_url = self.sml.smp_url(participant)
        if smp_url is None:
            return self._both(participant, now, None, Reachability.NOT_REGISTERED,
                              f"the SML ({self.settings.sml_zone}) has no such participant: "
                              "not on PEPPOL")
        self._check_scheme(participant, smp_url)
        group = self.smp.service_group(smp_url, participant)
        if group is None:
            return self._both(participant, now, smp_url, Reachability.UNKNOWN_AT_SMP,
                              "the SML points to an SMP that does not know the participant")
        answers = {}
        for document in DocumentKind:
            service = self.smp.service(smp_url, participant, document)
            answers[document] = (judge_service(document, service, now) if service is not None
                                 else DocumentAnswer(document, Reachability.NOT_SUPPORTED,
                                                     f"the SMP has no BIS Billing 3 "
                                                     f"{document.label} for the participant"))
        return ReceiverAnswer(participant, answers[DocumentKind.INVOICE],
                              answers[DocumentKind.CREDIT_NOTE], checked_at=now,
                              smp_url=smp_url, document_types=group.document_types)

    def _check_scheme(self, participant: ParticipantId, smp_url: str) -> None:
        # SMPs answer on https only since 2026-02-01; plain http is the emulator's.
        parts = urlsplit(smp_url)
        if parts.scheme == "https" or (parts.scheme == "http" and (
                self.settings.allow_http or _is_loopback(parts.hostname or ""))):
            return
        raise LookupAnswerError("the SML points to an SMP without https, which PEPPOL SMPs "
                                "must use", participant=str(participant), url=smp_url)

    @staticmethod
    def _both(participant: ParticipantId, now: datetime, smp_url: str | None,
              reachability: Reachability, reason: str) -> ReceiverAnswer:
        return ReceiverAnswer(participant, DocumentAnswer(DocumentKind.INVOICE, reachability,
                                                          reason),
                              DocumentAnswer(DocumentKind.CREDIT_NOTE, reachability, reason),
                              checked_at=now, smp_url=smp_url)

    def _from_directory(self, participant: ParticipantId, now: datetime
                        ) -> ReceiverAnswer | None:
        directory = PeppolDirectory(self.http, self.settings.directory_url)
        try:
            matches = directory.search(participant=participant)
        except ReceiverLookupError:
            return None  # the first failure is the one to report
        return directory_answer(participant, matches, now)

    def close(self) -> None:
        """Close the HTTP client if this lookup made it."""
        if self._own_http:
            self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
