"""Internal: reading the SMP's XML answers, the ServiceGroup and SignedServiceMetadata.

PEPPOL SMP 1.x uses the busdox namespaces (not OASIS BDXR's). The answers come
from servers on the internet, so they are parsed with defusedxml: the standard
library's ElementTree (no compiled dependency in the core) with DTDs, entity
declarations and external references refused, so an answer cannot expand into
gigabytes or make the parser read local files. The XML signature is reported
as present or not but not verified (the sending access point verifies it).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError

import attrs
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ledgerlink.einvoice.receiver import Endpoint

__all__ = [
    "NS",
    "Redirect",
    "ServiceInformation",
    "SmpXmlError",
    "parse_service_group",
    "parse_signed_service_metadata",
]

#: The namespaces of PEPPOL SMP answers.
NS = {
    "smp": "http://busdox.org/serviceMetadata/publishing/1.0/",
    "ids": "http://busdox.org/transport/identifiers/1.0/",
    "wsa": "http://www.w3.org/2005/08/addressing",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
}
_SERVICES = "/services/"


class SmpXmlError(ValueError):
    """An SMP answer that is not the XML it should be (the caller adds who and where)."""


@attrs.frozen
class ServiceGroup:
    """A participant's service group.

    Attributes:
        participant: The participant id value it is for (``0184:12345674``), as written.
        document_types: The document type ids its references name (``busdox-docid-qns::...``).
    """

    participant: str
    document_types: tuple[str, ...]


@attrs.frozen
class Process:
    """One process of a service and its endpoints."""

    process_id: str
    endpoints: tuple[Endpoint, ...]


@attrs.frozen
class ServiceInformation:
    """The service metadata of one document type.

    Attributes:
        participant: The participant id value, as written.
        document_type: The document type id (``busdox-docid-qns::...``).
        processes: Its processes.
        signed: Whether the answer carried an XML signature.
    """

    participant: str
    document_type: str
    processes: tuple[Process, ...]
    signed: bool


@attrs.frozen
class Redirect:
    """The SMP sends the client to another SMP for this document type."""

    href: str
    signed: bool


def _root(body: bytes, expected: tuple[str, ...]) -> Element:
    try:
        root = fromstring(body)
    except (ParseError, DefusedXmlException) as err:
        raise SmpXmlError(f"not readable XML ({type(err).__name__}: {err})") from err
    names = tuple(f"{{{NS['smp']}}}{name}" for name in expected)
    if root.tag not in names:
        raise SmpXmlError(f"expected smp:{' or smp:'.join(expected)}, got {root.tag}")
    return root


def _identifier(element: Element | None, what: str) -> str:
    if element is None or not (element.text or "").strip():
        raise SmpXmlError(f"no {what}")
    return f"{element.get('scheme', '').strip()}::{(element.text or '').strip()}"


def parse_service_group(body: bytes) -> ServiceGroup:
    """The participant and document types of a ``ServiceGroup`` answer.

    Raises:
        SmpXmlError: not a readable service group.
    """
    root = _root(body, ("ServiceGroup",))
    participant = _identifier(root.find("ids:ParticipantIdentifier", NS), "ParticipantIdentifier")
    documents = []
    for reference in root.iterfind(
            "smp:ServiceMetadataReferenceCollection/smp:ServiceMetadataReference", NS):
        href = reference.get("href", "")
        # Hrefs end in /services/{percent-encoded document type}; compare them decoded.
        if _SERVICES in href:
            documents.append(unquote(href.rsplit(_SERVICES, 1)[1]))
    return ServiceGroup(participant, tuple(documents))


def _text(parent: Element, path: str) -> str | None:
    found = parent.find(path, NS)
    text = (found.text or "").strip() if found is not None else ""
    return text or None


def _instant(parent: Element, path: str) -> datetime | None:
    text = _text(parent, path)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise SmpXmlError(f"{path} {text!r} is not an xs:dateTime") from err
    # xs:dateTime without an offset: the SMPs write UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _endpoints(process: Element) -> Iterator[Endpoint]:
    for endpoint in process.iterfind("smp:ServiceEndpointList/smp:Endpoint", NS):
        yield Endpoint(
            url=_text(endpoint, "wsa:EndpointReference/wsa:Address") or "",
            transport_profile=endpoint.get("transportProfile", ""),
            activation=_instant(endpoint, "smp:ServiceActivationDate"),
            expiration=_instant(endpoint, "smp:ServiceExpirationDate"),
            certificate="".join((_text(endpoint, "smp:Certificate") or "").split()),
            business_signature=(_text(endpoint, "smp:RequireBusinessLevelSignature")
                                or "").lower() in ("true", "1"),
            description=_text(endpoint, "smp:ServiceDescription"),
            technical_contact=_text(endpoint, "smp:TechnicalContactUrl"),
        )


def parse_signed_service_metadata(body: bytes) -> ServiceInformation | Redirect:
    """The service information (or redirect) of a ``SignedServiceMetadata`` answer.

    A bare ``ServiceMetadata`` (what is PUT to an SMP) is read too, as unsigned.

    Raises:
        SmpXmlError: not readable service metadata.
    """
    root = _root(body, ("SignedServiceMetadata", "ServiceMetadata"))
    signed = root.find("ds:Signature", NS) is not None
    wrapped = root.tag == f"{{{NS['smp']}}}SignedServiceMetadata"
    metadata = root.find("smp:ServiceMetadata", NS) if wrapped else root
    if metadata is None:
        raise SmpXmlError("no smp:ServiceMetadata")
    redirect = metadata.find("smp:Redirect", NS)
    if redirect is not None:
        return Redirect(redirect.get("href", ""), signed)
    information = metadata.find("smp:ServiceInformation", NS)
    if information is None:
        raise SmpXmlError("neither smp:ServiceInformation nor smp:Redirect")
    processes = tuple(
        Process(_identifier(process.find("ids:ProcessIdentifier", NS), "ProcessIdentifier"),
                tuple(_endpoints(process)))
        for process in information.iterfind("smp:ProcessList/smp:Process", NS))
    return ServiceInformation(
        participant=_identifier(information.find("ids:ParticipantIdentifier", NS),
                                "ParticipantIdentifier"),
        document_type=_identifier(information.find("ids:DocumentIdentifier", NS),
                                  "DocumentIdentifier"),
        processes=processes, signed=signed)
