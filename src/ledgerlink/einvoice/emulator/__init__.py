"""An SML and SMP on 127.0.0.1 for tests and trials: ``ledgerlink emulate peppol``.

In Python::

    from ledgerlink.einvoice.emulator import PeppolEmulator, serve_peppol

    emulator = PeppolEmulator()
    emulator.register("12345674", "DK", name="Example ApS")
    with serve_peppol(emulator) as served:
        settings = served.settings()   # zone, DNS server and port for ReceiverLookup
"""

from __future__ import annotations

from ledgerlink.einvoice.emulator.core import DnsFailure, PeppolEmulator
from ledgerlink.einvoice.emulator.dns_server import DnsServer
from ledgerlink.einvoice.emulator.registrations import Registration
from ledgerlink.einvoice.emulator.served import SPEC, ServedPeppol, serve_peppol

__all__ = [
    "SPEC",
    "DnsFailure",
    "DnsServer",
    "PeppolEmulator",
    "Registration",
    "ServedPeppol",
    "serve_peppol",
]
