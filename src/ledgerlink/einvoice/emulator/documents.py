"""Internal: the emulated SMP's XML answers, in the shapes of the PEPPOL SMP samples (busdox
namespaces, ``smp:`` / ``ids:`` / ``wsa:`` prefixes) and the Directory's JSON in
the shape its server code writes (entity names as ``[{name, language}]``).

The ``ds:Signature`` is a placeholder of the right shape: nothing is signed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from ledgerlink.einvoice.emulator.registrations import Registration
from ledgerlink.einvoice.kinds import DocumentKind
from ledgerlink.einvoice.participants import PARTICIPANT_SCHEME
from ledgerlink.einvoice.receiver import DOCUMENT_SCHEME, PROCESS_SCHEME

__all__ = ["directory_json", "service_group_xml", "service_metadata_xml"]

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_SMP = "http://busdox.org/serviceMetadata/publishing/1.0/"
_IDS = "http://busdox.org/transport/identifiers/1.0/"
_WSA = "http://www.w3.org/2005/08/addressing"
_DS = "http://www.w3.org/2000/09/xmldsig#"
_PLACEHOLDER_SIGNATURE = (
    f'<Signature xmlns="{_DS}"><SignedInfo>'
    '<CanonicalizationMethod Algorithm="http://www.w3.org/2006/12/xml-c14n11"/>'
    '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
    '<Reference URI=""><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
    "<DigestValue>ZW11bGF0b3I=</DigestValue></Reference></SignedInfo>"
    "<SignatureValue>ZW11bGF0b3I=</SignatureValue></Signature>")


def _participant(registration: Registration) -> str:
    return (f"<ids:ParticipantIdentifier scheme={quoteattr(PARTICIPANT_SCHEME)}>"
            f"{escape(registration.participant.value)}</ids:ParticipantIdentifier>")


def service_group_xml(registration: Registration, smp_url: str) -> bytes:
    """``smp:ServiceGroup``: one reference per document type, hrefs under ``smp_url``."""
    base = f"{smp_url.rstrip('/')}/{registration.participant.percent_encoded()}/services/"
    references = "".join(
        f"<smp:ServiceMetadataReference href={quoteattr(base + quote(document, safe=''))}/>"
        for document in registration.document_types())
    return (f'{_DECLARATION}<smp:ServiceGroup xmlns:smp="{_SMP}" xmlns:ids="{_IDS}">'
            f"{_participant(registration)}"
            f"<smp:ServiceMetadataReferenceCollection>{references}"
            "</smp:ServiceMetadataReferenceCollection></smp:ServiceGroup>").encode()


def _optional(tag: str, value: str | None) -> str:
    return f"<smp:{tag}>{escape(value)}</smp:{tag}>" if value else ""


def service_metadata_xml(registration: Registration, document: DocumentKind) -> bytes:
    """``smp:SignedServiceMetadata`` for ``document``: one process, one endpoint."""
    endpoint = (
        f"<smp:Endpoint transportProfile={quoteattr(registration.transport_profile)}>"
        f"<wsa:EndpointReference><wsa:Address>{escape(registration.endpoint_url)}"
        "</wsa:Address></wsa:EndpointReference>"
        "<smp:RequireBusinessLevelSignature>false</smp:RequireBusinessLevelSignature>"
        + _optional("ServiceActivationDate",
                    registration.activation.isoformat() if registration.activation else None)
        + _optional("ServiceExpirationDate",
                    registration.expiration.isoformat() if registration.expiration else None)
        + _optional("Certificate", registration.certificate)
        + "<smp:ServiceDescription>ledgerlink PEPPOL emulator</smp:ServiceDescription>"
        "<smp:TechnicalContactUrl>https://example.test/support</smp:TechnicalContactUrl>"
        "</smp:Endpoint>")
    return (
        f'{_DECLARATION}<smp:SignedServiceMetadata xmlns:smp="{_SMP}" xmlns:ids="{_IDS}" '
        f'xmlns:wsa="{_WSA}"><smp:ServiceMetadata><smp:ServiceInformation>'
        f"{_participant(registration)}"
        f"<ids:DocumentIdentifier scheme={quoteattr(DOCUMENT_SCHEME)}>{escape(document.value)}"
        "</ids:DocumentIdentifier><smp:ProcessList><smp:Process>"
        f"<ids:ProcessIdentifier scheme={quoteattr(PROCESS_SCHEME)}>"
        f"{escape(registration.process)}</ids:ProcessIdentifier>"
        f"<smp:ServiceEndpointList>{endpoint}</smp:ServiceEndpointList>"
        "</smp:Process></smp:ProcessList></smp:ServiceInformation></smp:ServiceMetadata>"
        f"{_PLACEHOLDER_SIGNATURE}</smp:SignedServiceMetadata>").encode()


def _identifier(text: str) -> dict[str, str]:
    scheme, _, value = text.partition("::")
    return {"scheme": scheme, "value": value}


def directory_json(found: Iterable[Registration], query: str) -> dict[str, Any]:
    """A search answer listing ``found`` (``query`` is echoed as the query terms)."""
    matches = []
    for registration in found:
        entity: dict[str, Any] = {"name": [{"name": registration.name or "(unnamed)"}],
                                  "countryCode": registration.country}
        register = registration.participant.register
        if register is not None and register.country:
            entity["identifiers"] = [{"scheme": f"{register.country}:ORG",
                                      "value": registration.participant.number}]
        match: dict[str, Any] = {"participantID": {"scheme": PARTICIPANT_SCHEME,
                                                   "value": registration.participant.value},
                                 "entities": [entity]}
        if registration.documents or registration.other_document_types:
            match["docTypes"] = [_identifier(d) for d in registration.document_types()]
        matches.append(match)
    count = len(matches)
    return {"version": "1.0", "total-result-count": count, "used-result-count": count,
            "result-page-index": 0, "result-page-count": 20, "first-result-index": 0,
            "last-result-index": max(count - 1, 0), "query-terms": query, "matches": matches}
