"""Internal: an emulated print-and-post service, in-process or served on 127.0.0.1, and its client.

:class:`PrintPostEmulator` is a :class:`~ledgerlink.delivery.letter.PrintService`
that posts nothing: it takes letters, refuses a key it has seen (answering the
earlier letter's reference) and an address without postal code, city or
country, and keeps what it got, so tests count letters and read them back.

It also answers HTTP (``handle``), so :class:`ledgerlink.emulation.EmulatorServer`
serves it on 127.0.0.1 and :class:`HttpPrintService` talks to it the way a
client of a real service would: ``POST /letters`` with the key, both addresses
and the PDF (base64) as JSON; 201 for a new letter, 409 for a repeat key, 422
for an address it cannot post to; ``GET /letters`` lists what it holds.
"""

from __future__ import annotations

import base64
import threading
from typing import Any

import attrs
import httpx

from ledgerlink.delivery.letter import LetterReceipt
from ledgerlink.delivery.letter_layout import PostalAddress
from ledgerlink.domain import Address
from ledgerlink.emulation import EmuRequest, EmuResponse, json_answer

__all__ = ["HttpPrintService", "PostedLetter", "PrintPostEmulator"]


@attrs.frozen
class PostedLetter:
    """A letter the emulator took.

    Attributes:
        reference: the emulator's id for it (``L-1``, ``L-2``, ...).
        key: the delivery key it came with.
        recipient: where it goes.
        sender: the return address.
        pdf: the letter as submitted.
    """

    reference: str
    key: str
    recipient: PostalAddress
    sender: PostalAddress
    pdf: bytes


class PrintPostEmulator:
    """A print-and-post service that records letters instead of posting them."""

    #: A key it already took is refused as a repeat.
    refuses_repeats = True

    def __init__(self) -> None:
        self.letters: list[PostedLetter] = []
        self.refused: list[tuple[str, str]] = []  # (key, why)
        self._lock = threading.Lock()

    def submit(self, letter_pdf: bytes, recipient: PostalAddress, sender: PostalAddress,
               key: str) -> LetterReceipt:
        """Take a letter, or refuse it: a repeat key, an address it cannot post to."""
        with self._lock:
            earlier = next((x for x in self.letters if x.key == key), None)
            if earlier is not None:
                self.refused.append((key, "repeat"))
                return LetterReceipt(False, f"letter {key} was accepted before as "
                                     f"{earlier.reference}", earlier.reference, repeat=True)
            missing = recipient.missing()
            if missing or not letter_pdf.startswith(b"%PDF"):
                why = (f"the address has no {', '.join(missing)}" if missing
                       else "the letter is not a PDF")
                self.refused.append((key, why))
                return LetterReceipt(False, f"refused: {why}")
            reference = f"L-{len(self.letters) + 1}"
            self.letters.append(PostedLetter(reference, key, recipient, sender, letter_pdf))
            return LetterReceipt(True, f"accepted for printing and posting as {reference}",
                                 reference)

    def handle(self, request: EmuRequest) -> EmuResponse:
        """The HTTP face: ``POST /letters`` and ``GET /letters``."""
        if request.path != "/letters":
            return json_answer(404, {"error": f"no such path {request.path}"})
        if request.method == "GET":
            return json_answer(200, [{"reference": x.reference, "key": x.key,
                                      "recipient": _address_json(x.recipient)}
                                     for x in self.letters])
        if request.method != "POST":
            return json_answer(405, {"error": "use GET or POST"})
        try:
            body = request.json()
            receipt = self.submit(base64.b64decode(body["pdf"], validate=True),
                                  _address(body["recipient"]), _address(body["sender"]),
                                  str(body["key"]))
        except (KeyError, TypeError, ValueError) as err:
            return json_answer(400, {"error": f"malformed letter: {err}"})
        status = 201 if receipt.accepted else 409 if receipt.repeat else 422
        return json_answer(status, {"reference": receipt.reference, "message": receipt.message})


def _address_json(who: PostalAddress) -> dict[str, Any]:
    a = who.address
    return {"name": who.name, "street": a.street, "postal_code": a.postal_code,
            "city": a.city, "country": a.country}


def _address(data: dict[str, Any]) -> PostalAddress:
    # No country is None, which Address allows and submit refuses as missing.
    country: Any = data.get("country") or None
    return PostalAddress(str(data["name"]), Address(
        str(data.get("street") or ""), str(data.get("postal_code") or ""),
        str(data.get("city") or ""), country))


class HttpPrintService:
    """A print-and-post service reached over HTTP (the emulator's API, above).

    Args:
        base_url: where the service listens, e.g. an EmulatorServer's ``base_url``.
        client: the httpx client (tests pass one on an in-process transport).
    """

    #: The service's API refuses a key it already took (409, answered as a repeat).
    refuses_repeats = True

    def __init__(self, base_url: str, client: httpx.Client | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = client or httpx.Client(timeout=30.0)

    def submit(self, letter_pdf: bytes, recipient: PostalAddress, sender: PostalAddress,
               key: str) -> LetterReceipt:
        """POST the letter; 201 accepted, 409 a repeat, anything else refused.

        No answer at all is a refusal too: sending again is safe, as the key
        makes the service answer a repeat rather than post twice.
        """
        payload = {"key": key, "recipient": _address_json(recipient),
                   "sender": _address_json(sender),
                   "pdf": base64.b64encode(letter_pdf).decode("ascii")}
        try:
            answer = self._client.post(f"{self.base_url}/letters", json=payload)
        except httpx.HTTPError as err:
            return LetterReceipt(False, f"the print service at {self.base_url} did not "
                                 f"answer: {type(err).__name__}: {err}")
        try:
            body = answer.json()
        except ValueError:
            body = {"message": answer.text}
        message = str(body.get("message") or body.get("error") or answer.reason_phrase)
        return LetterReceipt(answer.status_code == 201, f"{answer.status_code}: {message}",
                             body.get("reference"), repeat=answer.status_code == 409)
