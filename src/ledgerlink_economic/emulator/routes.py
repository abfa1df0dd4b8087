"""What the emulator serves: method and path to handler, and its 404 and 405 answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from ledgerlink.emulation import EmuRequest, EmuResponse, Route, RouteTable
from ledgerlink_economic.emulator import booked, drafts
from ledgerlink_economic.emulator.resources import MASTERS, NOT_FOUND_HINT, Call
from ledgerlink_economic.emulator.webhooks import Webhooks
from ledgerlink_economic.emulator.webhooks_api import webhook_routes
from ledgerlink_economic.emulator.wire import EconomicError, answer, error_response, link

__all__ = ["Handler", "build_table"]

Handler = Callable[[Call], EmuResponse]


def _not_found(request: EmuRequest) -> EmuResponse:
    return error_response(EconomicError(404, "Resource not found.", NOT_FOUND_HINT),
                          datetime.now(UTC))


def _not_allowed(request: EmuRequest) -> EmuResponse:
    return error_response(EconomicError(
        405, f"The method {request.method} is not allowed on {request.path}.",
        "Not all endpoints support all HTTP methods."), datetime.now(UTC))


def _self(call: Call) -> EmuResponse:
    """``GET /self``: the agreement the tokens reach (its number and company) [E4]."""
    agreement = call.agreement
    return answer(200, {
        "agreementNumber": agreement.agreement_number, "agreementType": {
            "agreementTypeNumber": 1, "name": "Small"},
        "company": {"name": agreement.name, "country": "Danmark"},
        "canSendElectronicInvoice": False, "self": link("self")})


def build_table(webhooks: Webhooks) -> RouteTable[Handler]:
    """Every served route; ``webhooks`` hears of each booked invoice."""
    routes: list[Route[Handler]] = [
        Route(method, template, handler, write)
        for master in MASTERS for method, template, handler, write in master.handlers()]
    routes += [
        Route("GET", "/self", _self),
        Route("GET", "/invoices/drafts", drafts.listing),
        Route("POST", "/invoices/drafts", drafts.create, write=True),
        Route("GET", "/invoices/drafts/{number}", drafts.get),
        Route("PUT", "/invoices/drafts/{number}", drafts.replace, write=True),
        Route("DELETE", "/invoices/drafts/{number}", drafts.delete, write=True),
        Route("POST", "/invoices/drafts/{number}/lines", drafts.add_lines, write=True),
        Route("GET", "/invoices/drafts/{number}/pdf", booked.draft_pdf),
        Route("GET", "/invoices/booked", booked.listing),
        Route("POST", "/invoices/booked", partial(booked.book, on_booked=webhooks.invoice_booked),
              write=True),
        Route("GET", "/invoices/booked/{number}", booked.get),
        Route("GET", "/invoices/booked/{number}/pdf", booked.booked_pdf),
        Route("GET", "/invoices/sent", booked.sent_listing),
        Route("GET", "/invoices/sent/{number}", booked.sent_get),
    ]
    routes += [Route("GET", f"/invoices/{kind}", partial(booked.listing, kind=kind))
               for kind in booked.COLLECTIONS]
    routes += [Route(method, template, handler, write)
               for method, template, handler, write in webhook_routes(webhooks)]
    return RouteTable(routes, _not_found, _not_allowed)
