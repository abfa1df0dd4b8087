"""Internal: a small route table: method and path template to handler, with 404 and 405 answered
in the provider's own shape.

A template is a path whose ``{name}`` segments match any one non-empty segment
and whose last segment may be ``{name...}``, matching the rest of the path
(one segment or more). Literal segments compare case-insensitively when the
table says so (QuickBooks accepts ``/invoice`` and ``/Invoice``). Routes are
tried in order, so a literal route listed before a ``{name}`` one wins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import attrs

from ledgerlink.emulation.messages import EmuRequest, EmuResponse

__all__ = ["Route", "RouteMatch", "RouteTable"]

H = TypeVar("H")


@attrs.frozen
class Route(Generic[H]):
    """One served operation.

    Attributes:
        method: HTTP method (upper case).
        template: Path with ``{name}`` placeholders.
        handler: What answers it (the provider decides what a handler is).
        write: Whether it changes state (drop-after-commit applies to writes).
    """

    method: str
    template: str
    handler: H
    write: bool = False

    def match_path(self, path: str, *, fold_case: bool = False) -> dict[str, str] | None:
        """The path arguments when ``path`` fits the template (any method), else None."""
        wanted = self.template.strip("/").split("/")
        given = path.strip("/").split("/")
        rest = wanted[-1].endswith("...}")
        if len(given) < len(wanted) if rest else len(given) != len(wanted):
            return None
        arguments: dict[str, str] = {}
        for index, pattern in enumerate(wanted):
            part = given[index]
            if pattern.startswith("{") and pattern.endswith("}"):
                if not part:
                    return None
                if pattern.endswith("...}"):
                    arguments[pattern[1:-4]] = "/".join(given[index:])
                else:
                    arguments[pattern[1:-1]] = part
            elif (pattern.lower() != part.lower()) if fold_case else (pattern != part):
                return None
        return arguments

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """Path arguments when ``method`` and ``path`` fit this route, else None."""
        return self.match_path(path) if method == self.method else None


@attrs.frozen
class RouteMatch(Generic[H]):
    """The route a request reached and its path arguments."""

    route: Route[H]
    arguments: dict[str, str]


@attrs.frozen
class RouteTable(Generic[H]):
    """Routes tried in order; what answers a path no route serves is the provider's.

    Attributes:
        routes: The routes.
        not_found: Answers a path no route serves (404).
        not_allowed: Answers a path some route serves with another method (405).
        fold_case: Compare literal segments case-insensitively.
    """

    routes: Sequence[Route[H]]
    not_found: Callable[[EmuRequest], EmuResponse]
    not_allowed: Callable[[EmuRequest], EmuResponse]
    fold_case: bool = False

    def resolve(self, method: str, path: str) -> RouteMatch[H] | None:
        """The route serving ``method path`` and its arguments, else None."""
        for route in self.routes:
            if route.method == method:
                arguments = route.match_path(path, fold_case=self.fold_case)
                if arguments is not None:
                    return RouteMatch(route, arguments)
        return None

    def knows_path(self, path: str) -> bool:
        """Whether some route serves ``path`` with some method."""
        return any(route.match_path(path, fold_case=self.fold_case) is not None
                   for route in self.routes)

    def find(self, request: EmuRequest) -> RouteMatch[H] | EmuResponse:
        """The route for ``request``, or the provider's 404 or 405 answer."""
        found = self.resolve(request.method, request.path)
        if found is not None:
            return found
        if self.knows_path(request.path):
            return self.not_allowed(request)
        return self.not_found(request)
