"""Internal: who the emulated SML and SMP know, and what each one can receive.

A :class:`Registration` is one participant as the emulator serves it: the
document types its SMP lists, its AS4 endpoint and dates, and whether the SMP
knows it at all. They are made in Python (:meth:`Registration.of`) or read
from JSON (:func:`registrations_from_json`), the form ``ledgerlink emulate
peppol --state FILE`` keeps::

    {"version": 1, "zone": "participant.sml.test.tech.peppol.org",
     "participants": [
       {"id": "0184:12345674", "name": "Example ApS", "country": "DK",
        "documents": ["invoice", "credit_note"],
        "endpoint_url": "https://ap.example.test/as4",
        "activation": "2024-01-01T00:00:00+00:00", "expiration": null}]}

Only ``id`` is required; the rest default as :class:`Registration` says.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from ledgerlink.einvoice.kinds import DocumentKind
from ledgerlink.einvoice.participants import ParticipantId
from ledgerlink.einvoice.receiver import AS4_PROFILE, BILLING_PROCESS

__all__ = [
    "DEFAULT_CERTIFICATE",
    "DEFAULT_ENDPOINT",
    "Registration",
    "registrations_from_json",
    "registrations_to_json",
]

#: Where the emulated access points say they take AS4 messages (nothing listens there).
DEFAULT_ENDPOINT = "https://ap.example.test/as4"
#: A stand-in for the access point's base64 DER certificate (not a certificate).
DEFAULT_CERTIFICATE = base64.b64encode(b"ledgerlink PEPPOL emulator: not a certificate").decode()
#: Names of the documents in JSON.
_DOCUMENT_NAMES = {kind.name.lower(): kind for kind in DocumentKind}


def _instant(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


@attrs.frozen
class Registration:
    """One participant the emulated SML and SMP serve.

    Attributes:
        participant: Its participant id.
        documents: The BIS Billing 3 documents its SMP has (none: "registered without BIS3").
        other_document_types: Further document type ids its service group lists.
        endpoint_url: Its AS4 endpoint.
        activation: The endpoint's service activation date, if any.
        expiration: The endpoint's service expiration date, if any.
        certificate: The access point's certificate as the SMP gives it ('' for none).
        process: The process id the documents are registered under.
        transport_profile: The endpoint's transport profile.
        at_smp: Whether the SMP knows the participant (False: the SML points to an
            SMP that answers 404 for its service group).
        smp_url: Where the SML points for it instead of the emulator's SMP (a dead port).
        name: Its name on the PEPPOL Directory's business card.
        country: Its country on the card.
        in_directory: Whether the Directory lists it.
    """

    participant: ParticipantId
    documents: tuple[DocumentKind, ...] = (DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE)
    other_document_types: tuple[str, ...] = ()
    endpoint_url: str = DEFAULT_ENDPOINT
    activation: datetime | None = attrs.field(default=None, converter=_instant)
    expiration: datetime | None = attrs.field(default=None, converter=_instant)
    certificate: str = DEFAULT_CERTIFICATE
    process: str = BILLING_PROCESS
    transport_profile: str = AS4_PROFILE
    at_smp: bool = True
    smp_url: str | None = None
    name: str = ""
    country: str = ""
    in_directory: bool = True

    @classmethod
    def of(cls, participant: ParticipantId | str, **fields: Any) -> Registration:
        """A registration of ``participant`` (an id or its text) with ``fields`` set."""
        if isinstance(participant, str):
            participant = ParticipantId.parse(participant)
        documents = fields.pop("documents", None)
        if documents is not None:
            fields["documents"] = tuple(
                d if isinstance(d, DocumentKind) else _DOCUMENT_NAMES[str(d)] for d in documents)
        if "other_document_types" in fields:
            fields["other_document_types"] = tuple(fields["other_document_types"])
        return cls(participant, **fields)

    def document_types(self) -> list[str]:
        """Every document type id its service group lists."""
        return [d.document_id for d in self.documents] + list(self.other_document_types)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready, as :func:`registrations_from_json` reads it."""
        return {
            "id": self.participant.value, "name": self.name, "country": self.country,
            "documents": [d.name.lower() for d in self.documents],
            "other_document_types": list(self.other_document_types),
            "endpoint_url": self.endpoint_url,
            "activation": self.activation.isoformat() if self.activation else None,
            "expiration": self.expiration.isoformat() if self.expiration else None,
            "certificate": self.certificate, "process": self.process,
            "transport_profile": self.transport_profile, "at_smp": self.at_smp,
            "smp_url": self.smp_url, "in_directory": self.in_directory,
        }


def registrations_from_json(data: Mapping[str, Any]) -> tuple[str | None, list[Registration]]:
    """The zone (None when not given) and registrations of a JSON document.

    Raises:
        ValueError: not such a document (naming the participant entry at fault).
    """
    if data.get("version", 1) != 1 or not isinstance(data.get("participants", []), list):
        raise ValueError("not a PEPPOL emulator file of version 1 with a 'participants' list")
    registrations = []
    for index, entry in enumerate(data.get("participants", [])):
        try:
            fields = dict(entry)
            participant = fields.pop("id")
            registrations.append(Registration.of(participant, **fields))
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"participants[{index}]: {type(err).__name__}: {err}") from err
    zone = data.get("zone")
    return (str(zone) if zone else None), registrations


def registrations_to_json(zone: str, registrations: Sequence[Registration]) -> dict[str, Any]:
    """What :func:`registrations_from_json` reads."""
    return {"version": 1, "zone": zone,
            "participants": [registration.to_json() for registration in registrations]}
