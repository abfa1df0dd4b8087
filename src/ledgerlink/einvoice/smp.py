"""Internal: asking a participant's SMP (HTTP GET, no authentication), judging its answer.

``GET {smp}/{participant}`` is the service group (404: the SMP does not know
the participant); ``GET {smp}/{participant}/services/{document type}`` is the
signed service metadata of one document type (404: not registered for it).
Both ids are percent-encoded whole, ``#`` included. A connection that fails,
times out or gets a 5xx raises :class:`~ledgerlink.errors.SmpUnavailableError`:
only a real 404 is a "no".
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import attrs
import httpx

from ledgerlink.einvoice.kinds import DocumentKind
from ledgerlink.einvoice.participants import ParticipantId
from ledgerlink.einvoice.receiver import (
    AS4_PROFILE,
    BILLING_PROCESS,
    DocumentAnswer,
    Endpoint,
    Reachability,
)
from ledgerlink.einvoice.smp_xml import (
    Redirect,
    ServiceGroup,
    ServiceInformation,
    SmpXmlError,
    parse_service_group,
    parse_signed_service_metadata,
)
from ledgerlink.errors import LookupAnswerError, SmpUnavailableError

__all__ = ["SmpClient", "judge_service"]

#: Redirects to another SMP followed for one document type (the SMP spec allows one).
MAX_REDIRECTS = 1
#: The longest SMP answer read: signed metadata is a few kilobytes, and even a service
#: group listing hundreds of document types stays far below this.
MAX_ANSWER_BYTES = 4 * 1024 * 1024


def _same_participant(written: str, participant: ParticipantId) -> bool:
    # iso6523-actorid-upis ids are case-insensitive, scheme and value alike.
    return written.lower() == str(participant).lower()


@attrs.frozen
class SmpClient:
    """Reads service groups and service metadata from SMPs through ``http``.

    Attributes:
        http: The client (its timeout applies; tests hand one with an emulator's transport).
    """

    http: httpx.Client

    def _get(self, url: str, participant: ParticipantId) -> bytes | None:
        """The body of a 200, None for a 404; other answers raise."""
        try:
            with self.http.stream("GET", url,
                                  headers={"accept": "application/xml, text/xml"}) as response:
                body = self._read(response, url, participant)
        except httpx.TimeoutException as err:
            raise SmpUnavailableError(f"the SMP did not answer in time ({type(err).__name__})",
                                      participant=str(participant), url=url) from err
        except httpx.TransportError as err:
            raise SmpUnavailableError(f"the SMP could not be reached ({type(err).__name__}: "
                                      f"{err})", participant=str(participant), url=url) from err
        if response.status_code == httpx.codes.NOT_FOUND:
            return None
        if response.status_code >= httpx.codes.INTERNAL_SERVER_ERROR:
            raise SmpUnavailableError(f"the SMP answered HTTP {response.status_code}",
                                      participant=str(participant), url=url)
        if response.status_code != httpx.codes.OK:
            raise LookupAnswerError(f"the SMP answered HTTP {response.status_code}",
                                    participant=str(participant), url=url)
        return body

    @staticmethod
    def _read(response: httpx.Response, url: str, participant: ParticipantId) -> bytes:
        """The body, refused past :data:`MAX_ANSWER_BYTES` (an SMP's answers are kilobytes)."""
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise LookupAnswerError(f"the SMP's answer is longer than {MAX_ANSWER_BYTES} "
                                        "bytes", participant=str(participant), url=url)
            chunks.append(chunk)
        return b"".join(chunks)

    def service_group(self, smp_url: str, participant: ParticipantId) -> ServiceGroup | None:
        """The participant's service group at ``smp_url``; None when the SMP answers 404.

        Raises:
            SmpUnavailableError: no answer, or a 5xx.
            LookupAnswerError: another status, unreadable XML, or another participant's group.
        """
        url = f"{smp_url.rstrip('/')}/{participant.percent_encoded()}"
        body = self._get(url, participant)
        if body is None:
            return None
        try:
            group = parse_service_group(body)
        except SmpXmlError as err:
            raise LookupAnswerError(f"the SMP's service group: {err}",
                                    participant=str(participant), url=url) from err
        if not _same_participant(group.participant, participant):
            raise LookupAnswerError(f"the SMP's service group is {group.participant!r}'s",
                                    participant=str(participant), url=url)
        return group

    def service(self, smp_url: str, participant: ParticipantId,
                document: DocumentKind) -> ServiceInformation | None:
        """The service metadata of ``document``; None when the SMP answers 404.

        Raises:
            SmpUnavailableError: no answer, or a 5xx.
            LookupAnswerError: another status, unreadable XML, ids that do not
                match the question, or too many redirects.
        """
        url = (f"{smp_url.rstrip('/')}/{participant.percent_encoded()}/services/"
               f"{quote(document.document_id, safe='')}")
        for _ in range(MAX_REDIRECTS + 1):
            body = self._get(url, participant)
            if body is None:
                return None
            try:
                found = parse_signed_service_metadata(body)
            except SmpXmlError as err:
                raise LookupAnswerError(f"the SMP's service metadata: {err}",
                                        participant=str(participant), url=url) from err
            if isinstance(found, Redirect):
                url = found.href
                continue
            if not _same_participant(found.participant, participant):
                raise LookupAnswerError(f"the service metadata is {found.participant!r}'s",
                                        participant=str(participant), url=url)
            # Document type ids are case-sensitive (PEPPOL POLICY 2).
            if found.document_type != document.document_id:
                raise LookupAnswerError(f"the service metadata is for {found.document_type!r}",
                                        participant=str(participant), url=url)
            return found
        raise LookupAnswerError(f"more than {MAX_REDIRECTS} redirect(s) for the "
                                f"{document.label}", participant=str(participant), url=url)


def _usable(endpoint: Endpoint) -> bool:
    return (endpoint.transport_profile == AS4_PROFILE and bool(endpoint.url)
            and endpoint.has_certificate)


def judge_service(document: DocumentKind, information: ServiceInformation,
                  now: datetime) -> DocumentAnswer:
    """Whether ``information`` lets ``document`` be sent ``now``, and why not if it does not.

    Ready needs the BIS3 process with an AS4 v2 endpoint that has an address and
    a certificate and is inside its activation and expiration dates.
    """
    signed = information.signed
    processes = [p for p in information.processes if p.process_id.endswith(f"::{BILLING_PROCESS}")]
    if not processes:
        named = ", ".join(p.process_id for p in information.processes) or "none"
        return DocumentAnswer(document, Reachability.NO_USABLE_ENDPOINT,
                              f"the {document.label} is registered without the BIS Billing 3 "
                              f"process {BILLING_PROCESS} (processes: {named})", signed=signed)
    as4 = [e for p in processes for e in p.endpoints if e.transport_profile == AS4_PROFILE]
    usable = [e for e in as4 if _usable(e)]
    if not usable:
        why = ("without a certificate or address" if as4
               else f"without an {AS4_PROFILE} endpoint")
        return DocumentAnswer(document, Reachability.NO_USABLE_ENDPOINT,
                              f"the {document.label}'s BIS Billing 3 process is registered "
                              f"{why}", endpoint=as4[0] if as4 else None,
                              process=BILLING_PROCESS, signed=signed)
    current = [e for e in usable if (e.activation is None or e.activation <= now)
               and (e.expiration is None or now < e.expiration)]
    if current:
        endpoint = current[0]
        until = f" until {endpoint.expiration.isoformat()}" if endpoint.expiration else ""
        return DocumentAnswer(document, Reachability.READY,
                              f"the {document.label} goes by AS4 to {endpoint.url}{until}",
                              endpoint=endpoint, process=BILLING_PROCESS, signed=signed)
    endpoint = usable[0]
    if endpoint.expiration is not None and endpoint.expiration <= now:
        return DocumentAnswer(document, Reachability.EXPIRED,
                              f"the {document.label}'s AS4 endpoint expired on "
                              f"{endpoint.expiration.isoformat()}", endpoint=endpoint,
                              process=BILLING_PROCESS, signed=signed)
    start = endpoint.activation.isoformat() if endpoint.activation else "?"
    return DocumentAnswer(document, Reachability.NOT_YET_ACTIVE,
                          f"the {document.label}'s AS4 endpoint becomes active on {start}",
                          endpoint=endpoint, process=BILLING_PROCESS, signed=signed)
