"""Internal: conformance rules for the world around a connector: the runner's threads share one
instance, and a provider (or a proxy in front of it) may answer nonsense."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerlink.connector import BatchItem, Capability, Connector
from ledgerlink.errors import ProviderError
from ledgerlink.testing.conformance.base import SuiteBase
from ledgerlink.testing.factories import (
    make_customer,
    make_invoice_draft,
    make_invoice_line,
    make_product,
    unique_id,
)

__all__ = ["GARBAGE", "GarbageTransport", "RobustnessRules"]

#: Calls made at once on one connector (the runner's default pool is of this order).
THREADS = 8
#: A provider id no provider issued; the garbage answers never let one through anyway.
SOME_ID = "1001"

_JSON = "application/json"
#: Answers no provider gives to a successful request, each with status 200: what a
#: broken proxy, a captive portal or a half-deployed API sends instead.
GARBAGE: dict[str, tuple[str, bytes]] = {
    "invalid-json": (_JSON, b'{"Id": "1", "Total": '),
    "empty-body": (_JSON, b""),
    "html-page": ("text/html; charset=utf-8",
                  b"<!DOCTYPE html><html><body><h1>Please sign in</h1></body></html>"),
    "json-array": (_JSON, b"[]"),
    "json-null": (_JSON, b"null"),
    "json-string": (_JSON, b'"ok"'),
    "object-without-id": (_JSON, b'{"status": "ok"}'),
}
#: Operations that return nothing may take an empty 200 as done (many APIs answer so).
EMPTY_IS_DONE = frozenset({"send", "delete"})


class GarbageTransport(httpx.BaseTransport):
    """Answers every request with one kind of :data:`GARBAGE`, and counts them."""

    def __init__(self, kind: str) -> None:
        self.content_type, self.body = GARBAGE[kind]
        self.requests = 0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """The garbage answer, status 200."""
        request.read()
        with self._lock:
            self.requests += 1
        return httpx.Response(200, headers={"content-type": self.content_type},
                              content=self.body, request=request)


Operation = Callable[[Connector], Any]


def _operations(capabilities: frozenset[Capability]) -> Iterator[tuple[str, Operation]]:
    """Every operation that reads an answer, for what the connector declares."""
    customer, product = make_customer(), make_product()
    draft = make_invoice_draft(customer=customer)
    today = date.today()
    yield "find_customer", lambda c: c.find_customer(customer)
    yield "create_customer", lambda c: c.create_customer(customer)
    yield "find_product", lambda c: c.find_product(product)
    yield "create_product", lambda c: c.create_product(product)
    yield "find_invoice", lambda c: c.find_invoice(draft.key)
    yield "find_invoices", lambda c: c.find_invoices([draft.key, unique_id("invoice")])
    yield "get_invoice", lambda c: c.get_invoice(SOME_ID)
    yield "create_invoice", lambda c: c.create_invoice(draft, SOME_ID, {})
    yield "list_invoices", lambda c: list(c.list_invoices(SOME_ID, today, today))
    optional: dict[Capability, tuple[str, Operation]] = {
        Capability.DRAFTS: ("replace_lines", lambda c: c.replace_lines(
            SOME_ID, "k", [make_invoice_line(source_key="k")], {})),
        Capability.BOOKING: ("book", lambda c: c.book(SOME_ID)),
        Capability.EMAIL: ("send", lambda c: c.send(SOME_ID)),
        Capability.PDF: ("pdf", lambda c: c.pdf(SOME_ID)),
        Capability.VOID: ("void", lambda c: c.void(SOME_ID)),
        Capability.DELETE: ("delete", lambda c: c.delete(SOME_ID)),
        Capability.CREDIT_NOTES: ("credit", lambda c: c.credit(SOME_ID, unique_id("credit"))),
        Capability.PAYMENTS: ("register_payment",
                              lambda c: c.register_payment(SOME_ID, Decimal("1.00"), today)),
        Capability.CHANGE_FEED: ("changes",
                                 lambda c: c.changes(datetime.now(UTC) - timedelta(hours=1))),
        Capability.CUSTOMER_UPDATES: ("update_customer",
                                      lambda c: c.update_customer(SOME_ID, customer)),
        Capability.BATCH: ("create_invoices", lambda c: _all_refused(
            c.create_invoices([BatchItem(draft, SOME_ID)], {}))),
    }
    for capability, operation in optional.items():
        if capability in capabilities:
            yield operation


def _all_refused(results: Any) -> None:
    """A batch answered with garbage: each item must carry a ProviderError."""
    assert len(results) == 1 and all(isinstance(r, ProviderError) for r in results), (
        f"a garbage batch answer became {results!r}")


def _holds_http_client(connector: object) -> bool:
    """Whether ``connector`` keeps an httpx client, directly or one attribute down."""
    for value in vars(connector).values():
        if isinstance(value, httpx.Client):
            return True
        inner = getattr(value, "__dict__", {})
        if any(isinstance(v, httpx.Client) for v in inner.values()):
            return True
    return False


class RobustnessRules(SuiteBase):
    """One instance serves many threads; malformed answers become ProviderError."""

    def test_one_connector_serves_many_threads(self, connector: Connector) -> None:
        """The runner shares one connector between its worker threads (up to
        ``max_in_flight`` calls at once; 1 means it calls from one thread): concurrent
        creates, look-ups and bookings on one instance all come out right."""
        cap = getattr(connector, "max_in_flight", None)
        threads = THREADS if cap is None else min(THREADS, cap)
        customers = [make_customer() for _ in range(THREADS)]
        drafts = [make_invoice_draft(customer=c) for c in customers]
        with ThreadPoolExecutor(threads) as pool:
            refs = list(pool.map(connector.create_customer, customers))
            found_refs = list(pool.map(connector.find_customer, customers))
            created = list(pool.map(lambda d, r: connector.create_invoice(d, r, {}),
                                    drafts, refs))
            found = list(pool.map(connector.find_invoice, [d.key for d in drafts]))
            booked = (list(pool.map(lambda i: i if i.booked else connector.book(i.provider_id),
                                    created)) if self.can_book(connector) else [])
        assert found_refs == refs and len(set(refs)) == THREADS
        assert [i.provider_id if i else None for i in found] == [i.provider_id for i in created]
        assert [i.customer_ref for i in created] == refs
        assert len({i.provider_id for i in created}) == THREADS
        numbers = sorted(str(b.number) for b in booked)
        assert len(set(numbers)) == len(booked), f"two bookings got one number: {numbers}"

    @pytest.mark.parametrize("kind", list(GARBAGE))
    def test_malformed_answers_become_provider_errors(
        self, kind: str, connector: Connector, tmp_path: Path
    ) -> None:
        """Every operation answered with nonsense under status 200 raises ProviderError
        (TransientProviderError where a write's outcome is unknown), never another
        exception and never a made-up result. A connector that is not HTTP says so
        with ``http = False``, which this test checks."""
        if not self._declares_http(connector):
            return
        escaped: list[str] = []
        for index, (name, operation) in enumerate(_operations(connector.capabilities)):
            transport = GarbageTransport(kind)
            answered = self.make_connector_on(tmp_path / f"{name}-{index}", transport)
            try:
                result = operation(answered)
            except ProviderError:
                continue
            except Exception as err:  # what escaped is the finding
                escaped.append(f"{name} raised {type(err).__name__}: {err}")
                continue
            finally:
                answered.close()
            if transport.requests == 0:
                escaped.append(f"{name} made no request through make_connector_on's transport")
            elif not (kind == "empty-body" and name in EMPTY_IS_DONE):
                escaped.append(f"{name} returned {result!r}")
        assert not escaped, f"answered {kind}:\n" + "\n".join(escaped)

    def _declares_http(self, connector: Connector) -> bool:
        """True for an HTTP connector; asserts a non-HTTP declaration is true."""
        assert self.http is not None, (
            f"{type(self).__name__} must declare http = True (and implement "
            "make_connector_on(tmp_path, transport)) or http = False for a connector "
            "that makes no HTTP requests")
        if self.http:
            return True
        assert type(self).make_connector_on is SuiteBase.make_connector_on, (
            "http = False, yet make_connector_on is implemented")
        assert not _holds_http_client(connector), "http = False, yet it holds an httpx client"
        return False
