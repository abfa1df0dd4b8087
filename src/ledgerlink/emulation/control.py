"""Internal: the test-only paths of a served emulator (:data:`CONTROL_PREFIX`): its state, an
authorization code or a token response for an account, without a consent screen."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ledgerlink.emulation.messages import EmuRequest, EmuResponse, json_answer

__all__ = ["CONTROL_PREFIX", "Control"]

#: Test-only paths of a served emulator (its state, a token for an account).
CONTROL_PREFIX = "/_emulator/"


@attrs.frozen
class Control:
    """What the test-only paths of a served emulator answer (see :data:`CONTROL_PREFIX`).

    Attributes:
        state: ``GET /_emulator/state``: what the emulator holds, as JSON-ready data.
        authorize: ``POST /_emulator/authorize?account=X``: an authorization code
            for account ``X`` (a realm, an organisation), to exchange for tokens.
        connect: ``POST /_emulator/connect?account=X``: a token response for ``X``.
    """

    state: Callable[[], Any]
    authorize: Callable[[str], str]
    connect: Callable[[str], Mapping[str, object]]

    def handle(self, request: EmuRequest) -> EmuResponse:
        """Answer one request under :data:`CONTROL_PREFIX`."""
        name = request.path[len(CONTROL_PREFIX):].strip("/")
        account = request.query.get("account", "")
        if name == "state" and request.method == "GET":
            return json_answer(200, self.state())
        if name in ("authorize", "connect") and request.method == "POST":
            if not account:
                return json_answer(400, {"error": "the account query parameter is required"})
            if name == "authorize":
                return json_answer(200, {"code": self.authorize(account)})
            return json_answer(200, dict(self.connect(account)))
        return json_answer(404, {"error": f"no control path {request.path}"})
