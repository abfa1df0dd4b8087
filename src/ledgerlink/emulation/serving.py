"""Internal: serving an emulator in a process of its own, for tests (:func:`serve_main`) and for
users (``ledgerlink emulate NAME``, from what plugins register as :class:`EmulatorSpec`).

A provider plugin registers its emulator with the ``ledgerlink_register_emulators``
hook; :func:`run_emulator` builds one, loads the company state kept in a file,
makes the company a user connects to, serves on 127.0.0.1 until told to stop,
and saves the state again.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, Generic, Protocol, TypeVar

import attrs

from ledgerlink.emulation.carriers import EmulatorServer
from ledgerlink.emulation.control import CONTROL_PREFIX, Control
from ledgerlink.emulation.faults import Faults, parse_shares
from ledgerlink.emulation.messages import Handler
from ledgerlink.emulation.statefile import load_state, save_state

__all__ = [
    "EmulatorRegistry",
    "EmulatorSpec",
    "FaultyHandler",
    "oauth_connection",
    "run_emulator",
    "serve_main",
    "stop_on_signals",
]

#: What an emulator may be called (the rule connector names follow).
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


class FaultyHandler(Handler, Protocol):
    """An emulator with injectable faults (every provider emulator is)."""

    faults: Faults


E = TypeVar("E", bound=FaultyHandler)


@attrs.frozen
class EmulatorSpec(Generic[E]):
    """What a plugin registers so ``ledgerlink emulate NAME`` can serve its emulator.

    Attributes:
        name: The name on the command line (usually the connector's).
        description: One line for listings.
        build: Makes a fresh emulator.
        control: The test-only paths of a served emulator (state, authorize, connect).
        prepare: Makes (or finds, after a restored state) the company or
            organisation a user connects to; returns its id.
        connection: How to connect, given the emulator, its base URL and the
            id ``prepare`` returned: labelled values such as ``client_id``,
            ``client_secret``, ``authorize_url``, ``connect_command``.
        dump: The emulator's company state, JSON-ready (decimals allowed).
        load: Restores what ``dump`` returned.
    """

    name: str
    description: str
    build: Callable[[], E]
    control: Callable[[E], Control]
    prepare: Callable[[E], str]
    connection: Callable[[E, str, str], Mapping[str, object]]
    dump: Callable[[E], object]
    load: Callable[[E, Any], None]


class EmulatorRegistry:
    """Handed to ``ledgerlink_register_emulators``: the emulators by name."""

    def __init__(self) -> None:
        self._specs: dict[str, EmulatorSpec[Any]] = {}

    def register(self, spec: EmulatorSpec[Any]) -> None:
        """Add ``spec`` under its name.

        Raises:
            ValueError: a name that is not 1-40 lower-case letters, digits, ``-``
                and ``_``, or one already registered.
        """
        if not _NAME.match(spec.name):
            raise ValueError(f"an emulator named {spec.name!r}: names are 1-40 lower-case "
                             f"letters, digits, '-' and '_'")
        if spec.name in self._specs:
            raise ValueError(f"an emulator named {spec.name!r} is already registered")
        self._specs[spec.name] = spec

    def merge(self, other: EmulatorRegistry) -> list[str]:
        """Take ``other``'s emulators; return the names refused as already taken."""
        taken = [name for name in other.names() if name in self._specs]
        for name in other.names():
            if name not in taken:
                self._specs[name] = other.get(name)
        return taken

    def get(self, name: str) -> EmulatorSpec[Any]:
        """The emulator registered as ``name``.

        Raises:
            KeyError: none is.
        """
        return self._specs[name]

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._specs)

    def __iter__(self) -> Iterator[EmulatorSpec[Any]]:
        return iter(self._specs[name] for name in self.names())


