"""What the emulator serves: method and path to handler, under ``/api/v2`` and v1's two roots.

v2 lives under ``/api/v2``; v1 (deals read only, the field lists) under ``/v1``
(the SDK's default host) and ``/api/v1`` (the company-domain form, NOTES §1). A
path no route serves is answered 404, a served path with another method 405, in
Pipedrive's error shape (the texts are inferred).
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from ledgerlink.emulation import EmuRequest, EmuResponse, Route, RouteTable
from ledgerlink_pipedrive.emulator.deals import deal_routes
from ledgerlink_pipedrive.emulator.fields import field_routes
from ledgerlink_pipedrive.emulator.records import Call, record_routes
from ledgerlink_pipedrive.emulator.v1deals import v1_deal_routes
from ledgerlink_pipedrive.emulator.wire import PipedriveError, error_response

__all__ = ["V1_ROOTS", "V2_ROOT", "Served", "build_table"]

V2_ROOT = "/api/v2"
V1_ROOTS = ("/v1", "/api/v1")


@attrs.frozen
class Served:
    """A route's handler and whether a GET of it is a list (lists cost more tokens)."""

    answer: Callable[[Call], EmuResponse]
    listing: bool



def _not_found(request: EmuRequest) -> EmuResponse:
    return error_response(PipedriveError(404, f"Unknown method {request.path}"))


def _not_allowed(request: EmuRequest) -> EmuResponse:
    return error_response(PipedriveError(
        405, f"Method {request.method} is not allowed on {request.path}"))


def _route(method: str, template: str, answer: Callable[[Call], EmuResponse],
           write: bool) -> Route[Served]:
    listing = method == "GET" and not template.endswith("{id}")
    return Route(method, template, Served(answer, listing), write)


def build_table() -> RouteTable[Served]:
    """Every served route."""
    routes = [_route(method, V2_ROOT + template, answer, write)
              for method, template, answer, write in [*deal_routes(), *record_routes()]]
    routes += [_route(method, root + template, answer, write)
               for method, template, answer, write in v1_deal_routes() for root in V1_ROOTS]
    for version, method, template, answer, write in field_routes():
        roots = (V2_ROOT,) if version == "v2" else V1_ROOTS
        routes += [_route(method, root + template, answer, write) for root in roots]
    return RouteTable(routes, _not_found, _not_allowed)
