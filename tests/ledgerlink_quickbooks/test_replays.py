"""Replayed refusals and unreadable answers: a write cut off mid-request is not trapped by
the refusal QuickBooks stored for its requestid, and a send is counted only on QuickBooks'
word that it e-mailed the invoice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ledgerlink
from ledgerlink.connector import BatchItem
from ledgerlink.domain import Company, RemoteInvoice
from ledgerlink.emulation import to_emu_request
from ledgerlink.errors import ProviderError, TransientProviderError
from ledgerlink.policy import BillingPolicy
from ledgerlink.settling import CONFIRMED
from ledgerlink.testing.factories import make_customer, make_invoice_draft, make_work_order
from ledgerlink_quickbooks import QuickBooksConnector, replays
from ledgerlink_quickbooks.emulator import QuickBooksEmulator
from tests.ledgerlink_quickbooks.support import build_connector

COMPANY = Company("Test Company Inc", policy=BillingPolicy(send=True), currency="USD",
                  time_zone="UTC")
Rule = Callable[[httpx.Request], httpx.Response | None]


class Tamper(httpx.BaseTransport):
    """The emulator's own transport, except for the requests ``rule`` answers itself."""

    def __init__(self, emulator: QuickBooksEmulator, rule: Rule) -> None:
        self.inner = emulator.transport()
        self.rule = rule

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.rule(request) or self.inner.handle_request(request)


def cut_off_once(emulator: QuickBooksEmulator, suffix: str) -> Rule:
    """The first POST to a path ending in ``suffix`` reaches QuickBooks without its body
    (the client was killed after the headers), and the client never hears back."""
    done: list[bool] = []

    def rule(request: httpx.Request) -> httpx.Response | None:
        if done or request.method != "POST" or not request.url.path.endswith(suffix):
            return None
        done.append(True)
        emulator.handle(attrs.evolve(to_emu_request(request), body=b""))
        raise httpx.ReadError("the connection was cut", request=request)

    return rule


def _invoices(emulator: QuickBooksEmulator,
              quickbooks: QuickBooksConnector) -> list[dict[str, object]]:
    return list(emulator.realms[quickbooks.realm_id].entities["Invoice"].values())


