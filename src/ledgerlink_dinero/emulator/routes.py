"""The route table: method and path template to handler, and whether the swagger extract has it.

``in_extract`` is False only for what the saved extract does not cover
(payments, credit notes); the contract test holds every other route to
``endpoint-matrix.json``.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from ledgerlink_dinero.emulator import catalog, creditnotes, invoices
from ledgerlink_dinero.emulator.fields import Call
from ledgerlink_dinero.emulator.wire import EmuResponse

Handler = Callable[[Call], EmuResponse]


@attrs.frozen
class Route:
    """One served operation.

    Attributes:
        method: HTTP method.
        template: Path with ``{organizationId}`` and ``{guid}`` placeholders.
        handler: The function answering it.
        in_extract: Whether ``endpoint-matrix.json`` lists it.
        write: Whether it changes state (drop-after-commit applies to writes).
    """

    method: str
    template: str
    handler: Handler
    in_extract: bool = True
    write: bool = False

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """Path arguments when ``method`` and ``path`` fit this route, else None."""
        if method != self.method:
            return None
        wanted = self.template.strip("/").split("/")
        given = path.strip("/").split("/")
        if len(wanted) != len(given):
            return None
        arguments = {}
        for pattern, part in zip(wanted, given, strict=True):
            if pattern.startswith("{") and pattern.endswith("}"):
                if not part:
                    return None
                arguments[pattern[1:-1]] = part
            elif pattern != part:
                return None
        return arguments


_ORG = "/v1/{organizationId}"
_INVOICE = _ORG + "/invoices/{guid}"
_CREDIT = _ORG + "/sales/creditnotes"

ROUTES: tuple[Route, ...] = (
    Route("GET", _ORG + "/contacts", catalog.list_contacts),
    Route("GET", _ORG + "/contacts/{guid}", catalog.get_contact),
    Route("POST", _ORG + "/contacts", catalog.create_contact, write=True),
    Route("PUT", _ORG + "/contacts/{guid}", catalog.update_contact, write=True),
    Route("DELETE", _ORG + "/contacts/{guid}", catalog.delete_contact, write=True),
    Route("GET", _ORG + "/products", catalog.list_products),
    Route("GET", _ORG + "/products/{guid}", catalog.get_product),
    Route("POST", _ORG + "/products", catalog.create_product, write=True),
    Route("PUT", _ORG + "/products/{guid}", catalog.update_product, write=True),
    Route("DELETE", _ORG + "/products/{guid}", catalog.delete_product, write=True),
    Route("GET", _ORG + "/invoices", invoices.list_invoices),
    Route("GET", _INVOICE, invoices.get_invoice),
    Route("POST", _ORG + "/invoices", invoices.create_invoice, write=True),
    Route("PUT", "/v1.2/{organizationId}/invoices/{guid}", invoices.update_invoice, write=True),
    Route("DELETE", _INVOICE, invoices.delete_invoice, write=True),
    Route("POST", _INVOICE + "/book", invoices.book_invoice, write=True),
    Route("POST", _INVOICE + "/email", invoices.email_invoice, write=True),
    Route("POST", _INVOICE + "/payments", invoices.add_payment, in_extract=False, write=True),
    Route("GET", _INVOICE + "/payments", invoices.list_payments, in_extract=False),
    Route("GET", _CREDIT, creditnotes.list_credit_notes, in_extract=False),
    Route("GET", _CREDIT + "/{guid}", creditnotes.get_credit_note, in_extract=False),
    Route("GET", _CREDIT + "/{guid}/pdf", creditnotes.credit_note_pdf, in_extract=False),
    Route("POST", _CREDIT, creditnotes.create_credit_note, in_extract=False, write=True),
    Route(
        "POST", _CREDIT + "/{guid}/book", creditnotes.book_credit_note, in_extract=False, write=True
    ),
)
ORGANISATIONS_PATH = "/v1/organizations"


def resolve(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route serving ``method path`` and its path arguments."""
    for route in ROUTES:
        arguments = route.match(method, path)
        if arguments is not None:
            return route, arguments
    return None


def known_path(path: str) -> bool:
    """Whether some route serves ``path`` with another method (a 405 rather than a 404)."""
    return any(route.match(route.method, path) is not None for route in ROUTES)