def oauth_connection(*, provider: str, base_url: str, client_id: str, client_secret: str,
                     consent_host: str, consent_path: str, callback: str, account_option: str,
                     account: str, options: Mapping[str, str] | None = None,
                     connect_options: str = "") -> dict[str, object]:
    """How to connect to a served emulator of a provider using OAuth's authorization code:
    what ``ledgerlink emulate`` prints for it.

    Args:
        provider: The connector's name (``ledgerlink PROVIDER connect``).
        base_url: Where the emulator listens.
        client_id: The client id the emulator knows.
        client_secret: Its secret (a public test credential).
        consent_host: The real consent page's origin, which ``connect`` prints.
        consent_path: The consent page's path, the same on the emulator.
        callback: What the redirect carries, in words (``code and state``).
        account_option: The connector option naming the account (``realm_id``).
        account: The account the emulator made.
        options: Further connector options to run with (``default_item``).
        connect_options: Further ``connect`` options, each with its leading space.
    """
    run = {account_option: account, "base_url": base_url, "client_id": client_id,
           "client_secret": client_secret, **(options or {})}
    return {
        "client_id": client_id,
        "client_secret": client_secret,
        account_option: account,
        **(options or {}),
        "authorize_url": base_url + consent_path,
        "authorize_hint": f"open the URL `connect` prints with {consent_host} replaced by "
                          f"{base_url}; it redirects to your redirect URI with {callback} (or "
                          f"POST {base_url}{CONTROL_PREFIX}authorize?account={account} for "
                          f"a code alone)",
        "connect_command": f"ledgerlink {provider} connect --base-url {base_url} --client-id "
                           f"{client_id} --redirect-uri http://127.0.0.1/callback"
                           f"{connect_options} --store ledgerlink.db",
        "run_options": f"--connector {provider} "
                       + " ".join(f"-o {key}={value}" for key, value in run.items()),
    }


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT (Ctrl-C) from now on (call from the main thread)."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    return stop


def _wait(stop: threading.Event) -> None:
    while not stop.wait(timeout=1.0):
        pass  # woken by the signal handler; the timeout keeps signals deliverable


def run_emulator(spec: EmulatorSpec[E], *, stop: threading.Event,
                 announce: Callable[[dict[str, object]], None], port: int = 0,
                 state_file: Path | None = None, shares: Mapping[str, float] | None = None,
                 seed: int | None = None) -> E:
    """Serve ``spec``'s emulator on 127.0.0.1 until ``stop`` is set; return the emulator.

    The state in ``state_file`` is loaded first if the file exists, and the
    state is saved there after serving (even when serving failed). ``announce``
    gets how to connect (``base_url``, ``port``, ``account`` and what
    ``spec.connection`` adds) once the server listens.
    """
    emulator = spec.build()
    if state_file is not None:
        kept = load_state(state_file)
        if kept is not None:
            spec.load(emulator, kept)
    account = spec.prepare(emulator)
    shares = shares or {}
    emulator.faults.randomly(errors=shares.get("5xx", 0.0), throttles=shares.get("429", 0.0),
                             drops=shares.get("drop", 0.0), seed=seed)
    try:
        with EmulatorServer(emulator, spec.control(emulator), port=port) as server:
            info: dict[str, object] = {"emulator": spec.name, "base_url": server.base_url,
                                       "port": int(server.base_url.rsplit(":", 1)[1]),
                                       "account": account}
            info.update(spec.connection(emulator, server.base_url, account))
            announce(info)
            _wait(stop)
    finally:
        if state_file is not None:
            save_state(state_file, spec.dump(emulator))
    return emulator


def _arguments(prog: str, argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=prog, description="Serve the emulator on 127.0.0.1 until stopped; the first "
        "line on stdout is its base URL.")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free)")
    parser.add_argument("--faults", type=parse_shares, default={},
                        help="shares of calls to fail: 5xx=0.1,429=0.05,drop=0.02")
    parser.add_argument("--seed", type=int, default=None, help="seed of the fault draws")
    return parser.parse_args(argv)


def serve_main(prog: str, build: Callable[[], tuple[FaultyHandler, Control]],
               argv: Sequence[str] | None = None) -> int:
    """Serve the emulator ``build`` makes, with faults from the command line, until
    SIGTERM or SIGINT; print its base URL first. Returns the exit status."""
    args = _arguments(prog, argv)
    emulator, control = build()
    emulator.faults.randomly(errors=args.faults.get("5xx", 0.0),
                             throttles=args.faults.get("429", 0.0),
                             drops=args.faults.get("drop", 0.0), seed=args.seed)
    stop = stop_on_signals()
    with EmulatorServer(emulator, control, port=args.port) as server:
        print(server.base_url, flush=True)
        _wait(stop)
    print(f"{prog}: stopped; injected {emulator.faults.injected}", file=sys.stderr)
    return 0
