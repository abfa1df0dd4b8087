"""The route table: method and path to handler, under ``/v2`` [B1].

A path no route serves is answered 404 and a known path with another method
405, both in Billy's error shape (the codes are (inferred)). The PDF behind a
``downloadUrl`` is served before the token check (:data:`DOWNLOAD`).
"""

from __future__ import annotations

from collections.abc import Callable

from ledgerlink.emulation import Route, RouteTable
from ledgerlink_billy.emulator import catalog, invoice_list, invoices, lines, payments, sending
from ledgerlink_billy.emulator.records import Call
from ledgerlink_billy.emulator.wire import (
    METHOD_NOT_ALLOWED,
    ROUTE_NOT_FOUND,
    BillyError,
    EmuRequest,
    EmuResponse,
    error_response,
)

__all__ = ["DOWNLOAD", "ROUTES", "TABLE", "Handler"]

Handler = Callable[[Call], EmuResponse]
#: Where the PDFs are, by invoice, organisation, token and file name [B2].
DOWNLOAD = Route("GET", "/v2/downloads/invoices/{id}/{organization}/{token}/{name}", None)


def _get(resource: str) -> Handler:
    return lambda call: catalog.get_one(call, resource)


def _list(resource: str) -> Handler:
    return lambda call: catalog.list_simple(call, resource)


def _delete(resource: str) -> Handler:
    return lambda call: catalog.delete_simple(call, resource)


def _crud(resource: str, create: Handler, update: Handler, delete: Handler,
          listing: Handler | None = None, get: Handler | None = None) -> list[Route[Handler]]:
    base = f"/v2/{resource}"
    return [
        Route("GET", base, listing or _list(resource)),
        Route("POST", base, create, write=True),
        Route("GET", base + "/{id}", get or _get(resource)),
        Route("PUT", base + "/{id}", update, write=True),
        Route("DELETE", base + "/{id}", delete, write=True),
    ]


def _read_only(resource: str) -> list[Route[Handler]]:
    return [Route("GET", f"/v2/{resource}", _list(resource)),
            Route("GET", f"/v2/{resource}/{{id}}", _get(resource))]


ROUTES: tuple[Route[Handler], ...] = (
    Route("GET", "/v2/organization", catalog.get_organization),
    *_crud("contacts", catalog.create_contact, catalog.update_contact, catalog.delete_contact),
    *_crud("contactPersons", catalog.create_person, catalog.update_person,
           _delete("contactPersons")),
    *_crud("products", catalog.create_product, catalog.update_product, catalog.delete_product),
    *_crud("productPrices", catalog.create_price, catalog.update_price,
           _delete("productPrices")),
    *_crud("invoices", invoices.create_invoice, invoices.update_invoice,
           invoices.delete_invoice, listing=invoice_list.list_invoices,
           get=invoices.get_invoice),
    Route("POST", "/v2/invoices/{id}/emails", sending.send_email, write=True),
    *_crud("invoiceLines", lines.create_line, lines.update_line, lines.delete_line),
    *_crud("bankPayments", payments.create_payment, payments.update_payment,
           payments.delete_payment),
    *_read_only("balanceModifiers"),
    *_read_only("accounts"),
    *_read_only("currencies"),
    *_read_only("taxRates"),
    *_read_only("salesTaxRulesets"),
    *_read_only("salesTaxRules"),
)


def _refuse(status: int, code: str, text: str) -> Callable[[EmuRequest], EmuResponse]:
    return lambda request: error_response(
        BillyError(status, code, text.format(method=request.method, path=request.path)))


TABLE: RouteTable[Handler] = RouteTable(
    ROUTES,
    not_found=_refuse(404, ROUTE_NOT_FOUND, "No route for {method} {path}."),
    not_allowed=_refuse(405, METHOD_NOT_ALLOWED, "{method} is not allowed on {path}."),
)
