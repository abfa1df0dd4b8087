"""Recorded cassettes pin the QuickBooks wire format of each connector flow.

Each flow replays from a committed cassette (record mode ``none``): requests must
match the recording on method, path, query (minorversion, requestid...) and body,
so any change to what the connector sends fails here. Secrets are scrubbed from
every cassette by the HTTP layer's hooks. To re-record against the emulator
(served on 127.0.0.1), run with ``LEDGERLINK_RECORD_CASSETTES=1``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import vcr

from ledgerlink import Address, Customer, InvoiceDraft, InvoiceLine
from ledgerlink.http.limits import LimiterRegistry
from ledgerlink.http.oauth import MemoryTokenStore, Token
from ledgerlink.http.redact import scrub_cassette_request, scrub_cassette_response
from ledgerlink_quickbooks import QuickBooksConnector
from ledgerlink_quickbooks.emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    QuickBooksEmulator,
)

CASSETTES = Path(__file__).with_name("cassettes")
RECORD = os.environ.get("LEDGERLINK_RECORD_CASSETTES") == "1"
REALM = "4620816365"
#: Never contacted when replaying: vcrpy answers before any connection is made.
REPLAY_BASE = "http://127.0.0.1:9"
CUSTOMER = Customer(id="cas-1", name="Cassette Customer", email="ap@cassette.example",
                    currency="USD", address=Address("1 Main St", "94043", "Mountain View",
                                                    "US"))


def _draft(key: str) -> InvoiceDraft:
    return InvoiceDraft(key, CUSTOMER.id, "USD", date(2026, 11, 22), date(2026, 12, 22),
                        [InvoiceLine("Repair", Decimal(2), Decimal("95"), Decimal(0),
                                     source_key="wo:WO-CAS-1")])


@contextmanager
def _book(name: str) -> Iterator[tuple[QuickBooksConnector, dict[str, Any]]]:
    """A connector replaying (or recording) the cassette ``name``, plus recording context."""
    recorder = vcr.VCR(
        record_mode="all" if RECORD else "none",
        match_on=["method", "path", "query", "body"],
        before_record_request=scrub_cassette_request,
        before_record_response=scrub_cassette_response,
        decode_compressed_response=True,
    )
    tokens = MemoryTokenStore()
    context: dict[str, Any] = {}
    if RECORD:
        emulator = QuickBooksEmulator()
        emulator.add_realm(REALM, home_currency="USD")
        context["item"] = emulator.seed(REALM, "Item", {"Name": "Services", "Type": "Service"})
        tokens.save_token(f"quickbooks:{REALM}", Token.from_response(
            emulator.connect(REALM), now=time.time()).to_dict())
        with emulator.serve() as server, recorder.use_cassette(str(CASSETTES / name)):
            yield _connector(server.base_url, tokens), context
        return
    if not (CASSETTES / name).exists():
        pytest.fail(f"cassette {name} is missing: record it with LEDGERLINK_RECORD_CASSETTES=1")
    tokens.save_token(f"quickbooks:{REALM}", {"access_token": "replayed", "refresh_token":
                                              "replayed", "expires_at": time.time() + 3600})
    with recorder.use_cassette(str(CASSETTES / name)):
        yield _connector(REPLAY_BASE, tokens), context


def _connector(base: str, tokens: MemoryTokenStore) -> QuickBooksConnector:
    # The default item is the emulator's first Item id in a fresh realm.
    return QuickBooksConnector(realm_id=REALM, client_id=DEFAULT_CLIENT_ID,
                               client_secret=DEFAULT_CLIENT_SECRET, token_store=tokens,
                               base_url=base, default_item="1", limiters=LimiterRegistry())


def test_create_customer() -> None:
    """Creating a customer sends the recorded Customer body and reads its Id back."""
    with _book("create_customer.yaml") as (book, _):
        assert book.create_customer(CUSTOMER)


def test_create_invoice_send_and_pdf() -> None:
    """Create, send and download: the invoice is numbered by the work order and sent."""
    with _book("invoice_send_pdf.yaml") as (book, _):
        ref = book.create_customer(CUSTOMER)
        invoice = book.create_invoice(_draft("inv:WO-CAS-1"), ref, {})
        assert invoice.number == "WO-CAS-1"
        assert invoice.total == Decimal("190.00")
        book.send(invoice.provider_id)
        assert book.get_invoice(invoice.provider_id).sent
        assert book.pdf(invoice.provider_id).startswith(b"%PDF")


def test_void_and_delete() -> None:
    """Void zeroes and marks one invoice; delete removes another."""
    with _book("void_delete.yaml") as (book, _):
        ref = book.create_customer(CUSTOMER)
        first = book.create_invoice(_draft("inv:WO-CAS-1"), ref, {})
        assert book.void(first.provider_id).voided
        second = book.create_invoice(_draft("inv:WO-CAS-2"), ref, {})
        book.delete(second.provider_id)


def test_cassettes_hold_no_secrets() -> None:
    """No bearer token, refresh token or client secret appears in any cassette."""
    texts = [path.read_text() for path in CASSETTES.glob("*.yaml")]
    assert texts, "cassettes are committed"
    for text in texts:
        assert "Bearer ey" not in text
        assert DEFAULT_CLIENT_SECRET not in text
        assert "RT1-" not in text  # the emulator's refresh tokens
