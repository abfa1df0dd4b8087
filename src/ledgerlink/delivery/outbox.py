"""Internal: access points, where e-invoices are handed on, and the built-in file outbox.

An :class:`AccessPoint` takes a built document with the envelope facts a PEPPOL
access point needs (sender, receiver, a stable document id) and answers an
:class:`AccessPointReceipt`. The document id is the same for the same invoice
every time, so an access point can refuse a document it already took; that
refusal is answered as a ``repeat``, which the channel counts as sent.

:class:`FileOutbox` is the built-in access point: it writes
``<document_id>.xml`` into a folder, for an access point's own client (or a
person) to pick up. AS4, the transport between access points, is not done by
ledgerlink.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Protocol

import attrs

from ledgerlink.einvoice import ElectronicAddress
from ledgerlink.errors import DeliveryError, ValidationError

__all__ = ["AccessPoint", "AccessPointReceipt", "FileOutbox"]


@attrs.frozen
class AccessPointReceipt:
    """What an access point answers for one document.

    Attributes:
        accepted: it took the document (now, or earlier with ``repeat``).
        message: its own words.
        reference: its id for the transmission (for the outbox, the file name).
        repeat: the document id was taken before; nothing was sent again.
    """

    accepted: bool
    message: str
    reference: str | None = None
    repeat: bool = False


class AccessPoint(Protocol):
    """Hands e-invoices on to their receivers."""

    def send(self, document_bytes: bytes, sender: ElectronicAddress,
             receiver: ElectronicAddress, document_id: str) -> AccessPointReceipt:
        """Take one document; a document id seen before is a repeat, not sent again."""
        ...


#: What a document id may hold to become a file name unchanged (build_einvoice gives UUIDs).
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


class FileOutbox:
    """Writes each document to ``folder/<document_id>.xml``, once.

    Raises:
        DeliveryError: ``folder`` cannot be made or is not a directory.
    """

    #: One file per document id: a repeat is answered, never written again.
    refuses_repeats = True

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise DeliveryError(f"cannot use {self.folder} as the e-invoice outbox: "
                                f"{err}") from None

    def send(self, document_bytes: bytes, sender: ElectronicAddress,
             receiver: ElectronicAddress, document_id: str) -> AccessPointReceipt:
        """Write the document unless its id is already in the outbox."""
        if not _SAFE_ID.match(document_id):
            raise ValidationError("a document id must be letters, digits, '.', '_' or '-'",
                                  field="document_id", value=document_id)
        name = f"{document_id}.xml"
        target = self.folder / name
        if target.exists():
            return AccessPointReceipt(True, f"{name} is already in the outbox {self.folder}",
                                      name, repeat=True)
        # Written aside and linked into place: a link never replaces a file, so one id
        # is one file even when two deliveries race, and nobody reads half a document.
        partial = self.folder / f".{name}.{os.getpid()}.partial"
        partial.write_bytes(document_bytes)
        try:
            os.link(partial, target)
        except FileExistsError:
            return AccessPointReceipt(True, f"{name} is already in the outbox {self.folder}",
                                      name, repeat=True)
        finally:
            partial.unlink()
        return AccessPointReceipt(True, f"{name} written to the outbox {self.folder} "
                                  f"for {receiver}", name)
