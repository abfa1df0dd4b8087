"""The route table: method and path template to handler, and whether the swagger extract has it.

``in_extract`` is False only for what the saved extract does not cover
(payments, credit notes); the contract test holds every other route to
``endpoint-matrix.json``.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from ledgerlink.emulation import Route as KitRoute
from ledgerlink.emulation import RouteTable
from ledgerlink_dinero.emulator import catalog, creditnotes, invoices
from ledgerlink_dinero.emulator.fields import Call
from ledgerlink_dinero.emulator.wire import EmuRequest, EmuResponse, json_response

Handler = Callable[[Call], EmuResponse]


@attrs.frozen
class Route(KitRoute[Handler]):
    """One served operation (see :class:`ledgerlink.emulation.Route`).

    Attributes:
        in_extract: Whether ``endpoint-matrix.json`` lists it.
    """

    in_extract: bool = True


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


def _no_route(status: int, code: int) -> Callable[[EmuRequest], EmuResponse]:
    return lambda request: json_response(status, {"code": code, "message": "No route"})


#: Dinero's API: 404 (code 40) for a path it does not serve, 405 (code 45) for a method.
TABLE: RouteTable[Handler] = RouteTable(ROUTES, not_found=_no_route(404, 40),
                                        not_allowed=_no_route(405, 45))


def resolve(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route serving ``method path`` and its path arguments."""
    found = TABLE.resolve(method, path)
    if found is None:
        return None
    assert isinstance(found.route, Route)
    return found.route, found.arguments
