"""The emulator kit: what every provider emulator is built from.

An emulator is any object with ``handle(EmuRequest) -> EmuResponse``
(:class:`Handler`); provider emulators (``ledgerlink_quickbooks.emulator``,
``ledgerlink_dinero.emulator``, a plugin's own) are built from these parts, each
configured with the provider's facts and answer shapes:

* :mod:`~ledgerlink.emulation.messages`: :class:`EmuRequest`, :class:`EmuResponse`.
* :mod:`~ledgerlink.emulation.carriers`: an in-process httpx transport
  (:class:`EmulatorTransport`) and a server on 127.0.0.1 (:class:`EmulatorServer`)
  that refuses a body shorter than its ``Content-Length``; :class:`Serving` gives
  an emulator class both.
* :mod:`~ledgerlink.emulation.faults`: :class:`Faults`, counted (the next N
  calls) or drawn at random with a seed (a share of calls).
* :mod:`~ledgerlink.emulation.control`: the test-only paths under
  :data:`CONTROL_PREFIX` (:class:`Control`): state, authorize, connect.
* :mod:`~ledgerlink.emulation.tokens`: an OAuth 2.0 :class:`TokenServer`
  (authorization code, rotating refresh tokens with a grace, revoke, consent page).
* :mod:`~ledgerlink.emulation.limits`: :class:`AccountLimits`, per account per
  minute, per second, in flight and batch calls, on sliding windows.
* :mod:`~ledgerlink.emulation.routes`: :class:`RouteTable`, method and path
  template to handler, 404/405 in the provider's shape.
* :mod:`~ledgerlink.emulation.pdf`: :func:`document_pdf`.
* :mod:`~ledgerlink.emulation.statefile`: company state kept in a JSON file.
* :mod:`~ledgerlink.emulation.serving`: :func:`serve_main` (``python -m``) and
  :class:`EmulatorSpec`, what a plugin registers for ``ledgerlink emulate NAME``.
"""

from __future__ import annotations

from ledgerlink.emulation.base import EmulatorBase
from ledgerlink.emulation.carriers import (
    HOST,
    REQUEST_TIMEOUT,
    EmulatorServer,
    EmulatorTransport,
    Serving,
    to_emu_request,
)
from ledgerlink.emulation.control import CONTROL_PREFIX, Control
from ledgerlink.emulation.faults import SERVER_ERROR, SHARE_NAMES, Faults, parse_shares
from ledgerlink.emulation.limits import AccountLimits, Limits
from ledgerlink.emulation.messages import EmuRequest, EmuResponse, Handler, json_answer
from ledgerlink.emulation.pdf import document_pdf
from ledgerlink.emulation.routes import Route, RouteMatch, RouteTable
from ledgerlink.emulation.serving import (
    EmulatorRegistry,
    EmulatorSpec,
    FaultyHandler,
    oauth_connection,
    run_emulator,
    serve_main,
    stop_on_signals,
)
from ledgerlink.emulation.statefile import load_state, save_state, versioned
from ledgerlink.emulation.tokens import Issued, TokenRules, TokenServer, consent_redirect

__all__ = [
    "CONTROL_PREFIX",
    "HOST",
    "REQUEST_TIMEOUT",
    "SERVER_ERROR",
    "SHARE_NAMES",
    "AccountLimits",
    "Control",
    "EmuRequest",
    "EmuResponse",
    "EmulatorBase",
    "EmulatorRegistry",
    "EmulatorServer",
    "EmulatorSpec",
    "EmulatorTransport",
    "Faults",
    "FaultyHandler",
    "Handler",
    "Issued",
    "Limits",
    "Route",
    "RouteMatch",
    "RouteTable",
    "Serving",
    "TokenRules",
    "TokenServer",
    "consent_redirect",
    "document_pdf",
    "json_answer",
    "load_state",
    "oauth_connection",
    "parse_shares",
    "run_emulator",
    "save_state",
    "serve_main",
    "stop_on_signals",
    "to_emu_request",
    "versioned",
]
