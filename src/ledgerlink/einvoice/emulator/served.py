"""Internal: the PEPPOL emulator served: its SMP and Directory over HTTP and its SML over UDP DNS,
both on 127.0.0.1, from Python (:func:`serve_peppol`) or as ``ledgerlink emulate peppol``
(:data:`SPEC`, registered by the core's built-in plugin).

On first start (no ``--state`` file, or an empty one) the emulator serves a few
participants that show each answer a lookup can give (:data:`SAMPLE_PARTICIPANTS`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import attrs

from ledgerlink.einvoice.emulator.core import PeppolEmulator
from ledgerlink.einvoice.emulator.dns_server import DnsServer
from ledgerlink.einvoice.emulator.registrations import Registration
from ledgerlink.einvoice.kinds import DocumentKind
from ledgerlink.einvoice.lookup import LookupSettings
from ledgerlink.emulation import Control, EmulatorServer, EmulatorSpec

__all__ = ["SAMPLE_PARTICIPANTS", "SPEC", "ServedPeppol", "control", "serve_peppol"]

#: A PEPPOL document type that is not BIS Billing 3 (EU PINT), for "registered without BIS3".
PINT_INVOICE = ("peppol-doctype-wildcard::urn:oasis:names:specification:ubl:schema:xsd:"
                "Invoice-2::Invoice##urn:peppol:pint:billing-1@eu-1::2.1")
#: Served on first start: one participant per answer a lookup gives.
SAMPLE_PARTICIPANTS = (
    Registration.of("0184:12345674", name="Nordisk VVS ApS", country="DK",
                    activation="2024-01-01T00:00:00+00:00"),
    Registration.of("0184:10000009", name="Kun PINT ApS", country="DK", documents=(),
                    other_document_types=(PINT_INVOICE,)),
    Registration.of("0007:5561888404", name="Svensk Exempel AB", country="SE",
                    documents=("invoice",)),
    Registration.of("0192:988077917", name="Utløpt AS", country="NO",
                    expiration="2025-01-01T00:00:00+00:00"),
    Registration.of("0088:5790000435975", name="Flyttet A/S", country="DK", at_smp=False),
)


@attrs.frozen
class ServedPeppol:
    """A served emulator and where it listens.

    Attributes:
        emulator: The emulator.
        base_url: Its SMP (and Directory) base URL.
        dns_host: Its DNS server's address.
        dns_port: Its DNS server's port.
    """

    emulator: PeppolEmulator
    base_url: str
    dns_host: str
    dns_port: int

    @property
    def dns(self) -> str:
        """``HOST:PORT``, as ``ledgerlink einvoice lookup --dns`` takes it."""
        return f"{self.dns_host}:{self.dns_port}"

    def settings(self, **overrides: Any) -> LookupSettings:
        """Lookup settings that ask this emulator (its zone, DNS server and Directory)."""
        fields: dict[str, Any] = {"sml_zone": self.emulator.zone, "dns_server": self.dns_host,
                                  "dns_port": self.dns_port, "directory_url": self.base_url}
        return LookupSettings(**{**fields, **overrides})


def control(emulator: PeppolEmulator) -> Control:
    """The test-only paths: ``state`` shows the registrations and the request count."""
    def state() -> dict[str, Any]:
        return {**emulator.to_json(), "requests": len(emulator.requests),
                "faults": emulator.faults.injected}

    # There is no OAuth here: the kit's authorize and connect paths answer empty.
    return Control(state=state, authorize=lambda account: "", connect=lambda account: {})


@contextmanager
def _dns(emulator: PeppolEmulator, base_url: str, port: int = 0) -> Iterator[DnsServer]:
    emulator.serve_at(base_url)
    with DnsServer(emulator.dns_answer, port=port) as server:
        yield server


@contextmanager
def serve_peppol(emulator: PeppolEmulator, *, port: int = 0,
                 dns_port: int = 0) -> Iterator[ServedPeppol]:
    """Serve ``emulator``'s HTTP and DNS on 127.0.0.1 while the ``with`` block lasts."""
    with EmulatorServer(emulator, control(emulator), port=port) as server, \
            _dns(emulator, server.base_url, dns_port) as dns_server:
        yield ServedPeppol(emulator, server.base_url, "127.0.0.1", dns_server.port)


def _prepare(emulator: PeppolEmulator) -> str:
    if not emulator.registrations:
        for registration in SAMPLE_PARTICIPANTS:
            emulator.add(registration)
    return str(emulator.registrations[0].participant)


def _connection(emulator: PeppolEmulator, base_url: str, account: str) -> dict[str, object]:
    return {"sml_zone": emulator.zone, "directory_url": base_url,
            "participants": {str(r.participant): _summary(r) for r in emulator.registrations}}


def _summary(registration: Registration) -> str:
    if not registration.at_smp:
        return "registered in the SML, unknown at the SMP"
    if not registration.documents:
        return "registered without BIS Billing 3"
    names = " and ".join(d.label for d in DocumentKind if d in registration.documents)
    dates = f", expires {registration.expiration.isoformat()}" if registration.expiration else ""
    return f"{names} by AS4{dates}"


@contextmanager
def _companion(emulator: PeppolEmulator, base_url: str) -> Iterator[Mapping[str, object]]:
    with _dns(emulator, base_url) as server:
        participant = emulator.registrations[0].participant if emulator.registrations else None
        yield {"dns": server.address,
               "lookup_command": f"ledgerlink einvoice lookup {participant or 'ORGNO'} "
                                 f"--sml-zone {emulator.zone} --dns {server.address}"}


def _load(emulator: PeppolEmulator, data: Any) -> None:
    emulator.load_json(data)


SPEC: EmulatorSpec[PeppolEmulator] = EmulatorSpec(
    name="peppol",
    description="PEPPOL SML (DNS, NAPTR) and SMP (HTTP) with the Directory search, for "
                "receiver lookups",
    build=PeppolEmulator,
    control=control,
    prepare=_prepare,
    connection=_connection,
    dump=lambda emulator: emulator.to_json(),
    load=_load,
    companion=_companion,
)
