"""Internal: the ``letter`` channels: the invoice as a print-ready letter for print and post.

A letter is a cover page with the addresses placed for a window envelope
(:mod:`ledgerlink.delivery.letter_layout`: DIN 5008 Form B, a DL or C5/6
window envelope) followed by the invoice PDF's pages unchanged. A
:class:`PrintService` prints, envelopes and posts it; the delivery key goes
with it so a service can refuse a letter it already took.

Built in: :class:`FolderPrintService`, which writes each letter into a folder
as ``<key>.pdf`` for whoever prints and posts them (or a service collecting the
folder). A key already written is not written again: the second delivery gets
the first one's receipt.

Why pypdf: fpdf2 draws new pages but cannot import the pages of an existing
PDF; pypdf (pure Python, no native libraries) reads the connector's PDF and
writes it behind the cover page as it is.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import attrs
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from ledgerlink.delivery.letter_layout import PostalAddress, cover_page
from ledgerlink.delivery.model import Delivery, DeliveryReceipt, DeliveryState
from ledgerlink.domain import Address
from ledgerlink.errors import DeliveryError, ValidationError

__all__ = [
    "FolderPrintService",
    "LetterChannel",
    "LetterReceipt",
    "PrintService",
    "compose_letter",
    "letter_channel",
    "letter_file_name",
    "letter_folder_channel",
]


@attrs.frozen
class LetterReceipt:
    """What a print-and-post service answers for one letter.

    Attributes:
        accepted: the service took the letter (now, or earlier with ``repeat``).
        message: the service's own words.
        reference: the service's id for the letter (a job id, a file name).
        repeat: the key was taken before; ``reference`` is that earlier letter's.
    """

    accepted: bool
    message: str
    reference: str | None = None
    repeat: bool = False


class PrintService(Protocol):
    """Prints, envelopes and posts letters."""

    def submit(self, letter_pdf: bytes, recipient: PostalAddress, sender: PostalAddress,
               key: str) -> LetterReceipt:
        """Take one letter; a key seen before is answered as a repeat, not printed again."""
        ...


def letter_file_name(key: str) -> str:
    """A file name for the letter keyed ``key``: its characters that are safe in a file
    name, and a hash of the whole key so distinct keys never share a file."""
    # No leading '-' or '.': the name must not read as an option or a hidden file.
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", key).lstrip("._-")[:80] or "letter"
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=4).hexdigest()
    return f"{safe}.{digest}.pdf"


class FolderPrintService:
    """Writes each letter to ``folder/<key>.pdf`` (see :func:`letter_file_name`).

    Raises:
        DeliveryError: ``folder`` is not a directory (it is made when missing).
    """

    #: One file per key: a repeat is answered, never written again.
    refuses_repeats = True

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise DeliveryError(f"cannot use {self.folder} as the letter folder: {err}") from None

    def submit(self, letter_pdf: bytes, recipient: PostalAddress, sender: PostalAddress,
               key: str) -> LetterReceipt:
        """Write the letter once; the same key again is answered as a repeat."""
        name = letter_file_name(key)
        target = self.folder / name
        already = LetterReceipt(True, f"{target} was written earlier", name, repeat=True)
        if target.exists():
            return already
        # Write aside, then link into place: a link never replaces a file, so two
        # deliveries racing on one key leave one letter, and nobody sees half a file.
        partial = self.folder / f".{name}.{os.getpid()}.partial"
        partial.write_bytes(letter_pdf)
        try:
            os.link(partial, target)
        except FileExistsError:
            return already
        finally:
            partial.unlink()
        return LetterReceipt(True, f"letter written to {target}", name)


def _pdf_pages(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data))
        if not reader.pages:
            raise ValidationError("the invoice PDF has no pages", field="pdf")
        return reader
    except PdfReadError as err:
        raise ValidationError(f"the invoice PDF cannot be read: {err}", field="pdf") from None


def compose_letter(delivery: Delivery, sender: PostalAddress) -> bytes:
    """The cover page addressed to the customer, then every page of the invoice PDF."""
    recipient = recipient_of(delivery)
    invoice = delivery.invoice
    if not invoice.number:
        raise ValidationError("the invoice has no number: deliver booked invoices only",
                              field="invoice.number")
    document = "Credit note" if invoice.credit_for is not None else "Invoice"
    cover = cover_page(recipient, sender, title=f"{document} {invoice.number}",
                       note=(f"{document} {invoice.number} of {invoice.total:,.2f} "
                             f"{invoice.currency}, due {invoice.due_date.isoformat()}, "
                             f"follows on the next page."))
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(cover)))
    writer.append(_pdf_pages(delivery.pdf))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def recipient_of(delivery: Delivery) -> PostalAddress:
    """The customer as a postal address; ValidationError naming the part a letter lacks."""
    customer = delivery.customer
    recipient = PostalAddress(customer.name, customer.address)
    missing = recipient.missing()
    if missing:
        raise ValidationError(f"customer {customer.id} has no {missing[0].replace('_', ' ')} "
                              f"to post the letter to", field=f"customer.address.{missing[0]}")
    return recipient


class LetterChannel:
    """Sends each invoice as a letter through a print-and-post service.

    Args:
        service: the print-and-post service.
        sender: the company's name and postal address (the return address).
        name: the channel's registered name.
    """

    def __init__(self, service: PrintService, sender: PostalAddress, *,
                 name: str = "letter") -> None:
        self.name = name
        self.service = service
        self.sender = sender

    @property
    def refuses_repeats(self) -> bool:
        """Whether the print service refuses a key it already took."""
        return bool(getattr(self.service, "refuses_repeats", False))

    def deliver(self, delivery: Delivery) -> DeliveryReceipt:
        """Compose the letter and hand it to the service with the delivery key."""
        letter = compose_letter(delivery, self.sender)
        answer = self.service.submit(letter, recipient_of(delivery), self.sender, delivery.key)
        if answer.repeat:
            return DeliveryReceipt(DeliveryState.SENT, f"already accepted earlier: "
                                   f"{answer.message}", answer.reference)
        state = DeliveryState.SENT if answer.accepted else DeliveryState.FAILED
        return DeliveryReceipt(state, answer.message, answer.reference)


def _sender(value: Any) -> PostalAddress:
    if isinstance(value, PostalAddress):
        return value
    if not isinstance(value, Mapping) or not value.get("name"):
        raise DeliveryError("a letter channel needs sender={'name': ..., 'street': ..., "
                            "'postal_code': ..., 'city': ..., 'country': ...}")
    fields = {k: v for k, v in value.items() if k != "name"}
    try:
        sender = PostalAddress(str(value["name"]), Address(**fields))
    except (TypeError, ValidationError) as err:
        raise DeliveryError(f"the letter channel's sender address: {err}") from None
    if sender.missing():
        raise DeliveryError(f"the letter channel's sender address has no "
                            f"{', '.join(sender.missing())}")
    return sender


def letter_channel(*, sender: Any = None, service: PrintService | None = None,
                   folder: str | os.PathLike[str] | None = None) -> LetterChannel:
    """The ``letter`` channel's factory: ``sender`` (a PostalAddress or a mapping of
    name, street, postal_code, city, country) and either a ``service`` (any
    :class:`PrintService`) or a ``folder`` to write letters into."""
    if (service is None) == (folder is None):
        raise DeliveryError("the letter channel needs a print service: give service= "
                            "or folder= (one of them)")
    chosen = service if service is not None else FolderPrintService(folder or ".")
    return LetterChannel(chosen, _sender(sender))


def letter_folder_channel(*, folder: str | os.PathLike[str] | None = None,
                          sender: Any = None) -> LetterChannel:
    """The ``letter-folder`` channel's factory: print-ready letters written to ``folder``."""
    if folder is None:
        raise DeliveryError("the letter-folder channel needs folder=")
    return LetterChannel(FolderPrintService(folder), _sender(sender), name="letter-folder")
