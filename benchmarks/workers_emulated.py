"""Emulated QuickBooks and Dinero accounts for the worker benchmark (workers.py).

Each provider's emulator runs as a real HTTP server on 127.0.0.1 in its own
spawned process (its CPU is the provider's, not the workers'), like bulk.py's,
with the provider's documented limits and 500 ms latency per call, time-scaled
by ``scale`` (limits' windows and latency alike). Every emulated company of the
benchmark is its own account there: its own QuickBooks realm or Dinero
organisation, with its own authorisation code, traded for tokens kept in the
workers' store under the connector's key.

What the benchmark reads back comes from the emulator's own state: the work
orders billed, and billed by more than one invoice line (duplicates), from the
keys ledgerlink leaves on the invoices, and the 429 answers from the
emulator's throttle counter.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from multiprocessing.connection import Connection
from typing import Any

import httpx

from ledgerlink.http.oauth import ClientCredentials, exchange_code
from ledgerlink.store import Store

#: A provider call's latency, in emulated seconds.
LATENCY = 0.5
#: The kinds of book a company of the benchmark may have, in the order they are dealt.
KINDS = ("sandbox", "quickbooks", "dinero")


def _quickbooks(scale: float, accounts: int) -> tuple[Any, list[dict[str, Any]]]:
    from ledgerlink_quickbooks import emulator as qbo

    emulator = qbo.QuickBooksEmulator(limits=qbo.Limits(per_minute=500, in_flight=10,
                                                        batch_per_minute=40),
                                      time_scale=scale, latency=LATENCY)
    setups = []
    for index in range(accounts):
        realm = f"9130{index:012d}"
        emulator.add_realm(realm, home_currency="DKK")
        item = emulator.seed(realm, "Item", {"Name": "Services", "Type": "Service"})["Id"]
        setups.append({"account": realm, "code": emulator.authorize(realm), "item": item})
    return emulator, setups


def _dinero(scale: float, accounts: int) -> tuple[Any, list[dict[str, Any]]]:
    from ledgerlink_dinero import emulator as dinero

    emulator = dinero.DineroEmulator(limits=dinero.Limits(per_minute=100), time_scale=scale,
                                     latency=LATENCY)
    setups = []
    for index in range(accounts):
        organisation = f"71{index:07d}"
        emulator.add_organisation(organisation)
        setups.append({"account": organisation, "code": emulator.authorize(organisation)})
    return emulator, setups


def _billed_quickbooks(emulator: Any) -> Counter[str]:
    from ledgerlink_quickbooks.keys import parse_note

    billed: Counter[str] = Counter()
    for realm_id, realm in emulator.realms.items():
        for invoice in realm.entities.get("Invoice", {}).values():
            _key, lines = parse_note(invoice.get("PrivateNote"))
            # a work order's lines share its key: counted once an invoice
            billed.update({f"{realm_id}:{line}" for line in lines if line})
    return billed


def _billed_dinero(emulator: Any) -> Counter[str]:
    from ledgerlink_dinero.keys import line_key

    billed: Counter[str] = Counter()
    for organisation_id, organisation in emulator.organisations.items():
        for invoice in organisation.invoices.values():
            if invoice.deleted_at is not None:
                continue
            # a work order's lines share its key: counted once an invoice
            keys = {line_key(line.get("Comments"))
                    for line in invoice.data.get("ProductLines") or []}
            billed.update(f"{organisation_id}:{key}" for key in keys if key)
    return billed


def serve(conn: Connection, kind: str, scale: float, accounts: int) -> None:
    """The ``kind`` emulator with ``accounts`` accounts, served until told to stop."""
    emulator, setups = (_quickbooks if kind == "quickbooks" else _dinero)(scale, accounts)
    billed_of = _billed_quickbooks if kind == "quickbooks" else _billed_dinero
    with emulator.serve() as server:
        conn.send((server.base_url, setups))
        while conn.recv() != "stop":  # every other message asks for the figures
            billed = billed_of(emulator)
            conn.send({"rejected": emulator.throttle.rejected, "billed": len(billed),
                       "duplicates": sum(1 for count in billed.values() if count > 1),
                       "requests": len(emulator.requests)})


class Emulated:
    """One provider's emulator process with ``accounts`` accounts."""

    def __init__(self, kind: str, scale: float, accounts: int) -> None:
        self.kind = kind
        self._ours, theirs = multiprocessing.Pipe()
        self._child = multiprocessing.get_context("spawn").Process(
            target=serve, args=(theirs, kind, scale, accounts), daemon=True)
        self._child.start()
        if not self._ours.poll(180):
            raise RuntimeError(f"the {kind} emulator did not start (see its traceback)")
        self.base_url, self.setups = self._ours.recv()
        self._next = 0

    def connect(self, store: Store) -> tuple[dict[str, Any], dict[str, str]]:
        """The next account, its tokens in ``store``: the company's options and secrets."""
        setup = self.setups[self._next]
        self._next += 1
        if self.kind == "quickbooks":
            from ledgerlink_quickbooks import emulator as qbo
            from ledgerlink_quickbooks.settings import endpoints_at

            client = ClientCredentials(qbo.DEFAULT_CLIENT_ID, qbo.DEFAULT_CLIENT_SECRET)
            endpoints = endpoints_at(self.base_url)
            options: dict[str, Any] = {"realm_id": setup["account"],
                                       "default_item": setup["item"]}
        else:
            from ledgerlink_dinero import emulator as dinero
            from ledgerlink_dinero import settings

            client = ClientCredentials(dinero.DEFAULT_CLIENT_ID, dinero.DEFAULT_CLIENT_SECRET)
            endpoints = settings.endpoints_at(self.base_url)
            options = {"organisation_id": setup["account"]}
        with httpx.Client(base_url=self.base_url) as http:
            exchange_code(http, endpoints, client, code=setup["code"],
                          redirect_uri="https://x/cb", store=store,
                          key=f"{self.kind}:{setup['account']}", provider=self.kind)
        options.update({"client_id": client.client_id, "base_url": self.base_url})
        return options, {"client_secret": client.client_secret}

    @property
    def pid(self) -> int:
        """The emulator process's id."""
        assert self._child.pid is not None
        return self._child.pid

    def stats(self) -> dict[str, int]:
        """Work orders billed, duplicates, 429 answers and requests, from the emulator."""
        self._ours.send("stats")
        answer: dict[str, int] = self._ours.recv()
        return answer

    def stop(self) -> None:
        self._ours.send("stop")
        self._child.join(timeout=10)
