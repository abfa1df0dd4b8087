"""Internal: what a receiver lookup answers: can this participant get a BIS Billing 3
invoice (and credit note), at which AS4 endpoint, and if not, why not.

A definite "no" is an answer here (:class:`Reachability`); a lookup that got
no answer at all raises :class:`~ledgerlink.errors.ReceiverLookupError` instead.
The PEPPOL identifiers below are from the PEPPOL code lists (v9.7).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs
from cattrs.preconf.json import make_converter

from ledgerlink.einvoice.kinds import DOCUMENT_SCHEME, DocumentKind
from ledgerlink.einvoice.participants import ParticipantId

__all__ = [
    "AS4_PROFILE",
    "BILLING_PROCESS",
    "DOCUMENT_SCHEME",
    "PROCESS_SCHEME",
    "DocumentAnswer",
    "Endpoint",
    "Reachability",
    "ReceiverAnswer",
    "Source",
]

#: The process identifier scheme.
PROCESS_SCHEME = "cenbii-procid-ubl"
#: The BIS Billing 3 process (``Process`` in the SMP's answer).
BILLING_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
#: The only active PEPPOL transport profile (AS4 v2).
AS4_PROFILE = "peppol-transport-as4-v2_0"


class Reachability(enum.Enum):
    """Whether a participant can receive one document type, and if not, why not."""

    #: An active AS4 v2 endpoint with a certificate serves the BIS3 process.
    READY = "ready"
    #: The SML has no such participant (NXDOMAIN): not on PEPPOL.
    NOT_REGISTERED = "not_registered"
    #: The SML points to an SMP that does not know the participant (404).
    UNKNOWN_AT_SMP = "unknown_at_smp"
    #: Registered, but not for this document type (404 on the document type).
    NOT_SUPPORTED = "not_supported"
    #: The document type is there, without the BIS3 process or a usable AS4 v2 endpoint.
    NO_USABLE_ENDPOINT = "no_usable_endpoint"
    #: The endpoint's service activation date is still to come.
    NOT_YET_ACTIVE = "not_yet_active"
    #: The endpoint's service expiration date has passed.
    EXPIRED = "expired"
    #: The PEPPOL Directory lists the document type (weaker: opt-in, may be stale).
    LISTED_IN_DIRECTORY = "listed_in_directory"


class Source(enum.Enum):
    """Where an answer came from."""

    SMP = "smp"
    DIRECTORY = "directory"


@attrs.frozen
class Endpoint:
    """An AS4 endpoint from the SMP's signed service metadata.

    Attributes:
        url: Where the receiving access point takes AS4 messages.
        transport_profile: ``peppol-transport-as4-v2_0``.
        activation: The service activation date, if the SMP gives one.
        expiration: The service expiration date, if the SMP gives one.
        certificate: The access point's certificate (base64 DER), '' when absent.
        business_signature: Whether the receiver requires a business-level signature.
        description: The SMP's service description, if any.
        technical_contact: The SMP's technical contact URL or address, if any.
    """

    url: str
    transport_profile: str
    activation: datetime | None = None
    expiration: datetime | None = None
    certificate: str = ""
    business_signature: bool = False
    description: str | None = None
    technical_contact: str | None = None

    @property
    def has_certificate(self) -> bool:
        """Whether the SMP gave the access point's certificate."""
        return bool(self.certificate.strip())


@attrs.frozen
class DocumentAnswer:
    """Whether the participant can receive one document type.

    Attributes:
        document: Which document.
        reachability: Ready, or why not.
        reason: For people: what the lookup found.
        endpoint: The AS4 endpoint (when one was found, ready or not).
        process: The process id the endpoint serves, when found.
        signed: Whether the SMP's answer carried an XML signature (not verified here).
    """

    document: DocumentKind
    reachability: Reachability
    reason: str
    endpoint: Endpoint | None = None
    process: str | None = None
    signed: bool = False

    @property
    def can_receive(self) -> bool:
        """Whether the document can be sent: ready at the SMP, or listed in the Directory."""
        return self.reachability in (Reachability.READY, Reachability.LISTED_IN_DIRECTORY)


@attrs.frozen
class ReceiverAnswer:
    """What a lookup found out about one participant.

    Attributes:
        participant: Who was looked up.
        invoice: The BIS Billing 3 invoice's answer.
        credit_note: The BIS Billing 3 credit note's answer.
        checked_at: When the SML and SMP (or the Directory) were asked.
        smp_url: The SMP the SML pointed to (None when not registered).
        document_types: Every document type id the SMP's service group lists.
        source: The SMP (authoritative) or the PEPPOL Directory (a fallback).
        cached: Whether this answer came from the cache rather than the network.
    """

    participant: ParticipantId
    invoice: DocumentAnswer
    credit_note: DocumentAnswer
    checked_at: datetime
    smp_url: str | None = None
    document_types: tuple[str, ...] = ()
    source: Source = Source.SMP
    cached: bool = False

    @property
    def can_receive_invoice(self) -> bool:
        """Whether a BIS Billing 3 invoice can be sent to this participant."""
        return self.invoice.can_receive

    @property
    def can_receive_credit_note(self) -> bool:
        """Whether a BIS Billing 3 credit note can be sent to this participant."""
        return self.credit_note.can_receive

    def answer_for(self, document: DocumentKind) -> DocumentAnswer:
        """The answer for ``document``."""
        return self.invoice if document is DocumentKind.INVOICE else self.credit_note

    def to_json(self) -> dict[str, Any]:
        """JSON-ready: every field, the participant as its id text, dates in ISO 8601."""
        data: dict[str, Any] = _converter.unstructure(self)
        data["can_receive_invoice"] = self.can_receive_invoice
        data["can_receive_credit_note"] = self.can_receive_credit_note
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReceiverAnswer:
        """What :meth:`to_json` wrote."""
        fields = {key: value for key, value in data.items()
                  if key not in ("can_receive_invoice", "can_receive_credit_note")}
        answer: ReceiverAnswer = _converter.structure(fields, cls)
        return answer


#: The cache's and ``--json``'s format (dates as ISO 8601, enums as their values,
#: the participant as its id text).
_converter = make_converter()
_converter.register_unstructure_hook(ParticipantId, str)
_converter.register_structure_hook(ParticipantId, lambda text, _: ParticipantId.parse(text))