def test_a_batch_cut_off_mid_request_is_looked_up_and_sent_again(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """The stored 400 for the batch's requestid is replayed to its retry; the thirty
    invoices are looked up, sent again under a new requestid, and made once each; a re-run
    meets the stored 400 again, finds all thirty and writes nothing."""
    quickbooks = build_connector(emulator, tmp_path, transport=Tamper(emulator, cut_off_once(
        emulator, "/batch")))
    try:
        customer = make_customer(currency="USD")
        ref = quickbooks.create_customer(customer)
        items = [BatchItem(make_invoice_draft(customer=customer, key=f"inv:cut-{n}"), ref)
                 for n in range(30)]
        created = quickbooks.create_invoices(items, {})
        assert all(isinstance(r, RemoteInvoice) for r in created)
        assert [r.key for r in created if isinstance(r, RemoteInvoice)] == [
            i.draft.key for i in items]
        refused = [r for r in emulator.requests if r.path == "batch" and r.status == 400]
        assert refused and all(r.replayed for r in refused[1:])
        assert sorted(str(i["DocNumber"]) for i in _invoices(emulator, quickbooks)) == sorted(
            f"cut-{n}" for n in range(30))

        since = len(emulator.requests)
        again = quickbooks.create_invoices(items, {})
        assert [r.provider_id for r in again if isinstance(r, RemoteInvoice)] == [
            r.provider_id for r in created if isinstance(r, RemoteInvoice)]
        batches = [r for r in emulator.requests[since:] if r.path == "batch"]
        assert [(r.status, r.replayed) for r in batches] == [(400, True)]
        assert len(_invoices(emulator, quickbooks)) == 30
    finally:
        quickbooks.close()


def test_thirty_work_orders_cut_off_mid_batch_are_invoiced_in_one_run(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """The issue's case end to end: a run whose first batch was cut off after its headers
    still invoices all thirty work orders, each once."""
    quickbooks = build_connector(emulator, tmp_path, transport=Tamper(emulator, cut_off_once(
        emulator, "/batch")))
    try:
        customer = make_customer(currency="USD")
        # Linked up front: the first write of the run is the batch.
        quickbooks.create_customer(customer)
        orders = [make_work_order(customer=customer) for _ in range(30)]
        company = attrs.evolve(COMPANY, policy=BillingPolicy(send=False))
        result = ledgerlink.invoice(orders, [customer], company, quickbooks,
                                    store=tmp_path / "j.db")
        assert result.summary["invoices_created"] == 30
        assert sorted(str(i["DocNumber"]) for i in _invoices(emulator, quickbooks)) == sorted(
            o.id for o in orders)
    finally:
        quickbooks.close()


def test_a_single_create_cut_off_mid_request_is_sent_again(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """A create whose stored answer is the 2010 "cannot parse" refusal goes out again under
    the next requestid and makes the invoice once."""
    quickbooks = build_connector(emulator, tmp_path, transport=Tamper(emulator, cut_off_once(
        emulator, "/invoice")))
    try:
        customer = make_customer(currency="USD")
        ref = quickbooks.create_customer(customer)
        created = quickbooks.create_invoice(make_invoice_draft(customer=customer, key="inv:one"),
                                            ref, {})
        assert [i["Id"] for i in _invoices(emulator, quickbooks)] == [created.provider_id]
        codes = [r.status for r in emulator.requests if r.path == "invoice"]
        assert codes[:2] == [400, 400] and codes[-1] == 200
    finally:
        quickbooks.close()


def test_a_body_that_really_is_malformed_stays_refused(quickbooks: QuickBooksConnector,
                                                       emulator: QuickBooksEmulator) -> None:
    """A body QuickBooks cannot parse is refused under each of the three requestids and the
    refusal keeps QuickBooks' own words; nothing loops beyond them."""
    with pytest.raises(ProviderError) as caught:
        replays.post(quickbooks.api.http, quickbooks.realm_id, "/invoice", b'{"Line": [',
                     "create-invoice", "inv:broken")
    assert caught.value.code == "2010"
    assert "failed to parse json object" in caught.value.message
    sent = [r for r in emulator.requests if r.path == "invoice"]
    assert len(sent) == replays.GENERATIONS
    assert len({r.requestid for r in sent}) == replays.GENERATIONS


def test_other_refusals_are_not_retried(quickbooks: QuickBooksConnector,
                                        emulator: QuickBooksEmulator) -> None:
    """A refusal of the content (an unknown customer) is answered once, not sent again."""
    body = b'{"CustomerRef": {"value": "999"}, "Line": []}'
    with pytest.raises(ProviderError):
        replays.post(quickbooks.api.http, quickbooks.realm_id, "/invoice", body,
                     "create-invoice", "inv:x")
    assert len([r for r in emulator.requests if r.path == "invoice"]) == 1


@given(st.text(max_size=60), st.integers(0, 5), st.integers(0, 5))
def test_generations_give_distinct_stable_keys(key: str, first: int, second: int) -> None:
    """Each generation of a write has its own requestid key, the same on every run."""
    assert replays.generation_key(key, 0) == key
    assert replays.generation_key(key, first) == replays.generation_key(key, first)
    if first != second:
        assert replays.generation_key(key, first) != replays.generation_key(key, second)


# --- a send answered with something other than the e-mailed invoice ---------------------


def garbled_send_once(emulator: QuickBooksEmulator, body: bytes) -> Rule:
    """The first send is carried out by QuickBooks, but its 200 answer arrives as ``body``."""
    done: list[bool] = []

    def rule(request: httpx.Request) -> httpx.Response | None:
        if done or not request.url.path.endswith("/send"):
            return None
        done.append(True)
        emulator.transport().handle_request(request)
        return httpx.Response(200, content=body, headers={"content-type": "text/html"},
                              request=request)

    return rule


@pytest.mark.parametrize("body", [b"<html>upstream hiccup</html>", b"", b'{"time": "now"}',
                                  b'{"Invoice": {"Id": "0", "EmailStatus": "EmailSent"}}'])
def test_a_send_answered_200_without_the_sent_invoice_is_ambiguous(
    emulator: QuickBooksEmulator, tmp_path: Path, body: bytes
) -> None:
    """HTML, nothing, JSON without the invoice or another invoice: TransientProviderError,
    never a quiet success."""
    quickbooks = build_connector(emulator, tmp_path,
                                 transport=Tamper(emulator, garbled_send_once(emulator, body)))
    try:
        customer = make_customer(currency="USD")
        ref = quickbooks.create_customer(customer)
        invoice = quickbooks.create_invoice(make_invoice_draft(customer=customer), ref, {})
        with pytest.raises(TransientProviderError, match="send-invoice: malformed answer"):
            quickbooks.send(invoice.provider_id)
    finally:
        quickbooks.close()


def test_a_garbled_send_answer_is_settled_without_a_second_email(
    emulator: QuickBooksEmulator, tmp_path: Path
) -> None:
    """The run does not take the garbled answer as e-mailed: it asks QuickBooks, which says
    the invoice was sent, and records that; the customer gets one e-mail and the next run
    has nothing left to do."""
    quickbooks = build_connector(emulator, tmp_path, transport=Tamper(
        emulator, garbled_send_once(emulator, b"<html>upstream hiccup</html>")))
    try:
        customer = make_customer(currency="USD")
        order = make_work_order(customer=customer)
        journal = tmp_path / "j.db"
        first = ledgerlink.invoice([order], [customer], COMPANY, quickbooks, store=journal)
        assert first.ok and first.summary["emailed"] == 1
        assert [e.message for e in first.log if e.action == "send"] == [CONFIRMED]
        second = ledgerlink.invoice([order], [customer], COMPANY, quickbooks, store=journal)
        assert second.recovered == () and second.summary["emailed"] == 0
        emails = [e for e in emulator.events(quickbooks.realm_id) if e.operation == "Emailed"]
        assert len(emails) == 1
    finally:
        quickbooks.close()
